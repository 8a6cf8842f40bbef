//! Matching lists of terms (words, phrases, prefixes) against text, shared by the topic and
//! country classifiers.

use std::collections::HashMap;

use crate::fold::{fold, words};

/// A compiled term: its words, whether the last one is a prefix, and what it stands for.
#[derive(Debug, Clone)]
struct Term {
    words: Vec<String>,
    last_is_prefix: bool,
    case_sensitive: bool,
    /// Words match any inflected form sharing their stem ("национальная стратегия" matches
    /// "национальную стратегию").
    inflected: bool,
    target: usize,
    weight: f32,
}

/// Length of the key under which single-word prefix terms are filed.
const PREFIX_KEY_CHARS: usize = 3;

/// A set of terms compiled for fast matching over a text's words.
#[derive(Debug, Default)]
pub struct TermMatcher {
    terms: Vec<Term>,
    by_first_word: HashMap<String, Vec<usize>>,
    by_prefix_key: HashMap<String, Vec<usize>>,
}

/// One word of a text, as written and folded.
pub struct Token<'a> {
    original: &'a str,
    folded: String,
}

impl Token<'_> {
    /// The word as written.
    pub fn original(&self) -> &str {
        self.original
    }

    /// The word case- and diacritic-folded.
    pub fn folded(&self) -> &str {
        &self.folded
    }

    /// Whether the word starts with a capital letter.
    pub fn is_capitalised(&self) -> bool {
        self.original.chars().next().is_some_and(char::is_uppercase)
    }
}

/// Whether `candidate` is an inflected form of `word`: the same word, or for words of six
/// letters or more, the same stem (all but the last two letters) and at most three more letters.
fn same_stem(word: &str, candidate: &str) -> bool {
    let len = word.chars().count();
    if len < 6 {
        return candidate == word;
    }
    let stem_end = word.char_indices().nth(len - 2).map_or(word.len(), |(i, _)| i);
    candidate.starts_with(&word[..stem_end]) && candidate.chars().count() <= len + 3
}

/// Splits `text` into tokens for [`TermMatcher::find`].
pub fn tokenize(text: &str) -> Vec<Token<'_>> {
    words(text).map(|w| Token { original: w, folded: fold(w) }).collect()
}

impl TermMatcher {
    /// Adds a term. `pattern` is a word or phrase; a trailing `*` makes its last word a prefix.
    /// Case-insensitive terms match after folding case and diacritics; case-sensitive ones match
    /// the words exactly as written. Patterns with no words are ignored.
    pub fn add(&mut self, pattern: &str, target: usize, weight: f32, case_sensitive: bool) {
        self.add_term(pattern, target, weight, case_sensitive, false);
    }

    /// Adds a case-insensitive phrase of an inflecting language (Russian, Polish...): each of
    /// its words also matches forms with another ending (the last two letters of words of six
    /// letters or more may differ, and up to three more may follow). Single words are added as
    /// by [`TermMatcher::add`]: their lists spell out stems (`возмещени*`) where they need them.
    pub fn add_inflected(&mut self, pattern: &str, target: usize, weight: f32) {
        let inflected = words(pattern).nth(1).is_some();
        self.add_term(pattern, target, weight, false, inflected);
    }

    fn add_term(&mut self, pattern: &str, target: usize, weight: f32, case_sensitive: bool, inflected: bool) {
        let last_is_prefix = pattern.trim_end().ends_with('*');
        let words: Vec<String> = words(pattern).map(|w| if case_sensitive { w.to_owned() } else { fold(w) }).collect();
        let Some(first) = words.first() else { return };
        let index = self.terms.len();
        let key = if case_sensitive { fold(first) } else { first.clone() };
        if (last_is_prefix && words.len() == 1) || inflected {
            let key: String = key.chars().take(PREFIX_KEY_CHARS).collect();
            self.by_prefix_key.entry(key).or_default().push(index);
        } else {
            self.by_first_word.entry(key).or_default().push(index);
        }
        self.terms.push(Term { words, last_is_prefix, case_sensitive, inflected, target, weight });
    }

    /// Calls `on_match(target, weight, span)` for every occurrence of a term in `tokens`, where
    /// `span` is the range of token positions it covers.
    pub fn find(&self, tokens: &[Token<'_>], mut on_match: impl FnMut(usize, f32, std::ops::Range<usize>)) {
        for start in 0..tokens.len() {
            let folded = &tokens[start].folded;
            if let Some(candidates) = self.by_first_word.get(folded) {
                for &index in candidates {
                    let term = &self.terms[index];
                    if self.matches_at(term, tokens, start) {
                        on_match(term.target, term.weight, start..start + term.words.len());
                    }
                }
            }
            let key_end = folded.char_indices().nth(PREFIX_KEY_CHARS).map_or(folded.len(), |(i, _)| i);
            if let Some(candidates) = self.by_prefix_key.get(&folded[..key_end]) {
                for &index in candidates {
                    let term = &self.terms[index];
                    if self.matches_at(term, tokens, start) {
                        on_match(term.target, term.weight, start..start + term.words.len());
                    }
                }
            }
        }
    }

    fn matches_at(&self, term: &Term, tokens: &[Token<'_>], start: usize) -> bool {
        let Some(window) = tokens.get(start..start + term.words.len()) else { return false };
        let last = term.words.len() - 1;
        term.words.iter().zip(window).enumerate().all(|(i, (word, token))| {
            let candidate = if term.case_sensitive { token.original } else { token.folded.as_str() };
            if i == last && term.last_is_prefix {
                candidate.starts_with(word.as_str())
            } else if term.inflected {
                same_stem(word, candidate)
            } else {
                candidate == word
            }
        })
    }

    /// Number of terms.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// Whether there are no terms.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(matcher: &TermMatcher, text: &str) -> Vec<usize> {
        let mut found = Vec::new();
        matcher.find(&tokenize(text), |target, _, _| found.push(target));
        found
    }

    #[test]
    fn words_phrases_prefixes_and_case() {
        let mut m = TermMatcher::default();
        m.add("remboursement*", 0, 1.0, false);
        m.add("prise en charge", 1, 1.0, false);
        m.add("Turkey", 2, 1.0, true);
        m.add("évaluation médico-économique", 3, 1.0, false);
        assert_eq!(matches(&m, "Les REMBOURSEMENTS et la prise en charge"), [0, 1]);
        assert_eq!(matches(&m, "prise en main"), Vec::<usize>::new());
        assert_eq!(matches(&m, "Turkey, not turkey"), [2]);
        assert_eq!(matches(&m, "une evaluation medico economique"), [3]);
        assert_eq!(matches(&m, "rem"), Vec::<usize>::new());
    }

    #[test]
    fn inflected_phrases_match_other_endings() {
        let mut m = TermMatcher::default();
        m.add_inflected("национальная стратегия", 0, 1.0);
        m.add_inflected("dane z rzeczywistej praktyki", 1, 1.0);
        assert_eq!(matches(&m, "утвердило национальную стратегию цифрового"), [0]);
        assert_eq!(matches(&m, "национальные стратегии"), [0]);
        assert_eq!(matches(&m, "dane z rzeczywistych praktyk"), [1]);
        assert!(matches(&m, "национальный совет").is_empty(), "every word must match");
        assert!(matches(&m, "dane w rzeczywistej praktyce").is_empty(), "short words stay exact");
    }
}
