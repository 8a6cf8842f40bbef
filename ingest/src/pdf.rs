//! PDF text and metadata extraction with lopdf.
//!
//! This first version relies on lopdf's own text decoding page by page and normalises its
//! output (ligatures, line-end hyphenation, white space); the Info dictionary gives the
//! metadata.

use lopdf::{Dictionary, Document, Object};
use unicode_normalization::UnicodeNormalization;

use crate::PublishedDate;
use crate::error::ExtractError;
use crate::extract::{Extraction, clean_value};

/// Extracts text and metadata from PDF bytes.
pub struct PdfExtractor;

impl PdfExtractor {
    /// Extracts every page's text, joined with blank lines, and the Info metadata.
    pub fn extract(bytes: &[u8]) -> Result<Extraction, ExtractError> {
        let document = Document::load_mem(bytes).map_err(|err| match err {
            lopdf::Error::Decryption(_) | lopdf::Error::InvalidPassword => ExtractError::Encrypted,
            other => ExtractError::Pdf(other.to_string()),
        })?;
        if document.is_encrypted() {
            return Err(ExtractError::Encrypted);
        }
        let pages = document.get_pages();
        let page_count = u32::try_from(pages.len()).unwrap_or(u32::MAX);
        let mut text = String::new();
        let mut page_starts = Vec::new();
        for &page_number in pages.keys() {
            // A page whose content cannot be decoded contributes nothing; the others still count.
            let page_text = document.extract_text(&[page_number]).unwrap_or_default();
            let page_text = normalise_page_text(&page_text);
            if page_number > 1 || !text.is_empty() {
                if !text.is_empty() {
                    text.push_str("\n\n");
                }
                page_starts.push(text.len());
            }
            text.push_str(&page_text);
        }
        if text.split_whitespace().next().is_none() {
            return Err(ExtractError::NoTextLayer { pages: page_count });
        }
        let info = info_dictionary(&document);
        let info_text = |key: &[u8]| info.and_then(|dict| dict.get(key).ok()).and_then(|o| object_text(&document, o));
        let title = info_text(b"Title").and_then(|t| clean_value(&t)).filter(|t| !looks_like_file_name(t));
        let lang_hint = document
            .catalog()
            .ok()
            .and_then(|catalog| catalog.get(b"Lang").ok())
            .and_then(|o| object_text(&document, o));
        Ok(Extraction {
            title,
            text,
            headings: Vec::new(),
            pages: Some(page_count),
            page_starts,
            lang_hint,
            published: info_text(b"CreationDate").and_then(|d| PublishedDate::parse_pdf(&d)),
            modified: info_text(b"ModDate").and_then(|d| PublishedDate::parse_pdf(&d)),
            description: info_text(b"Subject").and_then(|s| clean_value(&s)),
            author: info_text(b"Author").and_then(|s| clean_value(&s)),
            keywords: info_text(b"Keywords")
                .map(|k| k.split([',', ';']).filter_map(clean_value).collect())
                .unwrap_or_default(),
            url: None,
        })
    }
}

fn info_dictionary(document: &Document) -> Option<&Dictionary> {
    let info = document.trailer.get(b"Info").ok()?;
    document.dereference(info).ok()?.1.as_dict().ok()
}

fn object_text(document: &Document, object: &Object) -> Option<String> {
    let (_, object) = document.dereference(object).ok()?;
    match object {
        Object::String(bytes, _) => Some(decode_text_string(bytes)),
        Object::Name(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
        _ => None,
    }
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

fn looks_like_file_name(title: &str) -> bool {
    let lower = title.to_ascii_lowercase();
    [".doc", ".docx", ".odt", ".pdf", ".indd", ".tex", ".dvi"].iter().any(|ext| lower.ends_with(ext))
        || lower.starts_with("microsoft word - ")
        || lower == "untitled"
}

/// Normalises extracted page text: compatibility forms folded (ligatures such as "ﬁ" become
/// "fi"), soft hyphens removed, words hyphenated across a line end joined, spaces collapsed
/// within lines, and single line breaks inside a paragraph kept as line breaks.
pub fn normalise_page_text(raw: &str) -> String {
    let text: String = raw.nfkc().filter(|&c| c != '\u{AD}').collect();
    let mut out = String::with_capacity(text.len());
    let lines: Vec<String> = text.lines().map(|line| line.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
    let mut i = 0;
    while i < lines.len() {
        let line = &lines[i];
        if line.is_empty() {
            if !out.is_empty() && !out.ends_with("\n\n") {
                out.push('\n');
            }
            i += 1;
            continue;
        }
        // "docu-" at a line end followed by "ment" on the next line is one word.
        let next_starts_lower = lines.get(i + 1).and_then(|n| n.chars().next()).is_some_and(char::is_lowercase);
        let hyphenated =
            line.ends_with('-') && next_starts_lower && line.chars().rev().nth(1).is_some_and(char::is_alphabetic);
        if hyphenated {
            out.push_str(&line[..line.len() - 1]);
        } else {
            out.push_str(line);
            out.push('\n');
        }
        i += 1;
    }
    out.trim().to_owned()
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
    fn normalisation_joins_hyphenation_and_expands_ligatures() {
        let raw = "The \u{FB01}rst evalu-\nation   of  tele-\nmonitoring\n\nNew para-\nGraph";
        assert_eq!(normalise_page_text(raw), "The first evaluation of telemonitoring\n\nNew para-\nGraph");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(matches!(PdfExtractor::extract(b"not a pdf at all"), Err(ExtractError::Pdf(_))));
        assert!(PdfExtractor::extract(b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF").is_err());
    }
}
