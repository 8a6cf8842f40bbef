//! The service's metrics: a small registry of counters and fixed-bucket histograms (atomics,
//! no dependencies), filled by the HTTP layer and by [`crate::sync`], and written in the
//! Prometheus text format for `GET /metrics`.
//!
//! One registry per process ([`global`]): what is counted is the process's work, whichever
//! router or synchronisation did it. Label values come from fixed sets (route templates,
//! status codes, document kinds), never from request text, so the series are bounded and no
//! secret a request carries can reach them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// Upper bounds (seconds) of HTTP latency buckets.
const HTTP_BUCKETS: [f64; 13] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
/// Upper bounds (seconds) of per-document extraction buckets.
const EXTRACTION_BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0];
/// Upper bounds (seconds) of ingestion run buckets.
const INGEST_BUCKETS: [f64; 10] = [0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0];

/// A histogram with fixed bucket bounds; observations are lock-free.
#[derive(Debug)]
pub struct Histogram {
    bounds: &'static [f64],
    counts: Vec<AtomicU64>,
    count: AtomicU64,
    sum_nanos: AtomicU64,
}

impl Histogram {
    fn new(bounds: &'static [f64]) -> Self {
        Histogram {
            bounds,
            counts: bounds.iter().map(|_| AtomicU64::new(0)).collect(),
            count: AtomicU64::new(0),
            sum_nanos: AtomicU64::new(0),
        }
    }

    /// Records one observation.
    pub fn observe(&self, value: Duration) {
        let seconds = value.as_secs_f64();
        // Buckets are stored non-cumulatively and summed when written out.
        if let Some(i) = self.bounds.iter().position(|&bound| seconds <= bound) {
            self.counts[i].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_nanos.fetch_add(value.as_nanos().min(u128::from(u64::MAX)) as u64, Ordering::Relaxed);
    }

    /// Observations so far.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    fn write(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (bound, count) in self.bounds.iter().zip(&self.counts) {
            cumulative += count.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {cumulative}");
        }
        let count = self.count();
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {count}");
        let sum = self.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        let braces = if labels.is_empty() { String::new() } else { format!("{{{labels}}}") };
        let _ = writeln!(out, "{name}_sum{braces} {sum}");
        let _ = writeln!(out, "{name}_count{braces} {count}");
    }
}

/// Per-label histograms and counters, created on first use.
#[derive(Debug)]
struct Family<K: Ord, V> {
    members: Mutex<BTreeMap<K, std::sync::Arc<V>>>,
}

impl<K: Ord, V> Default for Family<K, V> {
    fn default() -> Self {
        Family { members: Mutex::new(BTreeMap::new()) }
    }
}

impl<K: Ord + Clone, V> Family<K, V> {
    fn get(&self, key: &K, make: impl FnOnce() -> V) -> std::sync::Arc<V> {
        let mut members = self.members.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        members.entry(key.clone()).or_insert_with(|| std::sync::Arc::new(make())).clone()
    }

    fn snapshot(&self) -> Vec<(K, std::sync::Arc<V>)> {
        let members = self.members.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        members.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }
}

/// What one synchronisation did, as the metrics count it.
#[derive(Debug, Clone, Copy, Default)]
pub struct IngestCounts {
    /// Newly indexed documents.
    pub added: u64,
    /// Re-indexed documents.
    pub updated: u64,
    /// Documents removed from the index.
    pub deleted: u64,
    /// Files skipped as unchanged.
    pub unchanged: u64,
    /// Files that failed.
    pub failed: u64,
}

/// Every metric of the process.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Family<(&'static str, u16), AtomicU64>,
    latency: Family<&'static str, Histogram>,
    extraction: Family<&'static str, Histogram>,
    ingest_runs: Family<&'static str, AtomicU64>,
    ingest_documents: Family<&'static str, AtomicU64>,
    ingest_duration: OnceLock<Histogram>,
}

/// The process's registry.
pub fn global() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::default)
}

impl Metrics {
    /// Counts an HTTP answer on `route` (a route template) with its latency.
    pub fn record_request(&self, route: &'static str, status: u16, latency: Duration) {
        self.requests.get(&(route, status), || AtomicU64::new(0)).fetch_add(1, Ordering::Relaxed);
        self.latency.get(&route, || Histogram::new(&HTTP_BUCKETS)).observe(latency);
    }

    /// Answers counted on `route` with `status` so far.
    pub fn requests(&self, route: &'static str, status: u16) -> u64 {
        self.requests.get(&(route, status), || AtomicU64::new(0)).load(Ordering::Relaxed)
    }

    /// Records the time one document of `kind` took to extract and classify.
    pub fn record_extraction(&self, kind: &'static str, took: Duration) {
        self.extraction.get(&kind, || Histogram::new(&EXTRACTION_BUCKETS)).observe(took);
    }

    /// Documents of `kind` extracted so far.
    pub fn extractions(&self, kind: &'static str) -> u64 {
        self.extraction.get(&kind, || Histogram::new(&EXTRACTION_BUCKETS)).count()
    }

    /// Records a finished synchronisation: its counts and duration, or its failure.
    pub fn record_ingest(&self, result: Result<IngestCounts, ()>, took: Duration) {
        let outcome = if result.is_ok() { "ok" } else { "error" };
        self.ingest_runs.get(&outcome, || AtomicU64::new(0)).fetch_add(1, Ordering::Relaxed);
        self.ingest_duration.get_or_init(|| Histogram::new(&INGEST_BUCKETS)).observe(took);
        if let Ok(counts) = result {
            for (name, n) in [
                ("added", counts.added),
                ("updated", counts.updated),
                ("deleted", counts.deleted),
                ("unchanged", counts.unchanged),
                ("failed", counts.failed),
            ] {
                self.ingest_documents.get(&name, || AtomicU64::new(0)).fetch_add(n, Ordering::Relaxed);
            }
        }
    }

    /// Synchronisations that ended with `outcome` (`ok` or `error`) so far.
    pub fn ingest_runs(&self, outcome: &'static str) -> u64 {
        self.ingest_runs.get(&outcome, || AtomicU64::new(0)).load(Ordering::Relaxed)
    }

    /// The registry in the Prometheus text format (version 0.0.4), with the gauges read at
    /// scrape time (`documents` in the index).
    pub fn render(&self, documents: u64) -> String {
        let mut out = String::new();
        let header = |out: &mut String, name: &str, kind: &str, help: &str| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        };
        header(&mut out, "hubsearch_http_requests_total", "counter", "HTTP answers by route template and status.");
        for ((route, status), count) in self.requests.snapshot() {
            let _ = writeln!(
                out,
                "hubsearch_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {}",
                count.load(Ordering::Relaxed)
            );
        }
        header(&mut out, "hubsearch_http_request_duration_seconds", "histogram", "HTTP latency by route template.");
        for (route, histogram) in self.latency.snapshot() {
            histogram.write(&mut out, "hubsearch_http_request_duration_seconds", &format!("route=\"{route}\""));
        }
        header(&mut out, "hubsearch_index_documents", "gauge", "Documents in the search index.");
        let _ = writeln!(out, "hubsearch_index_documents {documents}");
        header(&mut out, "hubsearch_ingest_runs_total", "counter", "Library synchronisations by result (ok, error).");
        for (outcome, count) in self.ingest_runs.snapshot() {
            let _ =
                writeln!(out, "hubsearch_ingest_runs_total{{result=\"{outcome}\"}} {}", count.load(Ordering::Relaxed));
        }
        header(
            &mut out,
            "hubsearch_ingest_documents_total",
            "counter",
            "Documents handled by synchronisations, by outcome (added, updated, deleted, unchanged, failed).",
        );
        for (outcome, count) in self.ingest_documents.snapshot() {
            let _ = writeln!(
                out,
                "hubsearch_ingest_documents_total{{outcome=\"{outcome}\"}} {}",
                count.load(Ordering::Relaxed)
            );
        }
        header(&mut out, "hubsearch_ingest_duration_seconds", "histogram", "Wall time of library synchronisations.");
        self.ingest_duration.get_or_init(|| Histogram::new(&INGEST_BUCKETS)).write(
            &mut out,
            "hubsearch_ingest_duration_seconds",
            "",
        );
        header(
            &mut out,
            "hubsearch_extraction_seconds",
            "histogram",
            "Time to read, extract and classify one document, by kind.",
        );
        for (kind, histogram) in self.extraction.snapshot() {
            histogram.write(&mut out, "hubsearch_extraction_seconds", &format!("kind=\"{kind}\""));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of the sample `series` (name and labels exactly as written) in `text`.
    fn sample(text: &str, series: &str) -> Option<f64> {
        text.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
    }

    #[test]
    fn histograms_are_cumulative_and_everything_is_in_the_text_format() {
        let metrics = Metrics::default();
        metrics.record_request("/api/v1/search", 200, Duration::from_millis(3));
        metrics.record_request("/api/v1/search", 200, Duration::from_millis(40));
        metrics.record_request("/api/v1/search", 429, Duration::from_micros(200));
        metrics.record_request("/api/v1/search", 200, Duration::from_secs(60));
        metrics.record_extraction("pdf", Duration::from_millis(120));
        metrics
            .record_ingest(Ok(IngestCounts { added: 5, failed: 1, ..IngestCounts::default() }), Duration::from_secs(2));
        metrics.record_ingest(Err(()), Duration::from_millis(300));
        let text = metrics.render(42);

        let s = |series: &str| sample(&text, series).unwrap_or_else(|| panic!("{series} missing in\n{text}"));
        assert_eq!(s("hubsearch_http_requests_total{route=\"/api/v1/search\",status=\"200\"}"), 3.0);
        assert_eq!(s("hubsearch_http_requests_total{route=\"/api/v1/search\",status=\"429\"}"), 1.0);
        let bucket = |le: &str| {
            s(&format!("hubsearch_http_request_duration_seconds_bucket{{route=\"/api/v1/search\",le=\"{le}\"}}"))
        };
        assert_eq!(bucket("0.001"), 1.0);
        assert_eq!(bucket("0.005"), 2.0);
        assert_eq!(bucket("0.05"), 3.0);
        assert_eq!(bucket("10"), 3.0, "the 60 s request is above every bound");
        assert_eq!(bucket("+Inf"), 4.0);
        assert_eq!(s("hubsearch_http_request_duration_seconds_count{route=\"/api/v1/search\"}"), 4.0);
        assert!((s("hubsearch_http_request_duration_seconds_sum{route=\"/api/v1/search\"}") - 60.0432).abs() < 1e-6);
        assert_eq!(s("hubsearch_index_documents"), 42.0);
        assert_eq!(s("hubsearch_ingest_runs_total{result=\"ok\"}"), 1.0);
        assert_eq!(s("hubsearch_ingest_runs_total{result=\"error\"}"), 1.0);
        assert_eq!(s("hubsearch_ingest_documents_total{outcome=\"added\"}"), 5.0);
        assert_eq!(s("hubsearch_ingest_documents_total{outcome=\"failed\"}"), 1.0);
        assert_eq!(s("hubsearch_ingest_duration_seconds_count"), 2.0);
        assert_eq!(s("hubsearch_extraction_seconds_bucket{kind=\"pdf\",le=\"0.25\"}"), 1.0);
        assert_eq!(s("hubsearch_extraction_seconds_bucket{kind=\"pdf\",le=\"0.1\"}"), 0.0);

        // Every line is a comment or `series value`, and each metric is typed before use.
        for line in text.lines() {
            if line.starts_with('#') {
                assert!(line.starts_with("# HELP hubsearch_") || line.starts_with("# TYPE hubsearch_"), "{line}");
                continue;
            }
            let (series, value) = line.rsplit_once(' ').unwrap();
            assert!(value == "+Inf" || value.parse::<f64>().is_ok(), "{line}");
            let name = series.split('{').next().unwrap();
            let base = ["_bucket", "_sum", "_count"].iter().fold(name, |n, suffix| n.strip_suffix(suffix).unwrap_or(n));
            assert!(text.contains(&format!("# TYPE {base} ")) || text.contains(&format!("# TYPE {name} ")), "{line}");
        }
    }
}
