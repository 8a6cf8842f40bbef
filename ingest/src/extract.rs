//! What a format extractor returns, and the dispatch from file kind to extractor.

use crate::document::DocKind;
use crate::error::ExtractError;
use crate::{PublishedDate, html, pdf, text};
use serde::{Deserialize, Serialize};

/// Text and metadata extracted from one file, before sidecar metadata, language detection and
/// classification are applied.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Extraction {
    /// Title from the file's own metadata or structure.
    pub title: Option<String>,
    /// Body text, paragraphs separated by blank lines.
    pub text: String,
    /// Section headings, for classification (they weigh more than body text).
    pub headings: Vec<String>,
    /// Page count (PDF).
    pub pages: Option<u32>,
    /// Byte offsets in `text` where each page after the first starts (PDF).
    pub page_starts: Vec<usize>,
    /// Language declared by the file (`<html lang>`, PDF `/Lang`), as given.
    pub lang_hint: Option<String>,
    /// Publication date from metadata.
    pub published: Option<PublishedDate>,
    /// Last modification date from metadata (HTML).
    pub modified: Option<PublishedDate>,
    /// Description or subject from metadata.
    pub description: Option<String>,
    /// Author from metadata.
    pub author: Option<String>,
    /// Keywords from metadata.
    pub keywords: Vec<String>,
    /// Canonical URL (HTML).
    pub url: Option<String>,
    /// What the extractor could not read although it kept the rest (a page whose content
    /// stream is damaged, say): the ingest report shows these instead of losing text silently.
    pub warnings: Vec<String>,
}

/// Extracts the text and metadata of `bytes`, read from a file of the given kind.
pub fn extract(kind: DocKind, bytes: &[u8]) -> Result<Extraction, ExtractError> {
    match kind {
        DocKind::Pdf => pdf::PdfExtractor::extract(bytes),
        DocKind::Html => Ok(html::HtmlExtractor::extract(bytes)),
        DocKind::Text => Ok(text::PlainTextExtractor::extract(bytes)),
    }
}

/// Collapses runs of white space inside a metadata value and trims it; `None` if nothing is left.
pub(crate) fn clean_value(value: &str) -> Option<String> {
    let cleaned = value.split_whitespace().collect::<Vec<_>>().join(" ");
    (!cleaned.is_empty()).then_some(cleaned)
}
