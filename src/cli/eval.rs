//! `hubsearch eval beir`: retrieval quality of the production ranking on a BEIR collection.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;

use crate::config::Config;
use crate::eval::{BeirCollection, run_plain_bm25, run_queries, score};

pub fn run(
    config: &Config,
    dir: &Path,
    split: &str,
    run_out: Option<&Path>,
    baseline: bool,
) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let collection = BeirCollection::load(dir, split)?;
    let detector = config.languages.detector();
    let index = collection.build_index(&detector, config.worker_count())?;
    let indexed = started.elapsed();
    let queries_started = Instant::now();
    let runs = run_queries(&index, &collection, &detector, config.search.cross_lang_default)?;
    let queried = queries_started.elapsed();
    let scores = score(&runs, &collection.qrels);
    if let Some(path) = run_out {
        let mut out = std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
        );
        for (query, hits) in &runs {
            for (rank, (doc, score)) in hits.iter().enumerate() {
                writeln!(out, "{query} Q0 {doc} {} {score:.6} hubsearch", rank + 1)?;
            }
        }
        out.flush()?;
    }
    println!(
        "collection: {} ({} documents, split {split}, {} queries)",
        dir.display(),
        collection.corpus.len(),
        scores.queries
    );
    println!("nDCG@10    {:.4}", scores.ndcg_at_10);
    println!("Recall@100 {:.4}", scores.recall_at_100);
    println!("MRR@10     {:.4}", scores.mrr_at_10);
    println!(
        "indexing {:.2}s, queries {:.2}s ({:.2} ms a query, cross_lang {})",
        indexed.as_secs_f64(),
        queried.as_secs_f64(),
        queried.as_secs_f64() * 1000.0 / collection.queries.len().max(1) as f64,
        config.search.cross_lang_default
    );
    if baseline {
        let plain = score(&run_plain_bm25(&collection)?, &collection.qrels);
        println!("plain tantivy BM25 (default tokenizer, title+text, OR), same metrics:");
        println!("nDCG@10    {:.4}", plain.ndcg_at_10);
        println!("Recall@100 {:.4}", plain.recall_at_100);
        println!("MRR@10     {:.4}", plain.mrr_at_10);
    }
    Ok(ExitCode::SUCCESS)
}
