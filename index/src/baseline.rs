//! Yardsticks the service's ranking is measured against, not used to serve searches: plain
//! tantivy BM25 (default tokenizer, title and text fields, OR of the query words) for quality,
//! and the foundation's query (before the ranking work) over the service's own index for speed.

use tantivy::collector::TopDocs;
use tantivy::query::QueryParser;

use crate::query::TextQuery;
use crate::search::{SearchRequest, SearchResults};
use crate::store::SearchIndex;
use tantivy::schema::{STORED, STRING, Schema, TEXT, Value};
use tantivy::{Index, TantivyDocument, doc};

/// An in-memory index with tantivy's defaults.
pub struct PlainBm25 {
    index: Index,
    parser: QueryParser,
    id: tantivy::schema::Field,
}

impl PlainBm25 {
    /// Indexes `(id, title, text)` documents.
    pub fn build<'a>(documents: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>) -> crate::Result<Self> {
        let mut builder = Schema::builder();
        let id = builder.add_text_field("id", STRING | STORED);
        let title = builder.add_text_field("title", TEXT);
        let text = builder.add_text_field("text", TEXT);
        let index = Index::create_in_ram(builder.build());
        let mut writer = index.writer_with_num_threads(1, 100_000_000)?;
        for (doc_id, doc_title, doc_text) in documents {
            writer.add_document(doc!(id => doc_id, title => doc_title, text => doc_text))?;
        }
        writer.commit()?;
        let parser = QueryParser::for_index(&index, vec![title, text]);
        Ok(PlainBm25 { index, parser, id })
    }

    /// The ids of the best `limit` documents for `query`, with scores.
    pub fn search(&self, query: &str, limit: usize) -> crate::Result<Vec<(String, f32)>> {
        let (query, _) = self.parser.parse_query_lenient(query);
        let searcher = self.index.reader()?.searcher();
        let mut hits = Vec::new();
        for (score, address) in searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())? {
            let doc: TantivyDocument = searcher.doc(address)?;
            hits.push((doc.get_first(self.id).and_then(|v| v.as_str()).unwrap_or_default().to_owned(), score));
        }
        Ok(hits)
    }
}

impl SearchIndex {
    /// [`SearchIndex::search`] with the query the foundation built before the ranking work
    /// (tantivy's query parser over title ×3, description ×1.5 and body, OR of the words; no
    /// phrases of our own, typo tolerance, prefixes, proximity or stemmed fields): everything
    /// else (filters, facets, snippets, stored fields) is the same code, so that the two
    /// latencies measured side by side differ by the cost of building and running the query.
    pub fn search_foundation(&self, request: &SearchRequest) -> crate::Result<SearchResults> {
        let searcher = self.searcher();
        let fields = self.fields();
        let mut parser = QueryParser::for_index(&self.index, vec![fields.title, fields.description, fields.body]);
        parser.set_field_boost(fields.title, 3.0);
        parser.set_field_boost(fields.description, 1.5);
        let text = (!request.query.trim().is_empty()).then(|| {
            let (query, errors) = parser.parse_query_lenient(&request.query);
            let query = if errors.is_empty() {
                query
            } else {
                let words: String = request.query.chars().map(|c| if c.is_alphanumeric() { c } else { ' ' }).collect();
                parser.parse_query_lenient(&words).0
            };
            TextQuery {
                all: query.box_clone(),
                any: query.box_clone(),
                clauses: 1,
                highlight: query,
                proximity: Vec::new(),
            }
        });
        self.search_with(&crate::statistics::RequestStatistics::new(searcher), request, text)
    }
}

#[cfg(test)]
mod tests {
    use crate::search::SearchRequest;
    use crate::store::SearchIndex;

    #[test]
    fn the_foundation_query_ors_exact_words_over_the_same_index() {
        let index = SearchIndex::with_english_texts(&[
            ("a", "Telemonitoring in Portugal", "heart failure telemonitoring"),
            ("b", "Reimbursement", "telemonitoring reimbursement in Spain"),
            ("c", "Diabetes apps", "mobile apps for diabetes"),
        ]);
        let request = |q: &str| SearchRequest { query: q.into(), ..SearchRequest::default() };
        let ids = |q: &str| -> Vec<String> {
            index.search_foundation(&request(q)).unwrap().hits.into_iter().map(|h| h.id).collect()
        };
        assert_eq!(ids("telemonitoring portugal"), ["a", "b"], "OR of the words, title weighs more");
        assert!(ids("telemonitorin").is_empty(), "no prefixes or typos");
        assert_eq!(index.search(&request("telemonitorin")).unwrap().hits.len(), 2, "the service completes it");
        assert!(ids("\"unbalanced diabetes").contains(&"c".to_owned()), "broken syntax falls back to words");
    }
}
