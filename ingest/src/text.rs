//! Plain-text files: decoding, a title from the first line, and section headings from short
//! lines that stand alone.

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
        let headings = headings(&text);
        Extraction { title, text: text.trim().to_owned(), headings, ..Extraction::default() }
    }
}

/// Most words a plain-text heading has ("2. Success factors mentioned by all three speakers").
const HEADING_MAX_WORDS: usize = 12;

/// Section headings of a plain-text document: paragraphs after the first (the title) that are
/// one short line starting with a capital or a section number and not ending like a sentence
/// ("5. Barreras", "Implementation lessons", "1. What is secondary use under the EHDS?").
/// Reports written as text mark their sections this way, and the topic classifier weighs a
/// section's subject as more than a passing mention (the labelling protocol in BENCHMARKS.md).
fn headings(text: &str) -> Vec<String> {
    let mut paragraphs = text.split("\n\n").map(str::trim).filter(|p| !p.is_empty());
    paragraphs.next();
    paragraphs
        .filter(|p| !p.contains('\n') && p.split_whitespace().count() <= HEADING_MAX_WORDS)
        .filter(|p| !p.ends_with(['.', ',', ';', ':', '!', '…']))
        .filter(|p| {
            let first = p.trim_start_matches(['¿', '¡', '«', '"']).chars().next();
            first.is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
        })
        .filter_map(clean_value)
        .collect()
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

    #[test]
    fn short_lines_standing_alone_are_headings() {
        // From the sample library's Spanish working paper (es-modelos-financiacion-msalud-2024).
        let text = "Modelos de financiación de la salud móvil en España\n\nDocumento de trabajo, mayo de 2024\n\n\
            2. ¿Quién paga la salud móvil?\n\nEn España, el Sistema Nacional de Salud no tiene una vía común.\n\n\
            5. Barreras\n\nLas empresas citan cuatro barreras principales:\n\n\
            - Falta de una vía clara de evaluación.\n- Pilotos que no pasan a la práctica habitual\n\n\
            En resumen\nlas barreras son conocidas.\n";
        let e = PlainTextExtractor::extract(text.as_bytes());
        assert_eq!(e.title.as_deref(), Some("Modelos de financiación de la salud móvil en España"));
        // Not the title, a sentence, a lower-case line, a list of two lines or a two-line paragraph.
        assert_eq!(e.headings, ["Documento de trabajo, mayo de 2024", "2. ¿Quién paga la salud móvil?", "5. Barreras"]);
    }
}
