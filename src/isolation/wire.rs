//! The worker protocol. Request: one byte of document kind, the length of the file as a
//! little-endian u64, the file's bytes. Reply: one line of JSON, a [`Reply`].

use ingest::{DocKind, ExtractError, Extraction, PublishedDate};
use serde::{Deserialize, Serialize};

/// The answer to one request.
#[derive(Debug, Serialize, Deserialize)]
pub enum Reply {
    /// The extraction.
    Ok(Box<WireExtraction>),
    /// Why there is none.
    Err(WireError),
}

/// [`Extraction`] as JSON.
#[derive(Debug, Serialize, Deserialize)]
pub struct WireExtraction {
    title: Option<String>,
    text: String,
    headings: Vec<String>,
    pages: Option<u32>,
    page_starts: Vec<usize>,
    lang_hint: Option<String>,
    published: Option<String>,
    #[serde(default)]
    modified: Option<String>,
    description: Option<String>,
    author: Option<String>,
    keywords: Vec<String>,
    url: Option<String>,
    warnings: Vec<String>,
}

/// [`ExtractError`] as JSON (the variants that extraction itself produces).
#[derive(Debug, Serialize, Deserialize)]
pub enum WireError {
    /// [`ExtractError::Pdf`].
    Pdf(String),
    /// [`ExtractError::Encrypted`].
    Encrypted,
    /// [`ExtractError::NoTextLayer`].
    NoTextLayer(u32),
    /// [`ExtractError::Panic`].
    Panic(String),
    /// Anything else, as its message.
    Other(String),
}

impl Reply {
    /// Encodes a result.
    pub fn from_result(result: Result<Extraction, ExtractError>) -> Reply {
        match result {
            Ok(e) => Reply::Ok(Box::new(WireExtraction {
                title: e.title,
                text: e.text,
                headings: e.headings,
                pages: e.pages,
                page_starts: e.page_starts,
                lang_hint: e.lang_hint,
                published: e.published.map(|d| d.to_string()),
                modified: e.modified.map(|d| d.to_string()),
                description: e.description,
                author: e.author,
                keywords: e.keywords,
                url: e.url,
                warnings: e.warnings,
            })),
            Err(ExtractError::Pdf(m)) => Reply::Err(WireError::Pdf(m)),
            Err(ExtractError::Encrypted) => Reply::Err(WireError::Encrypted),
            Err(ExtractError::NoTextLayer { pages }) => Reply::Err(WireError::NoTextLayer(pages)),
            Err(ExtractError::Panic(m)) => Reply::Err(WireError::Panic(m)),
            Err(other) => Reply::Err(WireError::Other(other.to_string())),
        }
    }

    /// Decodes it back.
    pub fn into_result(self) -> Result<Extraction, ExtractError> {
        match self {
            Reply::Ok(e) => Ok(Extraction {
                title: e.title,
                text: e.text,
                headings: e.headings,
                pages: e.pages,
                page_starts: e.page_starts,
                lang_hint: e.lang_hint,
                published: e.published.as_deref().and_then(PublishedDate::parse_iso),
                modified: e.modified.as_deref().and_then(PublishedDate::parse_iso),
                description: e.description,
                author: e.author,
                keywords: e.keywords,
                url: e.url,
                warnings: e.warnings,
            }),
            Reply::Err(WireError::Pdf(m)) => Err(ExtractError::Pdf(m)),
            Reply::Err(WireError::Encrypted) => Err(ExtractError::Encrypted),
            Reply::Err(WireError::NoTextLayer(pages)) => Err(ExtractError::NoTextLayer { pages }),
            Reply::Err(WireError::Panic(m)) => Err(ExtractError::Panic(m)),
            Reply::Err(WireError::Other(m)) => Err(ExtractError::Worker(m)),
        }
    }
}

/// The request byte of a document kind.
pub fn kind_byte(kind: DocKind) -> u8 {
    match kind {
        DocKind::Pdf => b'p',
        DocKind::Html => b'h',
        DocKind::Text => b't',
    }
}

/// The document kind of a request byte.
pub fn byte_kind(byte: u8) -> Option<DocKind> {
    match byte {
        b'p' => Some(DocKind::Pdf),
        b'h' => Some(DocKind::Html),
        b't' => Some(DocKind::Text),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extractions_and_errors_survive_the_round_trip() {
        let extraction = Extraction {
            title: Some("T".into()),
            text: "a\n\nb".into(),
            pages: Some(2),
            page_starts: vec![3],
            published: PublishedDate::parse_iso("2021-03"),
            ..Extraction::default()
        };
        let json = serde_json::to_string(&Reply::from_result(Ok(extraction.clone()))).unwrap();
        assert_eq!(serde_json::from_str::<Reply>(&json).unwrap().into_result().unwrap(), extraction);
        let json = serde_json::to_string(&Reply::from_result(Err(ExtractError::NoTextLayer { pages: 3 }))).unwrap();
        let back = serde_json::from_str::<Reply>(&json).unwrap().into_result();
        assert!(matches!(back, Err(ExtractError::NoTextLayer { pages: 3 })));
    }
}
