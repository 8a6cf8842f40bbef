//! Snapshots of fetched pages on disk (`<data>/web/`): each page's bytes as received, its
//! response headers (`.headers`, read by HTML extraction for the charset and language), a
//! sidecar giving its URL, and a manifest with what conditional requests need (ETag,
//! Last-Modified). The snapshots are ingested like library files, with the URL as document id,
//! so that a site going offline does not take its pages out of the library.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use ingest::html::HttpHints;
use ingest::{DocId, DocKind, Sidecar, SourceFile};
use serde::{Deserialize, Serialize};

/// The manifest's file name inside the snapshot directory.
const MANIFEST: &str = "manifest.json";

/// One snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// File of the snapshot, relative to the snapshot directory.
    pub file: String,
    /// `ETag` of the response, for `If-None-Match`.
    pub etag: Option<String>,
    /// `Last-Modified` of the response, for `If-Modified-Since`.
    pub last_modified: Option<String>,
    /// The page that linked to this document (linked PDFs), if it was not listed itself.
    pub linked_from: Option<String>,
    /// The listed sitemap this page was found through, if it was not listed itself.
    #[serde(default)]
    pub sitemap: Option<String>,
    /// When it was last fetched or confirmed unchanged (Unix seconds).
    pub checked_at: u64,
}

/// The snapshot directory and its manifest (URL → snapshot).
#[derive(Debug)]
pub struct SnapshotStore {
    dir: PathBuf,
    entries: BTreeMap<String, Snapshot>,
}

impl SnapshotStore {
    /// Opens (or starts) the store in `dir`.
    pub fn open(dir: impl Into<PathBuf>) -> anyhow::Result<SnapshotStore> {
        let dir = dir.into();
        let manifest = dir.join(MANIFEST);
        let entries = match std::fs::read(&manifest) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .with_context(|| format!("snapshot manifest {} is corrupt", manifest.display()))?,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(err) => return Err(err).with_context(|| format!("cannot read {}", manifest.display())),
        };
        Ok(SnapshotStore { dir, entries })
    }

    /// The snapshot of `url`, if there is one.
    pub fn get(&self, url: &str) -> Option<&Snapshot> {
        self.entries.get(url)
    }

    /// Every snapshot, by URL.
    pub fn entries(&self) -> &BTreeMap<String, Snapshot> {
        &self.entries
    }

    /// Saves the body of `url` with its response headers, replacing an older snapshot.
    pub fn save(
        &mut self,
        url: &str,
        kind: DocKind,
        body: &[u8],
        hints: &HttpHints,
        snapshot: Snapshot,
    ) -> anyhow::Result<()> {
        let file = snapshot_file(url, kind);
        let path = self.dir.join(&file);
        if let Some(old) = self.entries.get(url).filter(|old| old.file != file) {
            self.remove_files(&old.file.clone());
        }
        std::fs::create_dir_all(path.parent().expect("snapshot files are in a host directory"))
            .with_context(|| format!("cannot create {}", self.dir.display()))?;
        write_atomically(&path, body)?;
        write_atomically(&HttpHints::path_for(&path), hints.to_header_lines().as_bytes())?;
        let sidecar = format!("url = {}\n", toml_string(url));
        write_atomically(&Sidecar::path_for(&path), sidecar.as_bytes())?;
        self.entries.insert(url.to_owned(), Snapshot { file, ..snapshot });
        Ok(())
    }

    /// Records that `url` was checked and found unchanged.
    pub fn touch(&mut self, url: &str, checked_at: u64) {
        if let Some(entry) = self.entries.get_mut(url) {
            entry.checked_at = checked_at;
        }
    }

    /// Removes the snapshot of `url` and its files.
    pub fn remove(&mut self, url: &str) {
        if let Some(entry) = self.entries.remove(url) {
            self.remove_files(&entry.file);
        }
    }

    fn remove_files(&self, file: &str) {
        let path = self.dir.join(file);
        for path in [HttpHints::path_for(&path), Sidecar::path_for(&path), path] {
            let _ = std::fs::remove_file(path);
        }
    }

    /// Writes the manifest.
    pub fn commit(&self) -> anyhow::Result<()> {
        std::fs::create_dir_all(&self.dir).with_context(|| format!("cannot create {}", self.dir.display()))?;
        let json = serde_json::to_vec_pretty(&self.entries)?;
        write_atomically(&self.dir.join(MANIFEST), &json)
    }

    /// The snapshots as source files for ingestion: the URL is the document id. Snapshots whose
    /// file is missing are left out.
    pub fn source_files(&self) -> Vec<SourceFile> {
        self.entries
            .iter()
            .filter_map(|(url, entry)| {
                let path = self.dir.join(&entry.file);
                let kind = DocKind::from_path(&path)?;
                let fingerprint = ingest::walk::fingerprint(&path).ok()?;
                Some(SourceFile { id: DocId::from_stored(url.clone()), path, kind, fingerprint })
            })
            .collect()
    }
}

/// `<host>/<hash of the URL>.<html|pdf>`: stable, short, and safe whatever the URL holds.
fn snapshot_file(url: &str, kind: DocKind) -> String {
    let host = url::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default();
    let host: String =
        host.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' }).collect();
    let host = if host.is_empty() || host.starts_with('.') { format!("_{host}") } else { host };
    let hash = ingest::processor::content_hash(url.as_bytes());
    format!("{host}/{}.{}", &hash[..20], kind.as_str())
}

/// A TOML basic string: JSON's string escapes are a subset of TOML's.
fn toml_string(value: &str) -> String {
    serde_json::to_string(value).expect("a string serialises")
}

fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", Path::new(&tmp).display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_snapshots_reload_and_become_source_files() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SnapshotStore::open(dir.path()).unwrap();
        let url = "https://Example.org/a page?x=\"1\"";
        let hints = HttpHints { content_type: Some("text/html; charset=koi8-r".into()), content_language: None };
        let snapshot = Snapshot {
            file: String::new(),
            etag: Some("\"v1\"".into()),
            last_modified: None,
            linked_from: None,
            sitemap: None,
            checked_at: 1,
        };
        store.save(url, DocKind::Html, b"<p>x</p>", &hints, snapshot).unwrap();
        store.commit().unwrap();

        let store = SnapshotStore::open(dir.path()).unwrap();
        let entry = store.get(url).unwrap();
        assert_eq!(entry.etag.as_deref(), Some("\"v1\""));
        assert!(entry.file.starts_with("example.org/") && entry.file.ends_with(".html"), "{}", entry.file);
        let files = store.source_files();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].id.as_str(), url);
        assert_eq!(HttpHints::load_for(&files[0].path), hints);
        let sidecar = Sidecar::load_for(&files[0].path).unwrap().unwrap();
        assert_eq!(sidecar.url.as_deref(), Some(url));

        let mut store = store;
        store.remove(url);
        assert!(store.source_files().is_empty());
        assert!(!files[0].path.exists());
    }
}
