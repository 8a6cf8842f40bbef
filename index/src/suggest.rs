//! Completions while the user types (titles and frequent words) and "did you mean" when a
//! query finds nothing.

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;

use crate::query::{analyse, parse};
use crate::store::{SearchIndex, StoredFields};
use crate::user_query::{self, Clause};
use crate::vocabulary::{doc_freq, expand, typo_distance};

/// Completions of the last word looked at for titles: the most frequent ones.
const COMPLETIONS: usize = 16;

/// What a completion completes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuggestionKind {
    /// A document title: choosing it can open the document.
    Title,
    /// The typed words with the last one completed to a frequent indexed word.
    Query,
}

/// One completion.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// The text to show and search for.
    pub text: String,
    /// Its kind.
    pub kind: SuggestionKind,
    /// The document, for title completions.
    pub id: Option<String>,
}

impl SearchIndex {
    /// Up to `limit` completions of `prefix`: titles containing the typed words (the last one as
    /// a prefix) first, then the typed words with the last completed to frequent words.
    pub fn suggest(&self, prefix: &str, limit: usize) -> crate::Result<Vec<Suggestion>> {
        let parsed = user_query::parse(prefix, true);
        let words: Vec<(String, bool)> = parsed
            .include
            .iter()
            .filter_map(|c| match c {
                Clause::Word { text, prefix, .. } => Some((text.clone(), *prefix)),
                Clause::Phrase { .. } => None,
            })
            .collect();
        let Some((last, last_is_prefix)) = words.last().cloned() else { return Ok(Vec::new()) };
        if !last_is_prefix || limit == 0 {
            return Ok(Vec::new());
        }
        let searcher = self.searcher();
        let fields = self.fields();
        let mut suggestions = Vec::new();

        let table = self.completions()?;
        let last_tokens = analyse(&last);
        let completions = match last_tokens.first() {
            Some(token) => table.complete(token, COMPLETIONS.max(limit * 2)),
            None => Vec::new(),
        };

        // Titles with the typed words and one of the most frequent completions of the last.
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (word, is_prefix) in &words {
            for token in analyse(word) {
                let term = |text: &str| -> Box<dyn Query> {
                    let term = tantivy::Term::from_field_text(fields.title, text);
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))
                };
                let query: Box<dyn Query> = if *is_prefix {
                    let mut any: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Should, term(&token))];
                    any.extend(completions.iter().filter(|(c, _)| *c != token).map(|(c, _)| (Occur::Should, term(c))));
                    Box::new(BooleanQuery::new(any))
                } else {
                    term(&token)
                };
                clauses.push((Occur::Must, query));
            }
        }
        if !clauses.is_empty() {
            let query = BooleanQuery::new(clauses);
            for (_, address) in searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())? {
                let mut doc: StoredFields = searcher.doc(address)?;
                suggestions.push(Suggestion {
                    text: doc.take_text(fields.title).unwrap_or_default(),
                    kind: SuggestionKind::Title,
                    id: doc.take_text(fields.id),
                });
            }
        }

        let typed: Vec<&str> = words[..words.len() - 1].iter().map(|(w, _)| w.as_str()).collect();
        if !last_tokens.is_empty() {
            for (completion, _) in completions {
                if suggestions.len() >= limit * 2 {
                    break;
                }
                let mut text = typed.join(" ");
                if !text.is_empty() {
                    text.push(' ');
                }
                text.push_str(&completion);
                if !suggestions.iter().any(|s: &Suggestion| s.text == text) {
                    suggestions.push(Suggestion { text, kind: SuggestionKind::Query, id: None });
                }
            }
        }
        // Titles first, but leave room for word completions.
        let titles = suggestions.iter().filter(|s| s.kind == SuggestionKind::Title).count().min(limit.div_ceil(2));
        let mut out: Vec<Suggestion> =
            suggestions.iter().filter(|s| s.kind == SuggestionKind::Title).take(titles).cloned().collect();
        out.extend(suggestions.into_iter().filter(|s| s.kind == SuggestionKind::Query).take(limit - out.len()));
        Ok(out)
    }

    /// A corrected query when some of `text`'s words are not in the index but a close word is:
    /// the most frequent within one edit more than search tolerates (at most two).
    pub fn did_you_mean(&self, text: &str) -> Option<String> {
        let searcher = self.searcher();
        let fields = self.fields();
        let parsed = parse(text);
        let mut changed = false;
        let mut words = Vec::new();
        for clause in &parsed.include {
            let clause_words: Vec<&String> = match clause {
                Clause::Word { text, .. } => vec![text],
                Clause::Phrase { words, .. } => words.iter().collect(),
            };
            for word in clause_words {
                let tokens = analyse(word);
                let [token] = tokens.as_slice() else {
                    words.push(word.clone());
                    continue;
                };
                let known = doc_freq(&searcher, fields.body, token) + doc_freq(&searcher, fields.title, token) > 0;
                let chars = token.chars().count();
                if known || chars < 3 {
                    words.push(word.clone());
                    continue;
                }
                let distance = (typo_distance(chars) + 1).min(2);
                match expand(&searcher, fields.body, token, distance, false, 1).into_iter().next() {
                    Some((better, _)) => {
                        words.push(better);
                        changed = true;
                    }
                    None => words.push(word.clone()),
                }
            }
        }
        changed.then(|| words.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> SearchIndex {
        SearchIndex::with_english_texts(&[
            ("a", "Telemonitoring of heart failure in Poland", "telemonitoring telemonitoring cardiology"),
            ("b", "Telehealth reimbursement in Germany", "reimbursement telehealth"),
            ("c", "Mobile apps for diabetes", "diabetes telemedicine"),
        ])
    }

    #[test]
    fn completes_titles_then_words() {
        let index = index();
        let suggestions = index.suggest("tele", 4).unwrap();
        let titles: Vec<&str> =
            suggestions.iter().filter(|s| s.kind == SuggestionKind::Title).map(|s| s.text.as_str()).collect();
        assert!(titles.contains(&"Telemonitoring of heart failure in Poland"), "{suggestions:?}");
        let words: Vec<&str> =
            suggestions.iter().filter(|s| s.kind == SuggestionKind::Query).map(|s| s.text.as_str()).collect();
        assert!(!words.is_empty() && words.iter().all(|w| w.starts_with("tele")), "{suggestions:?}");
        assert!(suggestions.len() <= 4);
        let narrowed = index.suggest("heart fail", 4).unwrap();
        assert_eq!(narrowed[0].id.as_deref(), Some("a"));
        assert_eq!(narrowed.iter().find(|s| s.kind == SuggestionKind::Query).unwrap().text, "heart failure");
        assert!(index.suggest("tele ", 4).unwrap().is_empty(), "nothing is being typed");
        assert!(index.suggest("", 4).unwrap().is_empty());
    }

    #[test]
    fn did_you_mean_fixes_unknown_words_only() {
        let index = index();
        assert_eq!(index.did_you_mean("telemonitorring cardiolgy").as_deref(), Some("telemonitoring cardiology"));
        assert_eq!(index.did_you_mean("diabetes"), None);
        assert_eq!(index.did_you_mean("zzzzqqq"), None);
    }
}
