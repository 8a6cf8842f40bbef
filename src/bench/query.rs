//! `hubsearch bench query`: the cost of the ranking itself. The generated documents go straight
//! into an in-memory index (no files, no extraction); then the query mix runs through
//! `SearchIndex::search` and, interleaved on the same index, through the foundation's query
//! (before the ranking work), and every keystroke of the mix's words through `suggest`.

use std::time::{Duration, Instant};

use anyhow::Context;
use index::SearchIndex;

use super::generate::Generator;
use super::stats::{Latencies, median};
use crate::config::Config;
use crate::search_params::{SearchParams, route_query_language};

/// Completions asked for per keystroke (the HTTP default).
const SUGGEST_LIMIT: usize = 8;
/// Queries of the mix whose words are typed out for the suggest figures.
const TYPED_QUERIES: usize = 200;

/// Latency figures at one index size, milliseconds.
#[derive(Debug, Clone, Default)]
pub struct QueryFigures {
    /// Documents indexed.
    pub docs: usize,
    /// Searches timed per path (mix × rounds).
    pub searches: usize,
    /// `SearchIndex::search`: p50 and p99 (median over rounds).
    pub search_p50_ms: f64,
    /// p99 of `SearchIndex::search`.
    pub search_p99_ms: f64,
    /// The foundation's query on the same index: p50 and p99.
    pub before_p50_ms: f64,
    /// p99 of the foundation's query.
    pub before_p99_ms: f64,
    /// Keystrokes timed (prefixes × rounds).
    pub keystrokes: usize,
    /// `suggest`: p50 and p99.
    pub suggest_p50_ms: f64,
    /// p99 of `suggest`.
    pub suggest_p99_ms: f64,
    /// Mean hits per query of each path (a check that both find things).
    pub mean_total: f64,
    /// Mean hits per query of the foundation's query.
    pub before_mean_total: f64,
}

/// Builds an index of `docs` generated documents and measures it: `rounds` passes over the first
/// `queries` queries of the mix.
pub fn measure(
    generator: &Generator,
    docs: usize,
    queries: usize,
    rounds: usize,
    threads: usize,
) -> anyhow::Result<QueryFigures> {
    let started = Instant::now();
    let index = SearchIndex::create_in_ram(threads)?;
    let mut batch = index.batch()?;
    for n in 0..docs {
        batch.insert(&super::index_document(&generator.document(n)))?;
    }
    batch.commit()?;
    // As an ingestion leaves it.
    index.compact()?;
    eprintln!("[{docs}] indexed in memory in {:.1}s", started.elapsed().as_secs_f64());

    let config = Config::default();
    let detector = config.languages.detector();
    let mut requests = Vec::new();
    for line in generator.queries(docs).into_iter().take(queries) {
        let mut request = SearchParams::from_query_string(&line, &config.search)
            .map_err(|e| anyhow::anyhow!("bad generated query {line}: {e:?}"))?
            .request;
        route_query_language(&mut request, &detector);
        requests.push(request);
    }
    let keystrokes = keystrokes(requests.iter().take(TYPED_QUERIES).map(|r| r.query.as_str()));
    let mut figures = QueryFigures { docs, ..QueryFigures::default() };
    let (mut total, mut before_total) = (0u64, 0u64);
    for request in &requests {
        total += index.search(request)?.total;
        before_total += index.search_foundation(request)?.total;
    }
    figures.mean_total = total as f64 / requests.len().max(1) as f64;
    figures.before_mean_total = before_total as f64 / requests.len().max(1) as f64;

    let (mut p50, mut p99, mut before_p50, mut before_p99, mut s50, mut s99) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds.max(1) {
        let (mut now, mut before) = (Vec::new(), Vec::new());
        for (n, request) in requests.iter().enumerate() {
            // Alternate which path goes first, so caches and machine noise favour neither.
            if (n + round) % 2 == 0 {
                now.push(timed(|| index.search(request))?);
                before.push(timed(|| index.search_foundation(request))?);
            } else {
                before.push(timed(|| index.search_foundation(request))?);
                now.push(timed(|| index.search(request))?);
            }
        }
        let mut typed = Vec::new();
        for prefix in &keystrokes {
            typed.push(timed(|| index.suggest(prefix, SUGGEST_LIMIT))?);
        }
        figures.searches += now.len();
        figures.keystrokes += typed.len();
        let (now, before, typed) = (Latencies::new(now), Latencies::new(before), Latencies::new(typed));
        p50.push(now.percentile_ms(50.0));
        p99.push(now.percentile_ms(99.0));
        before_p50.push(before.percentile_ms(50.0));
        before_p99.push(before.percentile_ms(99.0));
        s50.push(typed.percentile_ms(50.0));
        s99.push(typed.percentile_ms(99.0));
    }
    (figures.search_p50_ms, figures.search_p99_ms) = (median(&p50), median(&p99));
    (figures.before_p50_ms, figures.before_p99_ms) = (median(&before_p50), median(&before_p99));
    (figures.suggest_p50_ms, figures.suggest_p99_ms) = (median(&s50), median(&s99));
    Ok(figures)
}

fn timed<T>(run: impl FnOnce() -> index::Result<T>) -> anyhow::Result<Duration> {
    let started = Instant::now();
    run().context("search failed")?;
    Ok(started.elapsed())
}

/// Every prefix a user types on the way to each query, from two characters on (quotes and
/// operators dropped: suggest completes words).
pub fn keystrokes<'a>(queries: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out = Vec::new();
    for query in queries {
        let words: String = query.chars().filter(|&c| c != '"').collect();
        let chars: Vec<char> = words.trim().chars().collect();
        for end in 2..=chars.len() {
            if !chars[end - 1].is_whitespace() {
                out.push(chars[..end].iter().collect());
            }
        }
    }
    out
}

/// The figures as report lines.
pub fn report(f: &QueryFigures) -> String {
    format!(
        "[{docs}] search (ranking): p50 {:.3} ms, p99 {:.3} ms; foundation query: p50 {:.3} ms, p99 {:.3} ms; \
         p50 ratio {:.2}, p99 ratio {:.2} ({} searches each; mean hits {:.0} vs {:.0})\n\
         [{docs}] suggest: p50 {:.3} ms, p99 {:.3} ms ({} keystrokes)",
        f.search_p50_ms,
        f.search_p99_ms,
        f.before_p50_ms,
        f.before_p99_ms,
        f.search_p50_ms / f.before_p50_ms.max(f64::MIN_POSITIVE),
        f.search_p99_ms / f.before_p99_ms.max(f64::MIN_POSITIVE),
        f.searches,
        f.mean_total,
        f.before_mean_total,
        f.suggest_p50_ms,
        f.suggest_p99_ms,
        f.keystrokes,
        docs = f.docs,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keystrokes_are_every_prefix_ending_in_a_letter() {
        assert_eq!(keystrokes(["\"ab c\"", "xyz"]), ["ab", "ab c", "xy", "xyz"]);
    }

    #[test]
    fn measures_both_paths_and_suggest_on_a_small_generated_index() {
        let text = "Remote monitoring of patients with chronic heart failure reduced hospital admissions";
        let pools = vec![super::super::generate::TextPool {
            source: "en.txt".into(),
            lang: "en".into(),
            lines: (0..40).map(|i| format!("{text} in region {i} of the telemonitoring pilot.")).collect(),
            win_ansi: true,
        }];
        let generator = Generator::new(pools, 7);
        let figures = measure(&generator, 30, 10, 1, 1).unwrap();
        assert_eq!(figures.docs, 30);
        assert!(figures.searches > 0 && figures.keystrokes > 0, "{figures:?}");
        assert!(figures.mean_total > 0.0 && figures.before_mean_total > 0.0, "{figures:?}");
        assert!(figures.search_p50_ms > 0.0 && figures.suggest_p99_ms >= figures.suggest_p50_ms, "{figures:?}");
    }
}
