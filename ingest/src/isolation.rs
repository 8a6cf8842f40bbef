//! Where risky extractions run. `ingest` cannot start processes of a binary it does not know,
//! so it defines the hook and the in-process default; the `hubsearch` binary provides a pool of
//! worker processes with a time limit and a memory bound (see ARCHITECTURE.md).

use crate::document::DocKind;
use crate::error::ExtractError;
use crate::extract::{Extraction, extract};

/// Runs the extraction of one file's bytes, somewhere.
pub trait Isolation: Send + Sync {
    /// Extracts `bytes`, the content of a file of `kind`.
    fn extract(&self, kind: DocKind, bytes: &[u8]) -> Result<Extraction, ExtractError>;
}

/// Extraction in the calling thread: panics are caught (they become the document's error), but
/// a hang or runaway allocation is not bounded. The default for library use and tests; the
/// service replaces it for PDFs.
#[derive(Debug, Default, Clone, Copy)]
pub struct InProcess;

impl Isolation for InProcess {
    fn extract(&self, kind: DocKind, bytes: &[u8]) -> Result<Extraction, ExtractError> {
        extract(kind, bytes)
    }
}

/// Whether a kind of file is worth isolating: PDFs are (a complex format parsed by third-party
/// code); HTML and text are parsed by bounded, linear code and stay in process.
pub fn is_risky(kind: DocKind) -> bool {
    kind == DocKind::Pdf
}
