//! Query syntax, typo tolerance, AND-first ranking, suggestions and "did you mean" over the
//! sample library, through the real router.

use serde_json::Value;

use crate::support::{encode, get, hit_ids, sample_router};

async fn search(query: &str) -> Value {
    let answer = get(&sample_router(), &format!("/api/v1/search?q={}&per_page=50", encode(query))).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    answer.json
}

const DIGA: &str = "policy/de-diga-fast-track-overview-2022.pdf";
const KARDIOLINK: &str = "evidence/pl-heart-failure-telemonitoring-outcomes-2024.pdf";

#[tokio::test]
async fn typos_still_find_the_document_below_exact_matches_and_are_highlighted() {
    let exact = search("Kardiolink").await;
    let typo = search("Kardiolnik").await;
    assert_eq!(hit_ids(&typo).first().map(String::as_str), Some(KARDIOLINK), "{typo}");
    assert!(
        typo["hits"][0]["score"].as_f64() < exact["hits"][0]["score"].as_f64(),
        "a typo scores below the exact word"
    );
    let snippet = typo["hits"][0]["snippet"].as_str().unwrap();
    assert!(snippet.contains("<mark>Kardiolink</mark>"), "{snippet}");
    // Short words are not fuzzed: "DiGB" must not become "DiGA".
    assert!(!hit_ids(&search("DiGB").await).contains(&DIGA.to_owned()));
}

#[tokio::test]
async fn phrases_exclusions_and_title_scope() {
    let phrase = hit_ids(&search("\"Kardiolink Mazovia\"").await);
    assert_eq!(phrase, [KARDIOLINK]);
    assert!(hit_ids(&search("\"Mazovia Kardiolink\"").await).is_empty(), "word order matters in a phrase");

    let with = hit_ids(&search("telemonitoring").await);
    let without = hit_ids(&search("telemonitoring -Kardiolink").await);
    assert!(with.contains(&KARDIOLINK.to_owned()));
    assert!(!without.contains(&KARDIOLINK.to_owned()));
    assert_eq!(without.len(), with.len() - 1);

    let title_only = hit_ids(&search("title:DiGA").await);
    let anywhere = hit_ids(&search("DiGA").await);
    assert_eq!(title_only.first().map(String::as_str), Some(DIGA));
    assert!(title_only.len() < anywhere.len(), "title: narrows {title_only:?} vs {anywhere:?}");
}

#[tokio::test]
async fn documents_with_every_word_come_first_and_or_catches_the_rest() {
    let json = search("Kardiolink reimbursement").await;
    let ids = hit_ids(&json);
    assert!(ids.len() > 1, "no document has both words, so any word will do: {ids:?}");
    let strong = search("telemonitoring niewydolnością serca").await;
    assert_eq!(hit_ids(&strong).first().map(String::as_str), Some(KARDIOLINK));
}

#[tokio::test]
async fn the_last_word_completes_while_typing() {
    let partial = hit_ids(&search("Kardiol").await);
    assert_eq!(partial.first().map(String::as_str), Some(KARDIOLINK));
}

#[tokio::test]
async fn suggestions_complete_titles_and_words() {
    let router = sample_router();
    let answer = get(&router, "/api/v1/suggest?q=telemon").await;
    assert_eq!(answer.status, 200);
    let suggestions = answer.json["suggestions"].as_array().unwrap();
    assert!(!suggestions.is_empty());
    let title = suggestions.iter().find(|s| s["kind"] == "title").expect("a title completion");
    assert!(title["text"].as_str().unwrap().to_lowercase().contains("telemon"));
    assert!(title["id"].is_string());
    assert!(suggestions.iter().any(|s| s["kind"] == "query" && s["text"].as_str().unwrap().starts_with("telemonitor")));

    let bad = get(&router, "/api/v1/suggest?q=x&limit=1000").await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json["parameter"], "limit");
}

#[tokio::test]
async fn did_you_mean_appears_only_when_nothing_is_found() {
    let found = search("telemonitoring").await;
    assert!(found.get("did_you_mean").is_none());
    let nothing = search("zzqxv").await;
    assert_eq!(nothing["total"], 0);
    assert!(nothing.get("did_you_mean").is_none(), "nothing close either");
    // Two edits on a 7-letter word is beyond the typo tolerance of search but within "did you mean".
    let misspelt = search("Mazobja").await;
    assert_eq!(misspelt["total"], 0, "{misspelt}");
    assert_eq!(misspelt["did_you_mean"], "mazovia", "{misspelt}");
}
