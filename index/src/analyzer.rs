//! Text analysis: how titles and bodies are split into terms.

use tantivy::tokenizer::{AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer};

/// Name under which the language-neutral analyzer is registered.
pub const NEUTRAL: &str = "hub_neutral";

/// The language-neutral analyzer: words of any script, lower-cased, with Latin diacritics
/// folded so that "evaluacion" finds "evaluación". Tokens over 40 bytes (base64, URLs) are
/// dropped.
pub fn neutral() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutral_folds_case_and_diacritics_in_any_script() {
        let mut analyzer = neutral();
        let mut stream = analyzer.token_stream("Evaluación ÉCONOMIQUE Здоровье mHealth");
        let mut tokens = Vec::new();
        while let Some(token) = stream.next() {
            tokens.push(token.text.clone());
        }
        assert_eq!(tokens, ["evaluacion", "economique", "здоровье", "mhealth"]);
    }
}
