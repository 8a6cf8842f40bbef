//! Text analysis: how titles and bodies are split into terms, language-neutral and per
//! language (stop words and stemming for every language of the Region that tantivy stems).

use std::sync::OnceLock;

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
};

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

/// The Region's languages with a stemmer, by ISO 639-1 code. Languages without one (Polish,
/// Czech, Ukrainian…) rely on the neutral analyzer, which already folds case and diacritics.
pub const STEMMED_LANGUAGES: &[(&str, Language)] = &[
    ("da", Language::Danish),
    ("de", Language::German),
    ("el", Language::Greek),
    ("en", Language::English),
    ("es", Language::Spanish),
    ("fi", Language::Finnish),
    ("fr", Language::French),
    ("hu", Language::Hungarian),
    ("it", Language::Italian),
    ("nb", Language::Norwegian),
    ("nl", Language::Dutch),
    ("pt", Language::Portuguese),
    ("ro", Language::Romanian),
    ("ru", Language::Russian),
    ("sv", Language::Swedish),
    ("tr", Language::Turkish),
];

/// The stemming language of an ISO 639-1 code (Nynorsk and "no" stem as Norwegian).
pub fn stemming_language(code: &str) -> Option<Language> {
    let code = if matches!(code, "nn" | "no") { "nb" } else { code };
    STEMMED_LANGUAGES.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

/// Name under which the analyzer of `code` is registered.
pub fn stemmed_name(code: &str) -> String {
    format!("hub_{code}")
}

/// The analyzer of one language: words lower-cased, the language's stop words dropped, stemmed
/// (on the accented form, which the stemmers expect), then diacritics folded so that an
/// unaccented query still meets the stem.
pub fn stemmed(language: Language) -> TextAnalyzer {
    let builder =
        TextAnalyzer::builder(SimpleTokenizer::default()).filter(RemoveLongFilter::limit(40)).filter(LowerCaser);
    match StopWordFilter::new(language) {
        Some(stop_words) => {
            builder.filter(stop_words).filter(Stemmer::new(language)).filter(AsciiFoldingFilter).build()
        }
        None => builder.filter(Stemmer::new(language)).filter(AsciiFoldingFilter).build(),
    }
}

/// The analyzer of `language`, built once per process: building one makes its stop-word set,
/// which costs more than analysing a query; clones share it.
pub fn stemmed_shared(language: Language) -> TextAnalyzer {
    static BUILT: OnceLock<Vec<(Language, TextAnalyzer)>> = OnceLock::new();
    let built = BUILT.get_or_init(|| STEMMED_LANGUAGES.iter().map(|(_, l)| (*l, stemmed(*l))).collect());
    built.iter().find(|(l, _)| *l == language).map_or_else(|| stemmed(language), |(_, a)| a.clone())
}

/// Runs `analyzer` over `text` and returns the tokens.
pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut tokens = Vec::new();
    while let Some(token) = stream.next() {
        tokens.push(token.text.clone());
    }
    tokens
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

    #[test]
    fn stemmed_analyzers_conflate_inflections_and_drop_stop_words() {
        let stem = |code: &str, text: &str| tokens(&mut stemmed(stemming_language(code).unwrap()), text);
        assert_eq!(stem("en", "the statins"), stem("en", "statin"));
        assert_eq!(stem("en", "deafness"), ["deaf"]);
        assert_eq!(stem("fr", "les remboursements"), stem("fr", "remboursement"));
        assert_eq!(stem("de", "Erstattungen"), stem("de", "Erstattung"));
        assert_eq!(stem("ru", "возмещения"), stem("ru", "возмещение"));
        assert_eq!(stem("es", "evaluaciones"), stem("es", "evaluación"));
        assert_eq!(stem("es", "evaluacion"), stem("es", "evaluación"));
        assert_eq!(stem("fr", "evaluation"), stem("fr", "évaluations"));
        assert!(stemming_language("pl").is_none());
        assert_eq!(stemming_language("nn"), stemming_language("nb"));
    }
}
