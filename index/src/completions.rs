//! The index's recurring words in order, with their document frequencies: completing the word
//! being typed is a binary search and a short scan instead of a walk over every segment's
//! dictionary. Built once per searcher generation (after each commit), from the title and body.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use tantivy::Searcher;
use tantivy::schema::Field;
use tantivy::termdict::TermMerger;

/// In a large index, words in fewer than one document per this many are not offered as
/// completions (typos, codes, names seen once): they would make the table as large as the
/// dictionaries. A small library keeps every word.
const DOCS_PER_REQUIRED_DOC: u64 = 50_000;

/// Sorted words with their document frequency summed over the fields and segments.
#[derive(Debug, Default)]
pub(crate) struct Completions {
    generation: u64,
    words: Vec<(Box<str>, u32)>,
}

impl Completions {
    /// Reads the dictionaries of `fields` in every segment of `searcher`.
    pub(crate) fn build(searcher: &Searcher, fields: &[Field]) -> crate::Result<Self> {
        let mut inverted = Vec::new();
        for segment in searcher.segment_readers() {
            for &field in fields {
                inverted.push(segment.inverted_index(field)?);
            }
        }
        let mut streams = Vec::with_capacity(inverted.len());
        for index in &inverted {
            streams.push(index.terms().stream().map_err(tantivy::TantivyError::from)?);
        }
        let min_doc_freq = 1 + searcher.num_docs() / DOCS_PER_REQUIRED_DOC;
        let mut merger = TermMerger::new(streams);
        let mut words = Vec::new();
        while merger.advance() {
            let doc_freq: u64 =
                merger.current_segment_ords_and_term_infos().map(|(_, info)| u64::from(info.doc_freq)).sum();
            if doc_freq >= min_doc_freq
                && let Ok(word) = std::str::from_utf8(merger.key())
            {
                words.push((word.into(), u32::try_from(doc_freq).unwrap_or(u32::MAX)));
            }
        }
        Ok(Completions { generation: searcher.generation().generation_id(), words })
    }

    /// The searcher generation the table was built from.
    pub(crate) fn generation(&self) -> u64 {
        self.generation
    }

    /// The `limit` most frequent words starting with `prefix` (the prefix itself included when
    /// it is a word), most frequent first, ties in alphabetical order.
    pub(crate) fn complete(&self, prefix: &str, limit: usize) -> Vec<(String, u64)> {
        let start = self.words.partition_point(|(w, _)| w.as_ref() < prefix);
        // A min-heap of the best so far: (frequency, reversed word order) so that the smallest
        // is the one to drop.
        let mut best: BinaryHeap<Reverse<(u32, Reverse<&str>)>> = BinaryHeap::with_capacity(limit + 1);
        for (word, freq) in self.words[start..].iter().take_while(|(w, _)| w.starts_with(prefix)) {
            best.push(Reverse((*freq, Reverse(word.as_ref()))));
            if best.len() > limit {
                best.pop();
            }
        }
        let mut out: Vec<(String, u64)> =
            best.into_iter().map(|Reverse((freq, Reverse(word)))| (word.to_owned(), u64::from(freq))).collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::store::SearchIndex;

    #[test]
    fn completes_recurring_words_most_frequent_first() {
        let index = SearchIndex::with_english_texts(&[
            ("d0", "Telemonitoring pilot", "telemedicine telemonitoring telehealth"),
            ("d1", "Telehealth", "telemonitoring telehealth telegram"),
            ("d2", "Other", "telemonitoring"),
        ]);
        let table = index.completions().unwrap();
        // telemonitoring: 3 bodies + 1 title; telehealth: 2 bodies + 1 title.
        assert_eq!(
            table.complete("tele", 3),
            [("telemonitoring".to_owned(), 4), ("telehealth".to_owned(), 3), ("telegram".to_owned(), 1)]
        );
        assert_eq!(table.complete("tele", 1), [("telemonitoring".to_owned(), 4)]);
        assert_eq!(table.complete("telehealth", 5), [("telehealth".to_owned(), 3)]);
        assert!(table.complete("zz", 5).is_empty());
        assert!(std::sync::Arc::ptr_eq(&table, &index.completions().unwrap()), "built once per generation");
    }
}
