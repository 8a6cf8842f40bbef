//! Plain tantivy BM25 (default tokenizer, title and text fields, OR of the query words), the
//! yardstick the service's ranking is measured against. Not used to serve searches.

use tantivy::collector::TopDocs;
use tantivy::query::QueryParser;
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
