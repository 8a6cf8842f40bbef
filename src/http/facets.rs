//! `GET /api/v1/facets`: every value of every facet, with its count over the whole library and
//! its label in the UI language, for building filter menus before any search.

use axum::Json;
use axum::extract::{RawQuery, State};
use index::FacetKind;
use serde::Serialize;

use crate::http::problem::Problem;
use crate::labels::FacetLabels;
use crate::search_params::{FacetValueJson, FacetsJson, ui_lang_from_query_string};
use crate::state::AppState;

/// The listing.
#[derive(Debug, Serialize)]
pub struct FacetListing {
    /// Language of the labels.
    pub ui_lang: String,
    /// Number of documents in the index.
    pub total: u64,
    /// Every facet's values. Topics list the whole taxonomy in its order (parents before
    /// children, `parent` set on children) and countries the whole gazetteer, with count 0
    /// where the library has nothing yet; languages, formats and years list what is indexed.
    pub facets: FacetsJson,
}

/// Lists every facet value with its count and label.
pub async fn facets(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Json<FacetListing>, Problem> {
    let ui_lang = ui_lang_from_query_string(raw.as_deref().unwrap_or(""))?;
    let index_state = state.clone();
    let (counts, total) = tokio::task::spawn_blocking(move || {
        index_state.index().all_facets().map(|facets| (facets, index_state.index().num_docs()))
    })
    .await
    .map_err(|err| Problem::internal(&err))?
    .map_err(|err| Problem::internal(&err))?;
    let labels = FacetLabels::new(state.processor());
    let count =
        |kind: FacetKind, value: &str| counts.get(kind).iter().find(|c| c.value == value).map_or(0, |c| c.count);
    let indexed = |kind: FacetKind| -> Vec<FacetValueJson> {
        counts.get(kind).iter().map(|c| FacetValueJson::new(kind, &c.value, c.count, &ui_lang, &labels)).collect()
    };
    let topic = state
        .processor()
        .taxonomy()
        .topics()
        .iter()
        .map(|t| FacetValueJson::new(FacetKind::Topic, &t.slug, count(FacetKind::Topic, &t.slug), &ui_lang, &labels))
        .collect();
    let mut country: Vec<FacetValueJson> = state
        .processor()
        .gazetteer()
        .codes()
        .iter()
        .map(|code| FacetValueJson::new(FacetKind::Country, code, count(FacetKind::Country, code), &ui_lang, &labels))
        .collect();
    country.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
    let facets = FacetsJson {
        topic,
        country,
        lang: indexed(FacetKind::Lang),
        kind: indexed(FacetKind::Kind),
        year: indexed(FacetKind::Year),
    };
    Ok(Json(FacetListing { ui_lang, total, facets }))
}
