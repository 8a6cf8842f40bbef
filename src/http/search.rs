//! `GET /api/v1/search`.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};

use crate::http::problem::Problem;
use crate::labels::FacetLabels;
use crate::partners::{Partners, Refusal, restrict_facets};
use crate::search_params::{SearchParams, SearchResponse, route_query_language};
use crate::state::AppState;

/// Ranked, faceted search as the contract describes; a `key=` confines it to a partner's scope.
pub async fn search(
    State(state): State<AppState>,
    Extension(partners): Extension<Arc<Partners>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Json<SearchResponse>, Response> {
    let mut params = SearchParams::from_query_string(raw.as_deref().unwrap_or(""), &state.config().search)
        .map_err(|err| Problem::from(err).into_response())?;
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok());
    let partner = partners
        .admit(params.key.as_deref(), origin, &mut params.request, Instant::now())
        .map_err(refusal_response)?
        .cloned();
    let started = Instant::now();
    route_query_language(&mut params.request, state.processor().language_detector());
    // The search runs here, on the async worker that read the request, not on a blocking
    // thread: a search costs 0.3–1.6 ms of CPU, and handing each one to another thread and back
    // cost about 4.5 context switches and 0.1–0.2 ms of CPU per request. With the workers
    // searching, a request beyond one per core waits in the runtime's queue, as it waited for a
    // search slot before (BENCHMARKS.md, issue 10, ninth session: 15–35 % more searches/s).
    let index = state.index();
    let results = index.search(&params.request).map_err(|err| Problem::internal(&err).into_response())?;
    let did_you_mean = if results.total == 0 { index.did_you_mean(&params.request.query) } else { None };
    let took_ms = started.elapsed().as_millis() as u64;
    let labels = FacetLabels::new(state.processor());
    let mut response = SearchResponse::new(&params, results, took_ms, &labels);
    response.did_you_mean = did_you_mean;
    if let Some(partner) = &partner {
        restrict_facets(&mut response.facets, partner);
    }
    Ok(Json(response))
}

/// The problem document for a refused keyed request.
fn refusal_response(refusal: Refusal) -> Response {
    let unauthorized = |detail: &str| {
        let mut problem = Problem::new(StatusCode::UNAUTHORIZED, "invalid-key", "Invalid key", detail);
        problem.parameter = Some("key".to_owned());
        problem.into_response()
    };
    match refusal {
        Refusal::UnknownKey => unauthorized("no partner has this key"),
        Refusal::Revoked => unauthorized("this key has been revoked"),
        Refusal::OriginNotAllowed(origin) => Problem::new(
            StatusCode::FORBIDDEN,
            "origin-not-allowed",
            "Origin not allowed",
            format!("this key may not be used by pages on {origin}"),
        )
        .into_response(),
        Refusal::OutOfScope(err) => {
            let mut problem =
                Problem::new(StatusCode::FORBIDDEN, "out-of-scope", "Outside the key's scope", err.detail);
            problem.parameter = Some(err.parameter);
            problem.into_response()
        }
        Refusal::RateLimited(seconds) => {
            let mut response = Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                "Too many requests",
                format!("this key has used its searches for now; retry in {seconds} s"),
            )
            .into_response();
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            response
        }
    }
}
