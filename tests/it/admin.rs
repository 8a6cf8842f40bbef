//! The admin API through the real router: authentication, re-ingestion jobs with their counts,
//! failures and progress events, and the admin page's assets.

use std::path::Path;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use hubsearch::config::{Config, Secret};
use hubsearch::state::AppState;
use index::SearchIndex;
use ingest::DocumentProcessor;
use serde_json::Value;
use tower::ServiceExt;

use crate::support::get;

const TOKEN: &str = "correct-horse-battery-staple";

/// A service over `library` with an empty in-memory index and, if given, an admin token.
fn service(library: &Path, token: Option<&str>) -> (AppState, Router) {
    let config = Config { library: library.to_path_buf(), admin_token: token.map(Secret::new), ..Config::default() };
    let processor = DocumentProcessor::new(config.processor_settings()).unwrap();
    let state = AppState::new(config, SearchIndex::create_in_ram(1).unwrap(), processor);
    state.mark_ready();
    let router = hubsearch::http::router(state.clone());
    (state, router)
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    text: String,
    json: Value,
}

async fn send(router: &Router, method: &str, uri: &str, auth: Option<&str>, body: &str) -> Reply {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(auth) = auth {
        request = request.header("authorization", auth);
    }
    let response = router.clone().oneshot(request.body(Body::from(body.to_owned())).unwrap()).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply { status, headers, text, json }
}

fn bearer() -> String {
    format!("Bearer {TOKEN}")
}

fn assert_problem(reply: &Reply, status: u16, kind: &str) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.text);
    assert_eq!(reply.headers["content-type"], "application/problem+json");
    assert_eq!(reply.json["type"], format!("urn:hubsearch:problem:{kind}"), "{}", reply.text);
}

/// A small library: five notes and a broken PDF.
fn small_library() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let notes = [
        "Telemonitoring of heart failure patients in Portugal.",
        "Reimbursement of digital health applications in Germany.",
        "Interoperability standards for electronic health records.",
        "Cost-effectiveness of telehealth for diabetes.",
        "Mobile health apps for smoking cessation.",
    ];
    for (i, text) in notes.iter().enumerate() {
        std::fs::write(dir.path().join(format!("note-{i}.txt")), text).unwrap();
    }
    std::fs::create_dir(dir.path().join("reports")).unwrap();
    std::fs::write(dir.path().join("reports/broken.pdf"), b"%PDF-1.4 not really a PDF").unwrap();
    dir
}

/// Follows job `id`'s event stream to its end: the events' names and statuses.
async fn events(router: &Router, id: u64) -> Vec<(String, Value)> {
    let request = Request::get(format!("/api/v1/admin/jobs/{id}/events"))
        .header("authorization", bearer())
        .body(Body::empty())
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let body = tokio::time::timeout(Duration::from_secs(60), response.into_body().collect())
        .await
        .expect("the stream ends with the job")
        .unwrap()
        .to_bytes();
    let text = String::from_utf8(body.to_vec()).unwrap();
    let mut events = Vec::new();
    for block in text.split("\n\n").filter(|b| !b.trim().is_empty()) {
        let mut name = String::new();
        let mut data = String::new();
        for line in block.lines() {
            if let Some(value) = line.strip_prefix("event:") {
                name = value.trim().to_owned();
            } else if let Some(value) = line.strip_prefix("data:") {
                data.push_str(value.trim_start());
            }
        }
        if !data.is_empty() {
            events.push((name, serde_json::from_str(&data).unwrap()));
        }
    }
    events
}

async fn reingest(router: &Router, body: &str) -> u64 {
    let reply = send(router, "POST", "/api/v1/admin/reingest", Some(&bearer()), body).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    let id = reply.json["job_id"].as_u64().expect("job_id");
    assert_eq!(reply.headers["location"], format!("/api/v1/admin/jobs/{id}"));
    id
}

#[tokio::test]
async fn without_a_configured_token_the_admin_api_is_disabled() {
    let dir = small_library();
    let (state, router) = service(dir.path(), None);
    for (method, uri) in
        [("POST", "/api/v1/admin/reingest"), ("GET", "/api/v1/admin/jobs"), ("GET", "/api/v1/admin/jobs/1")]
    {
        let reply = send(&router, method, uri, Some("Bearer anything"), "").await;
        assert_problem(&reply, 403, "admin-disabled");
    }
    assert!(state.jobs().list().is_empty(), "no job was started");
}

#[tokio::test]
async fn the_admin_api_wants_the_right_bearer_token_and_never_echoes_it() {
    let dir = small_library();
    let (state, router) = service(dir.path(), Some(TOKEN));
    let wrong = "Bearer correct-horse-battery-stapler";
    for auth in [None, Some("Basic Y29ycmVjdA=="), Some(wrong), Some("Bearer "), Some(TOKEN)] {
        for (method, uri) in [("POST", "/api/v1/admin/reingest"), ("GET", "/api/v1/admin/jobs")] {
            let reply = send(&router, method, uri, auth, "").await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{auth:?}: {}", reply.text);
            assert_eq!(reply.headers["content-type"], "application/problem+json");
            assert!(reply.headers["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
            assert!(!reply.text.contains("correct-horse"), "the token is not echoed: {}", reply.text);
        }
    }
    let reply = send(&router, "GET", "/api/v1/admin/jobs", Some(wrong), "").await;
    assert_problem(&reply, 401, "invalid-token");
    let reply = send(&router, "GET", "/api/v1/admin/jobs", None, "").await;
    assert_problem(&reply, 401, "unauthorized");
    assert!(state.jobs().list().is_empty(), "no job was started");

    // The scheme is case-insensitive, as HTTP says.
    let reply = send(&router, "GET", "/api/v1/admin/jobs", Some(&format!("bearer {TOKEN}")), "").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json["jobs"], Value::Array(Vec::new()));
}

#[tokio::test]
async fn malformed_requests_are_400_and_unknown_jobs_404() {
    let dir = small_library();
    let (state, router) = service(dir.path(), Some(TOKEN));
    for body in ["not json", "{\"full\": \"yes\"}", "{\"fll\": true}", "[true]", "{\"full\": true"] {
        let reply = send(&router, "POST", "/api/v1/admin/reingest", Some(&bearer()), body).await;
        assert_problem(&reply, 400, "invalid-body");
    }
    assert!(state.jobs().list().is_empty(), "no job was started");
    for uri in ["/api/v1/admin/jobs/42", "/api/v1/admin/jobs/abc", "/api/v1/admin/jobs/42/events"] {
        let reply = send(&router, "GET", uri, Some(&bearer()), "").await;
        assert_problem(&reply, 404, "not-found");
    }
    let reply = send(&router, "GET", "/api/v1/admin/reingest", Some(&bearer()), "").await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn reingest_jobs_report_counts_failures_and_progress_and_are_incremental() {
    let dir = small_library();
    let (_state, router) = service(dir.path(), Some(TOKEN));

    // First job: everything is new; the broken PDF fails alone.
    let id = reingest(&router, "").await;
    let stream = events(&router, id).await;
    let (last_name, last) = stream.last().expect("at least one event");
    assert_eq!(last_name, "end");
    assert!(stream[..stream.len() - 1].iter().all(|(name, _)| name == "progress"));
    assert_eq!(last["state"], "done", "{last}");
    assert_eq!(last["trigger"], "admin");
    assert_eq!(last["counts"]["seen"], 6);
    assert_eq!(last["counts"]["added"], 5);
    assert_eq!(last["counts"]["failed"], 1);
    assert_eq!(last["errors"][0]["path"], "reports/broken.pdf");
    assert!(last["errors"][0]["reason"].as_str().unwrap().to_lowercase().contains("pdf"), "{last}");
    assert!(last["started_at"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert!(last["finished_at"].as_str().is_some());
    assert!(last["files_per_sec"].as_f64().is_some());

    let reply = send(&router, "GET", &format!("/api/v1/admin/jobs/{id}"), Some(&bearer()), "").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(&reply.json, last);
    assert_eq!(get(&router, "/api/v1/search").await.json["total"], 5);

    // Second job: only the differences.
    std::fs::write(dir.path().join("note-1.txt"), "Reimbursement of mobile health apps in France.").unwrap();
    std::fs::remove_file(dir.path().join("note-2.txt")).unwrap();
    std::fs::write(dir.path().join("note-9.txt"), "Secondary use of health data.").unwrap();
    let second = reingest(&router, "{\"full\": false}").await;
    assert_ne!(second, id);
    let status = events(&router, second).await.pop().unwrap().1;
    let counts = &status["counts"];
    assert_eq!(
        [&counts["added"], &counts["updated"], &counts["deleted"], &counts["unchanged"], &counts["failed"]],
        [1, 1, 1, 3, 1],
        "{status}"
    );
    let found = get(&router, "/api/v1/search?q=France").await;
    assert_eq!(crate::support::hit_ids(&found.json), ["note-1.txt"]);

    // A full job extracts everything again.
    let full = reingest(&router, "{\"full\": true}").await;
    let status = events(&router, full).await.pop().unwrap().1;
    assert_eq!(status["full"], true);
    assert_eq!(status["counts"]["updated"], 5, "{status}");
    assert_eq!(status["counts"]["unchanged"], 0, "{status}");

    let list = send(&router, "GET", "/api/v1/admin/jobs", Some(&bearer()), "").await;
    let ids: Vec<u64> = list.json["jobs"].as_array().unwrap().iter().map(|j| j["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, [full, second, id], "newest first");
}

#[tokio::test]
async fn a_second_trigger_while_a_job_runs_gets_the_running_job() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..400 {
        std::fs::write(dir.path().join(format!("note-{i:03}.txt")), format!("Note {i} on telehealth in Europe."))
            .unwrap();
    }
    let (_state, router) = service(dir.path(), Some(TOKEN));
    let first = send(&router, "POST", "/api/v1/admin/reingest", Some(&bearer()), "{}").await;
    let second = send(&router, "POST", "/api/v1/admin/reingest", Some(&bearer()), "{}").await;
    assert_eq!(first.json["created"], true);
    assert_eq!(second.status, StatusCode::ACCEPTED);
    assert_eq!(second.json["job_id"], first.json["job_id"]);
    assert_eq!(second.json["created"], false);
    let status = events(&router, first.json["job_id"].as_u64().unwrap()).await.pop().unwrap().1;
    assert_eq!(status["counts"]["added"], 400);
}

#[tokio::test]
async fn the_admin_page_has_no_inline_script_and_inserts_text_only() {
    let dir = small_library();
    let (_state, router) = service(dir.path(), None);
    let page = send(&router, "GET", "/admin", None, "").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.headers["content-type"].to_str().unwrap().starts_with("text/html"));
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    let html = page.text.to_lowercase();
    // Every script is an external file: no inline code, no event-handler attributes, no styles.
    for (i, _) in html.match_indices("<script") {
        let tag_end = i + html[i..].find('>').unwrap();
        assert!(html[i..tag_end].contains("src="), "inline script at {i}");
        assert!(html[tag_end + 1..].starts_with("</script>"), "script with a body at {i}");
    }
    for attribute in [" onclick=", " onload=", " onsubmit=", " style=", "javascript:"] {
        assert!(!html.contains(attribute), "{attribute} in the page");
    }

    let script = send(&router, "GET", "/admin/admin.js", None, "").await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(script.headers["content-type"].to_str().unwrap().starts_with("text/javascript"));
    for forbidden in [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "localStorage",
        "sessionStorage",
        "document.cookie",
        "eval(",
    ] {
        assert!(!script.text.contains(forbidden), "admin.js uses {forbidden}");
    }
    assert!(script.text.contains("textContent"));
    let style = send(&router, "GET", "/admin/admin.css", None, "").await;
    assert!(style.headers["content-type"].to_str().unwrap().starts_with("text/css"));
}
