//! `hubsearch bench`: generate a benchmark library, or run the whole-service benchmark.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::bench::generate::{Generator, load_pools};
use crate::bench::{BenchOptions, run as run_bench};
use crate::config::Config;

/// `bench generate`: writes `docs` documents under `out` and the query mix to `queries`.
pub fn generate(docs: usize, out: &Path, queries: &Path, seed: u64, sources: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let config = Config::default();
    let detector = config.languages.detector();
    let started = Instant::now();
    let generator = Generator::new(load_pools(sources, &detector)?, seed);
    let workers = config.worker_count();
    let bytes = generator.write_library(out, docs, queries, workers)?;
    println!(
        "generated {docs} documents ({:.0} MB) in {} from {} source texts in {:.1}s; queries in {}",
        bytes as f64 / 1e6,
        out.display(),
        generator.pools().len(),
        started.elapsed().as_secs_f64(),
        queries.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `bench query`: in-process search and suggest latencies at each size.
pub fn query(sizes: &[usize], rounds: usize, seed: u64, sources: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let config = Config::default();
    let detector = config.languages.detector();
    let generator = Generator::new(load_pools(sources, &detector)?, seed);
    println!("{}", crate::bench::machine_description());
    for &docs in sizes {
        let figures = crate::bench::query::measure(&generator, docs, usize::MAX, rounds, config.worker_count())?;
        println!("{}", crate::bench::query::report(&figures));
    }
    Ok(ExitCode::SUCCESS)
}

/// `bench run`: the whole benchmark; fails when a `--max-*`/`--min-*` bound is broken.
pub fn run(mut options: BenchOptions, bounds: &Bounds) -> anyhow::Result<ExitCode> {
    options.binary = std::env::current_exe().context("cannot find the hubsearch binary")?;
    let (_, sizes) = run_bench(&options)?;
    let mut broken = Vec::new();
    for f in &sizes {
        if f.indexed as usize != f.docs {
            broken.push(format!("{} documents generated but {} indexed", f.docs, f.indexed));
        }
        if f.http_errors > 0 {
            broken.push(format!("{} HTTP errors at {} documents", f.http_errors, f.docs));
        }
        if let Some(max) = bounds.max_p99_ms.filter(|&max| f.http_p99_ms > max) {
            broken.push(format!("HTTP p99 {:.1} ms > {max} ms at {} documents", f.http_p99_ms, f.docs));
        }
        // CPU per query, not wall-clock rates: CI machines and this one are shared.
        let efficiency = f.inproc_cpu_ms_per_query / f.http_cpu_ms_per_query.max(f64::MIN_POSITIVE);
        if let Some(min) = bounds.min_http_fraction.filter(|&min| efficiency < min) {
            broken.push(format!(
                "serve spends {:.3} CPU ms per HTTP search, in-process {:.3} ms: efficiency {efficiency:.2} < {min} at {} documents",
                f.http_cpu_ms_per_query, f.inproc_cpu_ms_per_query, f.docs
            ));
        }
    }
    for problem in &broken {
        eprintln!("bound broken: {problem}");
    }
    Ok(if broken.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Bounds `bench run` checks (for CI smoke runs: generous, to catch large regressions).
#[derive(Debug, Clone, Default)]
pub struct Bounds {
    /// Highest acceptable HTTP p99, ms.
    pub max_p99_ms: Option<f64>,
    /// Lowest acceptable CPU efficiency of HTTP search relative to in-process search
    /// (in-process CPU per query / serve CPU per query).
    pub min_http_fraction: Option<f64>,
}

/// The default text sources: the shared real corpus when the machine has it, else the sample
/// library shipped with the code.
pub fn default_sources() -> Vec<PathBuf> {
    let shared = PathBuf::from("/work/shared/corpus/real");
    if shared.is_dir() { vec![shared] } else { vec![PathBuf::from("library")] }
}

/// Seconds to a duration.
pub fn seconds(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}
