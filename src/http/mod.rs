//! The HTTP API: routes, and the layers every request goes through.

pub mod admin;
mod documents;
mod health;
pub mod problem;
mod search;

use std::time::Duration;

use axum::Router;
use axum::http::{Method, StatusCode};
use axum::routing::{get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::http::problem::Problem;
use crate::state::AppState;

/// The service's router over `state`.
pub fn router(state: AppState) -> Router {
    let http = state.config().http.clone();
    // Public search data is read-only: any origin may read it from a browser.
    let cors = CorsLayer::new().allow_methods([Method::GET]).allow_origin(Any);
    Router::new()
        .route("/api/v1/search", get(search::search))
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
        .layer(cors)
        .layer(RequestBodyLimitLayer::new(http.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(http.request_timeout_secs),
        ))
        .layer(CatchPanicLayer::custom(problem::panic_response))
        .layer(TraceLayer::new_for_http())
}
