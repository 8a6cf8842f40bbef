//! Curated metadata files beside documents (`report.pdf.meta.toml`), which beat detection.

use std::path::{Path, PathBuf};

use serde::Deserialize;

const SUFFIX: &str = ".meta.toml";

/// Curated metadata for one document. Every field is optional; a present field overrides what
/// extraction and detection found.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sidecar {
    /// Display title.
    pub title: Option<String>,
    /// ISO 639-1 language code.
    pub lang: Option<String>,
    /// ISO 3166-1 alpha-2 country codes, or `EU`.
    pub countries: Option<Vec<String>>,
    /// Topic slugs of the taxonomy.
    pub topics: Option<Vec<String>>,
    /// Document type: report, policy, framework, evidence, guide, case-study, event, news,
    /// web-page.
    pub doc_type: Option<String>,
    /// Publication date: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub published: Option<String>,
    /// Canonical source URL.
    pub url: Option<String>,
    /// Short description.
    pub description: Option<String>,
    /// Author or issuing body.
    pub author: Option<String>,
    /// Keywords.
    pub keywords: Option<Vec<String>>,
}

impl Sidecar {
    /// The sidecar path of a document: its full file name plus `.meta.toml`.
    pub fn path_for(document: &Path) -> PathBuf {
        let mut name = document.as_os_str().to_owned();
        name.push(SUFFIX);
        PathBuf::from(name)
    }

    /// Whether `path` is a sidecar file rather than a document.
    pub fn is_sidecar_path(path: &Path) -> bool {
        path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(SUFFIX))
    }

    /// Reads the sidecar of `document`: `Ok(None)` when there is none, `Err` with a message
    /// naming the sidecar file when it exists but cannot be read or parsed.
    pub fn load_for(document: &Path) -> Result<Option<Sidecar>, String> {
        let path = Self::path_for(document);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(format!("sidecar {}: {err}", path.display())),
        };
        toml::from_str(&text).map(Some).map_err(|err| format!("sidecar {}: {}", path.display(), err.message()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_a_sidecar_beside_its_document() {
        let dir = tempfile::tempdir().unwrap();
        let doc = dir.path().join("r.pdf");
        assert_eq!(Sidecar::load_for(&doc), Ok(None));
        std::fs::write(
            Sidecar::path_for(&doc),
            "title = \"Relatório\"\nlang = \"pt\"\ncountries = [\"PT\"]\npublished = \"2021-03\"\n",
        )
        .unwrap();
        let sidecar = Sidecar::load_for(&doc).unwrap().unwrap();
        assert_eq!(sidecar.title.as_deref(), Some("Relatório"));
        assert_eq!(sidecar.countries, Some(vec!["PT".to_owned()]));
        assert!(Sidecar::is_sidecar_path(&Sidecar::path_for(&doc)));
        assert!(!Sidecar::is_sidecar_path(&doc));
    }

    #[test]
    fn a_malformed_sidecar_is_reported_with_its_path_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let doc = dir.path().join("r.html");
        std::fs::write(Sidecar::path_for(&doc), "titel = \"typo\"\n").unwrap();
        let err = Sidecar::load_for(&doc).unwrap_err();
        assert!(err.contains("r.html.meta.toml") && err.contains("titel"), "{err}");
    }
}
