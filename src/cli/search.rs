//! `hubsearch search`: the API's search from the command line, over the index on disk.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use index::SearchIndex;
use ingest::DocumentProcessor;

use crate::config::Config;
use crate::labels::FacetLabels;
use crate::search_params::{SearchParams, SearchResponse, route_query_language};

pub fn run(config: &Config, pairs: &[(String, String)], json: bool) -> anyhow::Result<ExitCode> {
    let mut params =
        SearchParams::from_pairs(pairs, &config.search).map_err(|err| anyhow::anyhow!("--{}: {err}", err.parameter))?;
    let index_dir = config.index_dir();
    let index = SearchIndex::open_read_only(&index_dir)
        .with_context(|| format!("cannot open the index in {} (run `hubsearch ingest` first)", index_dir.display()))?;
    let processor = DocumentProcessor::new(config.processor_settings())?;
    route_query_language(&mut params.request, processor.language_detector());
    let started = Instant::now();
    let results = index.search(&params.request)?;
    let response =
        SearchResponse::new(&params, results, started.elapsed().as_millis() as u64, &FacetLabels::new(&processor));
    if json {
        println!("{}", serde_json::to_string(&response)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{} result(s) for {:?} in {} ms", response.total, response.query, response.took_ms);
    for (rank, hit) in response.hits.iter().enumerate() {
        let rank = (params.request.page - 1) * params.request.per_page + rank + 1;
        println!("\n{rank}. {} [{} {} {}]", hit.title, hit.lang, hit.kind, hit.countries.join(","));
        println!("   {}", hit.id);
        println!("   {}", hit.snippet.replace("<mark>", "*").replace("</mark>", "*"));
    }
    Ok(ExitCode::SUCCESS)
}
