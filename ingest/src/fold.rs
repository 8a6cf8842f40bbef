//! Case and diacritic folding shared by the term matchers: "Évaluación" and "evaluacion" fold to
//! the same string, and so do "Łódź" and "lodz".

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower-cases `text` and removes diacritics (NFD, then combining marks dropped), with the few
/// Latin letters that do not decompose mapped by hand.
pub fn fold(text: &str) -> String {
    // Most words of most documents are ASCII, whose decomposition is themselves: the
    // decomposition and the Unicode case tables were a tenth of an ingest's CPU.
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    fold_unicode(text)
}

fn fold_unicode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'ß' => out.push_str("ss"),
            'æ' | 'Æ' => out.push_str("ae"),
            'œ' | 'Œ' => out.push_str("oe"),
            'ł' | 'Ł' => out.push('l'),
            'ø' | 'Ø' => out.push('o'),
            'đ' | 'Đ' => out.push('d'),
            'ı' => out.push('i'),
            'þ' | 'Þ' => out.push_str("th"),
            'ё' | 'Ё' => out.push('е'),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// Splits text into words: maximal runs of alphanumeric characters (any script).
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_and_diacritics_across_scripts() {
        assert_eq!(fold("Evaluación"), "evaluacion");
        assert_eq!(fold("Łódź Straße"), "lodz strasse");
        assert_eq!(fold("ÉCONOMIE"), "economie");
        assert_eq!(fold("Здоровьё"), "здоровье");
        assert_eq!(fold("Ελλάδα"), "ελλαδα");
    }

    #[test]
    fn ascii_folds_as_the_unicode_path_folds_it() {
        let ascii: String = (0u8..128).map(char::from).collect();
        assert_eq!(fold(&ascii), fold_unicode(&ascii));
        assert_eq!(fold("Telemonitoring-APPS 2021"), "telemonitoring-apps 2021");
    }

    #[test]
    fn words_split_on_punctuation_in_any_script() {
        let w: Vec<_> = words("mHealth-apps, e.g. «Мой-Здоровье» (2021)").collect();
        assert_eq!(w, ["mHealth", "apps", "e", "g", "Мой", "Здоровье", "2021"]);
    }
}
