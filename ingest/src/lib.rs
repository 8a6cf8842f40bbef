//! Turns the files of a resource library into [`Document`] records: walking the library, text
//! extraction (PDF, HTML, plain text), language detection, curated sidecar metadata and
//! topic/country classification. It knows nothing of indexes or HTTP.
#![warn(missing_docs)]

pub mod country;
pub mod date;
pub mod document;
pub mod error;
pub mod extract;
pub mod fold;
pub mod html;
pub mod isolation;
pub mod langid;
pub mod language;
pub mod language_labels;
pub mod pdf;
pub mod pipeline;
pub mod processor;
pub mod sidecar;
pub mod terms;
pub mod text;
pub mod topic;
pub mod walk;

pub use country::CountryGazetteer;
pub use date::PublishedDate;
pub use document::{DocId, DocKind, Document};
pub use error::{ExtractError, IngestError};
pub use extract::Extraction;
pub use isolation::{InProcess, Isolation};
pub use language::LanguageDetector;
pub use pipeline::{IngestPipeline, IngestTask, Outcome};
pub use processor::{DocumentProcessor, ProcessorSettings};
pub use sidecar::Sidecar;
pub use topic::{Taxonomy, TopicClassifier};
pub use walk::{LibraryScan, LibraryWalker, SourceFile};

/// Version of the extraction logic. Stored with every indexed document so that a new version of
/// the extractors re-extracts documents that an older one produced: 2 = topic and country
/// detection (issue 6), 3 = the PDF extractor on lopdf's parser (issue 3), 4 = main-content
/// HTML extraction (issue 4).
pub const EXTRACTOR_VERSION: u32 = 4;
