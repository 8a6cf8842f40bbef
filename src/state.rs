//! What the HTTP handlers share: configuration, the index, the document processor, readiness.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use index::SearchIndex;
use ingest::DocumentProcessor;

use crate::config::Config;

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
}

impl AppState {
    /// State over an open index. The service is not ready until [`AppState::mark_ready`].
    pub fn new(config: Config, index: SearchIndex, processor: DocumentProcessor) -> Self {
        AppState { inner: Arc::new(Inner { config, index, processor, ready: AtomicBool::new(false) }) }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The search index.
    pub fn index(&self) -> &SearchIndex {
        &self.inner.index
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
