//! The tantivy schema: one place that names every field and how it is indexed.

use tantivy::schema::{
    FAST, FacetOptions, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use crate::analyzer::{NEUTRAL, STEMMED_LANGUAGES, stemmed_name};

/// Version of the schema below. An index on disk with another version is rebuilt.
pub const SCHEMA_VERSION: u32 = 3;

/// Every field of the schema, resolved once.
#[derive(Debug, Clone)]
pub struct Fields {
    /// Document id (path relative to the library); exact, stored, fast.
    pub id: Field,
    /// Title, analysed and stored.
    pub title: Field,
    /// Body text, analysed with positions and stored (snippets need it).
    pub body: Field,
    /// Description and keywords, analysed and stored.
    pub description: Field,
    /// Canonical URL, stored.
    pub url: Field,
    /// ISO 639-1 language, exact.
    pub lang: Field,
    /// Source format (pdf, html, text), exact.
    pub kind: Field,
    /// Curated document type, exact.
    pub doc_type: Field,
    /// Topic facet (`/assessment/cost-effectiveness`, ancestors added explicitly).
    pub topic: Field,
    /// Country facet (`/PT`).
    pub country: Field,
    /// Language facet (`/pt`).
    pub lang_facet: Field,
    /// Kind facet (`/pdf`).
    pub kind_facet: Field,
    /// Year facet (`/2021`).
    pub year_facet: Field,
    /// Publication date as text (`2021-03`), stored.
    pub published: Field,
    /// Publication time in seconds since the epoch, fast (for sorting by date).
    pub published_ts: Field,
    /// Number of pages, stored.
    pub pages: Field,
    /// Content hash of the source file, fast (read in bulk for change detection).
    pub content_hash: Field,
    /// Change-detection fingerprint (size and mtime), fast.
    pub fingerprint: Field,
    /// Extractor version that produced the document, fast.
    pub extractor_version: Field,
    /// Author, stored.
    pub author: Field,
    /// Secondary languages, stored (so a document can be rebuilt from the index).
    pub other_langs: Field,
    /// Per stemmed language (ISO 639-1 code), the title, description and body of documents in
    /// that language, analysed with its stemmer; not stored.
    pub stemmed: Vec<(&'static str, Field)>,
}

impl Fields {
    /// The stemmed field of a language, if it has one.
    pub fn stemmed_field(&self, code: &str) -> Option<Field> {
        let language = crate::analyzer::stemming_language(code)?;
        self.stemmed.iter().find(|(c, _)| crate::analyzer::stemming_language(c) == Some(language)).map(|(_, f)| *f)
    }
}

/// Builds the schema and its field handles.
pub fn build() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = |positions: bool| {
        let record = if positions { IndexRecordOption::WithFreqsAndPositions } else { IndexRecordOption::WithFreqs };
        TextOptions::default()
            .set_indexing_options(TextFieldIndexing::default().set_tokenizer(NEUTRAL).set_index_option(record))
            .set_stored()
    };
    let fields = Fields {
        id: builder.add_text_field("id", STRING | STORED | FAST),
        title: builder.add_text_field("title", text(true)),
        body: builder.add_text_field("body", text(true)),
        description: builder.add_text_field("description", text(true)),
        url: builder.add_text_field("url", STORED),
        lang: builder.add_text_field("lang", STRING | STORED),
        kind: builder.add_text_field("kind", STRING | STORED),
        doc_type: builder.add_text_field("doc_type", STRING | STORED),
        topic: builder.add_facet_field("topic", STORED),
        country: builder.add_facet_field("country", STORED),
        lang_facet: builder.add_facet_field("lang_facet", FacetOptions::default()),
        kind_facet: builder.add_facet_field("kind_facet", FacetOptions::default()),
        year_facet: builder.add_facet_field("year_facet", FacetOptions::default()),
        published: builder.add_text_field("published", STORED),
        published_ts: builder.add_i64_field("published_ts", FAST | STORED),
        pages: builder.add_u64_field("pages", STORED),
        content_hash: builder.add_text_field("content_hash", STRING | FAST),
        fingerprint: builder.add_text_field("fingerprint", STRING | FAST),
        extractor_version: builder.add_u64_field("extractor_version", FAST),
        author: builder.add_text_field("author", STORED),
        other_langs: builder.add_text_field("other_langs", STORED),
        stemmed: STEMMED_LANGUAGES
            .iter()
            .map(|(code, _)| {
                let indexing = TextFieldIndexing::default()
                    .set_tokenizer(&stemmed_name(code))
                    .set_index_option(IndexRecordOption::WithFreqs);
                (
                    *code,
                    builder
                        .add_text_field(&format!("text_{code}"), TextOptions::default().set_indexing_options(indexing)),
                )
            })
            .collect(),
    };
    (builder.build(), fields)
}
