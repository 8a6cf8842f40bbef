//! Bringing the index in line with the library: new and changed files extracted and upserted,
//! removed files deleted, unchanged files skipped, all in one atomic commit.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use index::{IndexDocument, SearchIndex};
use ingest::html::SiteBoilerplate;
use ingest::pipeline::IngestTask;
use ingest::{
    DocKind, Document, DocumentProcessor, EXTRACTOR_VERSION, IngestPipeline, LibraryWalker, Outcome, SourceFile,
};

/// One document that could not be ingested.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncFailure {
    /// Path of the file.
    pub path: PathBuf,
    /// Why.
    pub reason: String,
}

/// What a synchronisation did.
#[derive(Debug, Default, Clone)]
pub struct SyncReport {
    /// Document files found in the library.
    pub seen: usize,
    /// Newly indexed.
    pub added: usize,
    /// Re-indexed because they changed.
    pub updated: usize,
    /// Removed from the index because their file is gone.
    pub deleted: usize,
    /// Skipped because nothing changed.
    pub unchanged: usize,
    /// Files that failed, with the reason; a failed file that was indexed before keeps its
    /// previous version in the index.
    pub failed: Vec<SyncFailure>,
    /// Files that are not documents (by extension).
    pub skipped: Vec<PathBuf>,
    /// Non-fatal problems (e.g. a malformed sidecar), by file.
    pub warnings: Vec<SyncFailure>,
    /// Wall time.
    pub duration: Duration,
}

/// Progress of a running synchronisation, for progress bars.
#[derive(Debug, Clone, Copy)]
pub struct SyncProgress {
    /// Files processed so far.
    pub done: usize,
    /// Files to process in all.
    pub total: usize,
}

/// Synchronises a library directory into an index.
pub struct LibrarySync<'a> {
    /// The library root.
    pub library: PathBuf,
    /// The index to update.
    pub index: &'a SearchIndex,
    /// The processor that builds documents.
    pub processor: &'a DocumentProcessor,
    /// Extraction worker threads.
    pub workers: usize,
    /// Snapshots of fetched web pages (`crate::web`), ingested with the library with their URL
    /// as id; `None` for the library alone.
    pub snapshots: Option<PathBuf>,
}

impl LibrarySync<'_> {
    /// Runs one synchronisation. With `full`, every file is extracted again even if unchanged.
    /// Fails only when the library cannot be read or the index cannot be written; per-file
    /// problems are in the report.
    pub fn run(&self, full: bool, mut on_progress: impl FnMut(SyncProgress)) -> anyhow::Result<SyncReport> {
        let started = Instant::now();
        let mut scan = LibraryWalker::new(&self.library).scan()?;
        if let Some(dir) = &self.snapshots {
            let store = crate::web::snapshot::SnapshotStore::open(dir)?;
            scan.files.extend(store.source_files());
        }
        let indexed = self.index.indexed_states().context("cannot read the index")?;
        let mut report = SyncReport { seen: scan.files.len(), skipped: scan.skipped, ..SyncReport::default() };
        for (path, reason) in scan.unreadable {
            report.failed.push(SyncFailure { path, reason });
        }

        let present: HashSet<&str> = scan.files.iter().map(|f| f.id.as_str()).collect();
        let removed: Vec<String> = indexed.keys().filter(|id| !present.contains(id.as_str())).cloned().collect();
        let scan_html: Vec<SourceFile> = scan.files.iter().filter(|f| f.kind == DocKind::Html).cloned().collect();
        let mut tasks = Vec::new();
        for file in scan.files {
            let state = indexed.get(file.id.as_str()).filter(|s| s.extractor_version == EXTRACTOR_VERSION);
            match state {
                Some(state) if !full && state.fingerprint == file.fingerprint => report.unchanged += 1,
                _ => {
                    let known_hash = if full { None } else { state.map(|s| s.content_hash.clone()) };
                    tasks.push(IngestTask { file, known_hash });
                }
            }
        }

        if tasks.iter().any(|t| t.file.kind == DocKind::Html) {
            self.processor.set_site_boilerplate(Some(learn_site_boilerplate(&scan_html)));
        }
        let mut batch = self.index.batch().context("cannot open the index for writing")?;
        for id in &removed {
            batch.delete(id);
        }
        report.deleted = removed.len();
        let total = tasks.len();
        let mut done = 0;
        let mut write_error = None;
        on_progress(SyncProgress { done, total });
        IngestPipeline::new(self.processor, self.workers).run(tasks, |outcome| {
            done += 1;
            on_progress(SyncProgress { done, total });
            match outcome {
                Outcome::Document { file, document } => {
                    for warning in &document.warnings {
                        report.warnings.push(SyncFailure { path: file.path.clone(), reason: warning.clone() });
                    }
                    if indexed.contains_key(file.id.as_str()) {
                        report.updated += 1;
                    } else {
                        report.added += 1;
                    }
                    if write_error.is_none()
                        && let Err(err) = batch.upsert(&to_index_document(&document, &file.fingerprint))
                    {
                        write_error = Some(err);
                    }
                }
                Outcome::Unchanged { .. } => report.unchanged += 1,
                Outcome::Failed { file, reason } => {
                    tracing::warn!(path = %file.path.display(), %reason, "document failed");
                    report.failed.push(SyncFailure { path: file.path, reason });
                }
            }
        });
        if let Some(err) = write_error {
            return Err(err).context("cannot write to the index; nothing was committed");
        }
        batch.commit().context("cannot commit the index")?;
        report.duration = started.elapsed();
        Ok(report)
    }
}

/// Learns which blocks repeat across the pages of each site, from every HTML page (unreadable
/// ones are left to fail in extraction).
fn learn_site_boilerplate(pages: &[SourceFile]) -> SiteBoilerplate {
    let read: Vec<(Vec<u8>, String)> = pages
        .iter()
        .filter_map(|f| {
            let directory = f.path.parent().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
            Some((std::fs::read(&f.path).ok()?, directory))
        })
        .collect();
    SiteBoilerplate::learn(read.iter().map(|(bytes, dir)| (bytes.as_slice(), dir.as_str())))
}

/// The index's view of a document.
pub fn to_index_document(document: &Document, fingerprint: &str) -> IndexDocument {
    let mut description = document.description.clone().unwrap_or_default();
    if !document.keywords.is_empty() {
        if !description.is_empty() {
            description.push_str(" — ");
        }
        description.push_str(&document.keywords.join(", "));
    }
    IndexDocument {
        id: document.id.to_string(),
        title: document.title.clone(),
        body: document.text.clone(),
        description: (!description.is_empty()).then_some(description),
        url: document.url.clone(),
        lang: document.lang.clone(),
        kind: document.kind.as_str().to_owned(),
        doc_type: document.doc_type.clone(),
        topics: document.topics.clone(),
        countries: document.countries.clone(),
        published: document.published.map(|d| d.to_string()),
        published_ts: document.published.map(|d| d.unix_seconds()),
        year: document.published.map(|d| d.year),
        pages: document.pages,
        author: document.author.clone(),
        content_hash: document.content_hash.clone(),
        fingerprint: fingerprint.to_owned(),
        extractor_version: EXTRACTOR_VERSION,
    }
}
