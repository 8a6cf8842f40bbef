//! `GET /metrics` (Prometheus text format) and the middleware that counts every HTTP answer by
//! route template, status and latency.

use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::metrics;
use crate::state::AppState;

/// The route template a path falls under. A fixed set, so a client cannot create series by
/// inventing paths, and ids (which could be anything) never become label values.
pub fn route_label(path: &str) -> &'static str {
    match path {
        "/" => "/",
        "/api/v1/search" => "/api/v1/search",
        "/api/v1/suggest" => "/api/v1/suggest",
        "/api/v1/openapi.json" => "/api/v1/openapi.json",
        "/api/v1/admin/reingest" => "/api/v1/admin/reingest",
        "/admin" => "/admin",
        "/widget.js" => "/widget.js",
        "/hub.css" => "/hub.css",
        "/healthz" => "/healthz",
        "/readyz" => "/readyz",
        "/metrics" => "/metrics",
        _ if path.starts_with("/api/v1/documents/") => "/api/v1/documents/{id}",
        _ if path.starts_with("/api/v1/admin/jobs/") => "/api/v1/admin/jobs/{id}",
        _ if path.starts_with("/widget.") && path.ends_with(".js") => "/widget.{hash}.js",
        _ => "other",
    }
}

/// Middleware: counts the answer to every request, whatever layer produced it.
pub async fn record(request: Request, next: Next) -> Response {
    let route = route_label(request.uri().path());
    let started = Instant::now();
    let response = next.run(request).await;
    metrics::global().record_request(route, response.status().as_u16(), started.elapsed());
    response
}

/// `GET /metrics`.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let text = metrics::global().render(state.index().num_docs());
    ([(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"))], text)
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_fall_under_a_fixed_set_of_routes() {
        assert_eq!(route_label("/api/v1/documents/policy/x.pdf"), "/api/v1/documents/{id}");
        assert_eq!(route_label("/widget.0123456789abcdef.js"), "/widget.{hash}.js");
        assert_eq!(route_label("/api/v1/admin/jobs/7"), "/api/v1/admin/jobs/{id}");
        assert_eq!(route_label("/api/v1/search"), "/api/v1/search");
        assert_eq!(route_label("/../../etc/passwd"), "other");
        assert_eq!(route_label("/api/v1/search/"), "other");
    }
}
