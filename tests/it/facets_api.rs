//! Facets over the sample library: disjunctive counts for multi-select, the topic tree, labels in
//! the UI language, and `GET /api/v1/facets`.

use serde_json::Value;

use crate::support::{assert_problem, get, sample_router, sample_state};

async fn fetch(uri: &str) -> Value {
    let answer = get(&sample_router(), uri).await;
    assert_eq!(answer.status, 200, "{uri}: {}", answer.json);
    answer.json
}

fn count(json: &Value, facet: &str, value: &str) -> u64 {
    json["facets"][facet]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["value"] == value)
        .map_or(0, |f| f["count"].as_u64().unwrap())
}

fn entry<'a>(json: &'a Value, facet: &str, value: &str) -> &'a Value {
    json["facets"][facet].as_array().unwrap().iter().find(|f| f["value"] == value).unwrap_or_else(|| panic!("{value}"))
}

#[tokio::test]
async fn choosing_a_country_does_not_zero_out_the_others() {
    let all = fetch("/api/v1/search").await;
    let spain = fetch("/api/v1/search?country=ES&per_page=100").await;
    assert_eq!(spain["total"].as_u64().unwrap(), count(&all, "country", "ES"));
    // The country facet ignores the country filter: every count is the unfiltered one.
    assert_eq!(spain["facets"]["country"], all["facets"]["country"]);
    assert!(count(&spain, "country", "PT") > 0);
    // Adding Portugal widens the result by what the PT count promised, less the overlap.
    let both = fetch("/api/v1/search?country=ES&country=PT&per_page=100").await;
    let overlap = spain["hits"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["countries"].as_array().unwrap().contains(&"PT".into()))
        .count() as u64;
    assert_eq!(both["total"].as_u64().unwrap(), count(&all, "country", "ES") + count(&all, "country", "PT") - overlap);
    // Other facets count the filtered result.
    let kinds: u64 = spain["facets"]["kind"].as_array().unwrap().iter().map(|f| f["count"].as_u64().unwrap()).sum();
    assert_eq!(kinds, spain["total"].as_u64().unwrap());
    // The country counts do honour the filters of other facets.
    let pdf_spain = fetch("/api/v1/search?country=ES&kind=pdf").await;
    let pdfs = fetch("/api/v1/search?kind=pdf").await;
    assert_eq!(pdf_spain["facets"]["country"], pdfs["facets"]["country"]);
    assert_eq!(pdf_spain["facets"]["kind"], spain["facets"]["kind"]);
}

#[tokio::test]
async fn the_topic_facet_is_a_tree_with_counts_at_each_level() {
    let all = fetch("/api/v1/search").await;
    let topics = all["facets"]["topic"].as_array().unwrap();
    let children: Vec<&Value> = topics.iter().filter(|t| t["value"].as_str().unwrap().contains('/')).collect();
    assert!(!children.is_empty() && children.len() < topics.len(), "parents and children: {topics:?}");
    for child in children {
        let parent = child["parent"].as_str().unwrap();
        assert_eq!(Some(parent), child["value"].as_str().unwrap().rsplit_once('/').map(|(p, _)| p));
        assert!(count(&all, "topic", parent) >= child["count"].as_u64().unwrap(), "{child}");
    }
    // Choosing a child keeps its siblings' counts (disjunctive) and the parent's filter its subtree.
    let chosen = fetch("/api/v1/search?topic=reimbursement/schemes").await;
    assert_eq!(chosen["facets"]["topic"], all["facets"]["topic"]);
    assert_eq!(chosen["total"].as_u64().unwrap(), count(&all, "topic", "reimbursement/schemes"));
}

#[tokio::test]
async fn labels_follow_the_ui_language() {
    let de = fetch("/api/v1/search?ui_lang=de").await;
    assert_eq!(entry(&de, "country", "ES")["label"], "Spanien");
    assert_eq!(entry(&de, "topic", "reimbursement")["label"], "Erstattung und Anreize");
    assert_eq!(entry(&de, "lang", "fr")["label"], "Französisch");
    let ru = fetch("/api/v1/search?ui_lang=ru").await;
    assert_eq!(entry(&ru, "country", "DE")["label"], "Германия");
    // A language without translations falls back to English.
    let xx = fetch("/api/v1/search?ui_lang=zz").await;
    assert_eq!(entry(&xx, "country", "ES")["label"], "Spain");
    assert_eq!(entry(&xx, "lang", "fr")["label"], "French");
}

#[tokio::test]
async fn the_facet_listing_has_every_value_with_counts_and_labels() {
    let listing = fetch("/api/v1/facets?ui_lang=fr").await;
    let all = fetch("/api/v1/search").await;
    let processor = sample_state().0.processor();
    assert_eq!(listing["ui_lang"], "fr");
    assert_eq!(listing["total"], all["total"]);
    // The whole taxonomy, in order, with the search's counts (0 where nothing matches).
    let topics = listing["facets"]["topic"].as_array().unwrap();
    let slugs: Vec<&str> = topics.iter().map(|t| t["value"].as_str().unwrap()).collect();
    let taxonomy: Vec<&str> = processor.taxonomy().topics().iter().map(|t| t.slug.as_str()).collect();
    assert_eq!(slugs, taxonomy);
    for topic in topics {
        let slug = topic["value"].as_str().unwrap();
        assert_eq!(topic["count"].as_u64().unwrap(), count(&all, "topic", slug), "{slug}");
        assert_eq!(topic["label"], processor.taxonomy().label(slug, "fr").unwrap());
    }
    // Every country of the gazetteer, French labels.
    let countries = listing["facets"]["country"].as_array().unwrap();
    assert_eq!(countries.len(), 54);
    assert_eq!(entry(&listing, "country", "DE")["label"], "Allemagne");
    for country in countries {
        let code = country["value"].as_str().unwrap();
        assert_eq!(country["count"].as_u64().unwrap(), count(&all, "country", code), "{code}");
    }
    let all_fr = fetch("/api/v1/search?ui_lang=fr").await;
    for facet in ["lang", "kind", "year"] {
        assert_eq!(listing["facets"][facet], all_fr["facets"][facet], "{facet}");
    }
    assert_eq!(entry(&listing, "lang", "de")["label"], "Allemand");
    let router = sample_router();
    assert_problem(&get(&router, "/api/v1/facets?ui_lang=french").await, 400, "ui_lang");
    assert_problem(&get(&router, "/api/v1/facets?q=x").await, 400, "q");
}
