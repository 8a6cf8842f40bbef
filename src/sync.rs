//! Bringing the index in line with the library: new and changed files extracted and upserted,
//! removed files deleted, unchanged files skipped, all in one atomic commit.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::metrics::{self, IngestCounts};
use anyhow::Context;
use index::{Compaction, IndexDocument, IndexError, IndexWriteBatch, IndexedState, SearchIndex};
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
    /// What the merge of segments at the end of the run did (none if it failed: see the log).
    pub compaction: Option<Compaction>,
    /// Wall time.
    pub duration: Duration,
}

impl SyncReport {
    /// The report's counts.
    pub fn counts(&self) -> SyncCounts {
        SyncCounts {
            seen: self.seen,
            added: self.added,
            updated: self.updated,
            deleted: self.deleted,
            unchanged: self.unchanged,
            failed: self.failed.len(),
        }
    }
}

/// Counts of a synchronisation so far.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SyncCounts {
    /// Document files found in the library.
    pub seen: usize,
    /// Newly indexed.
    pub added: usize,
    /// Re-indexed because they changed.
    pub updated: usize,
    /// Removed from the index.
    pub deleted: usize,
    /// Skipped because nothing changed.
    pub unchanged: usize,
    /// Failed.
    pub failed: usize,
}

/// What a running synchronisation is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SyncPhase {
    /// Listing the library and comparing it with the index.
    Scanning,
    /// Extracting new and changed files.
    Extracting,
    /// Making the changes durable and visible.
    Committing,
    /// Merging the index's segments so that searches visit few (see `index::Compaction`).
    Compacting,
}

/// Progress of a running synchronisation, for progress bars and job status.
#[derive(Debug, Clone, Copy)]
pub struct SyncProgress {
    /// What it is doing.
    pub phase: SyncPhase,
    /// Files processed so far.
    pub done: usize,
    /// Files to process in all.
    pub total: usize,
    /// Counts so far.
    pub counts: SyncCounts,
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
    pub fn run(&self, full: bool, on_progress: impl FnMut(SyncProgress)) -> anyhow::Result<SyncReport> {
        let started = Instant::now();
        let result = self.run_once(full, on_progress);
        let counts = result.as_ref().map_err(|_| ()).map(|report| IngestCounts {
            added: report.added as u64,
            updated: report.updated as u64,
            deleted: report.deleted as u64,
            unchanged: report.unchanged as u64,
            failed: report.failed.len() as u64,
        });
        metrics::global().record_ingest(counts, started.elapsed());
        result
    }

    fn run_once(&self, full: bool, mut on_progress: impl FnMut(SyncProgress)) -> anyhow::Result<SyncReport> {
        let started = Instant::now();
        on_progress(SyncProgress { phase: SyncPhase::Scanning, done: 0, total: 0, counts: SyncCounts::default() });
        let mut scan = LibraryWalker::new(&self.library).scan()?;
        if let Some(dir) = &self.snapshots {
            let store = crate::web::snapshot::SnapshotStore::open(dir)?;
            scan.files.extend(store.source_files());
        }
        let indexed = self.index.indexed_states().context("cannot read the index")?;
        // The library vanished or was replaced during the scan: what it found proves nothing.
        std::fs::read_dir(&self.library)
            .with_context(|| format!("the library {} disappeared during the scan", self.library.display()))?;
        let mut report = SyncReport { seen: scan.files.len(), skipped: scan.skipped, ..SyncReport::default() };
        let unreadable: Vec<PathBuf> = scan.unreadable.iter().map(|(path, _)| path.clone()).collect();
        for (path, reason) in scan.unreadable {
            report.failed.push(SyncFailure { path, reason });
        }

        let present: HashSet<&str> = scan.files.iter().map(|f| f.id.as_str()).collect();
        let removed: Vec<String> = indexed
            .keys()
            .filter(|id| !present.contains(id.as_str()) && !hidden_by_unreadable(&self.library, &unreadable, id))
            .cloned()
            .collect();
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
        if removed.is_empty() && tasks.is_empty() {
            // Nothing to write: no commit (an unchanged library costs one scan). An index left
            // unmerged (by an older version, or a merge cut short) is still compacted; one that
            // needs nothing is not even opened for writing.
            report.compaction = self.compact();
            report.duration = started.elapsed();
            return Ok(report);
        }

        if tasks.iter().any(|t| t.file.kind == DocKind::Html) {
            self.processor.set_site_boilerplate(Some(learn_site_boilerplate(&scan_html, self.workers)));
        }
        let mut batch = self.index.batch().context("cannot open the index for writing")?;
        for id in &removed {
            batch.delete(id);
        }
        report.deleted = removed.len();
        let total = tasks.len();
        let mut done = 0;
        let mut write_error = None;
        on_progress(SyncProgress { phase: SyncPhase::Extracting, done, total, counts: report.counts() });
        IngestPipeline::new(self.processor, self.workers).run(tasks, |outcome| {
            done += 1;
            let written = match outcome {
                Outcome::Document { file, document, elapsed } => {
                    metrics::global().record_extraction(document.kind.as_str(), elapsed);
                    for warning in &document.warnings {
                        report.warnings.push(SyncFailure { path: file.path.clone(), reason: warning.clone() });
                    }
                    let known = indexed.contains_key(file.id.as_str());
                    if known {
                        report.updated += 1;
                    } else {
                        report.added += 1;
                    }
                    if write_error.is_none() {
                        let document = into_index_document(*document, &file.fingerprint);
                        // A file the index has never held needs no delete-by-id first.
                        if known { batch.upsert(&document) } else { batch.insert(&document) }
                    } else {
                        Ok(())
                    }
                }
                Outcome::Unchanged { file } => {
                    report.unchanged += 1;
                    // Same bytes, new fingerprint (touched, copied, checked out): record the new
                    // fingerprint so that the next run skips the file without hashing it.
                    match indexed.get(file.id.as_str()) {
                        Some(state) if write_error.is_none() => {
                            refresh_fingerprint(self.index, &mut batch, file.id.as_str(), state, &file.fingerprint)
                        }
                        _ => Ok(()),
                    }
                }
                Outcome::Failed { file, reason } => {
                    tracing::warn!(path = %file.path.display(), %reason, "document failed");
                    report.failed.push(SyncFailure { path: file.path, reason });
                    Ok(())
                }
            };
            if let Err(err) = written {
                write_error.get_or_insert(err);
            }
            on_progress(SyncProgress { phase: SyncPhase::Extracting, done, total, counts: report.counts() });
        });
        if let Some(err) = write_error {
            return Err(err).context("cannot write to the index (disk full or not writable?); nothing was committed");
        }
        on_progress(SyncProgress { phase: SyncPhase::Committing, done, total, counts: report.counts() });
        batch.commit().context("cannot commit the index (disk full or not writable?); nothing was committed")?;
        on_progress(SyncProgress { phase: SyncPhase::Compacting, done, total, counts: report.counts() });
        // The extraction's freed buffers go back to the system before the merge maps the index.
        crate::malloc::release_free_memory();
        report.compaction = self.compact();
        report.duration = started.elapsed();
        Ok(report)
    }

    /// Merges the index's segments (`SearchIndex::compact`). The changes are committed whatever
    /// happens here: a merge that fails (disk full, another process writing) leaves the
    /// segments as they were, searched more slowly, and the next run tries again.
    fn compact(&self) -> Option<Compaction> {
        self.index
            .compact()
            .inspect_err(
                |err| tracing::warn!(error = %err, "could not merge the index's segments; they stay as they are"),
            )
            .ok()
    }
}

/// Whether document `id` may exist but could not be seen because it is, or is below, an entry
/// the scan could not read (a directory removed or renamed mid-scan, an I/O error): such a
/// document is kept, not deleted.
fn hidden_by_unreadable(root: &Path, unreadable: &[PathBuf], id: &str) -> bool {
    unreadable.iter().any(|path| {
        let Ok(relative) = path.strip_prefix(root) else { return false };
        let prefix = relative.to_string_lossy().replace('\\', "/");
        prefix.is_empty() || id == prefix || id.strip_prefix(prefix.as_str()).is_some_and(|rest| rest.starts_with('/'))
    })
}

fn refresh_fingerprint(
    index: &SearchIndex,
    batch: &mut IndexWriteBatch<'_>,
    id: &str,
    state: &IndexedState,
    fingerprint: &str,
) -> Result<(), IndexError> {
    let state = IndexedState { fingerprint: fingerprint.to_owned(), ..state.clone() };
    match index.indexed_document(id, &state)? {
        Some(document) => batch.upsert(&document),
        None => Ok(()),
    }
}

/// The index's view of a document, taking its text rather than copying it (bodies are the
/// bulk of an ingest's bytes).
pub fn into_index_document(document: Document, fingerprint: &str) -> IndexDocument {
    let mut index_document = to_index_document_without_body(&document, fingerprint);
    index_document.body = document.text;
    index_document
}

/// Learns which blocks repeat across the pages of each site, from every HTML page, spread over
/// `workers` threads: every page is parsed here before the extraction starts, which on a large
/// library ran alone on one core for a tenth of the ingest. Each thread reads its pages one by
/// one (never all of them in memory at once); a page that cannot be read (it is left to fail in
/// extraction), or whose parsing panics, teaches nothing and stops nothing.
fn learn_site_boilerplate(pages: &[SourceFile], workers: usize) -> SiteBoilerplate {
    let share = pages.len().div_ceil(workers.max(1)).max(1);
    std::thread::scope(|scope| {
        let learners: Vec<_> = pages
            .chunks(share)
            .map(|pages| {
                scope.spawn(move || {
                    let mut learned = SiteBoilerplate::default();
                    for page in pages {
                        let Ok(bytes) = std::fs::read(&page.path) else { continue };
                        let directory =
                            page.path.parent().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
                        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            learned.learn_page(&bytes, &directory);
                        }));
                    }
                    learned
                })
            })
            .collect();
        let mut all = SiteBoilerplate::default();
        for learner in learners {
            all.merge(learner.join().unwrap_or_default());
        }
        all
    })
}

/// The index's view of a document.
pub fn to_index_document(document: &Document, fingerprint: &str) -> IndexDocument {
    IndexDocument { body: document.text.clone(), ..to_index_document_without_body(document, fingerprint) }
}

fn to_index_document_without_body(document: &Document, fingerprint: &str) -> IndexDocument {
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
        body: String::new(),
        description: (!description.is_empty()).then_some(description),
        url: document.url.clone(),
        lang: document.lang.clone(),
        other_langs: document.other_langs.clone(),
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

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use ingest::ProcessorSettings;

    use super::*;

    fn library(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    fn sync(library: &Path, index: &SearchIndex, full: bool) -> SyncReport {
        let processor = DocumentProcessor::new(ProcessorSettings::default()).unwrap();
        LibrarySync { library: library.to_path_buf(), index, processor: &processor, workers: 2, snapshots: None }
            .run(full, |_| {})
            .unwrap()
    }

    const NOTES: [(&str, &str); 3] = [
        ("a.txt", "Telemonitoring of heart failure patients in Portugal."),
        ("b.txt", "Reimbursement of digital health applications."),
        ("c.txt", "Interoperability standards for electronic health records."),
    ];

    #[test]
    fn documents_below_unreadable_entries_are_not_deleted() {
        let root = Path::new("/lib");
        let unreadable = [PathBuf::from("/lib/reports"), PathBuf::from("/lib/notes/a.txt")];
        let hidden = |id: &str| hidden_by_unreadable(root, &unreadable, id);
        assert!(hidden("reports/x.pdf"));
        assert!(hidden("reports/sub/y.pdf"));
        assert!(hidden("notes/a.txt"));
        assert!(!hidden("notes/b.txt"));
        assert!(!hidden("reports-2020/x.pdf"));
        assert!(!hidden("other.txt"));
        assert!(hidden_by_unreadable(root, &[PathBuf::from("/lib")], "anything.txt"));
    }

    #[test]
    fn changes_are_applied_and_the_rest_is_skipped() {
        let dir = library(&NOTES);
        let index = SearchIndex::create_in_ram(1).unwrap();
        let first = sync(dir.path(), &index, false);
        assert_eq!((first.seen, first.added, first.unchanged), (3, 3, 0));

        std::fs::write(dir.path().join("b.txt"), "Reimbursement of mobile health apps in Germany.").unwrap();
        std::fs::remove_file(dir.path().join("c.txt")).unwrap();
        std::fs::write(dir.path().join("d.txt"), "Cost-effectiveness of telehealth.").unwrap();
        let second = sync(dir.path(), &index, false);
        assert_eq!(second.counts(), SyncCounts { seen: 3, added: 1, updated: 1, deleted: 1, unchanged: 1, failed: 0 });
        // The run's new segment and the first one's deleted slots are merged away after the commit.
        let compaction = second.compaction.expect("a run that commits compacts");
        assert_eq!((compaction.segments_before, compaction.segments_after, compaction.merges), (2, 1, 1));
        let mut ids: Vec<String> = index.indexed_states().unwrap().into_keys().collect();
        ids.sort();
        assert_eq!(ids, ["a.txt", "b.txt", "d.txt"]);

        let full = sync(dir.path(), &index, true);
        assert_eq!(full.counts(), SyncCounts { seen: 3, updated: 3, ..SyncCounts::default() });
    }

    #[test]
    fn an_unchanged_library_still_gets_an_unmerged_index_compacted() {
        let dir = library(&NOTES);
        let index = SearchIndex::create_in_ram(1).unwrap();
        sync(dir.path(), &index, false);
        // A second segment, as an older version or a merge cut short would leave it: the same
        // document written again.
        let state = index.indexed_states().unwrap()["a.txt"].clone();
        let stored = index.indexed_document("a.txt", &state).unwrap().unwrap();
        let mut batch = index.batch().unwrap();
        batch.upsert(&stored).unwrap();
        batch.commit().unwrap();

        let report = sync(dir.path(), &index, false);
        assert_eq!(report.counts(), SyncCounts { seen: 3, unchanged: 3, ..SyncCounts::default() });
        let compaction = report.compaction.expect("an unchanged run compacts too");
        assert_eq!((compaction.segments_before, compaction.segments_after, compaction.merges), (2, 1, 1));
        let again = sync(dir.path(), &index, false).compaction.unwrap();
        assert_eq!((again.segments_after, again.merges), (1, 0));
        assert_eq!(index.num_docs(), 3);
    }

    #[test]
    fn a_touched_file_is_hashed_once_and_its_new_fingerprint_recorded() {
        let dir = library(&NOTES);
        let index = SearchIndex::create_in_ram(1).unwrap();
        sync(dir.path(), &index, false);
        let before = index.indexed_states().unwrap()["a.txt"].clone();
        let stored_before = index.indexed_document("a.txt", &before).unwrap().unwrap();

        // Same bytes, new modification time.
        let file = std::fs::File::options().write(true).open(dir.path().join("a.txt")).unwrap();
        file.set_modified(SystemTime::now() + Duration::from_secs(60)).unwrap();
        drop(file);
        let report = sync(dir.path(), &index, false);
        assert_eq!(report.counts(), SyncCounts { seen: 3, unchanged: 3, ..SyncCounts::default() });
        let after = index.indexed_states().unwrap()["a.txt"].clone();
        assert_ne!(after.fingerprint, before.fingerprint, "the new fingerprint is recorded");
        assert_eq!(after.content_hash, before.content_hash);
        let stored_after = index.indexed_document("a.txt", &after).unwrap().unwrap();
        assert_eq!(IndexDocument { fingerprint: before.fingerprint.clone(), ..stored_after }, stored_before);
        assert_eq!(index.num_docs(), 3);

        // The next run skips it by fingerprint: nothing at all to write.
        let again = sync(dir.path(), &index, false);
        assert_eq!(again.counts(), SyncCounts { seen: 3, unchanged: 3, ..SyncCounts::default() });
        assert_eq!(index.indexed_states().unwrap()["a.txt"], after);
    }

    #[test]
    fn documents_from_another_extractor_version_are_extracted_again() {
        let dir = library(&NOTES);
        let index = SearchIndex::create_in_ram(1).unwrap();
        sync(dir.path(), &index, false);
        let state = index.indexed_states().unwrap()["b.txt"].clone();
        let mut old = index.indexed_document("b.txt", &state).unwrap().unwrap();
        old.extractor_version = EXTRACTOR_VERSION + 1;
        let mut batch = index.batch().unwrap();
        batch.upsert(&old).unwrap();
        batch.commit().unwrap();

        let report = sync(dir.path(), &index, false);
        assert_eq!(report.counts(), SyncCounts { seen: 3, updated: 1, unchanged: 2, ..SyncCounts::default() });
        assert_eq!(index.indexed_states().unwrap()["b.txt"].extractor_version, EXTRACTOR_VERSION);
        assert_eq!(index.num_docs(), 3);
    }
}
