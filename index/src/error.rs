//! Typed errors of the index crate.

/// Errors of the search index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// tantivy failed (I/O, corruption, lock).
    #[error("index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// The index directory cannot be created or opened.
    #[error("cannot open index directory {path}: {source}")]
    Directory {
        /// The directory.
        path: std::path::PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The index on disk was built with an incompatible schema.
    #[error("the index at {0} was built with another schema version; delete it and re-ingest")]
    SchemaMismatch(std::path::PathBuf),
    /// Another process holds the index writer lock.
    #[error("the index is being written by another process (lock held): {0}")]
    Locked(String),
}
