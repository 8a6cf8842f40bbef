//! BM25 statistics remembered for the length of one search request.

use std::cell::RefCell;
use std::collections::HashMap;

use tantivy::query::Bm25StatisticsProvider;
use tantivy::schema::Field;
use tantivy::{Searcher, Term};

/// The searcher of one request, with every term's document frequency remembered once looked up.
///
/// A search builds its BM25 weights once per collection (the AND pass, the OR fall-back, one
/// pass per filtered facet), and each build looks every term up in every segment's dictionary;
/// the query builder and the snippet maker look the same terms up again. Remembering the counts
/// for the request leaves one look-up per term and segment. The counts are the searcher's own,
/// so scores do not change; nothing outlives the request, so a reload is seen by the next one.
pub(crate) struct RequestStatistics {
    searcher: Searcher,
    doc_freqs: RefCell<HashMap<Term, u64>>,
    total_tokens: RefCell<HashMap<Field, u64>>,
    /// The terms looked up in the dictionaries, in order (what the tests check was avoided).
    #[cfg(test)]
    looked_up: RefCell<Vec<Term>>,
}

impl RequestStatistics {
    pub(crate) fn new(searcher: Searcher) -> Self {
        RequestStatistics {
            searcher,
            doc_freqs: RefCell::default(),
            total_tokens: RefCell::default(),
            #[cfg(test)]
            looked_up: RefCell::default(),
        }
    }

    /// The searcher the statistics are taken from.
    pub(crate) fn searcher(&self) -> &Searcher {
        &self.searcher
    }

    /// Number of documents whose `field` holds `text` (0 when the look-up fails).
    pub(crate) fn doc_freq_of(&self, field: Field, text: &str) -> u64 {
        self.doc_freq(&Term::from_field_text(field, text)).unwrap_or(0)
    }

    /// Remembers that `doc_freq` documents' `field` holds `text`, a count known without looking
    /// it up (the completion table of this searcher's generation). The caller vouches that it is
    /// the searcher's own count: BM25 weights are built from it.
    pub(crate) fn remember(&self, field: Field, text: &str, doc_freq: u64) {
        self.doc_freqs.borrow_mut().entry(Term::from_field_text(field, text)).or_insert(doc_freq);
    }
}

impl Bm25StatisticsProvider for RequestStatistics {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        if let Some(&tokens) = self.total_tokens.borrow().get(&field) {
            return Ok(tokens);
        }
        let tokens = Bm25StatisticsProvider::total_num_tokens(&self.searcher, field)?;
        self.total_tokens.borrow_mut().insert(field, tokens);
        Ok(tokens)
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Bm25StatisticsProvider::total_num_docs(&self.searcher)
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        if let Some(&count) = self.doc_freqs.borrow().get(term) {
            return Ok(count);
        }
        let count = self.searcher.doc_freq(term)?;
        self.doc_freqs.borrow_mut().insert(term.clone(), count);
        #[cfg(test)]
        self.looked_up.borrow_mut().push(term.clone());
        Ok(count)
    }
}

#[cfg(test)]
impl RequestStatistics {
    /// The terms looked up in the dictionaries so far.
    pub(crate) fn looked_up(&self) -> Vec<Term> {
        self.looked_up.borrow().clone()
    }

    /// Every count remembered so far, looked up or told.
    pub(crate) fn remembered(&self) -> Vec<(Term, u64)> {
        self.doc_freqs.borrow().iter().map(|(term, &count)| (term.clone(), count)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SearchIndex;

    #[test]
    fn remembered_counts_are_the_searchers_own() {
        let index = SearchIndex::with_english_texts(&[
            ("a", "Heart failure", "remote monitoring of heart failure"),
            ("b", "Heart rate", "heart rate apps"),
            ("c", "Diabetes", "mobile apps for diabetes"),
        ]);
        let searcher = index.searcher();
        let stats = RequestStatistics::new(searcher.clone());
        let body = index.fields().body;
        for _ in 0..2 {
            assert_eq!(stats.doc_freq_of(body, "heart"), 2);
            assert_eq!(stats.doc_freq_of(body, "apps"), 2);
            assert_eq!(stats.doc_freq_of(body, "absent"), 0);
            assert_eq!(
                stats.total_num_tokens(body).unwrap(),
                Bm25StatisticsProvider::total_num_tokens(&searcher, body).unwrap()
            );
            assert_eq!(stats.total_num_docs().unwrap(), 3);
            assert_eq!(
                stats.doc_freq(&Term::from_field_text(body, "heart")).unwrap(),
                searcher.doc_freq(&Term::from_field_text(body, "heart")).unwrap()
            );
        }
        assert_eq!(stats.doc_freqs.borrow().len(), 3);
        assert_eq!(stats.looked_up().len(), 3, "each term looked up once");
        // A count told is not looked up, and does not replace one looked up.
        stats.remember(body, "told", 7);
        stats.remember(body, "heart", 9);
        assert_eq!(stats.doc_freq_of(body, "told"), 7);
        assert_eq!(stats.doc_freq_of(body, "heart"), 2);
        assert_eq!(stats.looked_up().len(), 3);
    }
}
