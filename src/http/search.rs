//! `GET /api/v1/search`.

use std::time::Instant;

use axum::Json;
use axum::extract::{RawQuery, State};

use crate::http::problem::Problem;
use crate::labels::FacetLabels;
use crate::search_params::{SearchParams, SearchResponse};
use crate::state::AppState;

/// Ranked, faceted search as the contract describes.
pub async fn search(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Json<SearchResponse>, Problem> {
    let params = SearchParams::from_query_string(raw.as_deref().unwrap_or(""), &state.config().search)?;
    let started = Instant::now();
    let request = params.request.clone();
    let search_state = state.clone();
    // tantivy is synchronous: keep it off the async workers.
    let results = tokio::task::spawn_blocking(move || search_state.index().search(&request))
        .await
        .map_err(|err| Problem::internal(&err))?
        .map_err(|err| Problem::internal(&err))?;
    let took_ms = started.elapsed().as_millis() as u64;
    let labels = FacetLabels::new(state.processor());
    Ok(Json(SearchResponse::new(&params, results, took_ms, &labels)))
}
