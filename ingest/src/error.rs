//! Typed errors of the ingest crate.

use std::path::PathBuf;

/// Why one file could not be turned into a document.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a PDF that can be parsed.
    #[error("invalid pdf: {0}")]
    Pdf(String),
    /// The PDF is encrypted with a password we do not have.
    #[error("pdf is encrypted and needs a password")]
    Encrypted,
    /// The PDF has pages but no text layer (for instance a scan without OCR).
    #[error("no text layer: the pdf has {pages} page(s) but no extractable text (scanned?)")]
    NoTextLayer {
        /// Number of pages of the document.
        pages: u32,
    },
    /// The file's extension is not one we extract.
    #[error("unsupported file type: {0}")]
    Unsupported(String),
    /// Extraction panicked (a bug in a parser); the message is the panic payload.
    #[error("extractor panicked: {0}")]
    Panic(String),
    /// Extraction did not finish within the time limit and was stopped.
    #[error("extraction took longer than {secs} s and was stopped")]
    Timeout {
        /// The limit.
        secs: u64,
    },
    /// The isolated extraction failed outside the extractor: the worker process died (for
    /// instance on reaching its memory bound) or could not be reached.
    #[error("extraction worker failed: {0}")]
    Worker(String),
}

/// Errors of the ingest crate outside a single document.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The library root cannot be read.
    #[error("cannot read library {path}: {source}")]
    Library {
        /// The library root.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A data file shipped with the code (taxonomy, gazetteer) is malformed.
    #[error("invalid built-in data {name}: {reason}")]
    Data {
        /// Which data file.
        name: &'static str,
        /// What is wrong.
        reason: String,
    },
}
