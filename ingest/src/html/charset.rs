//! Which character encoding a web page is in, and decoding it: byte-order mark, HTTP
//! `Content-Type` header, `<meta charset>` / `http-equiv` declaration, then statistical detection
//! with chardetng.

use encoding_rs::{Encoding, UTF_8};

/// How many leading bytes are searched for a `<meta>` charset declaration (the HTML standard's
/// prescan looks at 1024; real pages put long comments and scripts first, so look further).
const PRESCAN_BYTES: usize = 8192;

/// Where the encoding of a decoded page came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharsetSource {
    /// A byte-order mark.
    Bom,
    /// The `charset` parameter of the HTTP `Content-Type` header.
    HttpHeader,
    /// A `<meta charset>` or `<meta http-equiv="Content-Type">` declaration.
    Meta,
    /// The bytes are valid UTF-8 (with non-ASCII text), whatever was declared.
    ValidUtf8,
    /// chardetng's guess from the bytes.
    Detected,
}

/// A decoded page.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The page as text.
    pub text: String,
    /// The encoding used.
    pub encoding: &'static Encoding,
    /// How it was chosen.
    pub source: CharsetSource,
}

/// Decodes an HTML page. Order: a byte-order mark; then bytes that are valid UTF-8 and contain
/// non-ASCII text are UTF-8 even if something else is declared (a legacy encoding's text is
/// practically never valid UTF-8, while pages that re-encode to UTF-8 and keep an old `<meta>`
/// are common); then the HTTP header's charset (`http_charset`, for fetched pages); then the
/// page's `<meta>` declaration; then chardetng. A declared UTF-16 without a BOM is treated as
/// UTF-8, as browsers do, because such a page is necessarily ASCII-compatible.
pub fn decode_html(bytes: &[u8], http_charset: Option<&str>) -> Decoded {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let text = encoding.decode_without_bom_handling(&bytes[bom_len..]).0.into_owned();
        return Decoded { text, encoding, source: CharsetSource::Bom };
    }
    if !bytes.is_ascii()
        && let Ok(text) = std::str::from_utf8(bytes)
    {
        return Decoded { text: text.to_owned(), encoding: UTF_8, source: CharsetSource::ValidUtf8 };
    }
    let declared = http_charset
        .and_then(|label| Encoding::for_label(label.trim().as_bytes()))
        .map(|e| (e, CharsetSource::HttpHeader))
        .or_else(|| {
            declared_charset(&bytes[..bytes.len().min(PRESCAN_BYTES)])
                .and_then(Encoding::for_label)
                .map(|e| (e, CharsetSource::Meta))
        });
    let (encoding, source) = match declared {
        Some((encoding, source)) => (encoding.output_encoding(), source),
        None => (detect(bytes), CharsetSource::Detected),
    };
    let text = encoding.decode_without_bom_handling(bytes).0.into_owned();
    Decoded { text, encoding, source }
}

/// chardetng's guess for bytes with no usable declaration.
fn detect(bytes: &[u8]) -> &'static Encoding {
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    detector.guess(None, chardetng::Utf8Detection::Allow)
}

/// The `charset` parameter of a `Content-Type` header value (`text/html; charset="koi8-r"`).
pub fn charset_from_content_type(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(['"', '\'']))
            .filter(|v| !v.is_empty())
    })
}

/// The label declared by the first `charset=` inside a `<meta>` tag of `head`.
fn declared_charset(head: &[u8]) -> Option<&[u8]> {
    let lower = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = find(&lower[from..], b"<meta") {
        let tag_start = from + pos;
        let tag_end = lower[tag_start..].iter().position(|&b| b == b'>').map_or(lower.len(), |e| tag_start + e);
        if let Some(label) = charset_in_tag(&head[tag_start..tag_end], &lower[tag_start..tag_end]) {
            return Some(label);
        }
        from = tag_start + 5;
    }
    None
}

fn charset_in_tag<'a>(tag: &'a [u8], lower: &[u8]) -> Option<&'a [u8]> {
    let pos = find(lower, b"charset")?;
    let mut i = pos + b"charset".len();
    let skip = |i: &mut usize, extra: &[u8]| {
        while *i < lower.len() && (lower[*i].is_ascii_whitespace() || extra.contains(&lower[*i])) {
            *i += 1;
        }
    };
    skip(&mut i, b"");
    if lower.get(i) != Some(&b'=') {
        return None;
    }
    i += 1;
    skip(&mut i, b"\"'");
    let start = i;
    while i < lower.len() && (lower[i].is_ascii_alphanumeric() || b"-_:.".contains(&lower[i])) {
        i += 1;
    }
    (i > start).then(|| &tag[start..i])
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn encode(encoding: &'static Encoding, text: &str) -> Vec<u8> {
        encoding.encode(text).0.into_owned()
    }

    fn page(charset_decl: &str, body: &str) -> String {
        format!("<html><head>{charset_decl}<title>t</title></head><body><p>{body}</p></body></html>")
    }

    const FRENCH: &str =
        "Télésurveillance médicale : l'État rembourse désormais les activités « à distance », été 2022.";
    const CZECH: &str = "Zákon o elektronizaci zdravotnictví: lékaři, pacienti a ošetřující zařízení sdílejí údaje.";
    const RUSSIAN: &str = "Дистанционный мониторинг артериального давления у пациентов с гипертонией в Москве.";

    #[test]
    fn windows_1252_from_meta_and_by_detection() {
        let declared = encode(encoding_rs::WINDOWS_1252, &page(r#"<meta charset="windows-1252">"#, FRENCH));
        let d = decode_html(&declared, None);
        assert_eq!((d.encoding, d.source), (encoding_rs::WINDOWS_1252, CharsetSource::Meta));
        assert!(d.text.contains(FRENCH));
        let undeclared = encode(encoding_rs::WINDOWS_1252, &page("", FRENCH));
        let d = decode_html(&undeclared, None);
        assert_eq!((d.encoding, d.source), (encoding_rs::WINDOWS_1252, CharsetSource::Detected));
        assert!(d.text.contains(FRENCH));
    }

    #[test]
    fn iso_8859_2_from_http_equiv_and_by_detection() {
        let decl = r#"<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-2">"#;
        let declared = encode(encoding_rs::ISO_8859_2, &page(decl, CZECH));
        let d = decode_html(&declared, None);
        assert_eq!(d.encoding, encoding_rs::ISO_8859_2);
        assert!(d.text.contains(CZECH), "{}", d.text);
        // Undeclared Czech: chardetng tells the Central European family apart from windows-1252.
        let undeclared = encode(encoding_rs::ISO_8859_2, &page("", &CZECH.repeat(3)));
        let d = decode_html(&undeclared, None);
        assert_eq!(d.source, CharsetSource::Detected);
        assert!(d.text.contains(CZECH), "detected {}: {}", d.encoding.name(), d.text);
    }

    #[test]
    fn koi8_r_and_windows_1251_declared_or_detected() {
        for encoding in [encoding_rs::KOI8_R, encoding_rs::WINDOWS_1251] {
            let decl = format!(r#"<meta charset="{}">"#, encoding.name());
            let declared = encode(encoding, &page(&decl, RUSSIAN));
            let d = decode_html(&declared, None);
            assert_eq!((d.encoding, d.source), (encoding, CharsetSource::Meta));
            assert!(d.text.contains(RUSSIAN));
            let undeclared = encode(encoding, &page("", RUSSIAN));
            let d = decode_html(&undeclared, None);
            // KOI8-U is KOI8-R plus Ukrainian letters: the same bytes for Russian text.
            let family = if encoding == encoding_rs::KOI8_R { encoding_rs::KOI8_U } else { encoding };
            assert_eq!(d.source, CharsetSource::Detected);
            assert!(d.encoding == encoding || d.encoding == family, "{}", d.encoding.name());
            assert!(d.text.contains(RUSSIAN));
        }
    }

    #[test]
    fn utf16_with_bom_in_both_byte_orders() {
        let html = page(r#"<meta charset="utf-16">"#, RUSSIAN);
        let units: Vec<u16> = html.encode_utf16().collect();
        let le: Vec<u8> = [0xFF, 0xFE].into_iter().chain(units.iter().flat_map(|u| u.to_le_bytes())).collect();
        let be: Vec<u8> = [0xFE, 0xFF].into_iter().chain(units.iter().flat_map(|u| u.to_be_bytes())).collect();
        for (bytes, encoding) in [(le, encoding_rs::UTF_16LE), (be, encoding_rs::UTF_16BE)] {
            let d = decode_html(&bytes, None);
            assert_eq!((d.encoding, d.source), (encoding, CharsetSource::Bom));
            assert_eq!(d.text, html);
        }
    }

    #[test]
    fn http_header_beats_meta_and_valid_utf8_beats_a_wrong_declaration() {
        let bytes = encode(encoding_rs::KOI8_R, &page(r#"<meta charset="windows-1251">"#, RUSSIAN));
        let d = decode_html(&bytes, charset_from_content_type("text/html; charset=\"KOI8-R\""));
        assert_eq!((d.encoding, d.source), (encoding_rs::KOI8_R, CharsetSource::HttpHeader));
        assert!(d.text.contains(RUSSIAN));
        // Declared gb2312, really UTF-8 (as on many re-encoded news pages).
        let utf8 =
            page(r#"<meta http-equiv="Content-Type" content="text/html; charset=gb2312">"#, "人工智能迈上新台阶");
        let d = decode_html(utf8.as_bytes(), None);
        assert_eq!((d.encoding, d.source), (UTF_8, CharsetSource::ValidUtf8));
        assert!(d.text.contains("人工智能迈上新台阶"));
    }

    #[test]
    fn content_type_parameters() {
        assert_eq!(charset_from_content_type("text/html; charset=utf-8"), Some("utf-8"));
        assert_eq!(charset_from_content_type("text/html;CHARSET='koi8-r' ; q=1"), Some("koi8-r"));
        assert_eq!(charset_from_content_type("text/html"), None);
        assert_eq!(charset_from_content_type("text/html; charset="), None);
    }

    proptest! {
        #[test]
        fn never_panics_and_round_trips_utf8(bytes in proptest::collection::vec(any::<u8>(), 0..600), s in "\\PC{0,80}") {
            let _ = decode_html(&bytes, Some("x-unknown"));
            let html = page("", &s);
            prop_assert_eq!(decode_html(html.as_bytes(), None).text, html);
        }
    }
}
