//! The search index of hubsearch: the tantivy schema and analyzers, writing documents by id,
//! and ranked, filtered, faceted search with highlighted snippets. It knows nothing of PDFs,
//! HTML or HTTP: documents come in as [`IndexDocument`] values and leave as [`Hit`]s.
#![warn(missing_docs)]

mod analyzer;
pub mod baseline;
mod compaction;
mod completions;
mod directory;
mod error;
mod facet;
mod glossary;
mod query;
mod schema;
mod search;
mod snippet;
mod statistics;
mod store;
mod suggest;
pub mod user_query;
mod vocabulary;
mod writer;

pub use compaction::Compaction;
pub use error::IndexError;
pub use facet::{FacetCount, FacetFilter, FacetKind, Facets};
pub use search::{Hit, SearchRequest, SearchResults, SortOrder};
pub use store::{IndexedState, SearchIndex, StoredDocument};
pub use suggest::{Suggestion, SuggestionKind};
pub use writer::{IndexDocument, IndexWriteBatch};

/// Result type of this crate.
pub type Result<T> = std::result::Result<T, IndexError>;
