//! The worker protocol. Request: one byte of document kind, the length of the file as a
//! little-endian u64, the file's bytes. Reply: one line of JSON, a [`Reply`].

use ingest::{DocKind, ExtractError, Extraction};
use serde::{Deserialize, Serialize};

/// The answer to one request.
#[derive(Debug, Serialize, Deserialize)]
pub enum Reply {
    /// The extraction.
    Ok(Box<Extraction>),
    /// Why there is none.
    Err(WireError),
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
            Ok(extraction) => Reply::Ok(Box::new(extraction)),
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
            Reply::Ok(extraction) => Ok(*extraction),
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
    use ingest::PublishedDate;

    #[test]
    fn extractions_and_errors_survive_the_round_trip() {
        let extraction = Extraction {
            modified: PublishedDate::parse_iso("2022-11-30"),
            keywords: vec!["k".into()],
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

    #[test]
    fn dates_travel_in_their_iso_form_and_a_damaged_one_is_refused() {
        let extraction = Extraction { published: PublishedDate::parse_iso("2021-03-15"), ..Extraction::default() };
        let json = serde_json::to_string(&Reply::from_result(Ok(extraction))).unwrap();
        assert!(json.contains(r#""published":"2021-03-15""#), "{json}");
        let damaged = json.replace("2021-03-15", "2021-13-15");
        let error = serde_json::from_str::<Reply>(&damaged).unwrap_err().to_string();
        assert!(error.contains("2021-13-15"), "{error}");
    }
}
