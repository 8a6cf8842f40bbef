//! Shared set-up: the sample library indexed once per test process, a router over it, and
//! small HTTP helpers.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use hubsearch::config::Config;
use hubsearch::state::AppState;
use hubsearch::sync::{LibrarySync, SyncReport};
use index::SearchIndex;
use ingest::DocumentProcessor;
use serde_json::Value;
use tower::ServiceExt;

/// The repository's sample library.
pub fn sample_library() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("library")
}

/// Indexes `library` into a fresh index in memory and returns the service state and the report.
pub fn index_library(library: &Path) -> (AppState, SyncReport) {
    let config = Config { library: library.to_path_buf(), ..Config::default() };
    let processor = DocumentProcessor::new(config.processor_settings()).expect("processor");
    let index = SearchIndex::create_in_ram(1).expect("index");
    let report = LibrarySync {
        library: library.to_path_buf(),
        index: &index,
        processor: &processor,
        workers: 2,
        snapshots: None,
    }
    .run(false, |_| {})
    .expect("sync");
    let state = AppState::new(config, index, processor);
    state.mark_ready();
    (state, report)
}

/// The sample library, indexed once for every test that only reads.
pub fn sample_state() -> &'static (AppState, SyncReport) {
    static STATE: OnceLock<(AppState, SyncReport)> = OnceLock::new();
    STATE.get_or_init(|| index_library(&sample_library()))
}

/// A router over the shared sample index.
pub fn sample_router() -> Router {
    hubsearch::http::router(sample_state().0.clone())
}

/// An HTTP answer: status, content type, body as JSON (or `Value::Null` if not JSON).
pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub json: Value,
}

/// Sends `GET uri` through `router`.
pub async fn get(router: &Router, uri: &str) -> Answer {
    let response = router.clone().oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer { status, content_type, json }
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Ids of the hits of a search answer.
pub fn hit_ids(json: &Value) -> Vec<String> {
    json["hits"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap().to_owned()).collect()
}

/// Asserts a problem+json answer with `status`, naming `parameter`.
pub fn assert_problem(answer: &Answer, status: u16, parameter: &str) {
    assert_eq!(answer.status.as_u16(), status, "{}", answer.json);
    assert_eq!(answer.content_type, "application/problem+json");
    assert_eq!(answer.json["status"], status);
    assert_eq!(answer.json["parameter"], parameter, "{}", answer.json);
    assert!(answer.json["detail"].as_str().is_some_and(|d| !d.is_empty()));
    assert!(answer.json["type"].as_str().is_some_and(|t| t.starts_with("urn:hubsearch:problem:")));
}

/// Path of the built `hubsearch` binary.
pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_hubsearch")
}
