//! `GET /api/v1/search` and friends over the sample library, through the real router.

use serde_json::Value;

use crate::support::{assert_problem, encode, get, hit_ids, index_library, sample_router, sample_state};

async fn search(query: &str) -> Value {
    let answer = get(&sample_router(), &format!("/api/v1/search?{query}")).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    answer.json
}

#[tokio::test]
async fn the_sample_library_is_indexed_without_failures() {
    let (state, report) = sample_state();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert!(report.seen >= 40, "{} documents", report.seen);
    assert_eq!(state.index().num_docs() as usize, report.seen);
    assert!(!report.skipped.is_empty(), "non-documents are skipped and counted");
}

#[tokio::test]
async fn queries_in_three_languages_find_the_expected_document_first() {
    for (query, expected) in [
        ("DiGA Erstattung", "policy/de-diga-fast-track-overview-2022.pdf"),
        ("telemonitorização DPOC", "evidence/pt-telemonitoring-copd-evaluation-2021.pdf"),
        ("телемедицина Казахстан", "reports/ru-kazakhstan-telemedicine-regulation-review-2020.pdf"),
        ("Mon espace santé", "guides/fr-mon-espace-sante-integration-guide-2023.pdf"),
    ] {
        let json = search(&format!("q={}", encode(query))).await;
        assert_eq!(hit_ids(&json).first().map(String::as_str), Some(expected), "{query}: {json}");
        assert_eq!(json["query"], query);
    }
}

#[tokio::test]
async fn diacritics_and_case_do_not_matter() {
    let with = hit_ids(&search(&format!("q={}&lang=es", encode("Evaluación coste efectividad"))).await);
    let without = hit_ids(&search("q=evaluacion+COSTE+efectividad&lang=es").await);
    assert_eq!(with, without);
    assert_eq!(with.first().map(String::as_str), Some("frameworks/es-cost-effectiveness-mhealth-framework-2020.pdf"));
    let unfiltered = hit_ids(&search("q=evaluacion+COSTE+efectividad").await);
    assert_eq!(unfiltered.first(), with.first());
}

#[tokio::test]
async fn text_only_inside_a_pdf_is_found() {
    let json = search("q=Kardiolink").await;
    assert_eq!(hit_ids(&json), ["evidence/pl-heart-failure-telemonitoring-outcomes-2024.pdf"]);
    assert_eq!(json["hits"][0]["kind"], "pdf");
    assert!(json["hits"][0]["snippet"].as_str().unwrap().contains("<mark>Kardiolink</mark>"), "{json}");
}

#[tokio::test]
async fn facet_filters_narrow_and_counts_add_up() {
    let all = search("").await;
    let total = all["total"].as_u64().unwrap();
    assert_eq!(total, sample_state().0.index().num_docs());
    let kind_sum: u64 = all["facets"]["kind"].as_array().unwrap().iter().map(|f| f["count"].as_u64().unwrap()).sum();
    let lang_sum: u64 = all["facets"]["lang"].as_array().unwrap().iter().map(|f| f["count"].as_u64().unwrap()).sum();
    assert_eq!(kind_sum, total, "every document has one kind");
    assert_eq!(lang_sum, total, "every document has one language");
    assert!(all["facets"]["lang"].as_array().unwrap().len() >= 8);

    // Each country filter returns exactly the number its facet count announced.
    let countries = all["facets"]["country"].as_array().unwrap();
    assert!(countries.len() >= 15, "{} countries", countries.len());
    for facet in countries.iter().take(5) {
        let code = facet["value"].as_str().unwrap();
        let filtered = search(&format!("country={code}&per_page=100")).await;
        assert_eq!(filtered["total"], facet["count"], "country {code}");
        for hit in filtered["hits"].as_array().unwrap() {
            assert!(hit["countries"].as_array().unwrap().iter().any(|c| c == code), "{hit}");
        }
        assert!(!facet["label"].as_str().unwrap().is_empty());
    }

    // OR within a facet, AND across facets.
    let (a, b) = (countries[0]["value"].as_str().unwrap(), countries[1]["value"].as_str().unwrap());
    let either = search(&format!("country={a}&country={b}")).await["total"].as_u64().unwrap();
    let count_a = countries[0]["count"].as_u64().unwrap();
    let count_b = countries[1]["count"].as_u64().unwrap();
    let both = search(&format!("country={a}&country={b}&kind=pdf")).await["total"].as_u64().unwrap();
    assert!(either >= count_a.max(count_b) && either <= count_a + count_b);
    assert!(both <= either);

    // A parent topic counts its whole subtree.
    let topics = all["facets"]["topic"].as_array().unwrap();
    let parent = topics.iter().find(|t| !t["value"].as_str().unwrap().contains('/')).unwrap();
    let parent_slug = parent["value"].as_str().unwrap();
    let filtered = search(&format!("topic={parent_slug}&per_page=100")).await;
    assert_eq!(filtered["total"], parent["count"]);
    for child in topics.iter().filter(|t| t["value"].as_str().unwrap().starts_with(&format!("{parent_slug}/"))) {
        assert!(child["count"].as_u64() <= parent["count"].as_u64());
    }
}

#[tokio::test]
async fn placeholder_search_lists_everything_newest_first() {
    let json = search("per_page=100").await;
    let dates: Vec<&str> = json["hits"].as_array().unwrap().iter().filter_map(|h| h["published"].as_str()).collect();
    assert!(dates.len() > 30);
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted);
}

#[tokio::test]
async fn pagination_pages_through_all_hits_once() {
    let query = "q=mhealth+health+salud+sante+gesundheit+zdrowie";
    let first = search(&format!("{query}&per_page=5")).await;
    let total = first["total"].as_u64().unwrap() as usize;
    assert!(total > 10);
    let mut seen = Vec::new();
    for page in 1..=total.div_ceil(5) {
        seen.extend(hit_ids(&search(&format!("{query}&per_page=5&page={page}")).await));
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), total);
    assert_eq!(seen.len(), total);
}

#[tokio::test]
async fn snippets_mark_matches_and_never_carry_document_markup() {
    let json = search("q=script+alert").await;
    let first = &json["hits"][0];
    assert_eq!(first["id"], "guides/en-secure-health-app-development-guide-2022.html");
    for hit in json["hits"].as_array().unwrap() {
        let snippet = hit["snippet"].as_str().unwrap();
        let without_marks = snippet.replace("<mark>", "").replace("</mark>", "");
        assert!(!without_marks.contains('<'), "unescaped markup in {snippet}");
    }
    let snippet = first["snippet"].as_str().unwrap();
    assert!(snippet.contains("<mark>"), "{snippet}");
    assert!(snippet.contains("&lt;"), "{snippet}");
}

#[tokio::test]
async fn a_script_in_a_document_is_escaped_in_its_snippet() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("hostile.html"),
        "<html><head><title>&lt;img src=x onerror=alert(1)&gt;</title></head><body><p>Telehealth &lt;script&gt;alert('x')&lt;/script&gt; evaluation.</p></body></html>",
    )
    .unwrap();
    let (state, report) = index_library(dir.path());
    assert!(report.failed.is_empty());
    let router = hubsearch::http::router(state);
    let answer = get(&router, "/api/v1/search?q=telehealth").await;
    let hit = &answer.json["hits"][0];
    let snippet = hit["snippet"].as_str().unwrap();
    assert!(
        snippet.starts_with("<mark>Telehealth</mark> &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; evaluation"),
        "{snippet}"
    );
    // The title is plain text in JSON; the page that shows it escapes it.
    assert_eq!(hit["title"], "<img src=x onerror=alert(1)>");
}

#[tokio::test]
async fn bad_parameters_are_400_problem_documents() {
    let router = sample_router();
    let long = "a".repeat(20_000);
    for (query, parameter) in [
        (format!("q={long}"), "q"),
        ("page=-1".to_owned(), "page"),
        ("per_page=100000".to_owned(), "per_page"),
        ("country=Spain".to_owned(), "country"),
        ("sort=magic".to_owned(), "sort"),
        ("q=a&q=b".to_owned(), "q"),
        ("contry=ES".to_owned(), "contry"),
    ] {
        let answer = get(&router, &format!("/api/v1/search?{query}")).await;
        assert_problem(&answer, 400, parameter);
    }
}

#[tokio::test]
async fn hostile_query_text_never_fails() {
    let router = sample_router();
    for query in ["\"unbalanced", "((", "-", "title:", "*", "AND OR NOT", "a~~~2", "\u{0}", "🙂", "'; DROP TABLE"] {
        let answer = get(&router, &format!("/api/v1/search?q={}", encode(query))).await;
        assert_eq!(answer.status, 200, "{query}: {}", answer.json);
    }
}

#[tokio::test]
async fn documents_are_looked_up_by_id_and_unknown_routes_are_problems() {
    let router = sample_router();
    let answer = get(&router, "/api/v1/documents/policy/de-diga-fast-track-overview-2022.pdf").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json["kind"], "pdf");
    assert_eq!(answer.json["lang"], "de");
    assert!(answer.json["pages"].as_u64().unwrap() >= 1);

    for path in [
        "/api/v1/documents/../../etc/passwd",
        "/api/v1/documents/%2e%2e%2fCargo.toml",
        "/api/v1/documents/nope.pdf",
        "/nope",
    ] {
        let answer = get(&router, path).await;
        assert_eq!(answer.status, 404, "{path}");
        assert_eq!(answer.content_type, "application/problem+json", "{path}");
    }
}

#[tokio::test]
async fn health_and_readiness() {
    let router = sample_router();
    assert_eq!(get(&router, "/healthz").await.status, 200);
    let ready = get(&router, "/readyz").await;
    assert_eq!(ready.status, 200);
    assert_eq!(ready.json["status"], "ready");
}
