//! The layers that keep the service standing on the open internet: load shedding and request
//! timeouts, per-client search rate limits, security headers, and problem documents for every
//! error answer (including the framework's own rejections).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::http::listener::PeerAddr;
use crate::http::problem::Problem;
use crate::http::widget::PAGE_CSP;
use crate::rate_limit::{ClientRateLimiter, client_address};

/// Seconds a shed client is told to wait before trying again.
const OVERLOAD_RETRY_SECS: u64 = 1;

/// Probes and metrics stay answerable when the service is saturated, so that an orchestrator
/// does not restart a busy (but healthy) process and the overload stays visible.
fn exempt_from_shedding(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics")
}

/// A bound on requests in flight and on the time each may take.
#[derive(Debug, Clone)]
pub struct RequestGuard {
    permits: Arc<Semaphore>,
    timeout: Duration,
}

impl RequestGuard {
    /// At most `max_in_flight` requests at once, each answered within `timeout`.
    pub fn new(max_in_flight: usize, timeout: Duration) -> Self {
        RequestGuard { permits: Arc::new(Semaphore::new(max_in_flight.max(1))), timeout }
    }
}

/// Middleware: a request beyond the concurrency limit is answered at once with 503 and
/// `Retry-After` (queueing it would only grow latency and memory until everything times out);
/// a request that takes longer than the timeout is answered with a 503 problem.
pub async fn guard(State(guard): State<RequestGuard>, request: Request, next: Next) -> Response {
    let _permit = if exempt_from_shedding(request.uri().path()) {
        None
    } else {
        match guard.permits.clone().try_acquire_owned() {
            Ok(permit) => Some(permit),
            Err(_) => {
                let problem = Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "overloaded",
                    "Service overloaded",
                    format!("too many requests are in progress; retry in {OVERLOAD_RETRY_SECS} s"),
                );
                return with_retry_after(problem.into_response(), OVERLOAD_RETRY_SECS);
            }
        }
    };
    match tokio::time::timeout(guard.timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(timeout_secs = guard.timeout.as_secs_f64(), "request timed out");
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                "Request timed out",
                format!("the request took longer than {} s", guard.timeout.as_secs_f64()),
            )
            .into_response()
        }
    }
}

/// The per-client search limit and how to find the client behind a proxy.
#[derive(Debug, Clone)]
pub struct SearchRateLimit {
    limiter: Arc<ClientRateLimiter>,
    trusted_proxies: Arc<[IpAddr]>,
}

impl SearchRateLimit {
    /// `per_minute` searches per client (0: off); `X-Forwarded-For` is believed only from
    /// `trusted_proxies`.
    pub fn new(per_minute: u32, trusted_proxies: &[IpAddr]) -> Self {
        SearchRateLimit {
            limiter: Arc::new(ClientRateLimiter::new(per_minute)),
            trusted_proxies: trusted_proxies.into(),
        }
    }
}

/// Middleware on the search route: 429 with `Retry-After` once a client has used its searches.
/// A request with no known peer (only in-process tests) counts as one anonymous client.
pub async fn rate_limit(State(limit): State<SearchRateLimit>, request: Request, next: Next) -> Response {
    if !limit.limiter.is_enabled() {
        return next.run(request).await;
    }
    let extensions = request.extensions();
    let peer = extensions
        .get::<ConnectInfo<PeerAddr>>()
        .map(|ConnectInfo(PeerAddr(address))| address.ip())
        .or_else(|| extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(address)| address.ip()))
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let client = client_address(peer, request.headers(), &limit.trusted_proxies);
    match limit.limiter.check(client, Instant::now()) {
        Ok(()) => next.run(request).await,
        Err(seconds) => {
            let problem = Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                "Too many requests",
                format!("this client has used its searches for now; retry in {seconds} s"),
            );
            with_retry_after(problem.into_response(), seconds)
        }
    }
}

fn with_retry_after(mut response: Response, seconds: u64) -> Response {
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

/// Middleware: `nosniff` and a referrer policy on every answer, and on HTML answers a strict
/// Content-Security-Policy (the search page's, which allows no inline script or style) unless
/// the handler chose its own, and a refusal to be framed.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if !headers.contains_key(header::REFERRER_POLICY) {
        headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    }
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/html"));
    if is_html {
        if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
            headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PAGE_CSP));
        }
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    response
}

/// Largest framework error message carried over into a problem's detail.
const MAX_DETAIL_BYTES: usize = 2048;

/// Middleware: an error answer in plain text or without a body (a rejection from an
/// extractor, the body limit's 413) becomes a problem document, keeping its status and headers and using its
/// text as the detail.
pub async fn problems_for_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    // Only bodies meant for no one in particular (none, or plain text from the framework) are
    // rewritten: a handler's JSON answer (such as `/readyz`'s 503) is its contract.
    let is_plain = response.headers().get(header::CONTENT_TYPE).is_none_or(|v| v.as_bytes().starts_with(b"text/plain"));
    if !(status.is_client_error() || status.is_server_error()) || !is_plain {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, MAX_DETAIL_BYTES).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text).trim().to_owned();
    let title = status.canonical_reason().unwrap_or("Error");
    let detail = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "the request body is larger than this service accepts".to_owned(),
        _ if text.is_empty() => title.to_owned(),
        _ => text,
    };
    let code: String =
        title.to_ascii_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    let problem = Problem::new(status, &code, title, detail).into_response();
    let (problem_parts, problem_body) = problem.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in &problem_parts.headers {
        parts.headers.insert(name, value.clone());
    }
    Response::from_parts(parts, Body::new(problem_body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::middleware::{from_fn, from_fn_with_state};
    use axum::routing::get;
    use http_body_util::BodyExt;
    use serde_json::Value;
    use tower::ServiceExt;

    async fn send(router: &Router, uri: &str) -> (StatusCode, axum::http::HeaderMap, Value) {
        let response = router.clone().oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.unwrap().to_bytes();
        (parts.status, parts.headers, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    #[tokio::test]
    async fn a_slow_request_is_answered_with_a_timeout_problem() {
        let router = Router::new()
            .route("/slow", get(|| async { tokio::time::sleep(Duration::from_secs(30)).await }))
            .route("/fast", get(|| async { "ok" }))
            .layer(from_fn_with_state(RequestGuard::new(8, Duration::from_millis(50)), guard));
        let (status, headers, json) = send(&router, "/slow").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
        assert_eq!(json["type"], "urn:hubsearch:problem:timeout");
        assert_eq!(send(&router, "/fast").await.0, StatusCode::OK);
    }

    #[tokio::test]
    async fn requests_beyond_the_limit_are_shed_with_retry_after_and_probes_still_answer() {
        let gate = Arc::new(tokio::sync::Semaphore::new(0));
        let entered = Arc::new(tokio::sync::Semaphore::new(0));
        let (g, e) = (gate.clone(), entered.clone());
        let router = Router::new()
            .route(
                "/work",
                get(move || {
                    let (gate, entered) = (g.clone(), e.clone());
                    async move {
                        entered.add_permits(1);
                        let _ = gate.acquire().await.unwrap();
                        "done"
                    }
                }),
            )
            .route("/healthz", get(|| async { "ok" }))
            .layer(from_fn_with_state(RequestGuard::new(2, Duration::from_secs(30)), guard));
        let busy: Vec<_> = (0..2)
            .map(|_| {
                let router = router.clone();
                tokio::spawn(async move { send(&router, "/work").await.0 })
            })
            .collect();
        let _both_in = entered.acquire_many(2).await.unwrap();

        let (status, headers, json) = send(&router, "/work").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(headers[header::RETRY_AFTER], "1");
        assert_eq!(json["type"], "urn:hubsearch:problem:overloaded");
        assert_eq!(send(&router, "/healthz").await.0, StatusCode::OK, "probes are not shed");

        gate.add_permits(2);
        for task in busy {
            assert_eq!(task.await.unwrap(), StatusCode::OK, "requests in flight finish");
        }
        gate.add_permits(1);
        assert_eq!(send(&router, "/work").await.0, StatusCode::OK, "capacity comes back");
    }

    #[tokio::test]
    async fn framework_errors_become_problem_documents_and_html_gets_a_policy() {
        let router = Router::new()
            .route("/page", get(|| async { axum::response::Html("<p>hi</p>") }))
            .route("/teapot", get(|| async { (StatusCode::IM_A_TEAPOT, "short and stout") }))
            .route(
                "/not-ready",
                get(|| async {
                    (StatusCode::SERVICE_UNAVAILABLE, axum::Json(serde_json::json!({"status": "ingesting"})))
                }),
            )
            .layer(from_fn(problems_for_errors))
            .layer(from_fn(security_headers));
        let (status, headers, json) = send(&router, "/teapot").await;
        assert_eq!(status, StatusCode::IM_A_TEAPOT);
        assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
        assert_eq!(json["detail"], "short and stout");
        assert_eq!(json["status"], 418);
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(!headers.contains_key(header::CONTENT_SECURITY_POLICY), "not HTML");

        let (status, headers, json) = send(&router, "/not-ready").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(headers[header::CONTENT_TYPE], "application/json", "a handler's own JSON is kept");
        assert_eq!(json["status"], "ingesting");

        let (status, headers, _) = send(&router, "/page").await;
        assert_eq!(status, StatusCode::OK);
        let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
    }
}
