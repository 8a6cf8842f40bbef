//! `hubsearch ingest`: one synchronisation of the library into the index, with a progress bar
//! on a terminal and a summary at the end.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Context;
use index::SearchIndex;
use indicatif::{ProgressBar, ProgressStyle};
use ingest::DocumentProcessor;

use crate::config::Config;
use crate::sync::{LibrarySync, SyncReport};

pub fn run(config: &Config, full: bool) -> anyhow::Result<ExitCode> {
    let processor =
        DocumentProcessor::new(config.processor_settings())?.with_isolation(crate::isolation::from_config(config));
    let index_dir = config.index_dir();
    let (index, rebuilt) = SearchIndex::open_or_create(&index_dir, config.worker_count())
        .with_context(|| format!("cannot open the index in {}", index_dir.display()))?;
    if rebuilt {
        eprintln!("the index was built by another version and has been reset; everything is re-ingested");
    }
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} documents ({per_sec}, eta {eta})",
            )
            .expect("valid template"),
        );
        bar
    });
    if let Some(web) = crate::web::refresh(config).context("cannot fetch the web sources")? {
        println!(
            "web sources: {} fetched, {} not modified, {} removed, {} failed",
            web.fetched,
            web.not_modified,
            web.removed,
            web.failed.len()
        );
        for (url, reason) in &web.failed {
            println!("web failed: {url}: {reason}");
        }
    }
    let sync = LibrarySync {
        library: config.library.clone(),
        index: &index,
        processor: &processor,
        workers: config.worker_count(),
        snapshots: Some(config.web_dir()),
    };
    let report = sync
        .run(full, |progress| {
            if let Some(bar) = &bar {
                bar.set_length(progress.total as u64);
                bar.set_position(progress.done as u64);
            }
        })
        .with_context(|| format!("ingestion of {} failed", config.library.display()))?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    print_summary(&report, index.num_docs());
    Ok(ExitCode::SUCCESS)
}

fn print_summary(report: &SyncReport, documents: u64) {
    println!(
        "ingested in {:.1}s: {} seen, {} added, {} updated, {} deleted, {} unchanged, {} failed, {} skipped (not documents); {} documents in the index",
        report.duration.as_secs_f64(),
        report.seen,
        report.added,
        report.updated,
        report.deleted,
        report.unchanged,
        report.failed.len(),
        report.skipped.len(),
        documents,
    );
    if let Some(compaction) = report.compaction.filter(|c| c.merges > 0) {
        println!(
            "segments merged in {:.1}s: {} → {}",
            compaction.duration.as_secs_f64(),
            compaction.segments_before,
            compaction.segments_after
        );
    }
    for failure in &report.failed {
        println!("failed: {}: {}", failure.path.display(), failure.reason);
    }
    for warning in &report.warnings {
        println!("warning: {}: {}", warning.path.display(), warning.reason);
    }
}
