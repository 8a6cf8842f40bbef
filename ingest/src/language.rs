//! Language detection: whatlang restricted to the Region's languages, fused with the language a
//! file declares, answering an ISO 639-1 code or `und`.

use whatlang::{Detector, Lang};

/// Text longer than this is sampled: detection on 20 kB is as good as on the whole book.
const SAMPLE_BYTES: usize = 20_000;

/// Below this many letters whatlang is a guess; the declared language is preferred.
const SHORT_TEXT_LETTERS: usize = 40;

/// Detects document languages.
pub struct LanguageDetector {
    detector: Detector,
    min_confidence: f64,
}

impl LanguageDetector {
    /// A detector restricted to `allowlist` (ISO 639-1 codes; unknown codes are ignored, an
    /// empty list allows every language whatlang knows). Answers below `min_confidence` are `und`
    /// unless the file declared a language.
    pub fn new(allowlist: &[String], min_confidence: f64) -> Self {
        let langs: Vec<Lang> = allowlist.iter().filter_map(|code| lang_from_iso639_1(code)).collect();
        let detector = if langs.is_empty() { Detector::new() } else { Detector::with_allowlist(langs) };
        LanguageDetector { detector, min_confidence }
    }

    /// The language of `text`, using `declared` (an `<html lang>` or PDF `/Lang` value such as
    /// `fr-BE`) when detection is unsure or the text too short to tell.
    pub fn detect(&self, text: &str, declared: Option<&str>) -> String {
        let declared = declared.and_then(normalise_code);
        let sample = sample(text);
        let letters = sample.chars().filter(|c| c.is_alphabetic()).take(SHORT_TEXT_LETTERS).count();
        let detected = if letters < SHORT_TEXT_LETTERS { None } else { self.detector.detect(sample) };
        match (detected, declared) {
            (Some(info), _) if info.is_reliable() => iso639_1(info.lang()).to_owned(),
            (_, Some(declared)) => declared,
            (Some(info), None) if info.confidence() >= self.min_confidence => iso639_1(info.lang()).to_owned(),
            _ => "und".to_owned(),
        }
    }
}

impl LanguageDetector {
    /// The language of a search query, only when detection is confident: a few words rarely
    /// tell their language, and a query of unknown language is matched in every language.
    pub fn detect_query(&self, text: &str) -> Option<String> {
        if text.chars().filter(|c| c.is_alphabetic()).count() < 3 {
            return None;
        }
        let info = self.detector.detect(text)?;
        (info.is_reliable() || info.confidence() >= QUERY_MIN_CONFIDENCE).then(|| iso639_1(info.lang()).to_owned())
    }
}

/// Confidence from which a query's language is trusted.
const QUERY_MIN_CONFIDENCE: f64 = 0.5;

fn sample(text: &str) -> &str {
    if text.len() <= SAMPLE_BYTES {
        return text;
    }
    let mut end = SAMPLE_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Reduces a declared language tag (`pt-BR`, `EN_gb`, `ru-RU`) to its lower-case primary
/// subtag when that is a two-letter code.
pub fn normalise_code(tag: &str) -> Option<String> {
    let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    (primary.len() == 2 && primary.bytes().all(|b| b.is_ascii_lowercase())).then_some(primary)
}

/// Maps whatlang's languages to ISO 639-1 (whatlang speaks ISO 639-3).
pub fn iso639_1(lang: Lang) -> &'static str {
    LANG_CODES.iter().find(|(l, _)| *l == lang).map(|(_, code)| *code).unwrap_or("und")
}

/// The English name of an ISO 639-1 code that detection can answer (`pt` → `Portuguese`).
pub fn language_name(code: &str) -> Option<&'static str> {
    if code == "und" {
        return Some("Undetermined");
    }
    lang_from_iso639_1(code).map(|lang| lang.eng_name())
}

fn lang_from_iso639_1(code: &str) -> Option<Lang> {
    LANG_CODES.iter().find(|(_, c)| *c == code).map(|(l, _)| *l)
}

const LANG_CODES: &[(Lang, &str)] = &[
    (Lang::Afr, "af"),
    (Lang::Aka, "ak"),
    (Lang::Amh, "am"),
    (Lang::Ara, "ar"),
    (Lang::Aze, "az"),
    (Lang::Bel, "be"),
    (Lang::Ben, "bn"),
    (Lang::Bul, "bg"),
    (Lang::Cat, "ca"),
    (Lang::Ces, "cs"),
    (Lang::Cmn, "zh"),
    (Lang::Cym, "cy"),
    (Lang::Dan, "da"),
    (Lang::Deu, "de"),
    (Lang::Ell, "el"),
    (Lang::Eng, "en"),
    (Lang::Epo, "eo"),
    (Lang::Est, "et"),
    (Lang::Fin, "fi"),
    (Lang::Fra, "fr"),
    (Lang::Guj, "gu"),
    (Lang::Heb, "he"),
    (Lang::Hin, "hi"),
    (Lang::Hrv, "hr"),
    (Lang::Hun, "hu"),
    (Lang::Hye, "hy"),
    (Lang::Ind, "id"),
    (Lang::Ita, "it"),
    (Lang::Jav, "jv"),
    (Lang::Jpn, "ja"),
    (Lang::Kan, "kn"),
    (Lang::Kat, "ka"),
    (Lang::Khm, "km"),
    (Lang::Kor, "ko"),
    (Lang::Lat, "la"),
    (Lang::Lav, "lv"),
    (Lang::Lit, "lt"),
    (Lang::Mal, "ml"),
    (Lang::Mar, "mr"),
    (Lang::Mkd, "mk"),
    (Lang::Mya, "my"),
    (Lang::Nep, "ne"),
    (Lang::Nld, "nl"),
    (Lang::Nob, "nb"),
    (Lang::Ori, "or"),
    (Lang::Pan, "pa"),
    (Lang::Pes, "fa"),
    (Lang::Pol, "pl"),
    (Lang::Por, "pt"),
    (Lang::Ron, "ro"),
    (Lang::Rus, "ru"),
    (Lang::Sin, "si"),
    (Lang::Slk, "sk"),
    (Lang::Slv, "sl"),
    (Lang::Sna, "sn"),
    (Lang::Spa, "es"),
    (Lang::Srp, "sr"),
    (Lang::Swe, "sv"),
    (Lang::Tam, "ta"),
    (Lang::Tel, "te"),
    (Lang::Tgl, "tl"),
    (Lang::Tha, "th"),
    (Lang::Tuk, "tk"),
    (Lang::Tur, "tr"),
    (Lang::Ukr, "uk"),
    (Lang::Urd, "ur"),
    (Lang::Uzb, "uz"),
    (Lang::Vie, "vi"),
    (Lang::Yid, "yi"),
    (Lang::Zul, "zu"),
];

/// The default allowlist: languages of the WHO European Region that whatlang knows.
pub const REGION_LANGUAGES: &[&str] = &[
    "en", "fr", "de", "es", "it", "pt", "ru", "pl", "uk", "nl", "sv", "da", "nb", "fi", "et", "lv", "lt", "cs", "sk",
    "sl", "hr", "sr", "hu", "ro", "bg", "el", "tr", "az", "hy", "ka", "he", "be", "mk", "uz", "tk", "ca", "cy", "la",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn detector() -> LanguageDetector {
        let allow: Vec<String> = REGION_LANGUAGES.iter().map(|s| s.to_string()).collect();
        LanguageDetector::new(&allow, 0.5)
    }

    #[test]
    fn every_whatlang_language_has_a_code() {
        for lang in Lang::all() {
            assert_ne!(iso639_1(*lang), "und", "{lang:?} has no ISO 639-1 mapping");
        }
    }

    #[test]
    fn detects_common_languages_of_the_region() {
        let d = detector();
        let samples = [
            ("en", "The national strategy sets out how mobile health applications are assessed before reimbursement."),
            (
                "fr",
                "La stratégie nationale précise comment les applications de santé mobile sont évaluées avant leur remboursement.",
            ),
            (
                "de",
                "Die nationale Strategie legt fest, wie mobile Gesundheitsanwendungen vor der Erstattung bewertet werden.",
            ),
            (
                "ru",
                "Национальная стратегия определяет, как мобильные приложения для здоровья оцениваются перед возмещением.",
            ),
            (
                "pl",
                "Strategia krajowa określa, w jaki sposób aplikacje zdrowotne są oceniane przed refundacją przez płatnika.",
            ),
        ];
        for (want, text) in samples {
            assert_eq!(d.detect(text, None), want, "{text}");
        }
    }

    #[test]
    fn queries_get_a_language_only_when_detection_is_confident() {
        let d = detector();
        assert_eq!(d.detect_query("le remboursement des applications de santé").as_deref(), Some("fr"));
        assert_eq!(d.detect_query("Erstattung digitaler Gesundheitsanwendungen in Deutschland").as_deref(), Some("de"));
        assert_eq!(d.detect_query("42"), None);
    }

    #[test]
    fn short_text_falls_back_to_the_declared_language_or_und() {
        let d = detector();
        assert_eq!(d.detect("mHealth", Some("pt-PT")), "pt");
        assert_eq!(d.detect("mHealth", None), "und");
        assert_eq!(d.detect("", Some("not a tag")), "und");
    }
}
