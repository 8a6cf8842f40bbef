//! Retrieval evaluation on BEIR-format test collections (`corpus.jsonl`, `queries.jsonl`,
//! `qrels/<split>.tsv`) through the service's own analysis and ranking.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::path::Path;

use anyhow::{Context, bail};
use index::{IndexDocument, SearchIndex, SearchRequest};
use ingest::LanguageDetector;
use serde::Deserialize;

use crate::search_params::route_query_language;

/// Judgements of one query: document id → graded relevance.
pub type Judgements = HashMap<String, u32>;

/// A BEIR collection loaded in memory.
pub struct BeirCollection {
    /// Documents: id, title, text.
    pub corpus: Vec<(String, String, String)>,
    /// Queries with judgements in the split: id → text.
    pub queries: BTreeMap<String, String>,
    /// Judgements by query id.
    pub qrels: HashMap<String, Judgements>,
}

#[derive(Deserialize)]
struct CorpusLine {
    #[serde(rename = "_id")]
    id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    text: String,
}

#[derive(Deserialize)]
struct QueryLine {
    #[serde(rename = "_id")]
    id: String,
    text: String,
}

impl BeirCollection {
    /// Loads `dir` with the qrels of `split`; only judged queries are kept.
    pub fn load(dir: &Path, split: &str) -> anyhow::Result<Self> {
        let corpus_path = dir.join("corpus.jsonl");
        let mut corpus = Vec::new();
        for (n, line) in read_lines(&corpus_path)?.into_iter().enumerate() {
            let doc: CorpusLine = serde_json::from_str(&line)
                .with_context(|| format!("{}:{}: bad JSON", corpus_path.display(), n + 1))?;
            corpus.push((doc.id, doc.title, doc.text));
        }
        let qrels_path = dir.join("qrels").join(format!("{split}.tsv"));
        let mut qrels: HashMap<String, Judgements> = HashMap::new();
        for (n, line) in read_lines(&qrels_path)?.into_iter().enumerate() {
            let cols: Vec<&str> = line.split('\t').collect();
            if n == 0 && cols.first() == Some(&"query-id") {
                continue;
            }
            let [query, doc, score] = cols[..] else {
                bail!("{}:{}: expected query-id, corpus-id, score", qrels_path.display(), n + 1);
            };
            let score: u32 =
                score.trim().parse().with_context(|| format!("{}:{}: bad score", qrels_path.display(), n + 1))?;
            qrels.entry(query.to_owned()).or_default().insert(doc.to_owned(), score);
        }
        let queries_path = dir.join("queries.jsonl");
        let mut queries = BTreeMap::new();
        for (n, line) in read_lines(&queries_path)?.into_iter().enumerate() {
            let query: QueryLine = serde_json::from_str(&line)
                .with_context(|| format!("{}:{}: bad JSON", queries_path.display(), n + 1))?;
            if qrels.contains_key(&query.id) {
                queries.insert(query.id, query.text);
            }
        }
        qrels.retain(|id, _| queries.contains_key(id));
        anyhow::ensure!(
            !queries.is_empty(),
            "no query of {} has judgements in {}",
            queries_path.display(),
            qrels_path.display()
        );
        Ok(BeirCollection { corpus, queries, qrels })
    }

    /// Indexes the corpus in a fresh in-memory index with the production analysis (language
    /// detection included).
    pub fn build_index(&self, detector: &LanguageDetector, threads: usize) -> anyhow::Result<SearchIndex> {
        let index = SearchIndex::create_in_ram(threads)?;
        let mut batch = index.batch()?;
        for (id, title, text) in &self.corpus {
            let lang = detector.detect(&format!("{title}\n{text}"), None);
            batch.upsert(&IndexDocument {
                id: id.clone(),
                title: title.clone(),
                body: text.clone(),
                lang,
                kind: "text".to_owned(),
                ..IndexDocument::default()
            })?;
        }
        batch.commit()?;
        // As an ingestion leaves it: one segment.
        index.compact()?;
        Ok(index)
    }
}

fn read_lines(path: &Path) -> anyhow::Result<Vec<String>> {
    let file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut lines = Vec::new();
    for line in BufReader::new(file).lines() {
        let line = line.with_context(|| format!("cannot read {}", path.display()))?;
        if !line.trim().is_empty() {
            lines.push(line);
        }
    }
    Ok(lines)
}

/// Mean scores over all judged queries (a query with no hit scores 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetrievalScores {
    /// Normalised discounted cumulative gain at 10 (linear gains, as trec_eval).
    pub ndcg_at_10: f64,
    /// Share of relevant documents in the first 100 hits.
    pub recall_at_100: f64,
    /// Reciprocal rank of the first relevant hit within 10.
    pub mrr_at_10: f64,
    /// Number of queries.
    pub queries: usize,
}

/// Runs every query (100 hits each, cross-language search as `cross_lang` says) and returns the
/// ranked ids by query.
pub fn run_queries(
    index: &SearchIndex,
    collection: &BeirCollection,
    detector: &LanguageDetector,
    cross_lang: bool,
) -> anyhow::Result<BTreeMap<String, Vec<(String, f32)>>> {
    let mut runs = BTreeMap::new();
    for (id, text) in &collection.queries {
        let mut request = SearchRequest {
            query: text.clone(),
            per_page: 100,
            snippet_chars: 0,
            cross_lang,
            ..SearchRequest::default()
        };
        route_query_language(&mut request, detector);
        let results = index.search(&request)?;
        runs.insert(id.clone(), results.hits.into_iter().map(|h| (h.id, h.score)).collect());
    }
    Ok(runs)
}

/// Runs every query through plain tantivy BM25 (the yardstick), 100 hits each.
pub fn run_plain_bm25(collection: &BeirCollection) -> anyhow::Result<BTreeMap<String, Vec<(String, f32)>>> {
    let baseline = index::baseline::PlainBm25::build(
        collection.corpus.iter().map(|(id, title, text)| (id.as_str(), title.as_str(), text.as_str())),
    )?;
    let mut runs = BTreeMap::new();
    for (id, text) in &collection.queries {
        runs.insert(id.clone(), baseline.search(text, 100)?);
    }
    Ok(runs)
}

/// Scores runs against judgements.
pub fn score(runs: &BTreeMap<String, Vec<(String, f32)>>, qrels: &HashMap<String, Judgements>) -> RetrievalScores {
    let (mut ndcg, mut recall, mut mrr) = (0.0, 0.0, 0.0);
    for (query, judgements) in qrels {
        let ranked: Vec<&str> =
            runs.get(query).map(|r| r.iter().map(|(id, _)| id.as_str()).collect()).unwrap_or_default();
        ndcg += ndcg_at(&ranked, judgements, 10);
        let relevant = judgements.values().filter(|&&g| g > 0).count();
        if relevant > 0 {
            let found = ranked.iter().take(100).filter(|id| judgements.get(**id).is_some_and(|&g| g > 0)).count();
            recall += found as f64 / relevant as f64;
        }
        if let Some(rank) = ranked.iter().take(10).position(|id| judgements.get(*id).is_some_and(|&g| g > 0)) {
            mrr += 1.0 / (rank + 1) as f64;
        }
    }
    let n = qrels.len().max(1) as f64;
    RetrievalScores { ndcg_at_10: ndcg / n, recall_at_100: recall / n, mrr_at_10: mrr / n, queries: qrels.len() }
}

fn ndcg_at(ranked: &[&str], judgements: &Judgements, k: usize) -> f64 {
    let discount = |i: usize| 1.0 / ((i + 2) as f64).log2();
    let dcg: f64 = ranked
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, id)| f64::from(*judgements.get(*id).unwrap_or(&0)) * discount(i))
        .sum();
    let mut ideal: Vec<u32> = judgements.values().copied().collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let idcg: f64 = ideal.iter().take(k).enumerate().map(|(i, &g)| f64::from(g) * discount(i)).sum();
    if idcg == 0.0 { 0.0 } else { dcg / idcg }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_match_hand_computed_values() {
        let qrels: HashMap<String, Judgements> = HashMap::from([
            ("q1".to_owned(), HashMap::from([("a".to_owned(), 2), ("b".to_owned(), 1)])),
            ("q2".to_owned(), HashMap::from([("c".to_owned(), 1)])),
        ]);
        let runs = BTreeMap::from([
            ("q1".to_owned(), vec![("b".to_owned(), 2.0), ("x".to_owned(), 1.5), ("a".to_owned(), 1.0)]),
            ("q2".to_owned(), vec![]),
        ]);
        let scores = score(&runs, &qrels);
        // q1: DCG = 1/log2(2) + 2/log2(4) = 2; IDCG = 2 + 1/log2(3) ≈ 2.6309; q2 scores 0.
        assert!((scores.ndcg_at_10 - (2.0 / (2.0 + 1.0 / 3f64.log2())) / 2.0).abs() < 1e-9);
        assert!((scores.recall_at_100 - 0.5).abs() < 1e-9);
        assert!((scores.mrr_at_10 - 0.5).abs() < 1e-9);
        assert_eq!(scores.queries, 2);
    }

    #[test]
    fn loads_a_small_collection_and_ranks_the_relevant_document_first() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("corpus.jsonl"),
            "{\"_id\":\"d1\",\"title\":\"statins and breast cancer\",\"text\":\"statin use and breast cancer survival\"}\n\
             {\"_id\":\"d2\",\"title\":\"vitamin d\",\"text\":\"vitamin d and bone health\"}\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("queries.jsonl"),
            "{\"_id\":\"q1\",\"text\":\"Do statins cause breast cancer?\"}\n{\"_id\":\"q9\",\"text\":\"unjudged\"}\n",
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("qrels")).unwrap();
        std::fs::write(dir.path().join("qrels/test.tsv"), "query-id\tcorpus-id\tscore\nq1\td1\t2\n").unwrap();
        let collection = BeirCollection::load(dir.path(), "test").unwrap();
        assert_eq!(collection.queries.len(), 1);
        let detector = LanguageDetector::new(&["en".to_owned()], 0.5);
        let index = collection.build_index(&detector, 1).unwrap();
        let runs = run_queries(&index, &collection, &detector, false).unwrap();
        assert_eq!(runs["q1"][0].0, "d1");
        assert_eq!(score(&runs, &collection.qrels).ndcg_at_10, 1.0);
        let plain = run_plain_bm25(&collection).unwrap();
        assert_eq!(plain["q1"][0].0, "d1");
        let missing = BeirCollection::load(dir.path(), "dev").err().expect("no dev split");
        assert!(missing.to_string().contains("dev.tsv"), "{missing}");
    }
}
