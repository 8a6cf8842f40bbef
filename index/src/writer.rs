//! Writing documents: upsert and delete by id, committed atomically in batches.

use std::sync::MutexGuard;

use tantivy::schema::Facet;
use tantivy::{IndexWriter, TantivyDocument, Term};

use crate::schema::Fields;
use crate::store::SearchIndex;

/// A document as the index takes it: plain values, no knowledge of where they came from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IndexDocument {
    /// Stable id.
    pub id: String,
    /// Display title.
    pub title: String,
    /// Body text.
    pub body: String,
    /// Description, abstract or keywords.
    pub description: Option<String>,
    /// Canonical URL.
    pub url: Option<String>,
    /// ISO 639-1 code or `und`.
    pub lang: String,
    /// Other languages the document has sections in (a summary in Russian), most used first:
    /// its text is also analysed with their stemmers.
    pub other_langs: Vec<String>,
    /// `pdf`, `html` or `text`.
    pub kind: String,
    /// Curated document type.
    pub doc_type: Option<String>,
    /// Topic slugs (`assessment/cost-effectiveness`); ancestors are added by the index.
    pub topics: Vec<String>,
    /// Country codes.
    pub countries: Vec<String>,
    /// Publication date for display (`2021-03`).
    pub published: Option<String>,
    /// Publication time for sorting (seconds since the epoch).
    pub published_ts: Option<i64>,
    /// Publication year for the year facet.
    pub year: Option<u16>,
    /// Page count.
    pub pages: Option<u32>,
    /// Author or issuing body.
    pub author: Option<String>,
    /// Content hash of the source.
    pub content_hash: String,
    /// Change-detection fingerprint of the source.
    pub fingerprint: String,
    /// Extractor version that produced this document.
    pub extractor_version: u32,
}

/// A set of changes that becomes visible to searches all at once on [`commit`], or not at all.
///
/// [`commit`]: IndexWriteBatch::commit
pub struct IndexWriteBatch<'a> {
    index: &'a SearchIndex,
    writer: MutexGuard<'a, Option<IndexWriter>>,
    committed: bool,
}

impl<'a> IndexWriteBatch<'a> {
    pub(crate) fn new(index: &'a SearchIndex, writer: MutexGuard<'a, Option<IndexWriter>>) -> Self {
        IndexWriteBatch { index, writer, committed: false }
    }

    fn writer(&self) -> &IndexWriter {
        self.writer.as_ref().expect("a batch is only created with an open writer")
    }

    /// Adds `document`, replacing any document with the same id.
    pub fn upsert(&mut self, document: &IndexDocument) -> crate::Result<()> {
        let fields = self.index.fields();
        self.writer().delete_term(Term::from_field_text(fields.id, &document.id));
        self.writer().add_document(to_tantivy(fields, document))?;
        Ok(())
    }

    /// Adds `document`, which the caller knows is not in the index yet (a file seen for the
    /// first time). Skipping the delete-by-id of [`upsert`] spares the commit one term lookup
    /// per document in every segment.
    ///
    /// [`upsert`]: IndexWriteBatch::upsert
    pub fn insert(&mut self, document: &IndexDocument) -> crate::Result<()> {
        self.writer().add_document(to_tantivy(self.index.fields(), document))?;
        Ok(())
    }

    /// Deletes the document with `id`, if any.
    pub fn delete(&mut self, id: &str) {
        let fields = self.index.fields();
        self.writer().delete_term(Term::from_field_text(fields.id, id));
    }

    /// Makes every change of the batch durable and visible to new searches.
    pub fn commit(mut self) -> crate::Result<()> {
        let writer = self.writer.as_mut().expect("a batch is only created with an open writer");
        writer.commit()?;
        self.committed = true;
        self.index.reload()?;
        Ok(())
    }
}

impl Drop for IndexWriteBatch<'_> {
    fn drop(&mut self) {
        // A batch abandoned half-way (error, panic) must not leak into the next commit.
        if !self.committed
            && let Some(writer) = self.writer.as_mut()
            && let Err(err) = writer.rollback()
        {
            // The writer is unusable after a failed rollback: drop it so the next batch reopens it.
            let _ = err;
            *self.writer = None;
        }
    }
}

fn to_tantivy(fields: &Fields, document: &IndexDocument) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(fields.id, &document.id);
    doc.add_text(fields.title, &document.title);
    doc.add_text(fields.body, &document.body);
    if let Some(description) = &document.description {
        doc.add_text(fields.description, description);
    }
    if let Some(url) = &document.url {
        doc.add_text(fields.url, url);
    }
    // The document's languages also get stemmed analysis, so that inflected forms meet; a
    // mixed-language document is findable through each of its languages.
    let mut stemmed_fields = Vec::new();
    for lang in std::iter::once(&document.lang).chain(&document.other_langs) {
        if let Some(field) = fields.stemmed_field(lang)
            && !stemmed_fields.contains(&field)
        {
            stemmed_fields.push(field);
        }
    }
    for other in &document.other_langs {
        doc.add_text(fields.other_langs, other);
    }
    for stemmed in stemmed_fields {
        doc.add_text(stemmed, &document.title);
        if let Some(description) = &document.description {
            doc.add_text(stemmed, description);
        }
        doc.add_text(stemmed, &document.body);
    }
    doc.add_text(fields.lang, &document.lang);
    doc.add_text(fields.kind, &document.kind);
    if let Some(doc_type) = &document.doc_type {
        doc.add_text(fields.doc_type, doc_type);
    }
    for facet in topic_facets(&document.topics) {
        doc.add_facet(fields.topic, facet);
    }
    let mut countries = document.countries.clone();
    countries.sort();
    countries.dedup();
    for country in &countries {
        doc.add_facet(fields.country, Facet::from_path([country.as_str()]));
    }
    doc.add_facet(fields.lang_facet, Facet::from_path([document.lang.as_str()]));
    doc.add_facet(fields.kind_facet, Facet::from_path([document.kind.as_str()]));
    if let Some(year) = document.year {
        doc.add_facet(fields.year_facet, Facet::from_path([year.to_string()]));
    }
    if let Some(published) = &document.published {
        doc.add_text(fields.published, published);
    }
    // Undated documents sort after every dated one.
    doc.add_i64(fields.published_ts, document.published_ts.unwrap_or(i64::MIN));
    if let Some(pages) = document.pages {
        doc.add_u64(fields.pages, u64::from(pages));
    }
    if let Some(author) = &document.author {
        doc.add_text(fields.author, author);
    }
    doc.add_text(fields.content_hash, &document.content_hash);
    doc.add_text(fields.fingerprint, &document.fingerprint);
    doc.add_u64(fields.extractor_version, u64::from(document.extractor_version));
    doc
}

/// Every topic with its ancestors, each once: the facet column then holds the whole path, and
/// counting a parent never counts a document twice.
fn topic_facets(topics: &[String]) -> Vec<Facet> {
    let mut paths: Vec<Vec<&str>> = Vec::new();
    for topic in topics {
        let parts: Vec<&str> = topic.split('/').filter(|p| !p.is_empty()).collect();
        for depth in 1..=parts.len() {
            let path = parts[..depth].to_vec();
            if !paths.contains(&path) {
                paths.push(path);
            }
        }
    }
    paths.into_iter().map(Facet::from_path).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_facets_include_each_ancestor_once() {
        let topics = vec![
            "chronic-disease/diabetes".to_owned(),
            "chronic-disease/cardiovascular".to_owned(),
            "evidence".to_owned(),
        ];
        let facets: Vec<String> = topic_facets(&topics).iter().map(Facet::to_string).collect();
        assert_eq!(
            facets,
            ["/chronic-disease", "/chronic-disease/diabetes", "/chronic-disease/cardiovascular", "/evidence"]
        );
    }
}
