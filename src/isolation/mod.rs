//! PDF extraction in worker processes: a time limit and a memory bound per document, which a
//! thread cannot give (a stuck thread cannot be killed). `pool` is the parent's side, `worker`
//! the child's (`hubsearch extract-worker`, a hidden subcommand), `wire` what they exchange.

pub mod pool;
pub mod wire;
pub mod worker;

use std::sync::Arc;
use std::time::Duration;

use ingest::{InProcess, Isolation};

use crate::config::{Config, IsolationMode};

pub use pool::WorkerPool;

/// The isolation the configuration asks for: worker processes of this very binary, or in
/// process. If the binary cannot be found (it was removed under a running server, say), the
/// pool falls back to in-process extraction and logs it, per document.
pub fn from_config(config: &Config) -> Arc<dyn Isolation> {
    match config.extract.isolation {
        IsolationMode::InProcess => Arc::new(InProcess),
        IsolationMode::Process => Arc::new(WorkerPool::for_current_exe(
            Duration::from_secs(config.extract.timeout_secs.max(1)),
            config.extract.max_memory_mb,
        )),
    }
}
