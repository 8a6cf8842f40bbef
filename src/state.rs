//! What the HTTP handlers share: configuration, the index, the document processor, readiness,
//! ingestion jobs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};

use index::SearchIndex;
use ingest::DocumentProcessor;

use crate::config::Config;
use crate::jobs::{JobManager, JobTrigger};
use crate::search_queue::SearchQueue;
use crate::sync::LibrarySync;

/// Shared state of the running service.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    index: SearchIndex,
    processor: DocumentProcessor,
    ready: AtomicBool,
    jobs: JobManager,
    searches: SearchQueue,
}

impl AppState {
    /// State over an open index. The service is not ready until [`AppState::mark_ready`].
    pub fn new(config: Config, index: SearchIndex, processor: DocumentProcessor) -> Self {
        let inner = Arc::new_cyclic(|weak: &Weak<Inner>| {
            let weak = weak.clone();
            // The job thread holds the state weakly so that dropping the state ends its use.
            let jobs = JobManager::spawn(
                config.library.clone(),
                Box::new(move |trigger, full, on_progress| {
                    let inner = weak.upgrade().ok_or_else(|| anyhow::anyhow!("the service is shutting down"))?;
                    // Web sources are fetched again for the start-up job and for admins' jobs
                    // (conditional GET makes unchanged pages cheap); a watcher's job only picks up
                    // library files. A failed fetch keeps the last snapshots.
                    if trigger != JobTrigger::Watch {
                        match crate::web::refresh(&inner.config) {
                            Ok(Some(web)) => tracing::info!(
                                fetched = web.fetched,
                                not_modified = web.not_modified,
                                removed = web.removed,
                                failed = web.failed.len(),
                                "web sources fetched"
                            ),
                            Ok(None) => {}
                            Err(err) => {
                                tracing::error!(
                                    error = format!("{err:#}"),
                                    "web sources not fetched; using the snapshots"
                                )
                            }
                        }
                    }
                    let sync = LibrarySync {
                        library: inner.config.library.clone(),
                        index: &inner.index,
                        processor: &inner.processor,
                        workers: inner.config.worker_count(),
                        snapshots: Some(inner.config.web_dir()),
                    };
                    sync.run(full, on_progress)
                }),
            );
            let searches = SearchQueue::new(config.worker_count());
            Inner { config, index, processor, ready: AtomicBool::new(false), jobs, searches }
        });
        AppState { inner }
    }

    /// The ingestion jobs: the only writer of the index while the service runs.
    pub fn jobs(&self) -> &JobManager {
        &self.inner.jobs
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The search index.
    pub fn index(&self) -> &SearchIndex {
        &self.inner.index
    }

    /// Where searches wait for their turn.
    pub fn searches(&self) -> &SearchQueue {
        &self.inner.searches
    }

    /// The document processor (and through it the taxonomy and gazetteer).
    pub fn processor(&self) -> &DocumentProcessor {
        &self.inner.processor
    }

    /// Whether the start-up ingestion has finished.
    pub fn is_ready(&self) -> bool {
        self.inner.ready.load(Ordering::Acquire)
    }

    /// Marks the service ready: the index reflects the library as of start-up.
    pub fn mark_ready(&self) {
        self.inner.ready.store(true, Ordering::Release);
    }
}
