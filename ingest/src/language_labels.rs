//! Names of languages in the languages of the user interface (`data/language-labels.tsv`,
//! generated from CLDR by `tools/data/make-country-labels.py`), for the language facet.

use std::collections::HashMap;
use std::sync::OnceLock;

const BUILTIN: &str = include_str!("../data/language-labels.tsv");

/// (language code, UI language) to name, as CLDR writes it (often lower-case).
fn table() -> &'static HashMap<(&'static str, &'static str), &'static str> {
    static TABLE: OnceLock<HashMap<(&'static str, &'static str), &'static str>> = OnceLock::new();
    TABLE.get_or_init(|| {
        BUILTIN
            .lines()
            .skip(1)
            .filter_map(|line| {
                let mut cols = line.split('\t');
                Some(((cols.next()?, cols.next()?), cols.next()?))
            })
            .collect()
    })
}

/// The name of language `code` in `ui_lang` ("allemand" for `de` in French), capitalised as a
/// list item ("Allemand"); `None` when CLDR has no such name.
pub fn language_label(code: &str, ui_lang: &str) -> Option<String> {
    let name = table().get(&(code, ui_lang))?;
    let mut chars = name.chars();
    let first = chars.next()?;
    Some(first.to_uppercase().chain(chars).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_languages_in_the_ui_language() {
        assert_eq!(language_label("de", "fr").as_deref(), Some("Allemand"));
        assert_eq!(language_label("fr", "de").as_deref(), Some("Französisch"));
        assert_eq!(language_label("pl", "ru").as_deref(), Some("Польский"));
        assert_eq!(language_label("kk", "en").as_deref(), Some("Kazakh"));
        assert_eq!(language_label("xx", "en"), None);
        assert_eq!(language_label("de", "xx"), None);
    }
}
