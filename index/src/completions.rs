//! The index's recurring words in order, with their document frequencies: completing the word
//! being typed is a binary search and a short scan instead of a walk over every segment's
//! dictionary. Built once per searcher generation (after each commit), from the title and body.
//! The frequencies are kept per field too, so that a search can take a word's statistics from
//! the table instead of looking it up in every segment's dictionary of every field.

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
    /// The fields the table was built from.
    fields: Vec<Field>,
    /// Each word's document frequency in each of `fields` (summed over segments, as
    /// `Searcher::doc_freq` counts it): `fields.len()` numbers per word, in the order of `words`.
    field_doc_freqs: Vec<u32>,
    /// Words in fewer documents than this (over all `fields`) are left out.
    min_doc_freq: u64,
}

impl Completions {
    /// Reads the dictionaries of `fields` in every segment of `searcher`.
    pub(crate) fn build(searcher: &Searcher, fields: &[Field]) -> crate::Result<Self> {
        // Stream `n` is field `n % fields.len()` of a segment.
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
        let mut field_doc_freqs = Vec::new();
        let mut by_field = vec![0u64; fields.len()];
        while merger.advance() {
            by_field.fill(0);
            for (stream, info) in merger.current_segment_ords_and_term_infos() {
                by_field[stream % fields.len()] += u64::from(info.doc_freq);
            }
            let doc_freq: u64 = by_field.iter().sum();
            if doc_freq >= min_doc_freq
                && let Ok(word) = std::str::from_utf8(merger.key())
            {
                words.push((word.into(), saturate(doc_freq)));
                field_doc_freqs.extend(by_field.iter().map(|&n| saturate(n)));
            }
        }
        Ok(Completions {
            generation: searcher.generation().generation_id(),
            words,
            fields: fields.to_vec(),
            field_doc_freqs,
            min_doc_freq,
        })
    }

    /// The searcher generation the table was built from.
    pub(crate) fn generation(&self) -> u64 {
        self.generation
    }

    /// The `limit` most frequent words starting with `prefix` (the prefix itself included when
    /// it is a word), most frequent first, ties in alphabetical order.
    pub(crate) fn complete(&self, prefix: &str, limit: usize) -> Vec<(String, u64)> {
        self.completions(prefix, limit).into_iter().map(|word| (word.text().to_owned(), word.doc_freq())).collect()
    }

    /// [`Completions::complete`] as entries of the table, which carry their counts by field.
    pub(crate) fn completions(&self, prefix: &str, limit: usize) -> Vec<Word<'_>> {
        let start = self.words.partition_point(|(w, _)| w.as_ref() < prefix);
        // A min-heap of the best so far: (frequency, reversed word order, position) so that the
        // smallest is the one to drop.
        let mut best: BinaryHeap<Reverse<(u32, Reverse<&str>, usize)>> = BinaryHeap::with_capacity(limit + 1);
        for (at, (word, freq)) in
            self.words.iter().enumerate().skip(start).take_while(|(_, (w, _))| w.starts_with(prefix))
        {
            best.push(Reverse((*freq, Reverse(word.as_ref()), at)));
            if best.len() > limit {
                best.pop();
            }
        }
        let mut out: Vec<Word<'_>> = best.into_iter().map(|Reverse((_, _, at))| Word { table: self, at }).collect();
        out.sort_by(|a, b| b.doc_freq().cmp(&a.doc_freq()).then_with(|| a.text().cmp(b.text())));
        out
    }

    /// The number of documents whose field holds `word`, for each field the table was built
    /// from: the searcher's own counts when the table holds the word, zero when it holds every
    /// word of those fields (a small library) and not this one, `None` when it cannot tell (a
    /// rare word left out of a large library's table).
    pub(crate) fn field_doc_freqs(&self, word: &str) -> Option<Vec<(Field, u64)>> {
        match self.words.binary_search_by(|(w, _)| w.as_ref().cmp(word)) {
            Ok(at) => Word { table: self, at }.field_doc_freqs(),
            Err(_) if self.min_doc_freq <= 1 => Some(self.fields.iter().map(|&field| (field, 0)).collect()),
            Err(_) => None,
        }
    }
}

/// A word of the table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Word<'a> {
    table: &'a Completions,
    at: usize,
}

impl<'a> Word<'a> {
    /// The word.
    pub(crate) fn text(&self) -> &'a str {
        &self.table.words[self.at].0
    }

    /// Documents holding it, summed over the table's fields (a document may count twice).
    pub(crate) fn doc_freq(&self) -> u64 {
        u64::from(self.table.words[self.at].1)
    }

    /// Documents whose field holds it, for each field of the table (`None` if a count
    /// saturated, and so is not the searcher's).
    pub(crate) fn field_doc_freqs(&self) -> Option<Vec<(Field, u64)>> {
        let fields = &self.table.fields;
        let counts = &self.table.field_doc_freqs[self.at * fields.len()..(self.at + 1) * fields.len()];
        (!counts.contains(&u32::MAX))
            .then(|| fields.iter().zip(counts).map(|(&field, &n)| (field, u64::from(n))).collect())
    }
}

/// A count as stored in the table (saturated beyond `u32`, which no library of ours reaches).
fn saturate(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SearchIndex;
    use crate::writer::IndexDocument;

    /// Two segments (two commits), a document replaced and one deleted.
    fn two_segments() -> SearchIndex {
        let index = SearchIndex::with_english_texts(&[
            ("a", "Heart failure", "remote monitoring of heart failure"),
            ("b", "Heart rate", "heart rate apps"),
            ("c", "Diabetes", "mobile apps for diabetes and heart health"),
        ]);
        let mut batch = index.batch().unwrap();
        let doc = |id: &str, title: &str, body: &str| IndexDocument {
            id: id.into(),
            title: title.into(),
            body: body.into(),
            lang: "en".into(),
            kind: "text".into(),
            ..IndexDocument::default()
        };
        batch.upsert(&doc("b", "Heart rhythm", "heart rhythm apps")).unwrap();
        batch.upsert(&doc("d", "Apps", "apps for the heart")).unwrap();
        batch.delete("c");
        batch.commit().unwrap();
        assert_eq!(index.searcher().segment_readers().len(), 2);
        index
    }

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

    #[test]
    fn counts_by_field_are_the_searchers_own_across_segments_and_deletes() {
        let index = two_segments();
        let searcher = index.searcher();
        let table = index.completions().unwrap();
        let fields = index.fields();
        assert_eq!(table.generation(), searcher.generation().generation_id());
        for word in ["heart", "failure", "rate", "rhythm", "apps", "diabetes", "health", "remote"] {
            let counts = table.field_doc_freqs(word).unwrap();
            assert_eq!(counts.len(), 2, "{word}");
            for (field, count) in counts {
                // Deleted and replaced documents still count until a merge, as in BM25's own look-up.
                let expected = searcher.doc_freq(&tantivy::Term::from_field_text(field, word)).unwrap();
                assert_eq!(count, expected, "{word} in {field:?}");
            }
        }
        let heart = table.field_doc_freqs("heart").unwrap();
        assert_eq!(heart, [(fields.title, 3), (fields.body, 5)]);
        // The completions carry the same counts.
        let apps = table.completions("ap", 1);
        assert_eq!(apps[0].text(), "apps");
        assert_eq!(apps[0].field_doc_freqs(), table.field_doc_freqs("apps"));
        // A small library's table holds every word: one it lacks is in neither field.
        assert_eq!(table.field_doc_freqs("absent"), Some(vec![(fields.title, 0), (fields.body, 0)]));
    }

    #[test]
    fn a_large_librarys_table_cannot_tell_about_rare_words_it_left_out() {
        let index = two_segments();
        let mut table = Completions::build(&index.searcher(), &[index.fields().title, index.fields().body]).unwrap();
        table.min_doc_freq = 3;
        assert_eq!(table.field_doc_freqs("absent"), None);
        assert!(table.field_doc_freqs("heart").is_some());
        // A saturated count is not the searcher's.
        table.field_doc_freqs[0] = u32::MAX;
        let first = table.words[0].0.to_string();
        assert_eq!(table.field_doc_freqs(&first), None);
    }
}
