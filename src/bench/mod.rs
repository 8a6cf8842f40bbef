//! `hubsearch bench`: the whole-service benchmark. It generates a library of real files,
//! measures extraction (beside poppler's `pdftotext`), indexing, the `ingest` and `serve`
//! processes (time, peak memory), HTTP search under concurrent load and the same queries
//! in-process (the ceiling), at one or more library sizes, and prints the figures.

pub mod generate;
pub mod load;
pub mod pdf;
pub mod query;
pub mod rng;
pub mod stats;

use std::fmt::Write as _;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;
use index::{IndexDocument, SearchIndex};
use ingest::DocKind;

use crate::config::Config;
use crate::search_params::{SearchParams, route_query_language};
use generate::Generator;
use stats::{Latencies, median};

/// What to run.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Library sizes, in documents.
    pub sizes: Vec<usize>,
    /// Where libraries, indexes and logs go (outside the repository's sources).
    pub work: PathBuf,
    /// Generator seed.
    pub seed: u64,
    /// Directories of real text the generator cuts documents from.
    pub sources: Vec<PathBuf>,
    /// A corpus of real PDFs (`pdf/`) and web pages (`html/`) for the extraction figures.
    pub corpus: Option<PathBuf>,
    /// Concurrent HTTP connections.
    pub connections: usize,
    /// Length of one load run.
    pub duration: Duration,
    /// Repetitions of each timed measurement (medians are reported).
    pub runs: usize,
    /// The `hubsearch` binary to run as `ingest` and `serve` child processes.
    pub binary: PathBuf,
}

/// Figures for one library size.
#[derive(Debug, Clone, Default)]
pub struct SizeFigures {
    /// Documents in the library.
    pub docs: usize,
    /// Concurrent connections of the main load runs.
    pub connections: usize,
    /// Library bytes on disk.
    pub library_bytes: u64,
    /// Seconds to generate the library (0 when it was already there).
    pub generate_s: f64,
    /// In-process indexing of the generated text (no extraction), documents per second.
    pub index_docs_per_s: f64,
    /// `hubsearch ingest` wall time (extraction included), seconds.
    pub ingest_s: f64,
    /// Documents in the index after `ingest`.
    pub indexed: u64,
    /// Peak RSS of `ingest`, MB.
    pub ingest_rss_mb: f64,
    /// Index size on disk per document, bytes.
    pub index_bytes_per_doc: f64,
    /// HTTP load: median QPS, p50 and p99 (ms) of the runs, error count.
    pub http_qps: f64,
    /// Median p50 latency over HTTP, ms.
    pub http_p50_ms: f64,
    /// Median p99 latency over HTTP, ms.
    pub http_p99_ms: f64,
    /// Failed HTTP requests in all runs.
    pub http_errors: usize,
    /// Peak RSS of `serve` (start-up sync, warm-up and load included), MB.
    pub serve_rss_mb: f64,
    /// In-process search of the same queries: median QPS, p50, p99.
    pub inproc_qps: f64,
    /// HTTP QPS at 64 connections over in-process QPS: the median of the ratios of runs made
    /// side by side (each in-process run followed by an HTTP run).
    pub http_fraction: f64,
    /// The ratio of each side-by-side pair, in the order run.
    pub http_fractions: Vec<f64>,
    /// Median p50 in process, ms.
    pub inproc_p50_ms: f64,
    /// Median p99 in process, ms.
    pub inproc_p99_ms: f64,
    /// CPU of the indexing threads per document, ms (robust to a shared machine).
    pub index_cpu_ms_per_doc: f64,
    /// CPU of `ingest` per document, ms.
    pub ingest_cpu_ms_per_doc: f64,
    /// CPU of the in-process searches per query, ms.
    pub inproc_cpu_ms_per_query: f64,
    /// CPU of `serve` per HTTP search, ms (the load generator's own CPU excluded).
    pub http_cpu_ms_per_query: f64,
    /// CPU of the load generator per request, ms.
    pub client_cpu_ms_per_query: f64,
    /// Light load (8 connections): QPS, p50, p99.
    pub light_qps: f64,
    /// Median p50 at 8 connections, ms.
    pub light_p50_ms: f64,
    /// Median p99 at 8 connections, ms.
    pub light_p99_ms: f64,
    /// Mean total hits over the first 50 queries (a sanity check that queries match).
    pub mean_hits: f64,
}

/// Extraction figures on the real corpus.
#[derive(Debug, Clone, Default)]
pub struct ExtractionFigures {
    /// PDFs, pages (lopdf's page tree), PDFs that failed.
    pub pdf_files: usize,
    /// Pages in all PDFs.
    pub pdf_pages: usize,
    /// PDFs our extractor refused.
    pub pdf_failed: usize,
    /// Our PDF extraction, pages per second (one thread, median of runs).
    pub pdf_pages_per_s: f64,
    /// `pdftotext` on the same files, one process per file, pages per second.
    pub pdftotext_pages_per_s: Option<f64>,
    /// Web pages and their bytes.
    pub html_files: usize,
    /// Bytes of all web pages.
    pub html_bytes: u64,
    /// Our HTML extraction, MB per second (one thread, median of runs).
    pub html_mb_per_s: f64,
}

/// Runs the whole benchmark and prints the report to stdout as it goes.
pub fn run(options: &BenchOptions) -> anyhow::Result<(Option<ExtractionFigures>, Vec<SizeFigures>)> {
    std::fs::create_dir_all(&options.work).with_context(|| format!("cannot create {}", options.work.display()))?;
    let work = options.work.canonicalize()?;
    println!("{}", machine_description());
    let config = Config::default();
    let extraction = match &options.corpus {
        Some(corpus) if corpus.is_dir() => {
            let figures = extraction_figures(corpus, options.runs)?;
            print_extraction(&figures);
            Some(figures)
        }
        Some(corpus) => {
            println!("extraction: skipped ({} is not a directory)", corpus.display());
            None
        }
        None => None,
    };
    let detector = config.languages.detector();
    let pools = generate::load_pools(&options.sources, &detector)?;
    println!(
        "text sources: {} files, {} usable for PDFs, {} languages",
        pools.len(),
        pools.iter().filter(|p| p.win_ansi).count(),
        {
            let mut langs: Vec<&str> = pools.iter().map(|p| p.lang.as_str()).collect();
            langs.sort_unstable();
            langs.dedup();
            langs.len()
        }
    );
    let generator = Generator::new(pools, options.seed);
    let mut all = Vec::new();
    for &docs in &options.sizes {
        let figures = size_figures(options, &work, &generator, &detector, docs)?;
        print_size(&figures);
        all.push(figures);
    }
    if all.len() > 1 {
        print_growth(&all);
    }
    Ok((extraction, all))
}

fn size_figures(
    options: &BenchOptions,
    work: &Path,
    generator: &Generator,
    detector: &ingest::LanguageDetector,
    docs: usize,
) -> anyhow::Result<SizeFigures> {
    let mut figures = SizeFigures { docs, connections: options.connections, ..SizeFigures::default() };
    let library = work.join(format!("library-{docs}-seed{}", options.seed));
    let queries_path = work.join(format!("queries-{docs}-seed{}.txt", options.seed));
    let complete = library.join(".complete");
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    if !complete.exists() || !queries_path.exists() {
        let _ = std::fs::remove_dir_all(&library);
        let started = Instant::now();
        generator.write_library(&library, docs, &queries_path, workers)?;
        std::fs::write(&complete, "")?;
        figures.generate_s = started.elapsed().as_secs_f64();
        eprintln!("[{docs}] generated {} in {:.1}s", library.display(), figures.generate_s);
    }
    figures.library_bytes = dir_bytes(&library);
    let queries: Vec<String> = std::fs::read_to_string(&queries_path)
        .with_context(|| format!("cannot read {}", queries_path.display()))?
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();

    // Indexing alone: the generated text straight into a fresh index, no extraction.
    let (mut index_rates, mut index_cpu) = (Vec::new(), Vec::new());
    for _ in 0..options.runs.min(if docs > 20_000 { 1 } else { options.runs }) {
        let (rate, cpu) = index_only(generator, docs, &work.join(format!("index-only-{docs}")), workers)?;
        index_rates.push(rate);
        index_cpu.push(cpu);
    }
    figures.index_docs_per_s = median(&index_rates);
    figures.index_cpu_ms_per_doc = median(&index_cpu);
    eprintln!("[{docs}] indexing alone: {:.0} docs/s", figures.index_docs_per_s);

    // The real `ingest` command, extraction included, from an empty data directory.
    let data = work.join(format!("data-{docs}"));
    let _ = std::fs::remove_dir_all(&data);
    let (started, children_cpu) = (Instant::now(), children_cpu_seconds());
    let child = Command::new(&options.binary)
        .args(["ingest", "--library"])
        .arg(&library)
        .arg("--data")
        .arg(&data)
        .current_dir(work)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("cannot start hubsearch ingest")?;
    let (status, rss, output) = wait_with_peak_rss(child)?;
    figures.ingest_s = started.elapsed().as_secs_f64();
    figures.ingest_rss_mb = rss;
    figures.ingest_cpu_ms_per_doc = 1_000.0 * (children_cpu_seconds() - children_cpu) / docs as f64;
    anyhow::ensure!(status.success(), "hubsearch ingest failed: {output}");
    eprintln!("[{docs}] ingest: {}", output.lines().next().unwrap_or_default());
    let index_dir = data.join("index");
    let index = SearchIndex::open_read_only(&index_dir)?;
    figures.indexed = index.num_docs();
    figures.index_bytes_per_doc = dir_bytes(&index_dir) as f64 / figures.indexed.max(1) as f64;

    // The ceiling: the same queries through the same search function, no HTTP. The query
    // language is routed as the search handler routes it (outside the timed loop), so that
    // both search the same fields.
    let limits = Config::default().search;
    let requests = queries
        .iter()
        .map(|q| {
            SearchParams::from_query_string(q, &limits).map(|p| {
                let mut request = p.request;
                route_query_language(&mut request, detector);
                request
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("bad query in {}: {e:?}", queries_path.display()))?;
    let mut hits = 0u64;
    for request in requests.iter().take(50) {
        hits += index.search(request)?.total;
    }
    figures.mean_hits = hits as f64 / requests.len().clamp(1, 50) as f64;

    // The service: `serve` on a loopback port, warmed up, then loaded.
    let addr = free_port()?;
    let mut serve = Command::new(&options.binary)
        .args(["serve", "--library"])
        .arg(&library)
        .arg("--data")
        .arg(&data)
        .arg("--listen")
        .arg(addr.to_string())
        .current_dir(work)
        .env("RUST_LOG", "warn")
        // Capacity is measured from one loopback client: the per-client rate limit would turn
        // most of the load into 429s.
        .env("HUBSEARCH_RATE_LIMIT_PER_MINUTE", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .context("cannot start hubsearch serve")?;
    let result = (|| -> anyhow::Result<()> {
        wait_ready(addr, &mut serve)?;
        let paths: Vec<String> = queries.iter().map(|q| format!("/api/v1/search?{q}")).collect();
        load::run_load(addr, &paths, options.connections, Duration::from_secs(2).min(options.duration))?;
        let serve_pid = serve.id().to_string();
        // The ceiling and the service alternate, run after run: this machine's speed drifts by
        // a fifth or more from one minute to the next, so the fraction is taken within each
        // pair (the idle `serve` costs nothing while the ceiling runs).
        let (mut ceiling, mut heavy, mut fractions) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..options.runs.max(1) {
            let alone = in_process(&index, &requests, workers, options.duration)?;
            let served = load_run(addr, &paths, options.connections, options.duration, &serve_pid)?;
            fractions.push(served.qps / alone.qps.max(f64::MIN_POSITIVE));
            ceiling.push(alone);
            heavy.push(served);
        }
        let pick =
            |runs: &[RunFigures], figure: fn(&RunFigures) -> f64| median(&runs.iter().map(figure).collect::<Vec<_>>());
        figures.inproc_qps = pick(&ceiling, |r| r.qps);
        figures.inproc_p50_ms = pick(&ceiling, |r| r.p50_ms);
        figures.inproc_p99_ms = pick(&ceiling, |r| r.p99_ms);
        figures.inproc_cpu_ms_per_query = pick(&ceiling, |r| r.cpu_ms);
        figures.http_qps = pick(&heavy, |r| r.qps);
        figures.http_p50_ms = pick(&heavy, |r| r.p50_ms);
        figures.http_p99_ms = pick(&heavy, |r| r.p99_ms);
        figures.http_cpu_ms_per_query = pick(&heavy, |r| r.cpu_ms);
        figures.client_cpu_ms_per_query = pick(&heavy, |r| r.client_cpu_ms);
        figures.http_fraction = median(&fractions);
        figures.http_fractions = fractions;
        eprintln!("[{docs}] in-process: {:.0} QPS; HTTP: {:.0} QPS", figures.inproc_qps, figures.http_qps);
        let mut light = Vec::new();
        for _ in 0..options.runs.max(1) {
            light.push(load_run(addr, &paths, LIGHT_CONNECTIONS, options.duration, &serve_pid)?);
        }
        figures.light_qps = pick(&light, |r| r.qps);
        figures.light_p50_ms = pick(&light, |r| r.p50_ms);
        figures.light_p99_ms = pick(&light, |r| r.p99_ms);
        figures.http_errors = heavy.iter().chain(&light).map(|r| r.errors).sum();
        figures.serve_rss_mb = peak_rss_mb(serve.id()).unwrap_or(0.0);
        Ok(())
    })();
    let _ = serve.kill();
    let _ = serve.wait();
    drop(index);
    result?;
    Ok(figures)
}

/// One timed run's figures, in process or over HTTP.
struct RunFigures {
    qps: f64,
    p50_ms: f64,
    p99_ms: f64,
    /// CPU per answered search: of this process in process, of `serve` over HTTP.
    cpu_ms: f64,
    /// CPU of this process (the load generator) per answered request; 0 in process.
    client_cpu_ms: f64,
    errors: usize,
}

/// One load run of `duration` at `connections` against the warmed-up `serve`.
fn load_run(
    addr: SocketAddr,
    paths: &[String],
    connections: usize,
    duration: Duration,
    serve_pid: &str,
) -> anyhow::Result<RunFigures> {
    let (serve_before, client_before) = (cpu_seconds(serve_pid), cpu_seconds("self"));
    let result = load::run_load(addr, paths, connections, duration)?;
    let requests = result.ok.max(1) as f64;
    Ok(RunFigures {
        qps: result.qps(),
        p50_ms: result.latencies.percentile_ms(50.0),
        p99_ms: result.latencies.percentile_ms(99.0),
        cpu_ms: 1_000.0 * (cpu_seconds(serve_pid) - serve_before) / requests,
        client_cpu_ms: 1_000.0 * (cpu_seconds("self") - client_before) / requests,
        errors: result.errors,
    })
}

/// Indexes documents `0..docs` of the generator into a fresh on-disk index and returns
/// documents per second. Documents are generated in slices outside the timed part.
fn index_only(generator: &Generator, docs: usize, dir: &Path, workers: usize) -> anyhow::Result<(f64, f64)> {
    let _ = std::fs::remove_dir_all(dir);
    let (index, _) = SearchIndex::open_or_create(dir, workers)?;
    let mut batch = index.batch()?;
    let mut timed = Duration::ZERO;
    let mut cpu = 0.0;
    const SLICE: usize = 5_000;
    for start in (0..docs).step_by(SLICE) {
        let slice: Vec<IndexDocument> =
            (start..docs.min(start + SLICE)).map(|n| index_document(&generator.document(n))).collect();
        let (started, cpu_before) = (Instant::now(), cpu_seconds("self"));
        for document in &slice {
            batch.insert(document)?;
        }
        timed += started.elapsed();
        cpu += cpu_seconds("self") - cpu_before;
    }
    let (started, cpu_before) = (Instant::now(), cpu_seconds("self"));
    batch.commit()?;
    // An ingestion merges its segments after the commit; the searches are timed on that index.
    index.compact()?;
    timed += started.elapsed();
    cpu += cpu_seconds("self") - cpu_before;
    drop(index);
    let _ = std::fs::remove_dir_all(dir);
    Ok((docs as f64 / timed.as_secs_f64(), 1_000.0 * cpu / docs as f64))
}

pub(crate) fn index_document(doc: &generate::GeneratedDoc) -> IndexDocument {
    IndexDocument {
        id: doc.id.clone(),
        title: doc.title.clone(),
        body: doc.text(),
        lang: doc.lang.clone(),
        kind: if doc.kind == DocKind::Pdf { "pdf" } else { "html" }.to_owned(),
        published: Some(doc.year.to_string()),
        published_ts: Some((i64::from(doc.year) - 1970) * 31_556_952),
        year: Some(doc.year),
        content_hash: format!("{:064x}", doc.id.len()),
        fingerprint: doc.id.clone(),
        extractor_version: ingest::EXTRACTOR_VERSION,
        ..IndexDocument::default()
    }
}

/// Runs `requests` round-robin on `threads` threads for `duration`: queries per second and
/// latencies.
fn in_process(
    index: &SearchIndex,
    requests: &[index::SearchRequest],
    threads: usize,
    duration: Duration,
) -> anyhow::Result<RunFigures> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let cpu_before = cpu_seconds("self");
    let started = Instant::now();
    let deadline = started + duration;
    let results: Vec<anyhow::Result<Vec<Duration>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads.max(1))
            .map(|_| {
                scope.spawn(|| -> anyhow::Result<Vec<Duration>> {
                    let mut latencies = Vec::new();
                    while Instant::now() < deadline {
                        let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let sent = Instant::now();
                        index.search(&requests[n % requests.len()])?;
                        latencies.push(sent.elapsed());
                    }
                    Ok(latencies)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("search thread panicked"))))
            .collect()
    });
    let elapsed = started.elapsed();
    let cpu = cpu_seconds("self") - cpu_before;
    let mut all = Vec::new();
    for result in results {
        all.extend(result?);
    }
    let searches = all.len().max(1) as f64;
    let latencies = Latencies::new(all);
    Ok(RunFigures {
        qps: searches / elapsed.as_secs_f64(),
        p50_ms: latencies.percentile_ms(50.0),
        p99_ms: latencies.percentile_ms(99.0),
        cpu_ms: 1_000.0 * cpu / searches,
        client_cpu_ms: 0.0,
        errors: 0,
    })
}

fn extraction_figures(corpus: &Path, runs: usize) -> anyhow::Result<ExtractionFigures> {
    let list = |dir: &str, ext: &str| -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(corpus.join(dir))
            .map(|entries| {
                entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == ext)).collect()
            })
            .unwrap_or_default();
        files.sort();
        files
    };
    let pdfs: Vec<(PathBuf, Vec<u8>)> =
        list("pdf", "pdf").into_iter().filter_map(|p| std::fs::read(&p).ok().map(|b| (p, b))).collect();
    let htmls: Vec<Vec<u8>> = list("html", "html").into_iter().filter_map(|p| std::fs::read(p).ok()).collect();
    let mut figures = ExtractionFigures {
        pdf_files: pdfs.len(),
        pdf_pages: pdfs
            .iter()
            .map(|(_, b)| lopdf::Document::load_mem(b).map(|d| d.get_pages().len()).unwrap_or(0))
            .sum(),
        html_files: htmls.len(),
        html_bytes: htmls.iter().map(|b| b.len() as u64).sum(),
        ..ExtractionFigures::default()
    };
    let (mut pdf_rates, mut html_rates, mut poppler_rates) = (Vec::new(), Vec::new(), Vec::new());
    let poppler = Command::new("pdftotext").arg("-v").stderr(Stdio::null()).status().is_ok();
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        figures.pdf_failed = pdfs
            .iter()
            .filter(|(_, bytes)| {
                std::panic::catch_unwind(|| ingest::extract::extract(DocKind::Pdf, bytes)).map_or(true, |r| r.is_err())
            })
            .count();
        pdf_rates.push(figures.pdf_pages as f64 / started.elapsed().as_secs_f64());
        let started = Instant::now();
        for bytes in &htmls {
            let _ = ingest::extract::extract(DocKind::Html, bytes);
        }
        html_rates.push(figures.html_bytes as f64 / 1e6 / started.elapsed().as_secs_f64());
        if poppler {
            let started = Instant::now();
            for (path, _) in &pdfs {
                let _ = Command::new("pdftotext")
                    .args(["-q", "-enc", "UTF-8"])
                    .arg(path)
                    .arg("-")
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status();
            }
            poppler_rates.push(figures.pdf_pages as f64 / started.elapsed().as_secs_f64());
        }
    }
    figures.pdf_pages_per_s = median(&pdf_rates);
    figures.html_mb_per_s = median(&html_rates);
    figures.pdftotext_pages_per_s = poppler.then(|| median(&poppler_rates));
    Ok(figures)
}

/// Waits for `child`, sampling its peak RSS (VmHWM) until it exits; returns its status, the
/// peak in MB and its stdout.
fn wait_with_peak_rss(mut child: Child) -> anyhow::Result<(std::process::ExitStatus, f64, String)> {
    let mut stdout = child.stdout.take().context("child stdout")?;
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut out);
        out
    });
    let mut peak: f64 = 0.0;
    let status = loop {
        if let Some(rss) = peak_rss_mb(child.id()) {
            peak = peak.max(rss);
        }
        if let Some(status) = child.try_wait()? {
            break status;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Ok((status, peak, reader.join().unwrap_or_default()))
}

/// Connections of the light-load runs (latency when the server is not saturated).
const LIGHT_CONNECTIONS: usize = 8;

/// CPU time (user + system) of process `pid` (`self` for this one), in seconds. On a shared
/// machine CPU per operation is steadier than wall-clock rates, which depend on the other jobs.
fn cpu_seconds(pid: &str) -> f64 {
    stat_fields(pid).map_or(0.0, |f| (f[11] + f[12]) / clock_ticks())
}

/// CPU time of this process's children that have been waited for, in seconds.
fn children_cpu_seconds() -> f64 {
    stat_fields("self").map_or(0.0, |f| (f[13] + f[14]) / clock_ticks())
}

/// The numeric fields of `/proc/<pid>/stat` after the command name (index 0 is field 3).
fn stat_fields(pid: &str) -> Option<Vec<f64>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    Some(rest.split_whitespace().map(|f| f.parse().unwrap_or(0.0)).collect())
}

/// Linux reports CPU times in USER_HZ ticks, 100 a second on every mainstream configuration.
fn clock_ticks() -> f64 {
    100.0
}

/// VmHWM of process `pid`, in MB.
fn peak_rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn free_port() -> anyhow::Result<SocketAddr> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?)
}

/// Waits until `serve` answers `/readyz` with 200 (its start-up sync has finished).
fn wait_ready(addr: SocketAddr, serve: &mut Child) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(600);
    while Instant::now() < deadline {
        if let Some(status) = serve.try_wait()? {
            anyhow::bail!("hubsearch serve exited early: {status}");
        }
        if let Ok(mut stream) = TcpStream::connect(addr) {
            use std::io::{Read, Write};
            let _ = write!(stream, "GET /readyz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            if answer.starts_with("HTTP/1.1 200") {
                return Ok(());
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    anyhow::bail!("hubsearch serve was not ready within 10 minutes")
}

fn dir_bytes(dir: &Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

/// CPU, cores, memory, load and date, for the report.
pub fn machine_description() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .unwrap_or("?")
        .trim()
        .to_owned();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0 / 1024.0);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let date = Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let commit = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    format!(
        "machine: {model}, {cores} cores, {mem_gib:.0} GiB; load average {}; {date}; commit {commit}",
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    )
}

fn print_extraction(f: &ExtractionFigures) {
    let poppler = f.pdftotext_pages_per_s.map_or("not installed".to_owned(), |r| format!("{r:.0} pages/s"));
    println!(
        "extraction (one thread): PDF {:.0} pages/s over {} files, {} pages ({} refused); pdftotext {poppler} on the same files (a process per file); HTML {:.1} MB/s over {} pages, {:.1} MB",
        f.pdf_pages_per_s,
        f.pdf_files,
        f.pdf_pages,
        f.pdf_failed,
        f.html_mb_per_s,
        f.html_files,
        f.html_bytes as f64 / 1e6
    );
}

fn print_size(f: &SizeFigures) {
    let mut out = String::new();
    let _ = writeln!(out, "== {} documents ({:.0} MB of files)", f.docs, f.library_bytes as f64 / 1e6);
    let _ = writeln!(
        out,
        "indexing alone:   {:.0} docs/s, {:.3} CPU ms/doc ({:.0} docs per CPU second)",
        f.index_docs_per_s,
        f.index_cpu_ms_per_doc,
        1_000.0 / f.index_cpu_ms_per_doc.max(f64::MIN_POSITIVE)
    );
    let _ = writeln!(
        out,
        "ingest:           {:.1} s ({:.0} docs/s), {:.2} CPU ms/doc, {} indexed, peak RSS {:.0} MB, index {:.0} bytes/doc",
        f.ingest_s,
        f.docs as f64 / f.ingest_s,
        f.ingest_cpu_ms_per_doc,
        f.indexed,
        f.ingest_rss_mb,
        f.index_bytes_per_doc
    );
    let _ = writeln!(
        out,
        "in-process:       {:.0} QPS, p50 {:.2} ms, p99 {:.2} ms, {:.3} CPU ms/query (mean hits {:.0})",
        f.inproc_qps, f.inproc_p50_ms, f.inproc_p99_ms, f.inproc_cpu_ms_per_query, f.mean_hits
    );
    let _ = writeln!(
        out,
        "HTTP ({} conns): {:.0} QPS ({:.0} % of in-process, median of pairs {}), p50 {:.2} ms, p99 {:.2} ms; serve {:.3} CPU ms/query ({:.0} % of in-process CPU efficiency), load generator {:.3} CPU ms/query",
        f.connections,
        f.http_qps,
        100.0 * f.http_fraction,
        f.http_fractions.iter().map(|r| format!("{:.0} %", 100.0 * r)).collect::<Vec<_>>().join(" / "),
        f.http_p50_ms,
        f.http_p99_ms,
        f.http_cpu_ms_per_query,
        100.0 * f.inproc_cpu_ms_per_query / f.http_cpu_ms_per_query.max(f64::MIN_POSITIVE),
        f.client_cpu_ms_per_query,
    );
    let _ = writeln!(
        out,
        "HTTP ({LIGHT_CONNECTIONS} conns):  {:.0} QPS, p50 {:.2} ms, p99 {:.2} ms; {} errors in all; serve peak RSS {:.0} MB",
        f.light_qps, f.light_p50_ms, f.light_p99_ms, f.http_errors, f.serve_rss_mb
    );
    let _ = write!(
        out,
        "SUMMARY docs={} index_docs_per_s={:.0} index_cpu_ms_per_doc={:.3} ingest_cpu_ms_per_doc={:.2} inproc_cpu_ms_per_query={:.3} http_cpu_ms_per_query={:.3} light_p99_ms={:.2} ingest_s={:.1} ingest_rss_mb={:.0} index_bytes_per_doc={:.0} inproc_qps={:.0} http_qps={:.0} http_fraction={:.2} http_p50_ms={:.2} http_p99_ms={:.2} http_errors={} serve_rss_mb={:.0}",
        f.docs,
        f.index_docs_per_s,
        f.index_cpu_ms_per_doc,
        f.ingest_cpu_ms_per_doc,
        f.inproc_cpu_ms_per_query,
        f.http_cpu_ms_per_query,
        f.light_p99_ms,
        f.ingest_s,
        f.ingest_rss_mb,
        f.index_bytes_per_doc,
        f.inproc_qps,
        f.http_qps,
        f.http_fraction,
        f.http_p50_ms,
        f.http_p99_ms,
        f.http_errors,
        f.serve_rss_mb
    );
    println!("{out}");
}

fn print_growth(all: &[SizeFigures]) {
    let (a, b) = (&all[0], &all[all.len() - 1]);
    let ratio = |x: f64, y: f64| if x > 0.0 { y / x } else { 0.0 };
    println!(
        "growth {} -> {} documents (x{:.0}): indexing docs/s x{:.2}, ingest time x{:.2}, ingest RSS x{:.2}, index bytes/doc x{:.2}, in-process QPS x{:.2}, HTTP QPS x{:.2}, HTTP p99 x{:.2}, serve RSS x{:.2}, serve CPU/query x{:.2}",
        a.docs,
        b.docs,
        ratio(a.docs as f64, b.docs as f64),
        ratio(a.index_docs_per_s, b.index_docs_per_s),
        ratio(a.ingest_s, b.ingest_s),
        ratio(a.ingest_rss_mb, b.ingest_rss_mb),
        ratio(a.index_bytes_per_doc, b.index_bytes_per_doc),
        ratio(a.inproc_qps, b.inproc_qps),
        ratio(a.http_qps, b.http_qps),
        ratio(a.http_p99_ms, b.http_p99_ms),
        ratio(a.serve_rss_mb, b.serve_rss_mb),
        ratio(a.http_cpu_ms_per_query, b.http_cpu_ms_per_query),
    );
}
