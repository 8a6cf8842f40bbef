//! The `Document` record that ingestion produces for every library file.

use std::fmt;
use std::path::{Component, Path};

use crate::PublishedDate;

/// Stable identifier of a document: its path relative to the library root, with `/` separators
/// whatever the platform (`reports/pt-copd-2021.pdf`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DocId(String);

impl DocId {
    /// Builds the id of `path` inside `root`; `None` when `path` is not below `root` or has a
    /// component that is not valid UTF-8.
    pub fn from_library_path(root: &Path, path: &Path) -> Option<Self> {
        let relative = path.strip_prefix(root).ok()?;
        let mut parts = Vec::new();
        for component in relative.components() {
            match component {
                Component::Normal(part) => parts.push(part.to_str()?),
                _ => return None,
            }
        }
        if parts.is_empty() {
            return None;
        }
        Some(DocId(parts.join("/")))
    }

    /// Wraps an id string that is already in canonical form (as stored in an index).
    pub fn from_stored(id: impl Into<String>) -> Self {
        DocId(id.into())
    }

    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The kind of source file, by format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocKind {
    /// A PDF document.
    Pdf,
    /// A saved web page.
    Html,
    /// A plain-text file.
    Text,
}

impl DocKind {
    /// Classifies a path by its extension; `None` for files that are not documents.
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "pdf" => Some(DocKind::Pdf),
            "html" | "htm" | "xhtml" => Some(DocKind::Html),
            "txt" | "text" => Some(DocKind::Text),
            _ => None,
        }
    }

    /// The name used in the API and the CLI: `pdf`, `html` or `text`.
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Pdf => "pdf",
            DocKind::Html => "html",
            DocKind::Text => "text",
        }
    }
}

impl fmt::Display for DocKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything the service knows about one library document after ingestion.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Stable id (path relative to the library).
    pub id: DocId,
    /// Source format.
    pub kind: DocKind,
    /// Display title (sidecar, embedded metadata, or the first heading).
    pub title: String,
    /// Extracted body text, paragraphs separated by blank lines.
    pub text: String,
    /// ISO 639-1 language code, or `und` when it cannot be told.
    pub lang: String,
    /// Other languages a fair share of the text is written in (a Russian summary in an English
    /// report), most used first; empty for single-language documents. The document is indexed
    /// in `lang` and in each of these.
    pub other_langs: Vec<String>,
    /// Topic slugs of the taxonomy (`assessment/cost-effectiveness`).
    pub topics: Vec<String>,
    /// ISO 3166-1 alpha-2 codes of the countries the document is about (and `EU`).
    pub countries: Vec<String>,
    /// Publication date, when known.
    pub published: Option<PublishedDate>,
    /// Last modification date, when the file says (web pages).
    pub modified: Option<PublishedDate>,
    /// Canonical URL of the resource, when known.
    pub url: Option<String>,
    /// Short description or abstract.
    pub description: Option<String>,
    /// Author or issuing body.
    pub author: Option<String>,
    /// Keywords from metadata.
    pub keywords: Vec<String>,
    /// Curated document type (report, policy, guide…), when given.
    pub doc_type: Option<String>,
    /// Number of pages (PDF only).
    pub pages: Option<u32>,
    /// Byte offsets in `text` where each PDF page after the first starts.
    pub page_starts: Vec<usize>,
    /// BLAKE3 hash of the file's bytes (hex).
    pub content_hash: String,
    /// Non-fatal problems met while building the record (e.g. a malformed sidecar).
    pub warnings: Vec<String>,
}
