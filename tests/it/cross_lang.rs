//! Cross-language search over the sample library: a query in one language finds, through the
//! glossary, a document that exists only in another, and only when `cross_lang` is on.

use serde_json::Value;

use crate::support::{assert_problem, encode, get, hit_ids, sample_router};

async fn search(query: &str, cross_lang: &str) -> Value {
    let uri = format!("/api/v1/search?q={}&cross_lang={cross_lang}&per_page=100", encode(query));
    let answer = get(&sample_router(), &uri).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    answer.json
}

/// The Hub's English webinar summary on reimbursement: it says "reimbursement", never
/// "refundacja" or "возмещение".
const ENGLISH_REIMBURSEMENT: &str = "events/mhealth-hub-talk-reimbursement-webinar-2023.html";
/// The Polish news item on AOTMiT's assessment of apps, which says "refundacja".
const POLISH_REIMBURSEMENT: &str = "news/pl-ocena-technologii-aplikacje-aotmit-2024.html";

fn lang_of<'a>(json: &'a Value, id: &str) -> &'a str {
    let hit = json["hits"].as_array().unwrap().iter().find(|h| h["id"] == id).expect("hit");
    hit["lang"].as_str().unwrap()
}

#[tokio::test]
async fn a_polish_query_finds_the_english_report_only_with_cross_lang() {
    let off = search("refundacja", "false").await;
    let ids = hit_ids(&off);
    assert!(ids.iter().any(|id| id == POLISH_REIMBURSEMENT), "{ids:?}");
    assert!(!ids.iter().any(|id| id == ENGLISH_REIMBURSEMENT), "{ids:?}");

    let on = search("refundacja", "true").await;
    let ids = hit_ids(&on);
    assert!(ids.iter().any(|id| id == ENGLISH_REIMBURSEMENT), "{ids:?}");
    assert_eq!(lang_of(&on, ENGLISH_REIMBURSEMENT), "en");
    // The document in the query's own language that has the word itself stays first.
    assert_eq!(ids[0], POLISH_REIMBURSEMENT, "{ids:?}");
    assert!(on["total"].as_u64() > off["total"].as_u64());
}

#[tokio::test]
async fn a_russian_inflected_phrase_finds_english_documents() {
    let off = search("возмещения расходов", "false").await;
    assert!(!hit_ids(&off).iter().any(|id| id == ENGLISH_REIMBURSEMENT), "{off}");
    let on = search("возмещения расходов", "true").await;
    let ids = hit_ids(&on);
    assert!(ids.iter().any(|id| id == ENGLISH_REIMBURSEMENT), "{ids:?}");
    // Snippets mark the translation that matched.
    let hit = on["hits"].as_array().unwrap().iter().find(|h| h["id"] == ENGLISH_REIMBURSEMENT).unwrap();
    assert!(hit["snippet"].as_str().unwrap().to_lowercase().contains("<mark>reimbursement"), "{hit}");
}

#[tokio::test]
async fn cross_lang_is_off_by_default_and_refuses_other_values() {
    let router = sample_router();
    let default = get(&router, "/api/v1/search?q=refundacja&per_page=100").await;
    assert_eq!(hit_ids(&default.json), hit_ids(&search("refundacja", "false").await));
    for bad in ["yes", "on", "2"] {
        let answer = get(&router, &format!("/api/v1/search?q=refundacja&cross_lang={bad}")).await;
        assert_problem(&answer, 400, "cross_lang");
    }
}

#[test]
fn the_glossary_concepts_named_like_topics_are_topics_of_the_taxonomy() {
    let taxonomy = include_str!("../../ingest/data/taxonomy.toml");
    let slugs: Vec<&str> =
        taxonomy.lines().filter_map(|l| l.strip_prefix("slug = \"").and_then(|rest| rest.strip_suffix('"'))).collect();
    assert!(slugs.len() > 30);
    let glossary = include_str!("../../index/data/glossary.tsv");
    let mut topics = 0;
    for id in glossary.lines().filter(|l| !l.starts_with('#')).filter_map(|l| l.split('\t').next()) {
        if id.contains('/') {
            assert!(slugs.contains(&id), "glossary concept {id} is not a taxonomy slug");
        }
        topics += usize::from(slugs.contains(&id));
    }
    // Lines, not concepts: 29 languages per concept.
    assert!(topics >= 30 * 26, "{topics}");
}
