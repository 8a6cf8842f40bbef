//! Document metadata: the Info dictionary, the XMP packet of the catalog, `/Lang`.

use lopdf::{Dictionary, Document, Object};

use super::objects::{dict_get, stream_bytes};

/// Metadata from Info and XMP; XMP wins where both have a value, as it is the newer record.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Metadata {
    /// Title.
    pub title: Option<String>,
    /// Author(s).
    pub author: Option<String>,
    /// Subject or description.
    pub subject: Option<String>,
    /// Keywords, as one string.
    pub keywords: Option<String>,
    /// Creation date as written (PDF date or ISO 8601).
    pub created: Option<String>,
    /// Modification date (Info `/ModDate`, else XMP `xmp:ModifyDate`).
    pub modified: Option<String>,
    /// The catalog's `/Lang`.
    pub lang: Option<String>,
}

/// Reads the metadata of a document.
pub fn read(doc: &Document) -> Metadata {
    let info = doc.trailer.get(b"Info").ok().map(|o| super::objects::deref(doc, o)).and_then(|o| o.as_dict().ok());
    let info_text = |key: &[u8]| info.and_then(|d| dict_get(doc, d, key)).and_then(object_text);
    let catalog = doc.catalog().ok();
    let xmp = catalog
        .and_then(|c| dict_get(doc, c, b"Metadata"))
        .and_then(|o| stream_bytes(doc, o))
        .map(|b| Xmp(String::from_utf8_lossy(&b).into_owned()));
    let xmp_field = |tag: &str| xmp.as_ref().and_then(|x| x.field(tag));
    Metadata {
        title: xmp_field("dc:title").or_else(|| info_text(b"Title")),
        author: xmp_field("dc:creator").or_else(|| info_text(b"Author")),
        subject: xmp_field("dc:description").or_else(|| info_text(b"Subject")),
        keywords: xmp_field("pdf:Keywords").or_else(|| info_text(b"Keywords")),
        created: info_text(b"CreationDate").or_else(|| xmp_field("xmp:CreateDate")),
        modified: info_text(b"ModDate").or_else(|| xmp_field("xmp:ModifyDate")),
        // `/Lang` first; XMP `dc:language` (a bag: its first entry) when there is none.
        lang: catalog.and_then(|c| lang(doc, c)).or_else(|| xmp_field("dc:language").filter(|l| l != "x-default")),
    }
}

fn lang(doc: &Document, catalog: &Dictionary) -> Option<String> {
    dict_get(doc, catalog, b"Lang").and_then(object_text).filter(|l| !l.trim().is_empty())
}

fn object_text(object: &Object) -> Option<String> {
    match object {
        Object::String(bytes, _) => Some(decode_text_string(bytes)),
        Object::Name(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
        _ => None,
    }
    .map(|s| s.trim_matches(char::from(0)).trim().to_owned())
    .filter(|s| !s.is_empty())
}

/// Decodes a PDF text string: UTF-16BE or UTF-8 after a byte-order mark, else PDFDocEncoding.
pub fn decode_text_string(bytes: &[u8]) -> String {
    if let Some(utf16) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = utf16.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
        return String::from_utf16_lossy(&units);
    }
    if let Some(utf8) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(utf8).into_owned();
    }
    bytes.iter().map(|&b| pdf_doc_char(b)).collect()
}

// PDFDocEncoding is Latin-1 except for 0x18–0x1F and 0x80–0xA0 (PDF 32000-1, Annex D.2).
fn pdf_doc_char(byte: u8) -> char {
    const HIGH: [char; 33] = [
        '•', '†', '‡', '…', '—', '–', 'ƒ', '⁄', '‹', '›', '−', '‰', '„', '“', '”', '‘', '’', '‚', '™', 'ﬁ', 'ﬂ', 'Ł',
        'Œ', 'Š', 'Ÿ', 'Ž', 'ı', 'ł', 'œ', 'š', 'ž', '\u{FFFD}', '€',
    ];
    const LOW: [char; 8] = ['˘', 'ˇ', 'ˆ', '˙', '˝', '˛', '˚', '˜'];
    match byte {
        0x18..=0x1F => LOW[usize::from(byte - 0x18)],
        0x80..=0xA0 => HIGH[usize::from(byte - 0x80)],
        _ => char::from(byte),
    }
}

/// An XMP packet, read by tag search: enough for the few Dublin Core and PDF fields we need,
/// and lenient with the packets real producers write.
struct Xmp(String);

impl Xmp {
    /// The text of `tag`: an element's text, the first `rdf:li` inside it (the `x-default`
    /// one for language alternatives), or an attribute of that name.
    fn field(&self, tag: &str) -> Option<String> {
        let xml = &self.0;
        let open = format!("<{tag}");
        if let Some(start) = xml.find(&open) {
            let after = &xml[start + open.len()..];
            let close = format!("</{tag}>");
            let end = after.find(&close).unwrap_or(after.len().min(4096));
            let body = after.get(after.find('>').map_or(0, |i| i + 1)..end).unwrap_or_default();
            let value = if body.contains("<rdf:li") {
                let items: Vec<&str> = body.split("<rdf:li").skip(1).collect();
                let pick = items.iter().find(|i| i.contains("x-default")).or(items.first())?;
                let text = &pick[pick.find('>')? + 1..];
                text[..text.find('<').unwrap_or(text.len())].to_owned()
            } else {
                body[..body.find('<').unwrap_or(body.len())].to_owned()
            };
            return clean(&unescape(&value));
        }
        // Attribute form: tag="value".
        let attr = format!("{tag}=\"");
        let start = xml.find(&attr)? + attr.len();
        let end = xml[start..].find('"')? + start;
        clean(&unescape(&xml[start..end]))
    }
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

fn clean(text: &str) -> Option<String> {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_strings_decode_utf16_and_pdfdoc() {
        assert_eq!(decode_text_string(b"\xFE\xFF\x00\xC9\x00t\x00\xE9"), "Été");
        assert_eq!(decode_text_string(b"Caf\xE9 \x8Dquoted\x8E \x93t"), "Café “quoted” ﬁt");
    }

    #[test]
    fn xmp_fields_are_found_in_elements_alternatives_and_attributes() {
        let xmp = Xmp(r#"<x:xmpmeta><rdf:RDF><rdf:Description pdf:Keywords="mHealth, apps" xmp:CreateDate="2021-03-04T10:00:00Z">
            <dc:title><rdf:Alt><rdf:li xml:lang="fr">Titre</rdf:li><rdf:li xml:lang="x-default">Telemonitoring &amp; COPD</rdf:li></rdf:Alt></dc:title>
            <dc:creator><rdf:Seq><rdf:li>Ana Silva</rdf:li></rdf:Seq></dc:creator>
            <dc:language><rdf:Bag><rdf:li>pt-PT</rdf:li><rdf:li>en</rdf:li></rdf:Bag></dc:language>
            </rdf:Description></rdf:RDF></x:xmpmeta>"#.to_owned());
        assert_eq!(xmp.field("dc:language").as_deref(), Some("pt-PT"), "the first language of the bag");
        assert_eq!(xmp.field("dc:title").as_deref(), Some("Telemonitoring & COPD"));
        assert_eq!(xmp.field("dc:creator").as_deref(), Some("Ana Silva"));
        assert_eq!(xmp.field("pdf:Keywords").as_deref(), Some("mHealth, apps"));
        assert_eq!(xmp.field("xmp:CreateDate").as_deref(), Some("2021-03-04T10:00:00Z"));
        assert_eq!(xmp.field("dc:description"), None);
    }
}
