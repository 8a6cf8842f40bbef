//! The HTTP API: routes, and the layers every request goes through.

pub mod admin;
mod documents;
mod facets;
pub mod guard;
mod health;
pub mod listener;
pub mod metrics;
pub mod problem;
mod search;
mod suggest;
pub mod widget;

use std::sync::Arc;
use std::time::Duration;

use axum::http::{Method, StatusCode, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use axum::{Extension, Router};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::classify::ServerErrorsFailureClass;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

use crate::http::guard::{RequestGuard, SearchRateLimit};
use crate::http::problem::Problem;
use crate::partners::Partners;
use crate::state::AppState;

/// The service's router over `state`.
pub fn router(state: AppState) -> Router {
    let http = state.config().http.clone();
    let search_limit = SearchRateLimit::new(state.config().rate_limit_per_minute, &http.trusted_proxies);
    let request_guard = RequestGuard::new(http.max_concurrent_requests, Duration::from_secs(http.request_timeout_secs));
    let partners = Arc::new(Partners::new(&state.config().partners));
    let cors = CorsLayer::new().allow_methods([Method::GET]).expose_headers([header::RETRY_AFTER]);
    let cors = if partners.is_empty() {
        // Public search data is read-only: with no partners, any origin may read it.
        cors.allow_origin(Any)
    } else {
        let partners = partners.clone();
        cors.allow_origin(AllowOrigin::predicate(move |origin, parts| {
            let key = parts.uri.query().and_then(query_key);
            origin.to_str().is_ok_and(|origin| partners.cors_allows(origin, key.as_deref()))
        }))
    };
    Router::new()
        .route("/api/v1/search", get(search::search).layer(from_fn_with_state(search_limit, guard::rate_limit)))
        .route("/api/v1/suggest", get(suggest::suggest))
        .route("/api/v1/facets", get(facets::facets))
        .route("/api/v1/documents/{*id}", get(documents::document))
        .route("/api/v1/admin/reingest", post(admin::reingest))
        .route("/api/v1/admin/jobs", get(admin::jobs))
        .route("/api/v1/admin/jobs/{id}", get(admin::job))
        .route("/api/v1/admin/jobs/{id}/events", get(admin::events))
        .route("/admin", get(admin::page))
        .route("/admin/admin.js", get(admin::script))
        .route("/admin/admin.css", get(admin::style))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::metrics))
        .merge(widget::routes())
        .fallback(|| async { Problem::not_found("no such resource") })
        .method_not_allowed_fallback(|| async {
            Problem::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
                "this resource does not accept that method",
            )
        })
        .with_state(state)
        .layer(Extension(partners))
        .layer(RequestBodyLimitLayer::new(http.max_body_bytes))
        .layer(from_fn_with_state(request_guard, guard::guard))
        // Outside the guard, so that a shed or timed-out answer is readable by partner pages.
        .layer(cors)
        .layer(from_fn(guard::problems_for_errors))
        .layer(CatchPanicLayer::custom(problem::panic_response))
        .layer(from_fn(guard::security_headers))
        .layer(from_fn(metrics::record))
        .layer(TraceLayer::new_for_http().on_failure(log_failure))
}

/// Logs a server-side failure. A 503 is the service answering as designed (`/readyz` before the
/// start-up ingestion has finished, a search shed under overload, which `/metrics` counts), so
/// it is logged at debug rather than as an error on every poll of an orchestrator.
fn log_failure(class: ServerErrorsFailureClass, latency: std::time::Duration, _span: &tracing::Span) {
    match class {
        ServerErrorsFailureClass::StatusCode(StatusCode::SERVICE_UNAVAILABLE) => {
            tracing::debug!(latency_ms = latency.as_millis() as u64, "service unavailable (503)");
        }
        other => tracing::error!(classification = %other, latency_ms = latency.as_millis() as u64, "response failed"),
    }
}

/// The `key=` of a raw query string, if any.
fn query_key(query: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).ok()?;
    pairs.into_iter().find(|(name, _)| name == "key").map(|(_, value)| value)
}
