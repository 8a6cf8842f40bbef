//! Simple-font encodings: the standard base encodings of PDF 32000-1 Annex D, `/Differences`,
//! and the built-in encoding of an embedded Type 1 font program.

use std::sync::OnceLock;

static ENCODINGS: &str = include_str!("../../data/encodings.tsv");

/// A standard single-byte encoding a simple font can start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseEncoding {
    /// Adobe StandardEncoding (the default of Type 1 fonts).
    Standard,
    /// MacRomanEncoding.
    MacRoman,
    /// WinAnsiEncoding (cp1252).
    WinAnsi,
    /// PDFDocEncoding.
    PdfDoc,
    /// The Symbol font's built-in encoding.
    Symbol,
    /// MacExpertEncoding.
    MacExpert,
}

impl BaseEncoding {
    /// The encoding a `/BaseEncoding` or `/Encoding` name designates.
    pub fn from_name(name: &[u8]) -> Option<Self> {
        Some(match name {
            b"StandardEncoding" => BaseEncoding::Standard,
            b"MacRomanEncoding" => BaseEncoding::MacRoman,
            b"WinAnsiEncoding" => BaseEncoding::WinAnsi,
            b"PDFDocEncoding" => BaseEncoding::PdfDoc,
            b"MacExpertEncoding" => BaseEncoding::MacExpert,
            _ => return None,
        })
    }

    /// The glyph name of `code` in this encoding.
    pub fn glyph_name(self, code: u8) -> Option<&'static str> {
        tables()[usize::from(code)][self as usize]
    }
}

type Row = [Option<&'static str>; 6];

fn tables() -> &'static [Row; 256] {
    static TABLES: OnceLock<Box<[Row; 256]>> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut rows = Box::new([[None; 6]; 256]);
        for line in ENCODINGS.lines().filter(|l| !l.starts_with('#')) {
            let mut fields = line.split('\t');
            let Some(code) = fields.next().and_then(|c| c.parse::<usize>().ok()).filter(|&c| c < 256) else {
                continue;
            };
            for (slot, name) in rows[code].iter_mut().zip(fields) {
                *slot = (name != "-").then_some(name);
            }
        }
        rows
    })
}

/// Applies a `/Differences` array (`[code /name /name code /name …]`) to `names`.
pub fn apply_differences(names: &mut [Option<String>; 256], differences: &[lopdf::Object]) {
    let mut code: i64 = 0;
    for item in differences {
        match item {
            lopdf::Object::Integer(i) => code = *i,
            lopdf::Object::Real(r) => code = *r as i64,
            lopdf::Object::Name(name) => {
                if let Ok(slot) = usize::try_from(code)
                    && slot < 256
                {
                    names[slot] = Some(String::from_utf8_lossy(name).into_owned());
                }
                code += 1;
            }
            _ => {}
        }
    }
}

/// Reads the built-in encoding of a Type 1 font program (`dup 65 /A put` in its clear-text
/// part). Returns `None` when the font uses `StandardEncoding` or declares none.
pub fn type1_builtin_encoding(program: &[u8]) -> Option<[Option<String>; 256]> {
    // The encoding lives in the clear-text part, before `eexec`.
    let end = find(program, b"eexec").unwrap_or(program.len().min(64 * 1024));
    let clear = &program[..end];
    let start = find(clear, b"/Encoding")?;
    let rest = &clear[start + 9..];
    if rest.trim_ascii_start().starts_with(b"StandardEncoding") {
        return None;
    }
    let text = String::from_utf8_lossy(rest);
    let mut names: [Option<String>; 256] = std::array::from_fn(|_| None);
    let mut found = false;
    let tokens: Vec<&str> = text.split_ascii_whitespace().collect();
    for window in tokens.windows(4) {
        if window[0] == "dup"
            && window[3] == "put"
            && let Ok(code) = window[1].parse::<usize>()
            && code < 256
            && let Some(name) = window[2].strip_prefix('/')
        {
            names[code] = Some(name.to_owned());
            found = true;
        }
        if window[0] == "readonly" || window[0] == "def" && found {
            break;
        }
    }
    found.then_some(names)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::Object;

    #[test]
    fn base_encodings_differ_where_the_spec_says() {
        assert_eq!(BaseEncoding::WinAnsi.glyph_name(0xE9), Some("eacute"));
        assert_eq!(BaseEncoding::MacRoman.glyph_name(0x8E), Some("eacute"));
        assert_eq!(BaseEncoding::Standard.glyph_name(0xAE), Some("fi"));
        assert_eq!(BaseEncoding::Standard.glyph_name(0x27), Some("quoteright"));
        assert_eq!(BaseEncoding::Symbol.glyph_name(0x61), Some("alpha"));
    }

    #[test]
    fn differences_override_codes_in_sequence() {
        let mut names: [Option<String>; 256] = std::array::from_fn(|_| None);
        apply_differences(
            &mut names,
            &[
                Object::Integer(65),
                Object::Name(b"afii10017".to_vec()),
                Object::Name(b"B".to_vec()),
                Object::Integer(300),
            ],
        );
        assert_eq!(names[65].as_deref(), Some("afii10017"));
        assert_eq!(names[66].as_deref(), Some("B"));
    }

    #[test]
    fn type1_builtin_encoding_is_read_from_clear_text() {
        let program = b"%!PS-AdobeFont-1.0\n/Encoding 256 array\n0 1 255 {1 index exch /.notdef put} for\ndup 12 /fi put\ndup 65 /A put\nreadonly def\ncurrentfile eexec\x80\x81";
        let names = type1_builtin_encoding(program).unwrap();
        assert_eq!(names[12].as_deref(), Some("fi"));
        assert_eq!(names[65].as_deref(), Some("A"));
        assert!(type1_builtin_encoding(b"/Encoding StandardEncoding def currentfile eexec").is_none());
    }
}
