//! Hostile and heavy input through the real router: rate limits per client, traversal attempts
//! on every route that takes a path or an id, oversized input, security headers, `/metrics`,
//! and an index that cannot be written while the previous one keeps serving.

use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use hubsearch::config::Config;
use hubsearch::state::AppState;
use hubsearch::sync::LibrarySync;
use index::SearchIndex;
use ingest::DocumentProcessor;
use tower::ServiceExt;

use crate::support::{encode, get, index_with_config, sample_router, sample_state, write_fixture_library};

/// A raw answer: status, headers and body text.
struct Raw {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

async fn send(router: &Router, request: Request<Body>) -> Raw {
    let response = router.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    Raw { status: parts.status, headers: parts.headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

/// `GET uri` as if from `peer`, with an optional `X-Forwarded-For`.
fn from_peer(uri: &str, peer: &str, forwarded_for: Option<&str>) -> Request<Body> {
    let mut request = Request::get(uri);
    if let Some(value) = forwarded_for {
        request = request.header("x-forwarded-for", value);
    }
    let mut request = request.body(Body::empty()).unwrap();
    let peer: SocketAddr = format!("{peer}:40000").parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    request
}

fn fixture_router(config: Config) -> (Router, tempfile::TempDir) {
    let library = tempfile::tempdir().unwrap();
    write_fixture_library(library.path(), "https://example.org");
    let (state, _) = index_with_config(Config { library: library.path().to_path_buf(), ..config });
    (hubsearch::http::router(state), library)
}

#[tokio::test]
async fn searches_are_rate_limited_per_client_with_a_problem_and_retry_after() {
    let (router, _library) = fixture_router(Config { rate_limit_per_minute: 3, ..Config::default() });
    for _ in 0..3 {
        assert_eq!(send(&router, from_peer("/api/v1/search?q=telemonitoring", "192.0.2.1", None)).await.status, 200);
    }
    let refused = send(&router, from_peer("/api/v1/search?q=telemonitoring", "192.0.2.1", None)).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.headers[header::CONTENT_TYPE], "application/problem+json");
    assert_eq!(refused.headers[header::RETRY_AFTER], "20", "3 a minute: one every 20 s");
    assert!(refused.body.contains("urn:hubsearch:problem:rate-limited"), "{}", refused.body);

    assert_eq!(send(&router, from_peer("/api/v1/search", "192.0.2.2", None)).await.status, 200, "another client");
    assert_eq!(send(&router, from_peer("/healthz", "192.0.2.1", None)).await.status, 200, "only searches count");
    let spoofed = send(&router, from_peer("/api/v1/search", "192.0.2.1", Some("198.51.100.7"))).await;
    assert_eq!(spoofed.status, 429, "X-Forwarded-For from an untrusted peer is ignored");
}

#[tokio::test]
async fn behind_a_trusted_proxy_clients_are_told_apart_by_forwarded_for() {
    let mut config = Config { rate_limit_per_minute: 1, ..Config::default() };
    config.http.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    let (router, _library) = fixture_router(config);
    let via_proxy = |client: &str| from_peer("/api/v1/search?q=heart", "127.0.0.1", Some(client));
    assert_eq!(send(&router, via_proxy("203.0.113.1")).await.status, 200);
    assert_eq!(send(&router, via_proxy("203.0.113.2")).await.status, 200, "a different client behind the proxy");
    assert_eq!(send(&router, via_proxy("203.0.113.1")).await.status, 429);
    assert_eq!(
        send(&router, via_proxy("203.0.113.1, 203.0.113.3")).await.status,
        200,
        "the proxy's own entry (rightmost) is the client; what the client wrote to the left is not"
    );
}

#[tokio::test]
async fn zero_turns_the_client_limit_off() {
    let (router, _library) = fixture_router(Config { rate_limit_per_minute: 0, ..Config::default() });
    for _ in 0..50 {
        assert_eq!(send(&router, from_peer("/api/v1/search?q=heart", "192.0.2.1", None)).await.status, 200);
    }
}

/// Paths that try to leave the index (or the compiled-in assets) for the file system.
const TRAVERSALS: [&str; 16] = [
    "/api/v1/documents/../../../../etc/passwd",
    "/api/v1/documents/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/api/v1/documents/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/api/v1/documents/%2e%2e%2f%2e%2e%2fCargo.toml",
    "/api/v1/documents//etc/passwd",
    "/api/v1/documents/%2fetc%2fpasswd",
    "/api/v1/documents/..%5c..%5cCargo.toml",
    "/api/v1/documents/README.md%00.pdf",
    "/api/v1/documents/%00",
    "/api/v1/documents/policy/..%2f..%2fCargo.toml",
    "/widget.%2e%2e%2f%2e%2e%2fCargo.toml.js",
    "/widget.%2e%2e/%2e%2e/Cargo.toml.js",
    "/widget.js/../../Cargo.toml",
    "/widget.js%00",
    "/hub.css/..%2f..%2fCargo.toml",
    "/..%2f..%2f..%2fetc%2fpasswd",
];

#[tokio::test]
async fn traversal_attempts_find_nothing_and_never_fail_the_server() {
    let router = sample_router();
    for path in TRAVERSALS {
        let answer = send(&router, Request::get(path).body(Body::empty()).unwrap()).await;
        assert!(answer.status.is_client_error(), "{path}: {} {}", answer.status, answer.body);
        assert_eq!(answer.headers[header::CONTENT_TYPE], "application/problem+json", "{path}");
        assert!(!answer.body.contains("root:") && !answer.body.contains("[workspace]"), "{path}: {}", answer.body);
    }
    // Ids are keys: a real id answers, and the same id reached through `..` does not.
    let (state, _) = sample_state();
    let id = "policy/de-diga-fast-track-overview-2022.pdf";
    assert!(state.index().get(id).unwrap().is_some());
    assert_eq!(get(&router, &format!("/api/v1/documents/{id}")).await.status, 200);
    for path in [format!("/api/v1/documents/reports/../{id}"), format!("/api/v1/documents/{}", encode(id))] {
        let answer = get(&router, &path).await;
        assert!(answer.status == 404 || answer.status == 200, "{path}: {}", answer.status);
        if answer.status == 200 {
            assert_eq!(answer.json["id"], id, "{path} can only ever name an indexed document");
        }
    }
    // Traversal text in parameters is just text.
    for query in ["q=..%2f..%2fetc%2fpasswd", "q=%2Fetc%2Fpasswd%00", "q=%00%00"] {
        assert_eq!(get(&router, &format!("/api/v1/search?{query}")).await.status, 200, "{query}");
    }
    let bad_key = get(&router, "/api/v1/search?key=..%2F..%2Fetc%2Fpasswd").await;
    assert_eq!(bad_key.status, 400, "{}", bad_key.json);
}

#[tokio::test]
async fn oversized_bodies_queries_and_pages_are_refused_with_problems() {
    let router = sample_router();
    let body = vec![b'x'; 100 * 1024];
    let request =
        Request::get("/api/v1/search?q=x").header(header::CONTENT_LENGTH, body.len()).body(Body::from(body)).unwrap();
    let answer = send(&router, request).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.headers[header::CONTENT_TYPE], "application/problem+json");
    assert!(answer.body.contains("\"status\":413"), "{}", answer.body);

    let long = "é".repeat(513);
    for (query, parameter) in [
        (format!("q={}", encode(&long)), "q"),
        ("page=0".to_owned(), "page"),
        ("page=501".to_owned(), "page"),
        ("per_page=101".to_owned(), "per_page"),
        ("page=99999999999999999999999".to_owned(), "page"),
    ] {
        let answer = get(&router, &format!("/api/v1/search?{query}")).await;
        crate::support::assert_problem(&answer, 400, parameter);
    }
    let at_limit = get(&router, &format!("/api/v1/search?q={}&page=500&per_page=100", encode(&"é".repeat(512)))).await;
    assert_eq!(at_limit.status, 200, "{}", at_limit.json);

    let wrong_method = send(&router, Request::post("/api/v1/search").body(Body::empty()).unwrap()).await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong_method.headers[header::CONTENT_TYPE], "application/problem+json");
}

#[tokio::test]
async fn every_answer_carries_security_headers_and_html_a_strict_policy() {
    let router = sample_router();
    for path in ["/", "/api/v1/search?q=x", "/api/v1/documents/nope", "/widget.js", "/hub.css", "/metrics", "/nope"] {
        let answer = send(&router, Request::get(path).body(Body::empty()).unwrap()).await;
        assert_eq!(answer.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        assert!(answer.headers.contains_key(header::REFERRER_POLICY), "{path}");
        let is_html = answer.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html");
        assert_eq!(is_html, path == "/", "{path}");
        if is_html {
            let csp = answer.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
            assert!(csp.contains("script-src 'self'") && csp.contains("style-src 'self'"), "{csp}");
            assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{csp}");
            assert_eq!(answer.headers[header::X_FRAME_OPTIONS], "DENY");
        }
    }
}

/// The value of one sample line (`series value`) of a Prometheus text answer.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("{series} missing from\n{text}"))
}

#[tokio::test]
async fn metrics_count_requests_documents_and_extraction_in_the_prometheus_format() {
    let router = sample_router();
    assert_eq!(get(&router, "/api/v1/search?q=telemonitoring").await.status, 200);
    assert_eq!(get(&router, "/api/v1/documents/..%2fsecret").await.status, 404);
    let answer = send(&router, Request::get("/metrics").body(Body::empty()).unwrap()).await;
    assert_eq!(answer.status, 200);
    assert!(answer.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let text = answer.body;
    assert!(sample(&text, r#"hubsearch_http_requests_total{route="/api/v1/search",status="200"}"#) >= 1.0);
    assert!(sample(&text, r#"hubsearch_http_requests_total{route="/api/v1/documents/{id}",status="404"}"#) >= 1.0);
    assert!(
        sample(&text, r#"hubsearch_http_request_duration_seconds_bucket{route="/api/v1/search",le="+Inf"}"#) >= 1.0
    );
    assert_eq!(sample(&text, "hubsearch_index_documents"), sample_state().0.index().num_docs() as f64);
    assert!(sample(&text, r#"hubsearch_extraction_seconds_count{kind="pdf"}"#) >= 21.0, "the sample's PDFs");
    assert!(sample(&text, r#"hubsearch_ingest_runs_total{result="ok"}"#) >= 1.0);
    assert!(sample(&text, r#"hubsearch_ingest_documents_total{outcome="added"}"#) >= 47.0);
    assert!(!text.contains("secret"), "request text never becomes a label");
}

#[tokio::test]
async fn an_index_that_cannot_be_written_fails_the_ingest_clearly_and_the_previous_index_keeps_serving() {
    let library = tempfile::tempdir().unwrap();
    write_fixture_library(library.path(), "https://example.org");
    let data = tempfile::tempdir().unwrap();
    let index_dir = data.path().join("index");
    let (index, _) = SearchIndex::open_or_create(&index_dir, 1).unwrap();
    let config = Config { library: library.path().to_path_buf(), data: data.path().to_path_buf(), ..Config::default() };
    let processor = DocumentProcessor::new(config.processor_settings()).unwrap();
    let state = AppState::new(config, index, processor);
    state.mark_ready();
    let sync = || {
        LibrarySync {
            library: library.path().to_path_buf(),
            index: state.index(),
            processor: state.processor(),
            workers: 2,
            snapshots: None,
        }
        .run(true, |_| {})
    };
    let first = sync().expect("first ingest");
    assert_eq!(first.added, 25);
    let router = hubsearch::http::router(state.clone());
    let before = get(&router, "/api/v1/search?q=telemonitoring").await;
    assert_eq!(before.json["total"], 25);

    // The index directory stops being a directory (root ignores permissions, so this is how a
    // test can make every write fail): a new document cannot be committed.
    std::fs::write(library.path().join("new.txt"), "Telemonitoring of diabetes, a new report.\n").unwrap();
    let moved = data.path().join("index.moved");
    std::fs::rename(&index_dir, &moved).unwrap();
    std::fs::write(&index_dir, b"not a directory").unwrap();
    let failures_before = hubsearch::metrics::global().ingest_runs("error");
    let err = format!("{:#}", sync().expect_err("writes fail"));
    assert!(err.contains("index"), "the error says the index could not be written: {err}");
    assert!(hubsearch::metrics::global().ingest_runs("error") > failures_before);

    let during = get(&router, "/api/v1/search?q=telemonitoring").await;
    assert_eq!(during.status, 200, "{}", during.json);
    assert_eq!(during.json["total"], 25, "the last commit keeps serving");
    assert_eq!(get(&router, "/api/v1/documents/doc-01.txt").await.status, 200);

    // Once the disk is back, the next ingest lands.
    std::fs::remove_file(&index_dir).unwrap();
    std::fs::rename(&moved, &index_dir).unwrap();
    let report = sync().expect("ingest after recovery");
    assert_eq!(report.failed, []);
    assert_eq!(get(&router, "/api/v1/search?q=telemonitoring").await.json["total"], 26);
}
