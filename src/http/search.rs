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
    // The search waits its turn in the queue, then runs on an async worker (`search_queue` says
    // why not on a blocking thread).
    let search_state = state.clone();
    let request = params.request.clone();
    let (results, did_you_mean) = state
        .searches()
        .run(move || {
            let index = search_state.index();
            let results = index.search(&request)?;
            let did_you_mean = if results.total == 0 { index.did_you_mean(&request.query) } else { None };
            Ok::<_, index::IndexError>((results, did_you_mean))
        })
        .await
        .map_err(|err| Problem::internal(&err).into_response())?
        .map_err(|err| Problem::internal(&err).into_response())?;
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
