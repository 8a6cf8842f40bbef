//! Walking a library directory: which files are documents, which are skipped.

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use crate::document::{DocId, DocKind};
use crate::error::IngestError;
use crate::sidecar::Sidecar;

/// One document file found in the library, with what change detection needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Stable id (path relative to the library root).
    pub id: DocId,
    /// Absolute or root-joined path of the file.
    pub path: PathBuf,
    /// Format by extension.
    pub kind: DocKind,
    /// A cheap change detector: size and modification time of the file and of its sidecar.
    /// Equal fingerprints mean "unchanged" without reading the file.
    pub fingerprint: String,
}

/// The result of walking a library.
#[derive(Debug, Default)]
pub struct LibraryScan {
    /// Document files, sorted by id.
    pub files: Vec<SourceFile>,
    /// Files that are not documents (images, spreadsheets…), sorted.
    pub skipped: Vec<PathBuf>,
    /// Entries that could not be read, with the reason.
    pub unreadable: Vec<(PathBuf, String)>,
}

/// Walks a library directory. Hidden files and directories (a leading `.`) and sidecar files
/// are not documents and are not counted as skipped.
#[derive(Debug, Clone)]
pub struct LibraryWalker {
    root: PathBuf,
}

impl LibraryWalker {
    /// A walker over `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        LibraryWalker { root: root.into() }
    }

    /// The library root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Lists the library. Fails only when the root itself cannot be read; unreadable entries
    /// below it are reported in [`LibraryScan::unreadable`].
    pub fn scan(&self) -> Result<LibraryScan, IngestError> {
        std::fs::read_dir(&self.root).map_err(|source| IngestError::Library { path: self.root.clone(), source })?;
        let mut scan = LibraryScan::default();
        let walker = walkdir::WalkDir::new(&self.root)
            .follow_links(false)
            .into_iter()
            .filter_entry(|entry| entry.depth() == 0 || !is_hidden(entry.file_name()));
        for entry in walker {
            let entry = match entry {
                Ok(entry) => entry,
                Err(err) => {
                    let path = err.path().map(Path::to_path_buf).unwrap_or_else(|| self.root.clone());
                    scan.unreadable.push((path, err.to_string()));
                    continue;
                }
            };
            if !entry.file_type().is_file() {
                continue;
            }
            let path = entry.path();
            if Sidecar::is_sidecar_path(path) {
                continue;
            }
            let Some(kind) = DocKind::from_path(path) else {
                scan.skipped.push(path.to_path_buf());
                continue;
            };
            let Some(id) = DocId::from_library_path(&self.root, path) else {
                scan.unreadable.push((path.to_path_buf(), "file name is not valid UTF-8".to_owned()));
                continue;
            };
            match fingerprint(path) {
                Ok(fingerprint) => scan.files.push(SourceFile { id, path: path.to_path_buf(), kind, fingerprint }),
                Err(err) => scan.unreadable.push((path.to_path_buf(), err.to_string())),
            }
        }
        scan.files.sort_by(|a, b| a.id.cmp(&b.id));
        scan.skipped.sort();
        Ok(scan)
    }
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|n| n.starts_with('.'))
}

/// Size and modification time (ns) of a document and of its sidecar if it has one.
pub fn fingerprint(path: &Path) -> std::io::Result<String> {
    let stamp = |p: &Path| -> std::io::Result<(u64, u128)> {
        let meta = std::fs::metadata(p)?;
        let mtime = meta.modified()?.duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        Ok((meta.len(), mtime))
    };
    let (size, mtime) = stamp(path)?;
    let sidecar = match stamp(&Sidecar::path_for(path)) {
        Ok((s, m)) => format!("{s}:{m}"),
        Err(_) => "-".to_owned(),
    };
    Ok(format!("{size}:{mtime}:{sidecar}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_classifies_documents_and_skips_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("reports/sub")).unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::write(root.join("reports/a.pdf"), b"%PDF-1.4").unwrap();
        std::fs::write(root.join("reports/a.pdf.meta.toml"), b"lang = 'en'").unwrap();
        std::fs::write(root.join("reports/sub/b.HTML"), b"<p>x</p>").unwrap();
        std::fs::write(root.join("notes.txt"), b"x").unwrap();
        std::fs::write(root.join("logo.png"), b"\x89PNG").unwrap();
        std::fs::write(root.join(".git/config"), b"x").unwrap();
        std::fs::write(root.join(".hidden.pdf"), b"x").unwrap();

        let scan = LibraryWalker::new(root).scan().unwrap();
        let ids: Vec<_> = scan.files.iter().map(|f| (f.id.as_str(), f.kind)).collect();
        assert_eq!(
            ids,
            [("notes.txt", DocKind::Text), ("reports/a.pdf", DocKind::Pdf), ("reports/sub/b.HTML", DocKind::Html)]
        );
        assert_eq!(scan.skipped, [root.join("logo.png")]);
        assert!(scan.unreadable.is_empty());
        // The sidecar is part of the document's fingerprint.
        let with_sidecar = &scan.files[1].fingerprint;
        assert!(!with_sidecar.ends_with(":-"), "{with_sidecar}");
        assert!(scan.files[0].fingerprint.ends_with(":-"));
    }

    #[test]
    fn missing_root_is_an_error_naming_it() {
        let err = LibraryWalker::new("/nonexistent/library").scan().unwrap_err();
        assert!(err.to_string().contains("/nonexistent/library"), "{err}");
    }
}
