//! Plain-text files: decoding and a title from the first line.

use crate::extract::{Extraction, clean_value};

/// Extracts plain-text files.
pub struct PlainTextExtractor;

impl PlainTextExtractor {
    /// Decodes `bytes` (UTF-8 or UTF-16 with a byte-order mark, UTF-8, else windows-1252) and
    /// takes the first line as title when it is short enough to be one.
    pub fn extract(bytes: &[u8]) -> Extraction {
        let text = decode_text(bytes);
        let text = text.replace("\r\n", "\n");
        let title = text
            .lines()
            .map(str::trim)
            .find(|line| !line.is_empty())
            .filter(|line| line.chars().count() <= 200)
            .and_then(clean_value);
        Extraction { title, text: text.trim().to_owned(), ..Extraction::default() }
    }
}

/// Decodes bytes of unknown encoding: a BOM wins, then valid UTF-8, then windows-1252 (which
/// maps every byte, so nothing is lost).
pub fn decode_text(bytes: &[u8]) -> String {
    if let Some((encoding, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        return encoding.decode_without_bom_handling(&bytes[bom_len..]).0.into_owned();
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_boms_utf8_and_legacy_bytes() {
        assert_eq!(decode_text("Évaluation".as_bytes()), "Évaluation");
        assert_eq!(decode_text(b"\xC9valuation"), "Évaluation");
        let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain("Ünë".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(decode_text(&utf16), "Ünë");
    }

    #[test]
    fn first_short_line_is_the_title() {
        let e = PlainTextExtractor::extract(b"\n  Telehealth in Estonia \n\nBody text here.\n");
        assert_eq!(e.title.as_deref(), Some("Telehealth in Estonia"));
        assert!(e.text.ends_with("Body text here."));
    }
}
