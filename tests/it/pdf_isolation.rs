//! PDF extraction in worker processes: the real `extract-worker` gives the same result as
//! in-process extraction; a worker that hangs is killed at the deadline, one that dies (as at
//! its memory bound) fails only that document, and the pool recovers for the next one.

use std::time::Duration;

use hubsearch::isolation::WorkerPool;
use ingest::{DocKind, ExtractError, InProcess, Isolation};

use crate::support::binary;

fn sample_pdf() -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/library/evidence/pt-telemonitoring-copd-evaluation-2021.pdf");
    std::fs::read(path).expect("sample PDF")
}

fn worker_pool(max_memory_mb: u64) -> WorkerPool {
    let args = vec!["extract-worker".into(), "--max-memory-mb".into(), max_memory_mb.to_string().into()];
    WorkerPool::new(binary(), args, Duration::from_secs(60))
}

#[test]
fn worker_extraction_equals_in_process_extraction_and_errors_cross_over() {
    let pool = worker_pool(2048);
    let bytes = sample_pdf();
    let isolated = pool.extract(DocKind::Pdf, &bytes).expect("extracted in a worker");
    assert_eq!(isolated, InProcess.extract(DocKind::Pdf, &bytes).unwrap());
    assert!(isolated.text.contains("DPOC"), "{}", &isolated.text[..200.min(isolated.text.len())]);
    // The same worker serves the next request; a broken file is that document's error.
    assert!(matches!(pool.extract(DocKind::Pdf, b"%PDF-1.4 broken"), Err(ExtractError::Pdf(_))));
    assert_eq!(pool.extract(DocKind::Pdf, &bytes).unwrap(), isolated);
}

#[test]
fn a_worker_that_hangs_is_stopped_at_the_deadline() {
    // A stand-in worker that reads nothing and never answers.
    let pool = WorkerPool::new("sleep", vec!["600".into()], Duration::from_millis(500));
    let started = std::time::Instant::now();
    let result = pool.extract(DocKind::Pdf, &sample_pdf());
    assert!(matches!(result, Err(ExtractError::Timeout { .. })), "{result:?}");
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[test]
fn a_worker_at_its_memory_bound_fails_only_that_document() {
    // 16 MiB of address space is too little for the worker to run: it dies, the caller gets
    // that document's error and nothing else happens to the parent.
    let starved = worker_pool(16);
    let result = starved.extract(DocKind::Pdf, &sample_pdf());
    assert!(matches!(result, Err(ExtractError::Worker(_))), "{result:?}");
    // A pool whose worker exits right away behaves the same, on every request.
    let dying = WorkerPool::new("sh", vec!["-c".into(), "exit 3".into()], Duration::from_secs(30));
    for _ in 0..2 {
        assert!(matches!(dying.extract(DocKind::Pdf, &sample_pdf()), Err(ExtractError::Worker(_))));
    }
}
