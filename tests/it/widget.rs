//! The widget's assets and the partner-key rules, through the real router: caching, size,
//! the page's security policy, 401/403/429 problems, scope enforcement and CORS.

use std::io::Write;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use hubsearch::config::Config;
use hubsearch::partners::PartnerConfig;
use serde_json::Value;
use tower::ServiceExt;

use crate::support::{FIXTURE_COUNTRIES, index_with_config, sample_router, write_fixture_library};

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

async fn send(router: &Router, uri: &str, headers: &[(&str, &str)]) -> Reply {
    let mut request = Request::get(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
    Reply { status, headers, body }
}

fn gzipped_len(bytes: &[u8]) -> usize {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap().len()
}

#[tokio::test]
async fn the_widget_is_small_cached_and_revalidated_by_etag() {
    let router = sample_router();
    let reply = send(&router, "/widget.js", &[]).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("text/javascript; charset=utf-8"));
    assert!(reply.header("cache-control").unwrap().contains("max-age="), "{:?}", reply.headers);
    let etag = reply.header("etag").unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.len() == 18, "{etag}");
    assert!(String::from_utf8_lossy(&reply.body).contains("customElements.define('hubsearch-widget'"));
    let gzipped = gzipped_len(&reply.body);
    assert!(gzipped < 20 * 1024, "widget.js is {gzipped} bytes gzipped; the budget is 20 kB");

    let again = send(&router, "/widget.js", &[("if-none-match", &etag)]).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    let stale = send(&router, "/widget.js", &[("if-none-match", "\"0000000000000000\"")]).await;
    assert_eq!(stale.status, 200);

    let versioned = hubsearch::http::widget::versioned_widget_path();
    assert_eq!(versioned, format!("/widget.{}.js", etag.trim_matches('"')));
    let reply = send(&router, &versioned, &[]).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("cache-control"), Some("public, max-age=31536000, immutable"));
    assert_eq!(reply.body, hubsearch::http::widget::WIDGET_JS.as_bytes());
}

#[tokio::test]
async fn the_search_page_uses_the_versioned_widget_under_a_strict_policy() {
    let router = sample_router();
    let reply = send(&router, "/", &[]).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("text/html; charset=utf-8"));
    let csp = reply.header("content-security-policy").unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    let html = String::from_utf8(reply.body).unwrap();
    let versioned = hubsearch::http::widget::versioned_widget_path();
    assert!(html.contains(&format!("<script src=\"{versioned}\" defer></script>")), "{html}");
    assert!(html.contains("<hubsearch-widget"));
    let css = send(&router, "/hub.css", &[]).await;
    assert_eq!((css.status, css.header("content-type")), (StatusCode::OK, Some("text/css; charset=utf-8")));
}

const ORIGIN: &str = "https://salud.example.es";

fn partner(key: &str) -> PartnerConfig {
    PartnerConfig {
        key: key.to_owned(),
        name: "Test agency".to_owned(),
        origins: vec![ORIGIN.to_owned()],
        country: vec!["ES".to_owned()],
        topic: vec![],
        lang: vec![],
        rate_limit_per_minute: 600,
        revoked: false,
    }
}

/// A router over the fixture library with three partners: `pk_es` (ES only), `pk_slow` (two
/// searches a minute) and `pk_old` (revoked).
fn partner_router() -> (Router, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    write_fixture_library(dir.path(), "https://example.org");
    let mut slow = partner("pk_slow");
    slow.rate_limit_per_minute = 2;
    let mut old = partner("pk_old");
    old.revoked = true;
    let config =
        Config { library: dir.path().to_path_buf(), partners: vec![partner("pk_es"), slow, old], ..Config::default() };
    let (state, report) = index_with_config(config);
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    (hubsearch::http::router(state), dir)
}

fn assert_problem(reply: &Reply, status: u16, type_suffix: &str) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.json());
    assert_eq!(reply.header("content-type"), Some("application/problem+json"));
    let json = reply.json();
    assert_eq!(json["status"], status);
    assert_eq!(json["type"], format!("urn:hubsearch:problem:{type_suffix}"), "{json}");
}

fn countries_of_hits(json: &Value) -> Vec<String> {
    json["hits"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|h| h["countries"].as_array().unwrap().clone())
        .map(|c| c.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_partner_key_confines_search_to_its_scope() {
    let (router, _dir) = partner_router();
    let open = send(&router, "/api/v1/search?q=telemonitoring&per_page=100", &[]).await.json();
    assert_eq!(open["total"], 25, "unkeyed search sees every document");

    let scoped = send(&router, "/api/v1/search?q=telemonitoring&per_page=100&key=pk_es", &[("origin", ORIGIN)]).await;
    assert_eq!(scoped.status, 200);
    let json = scoped.json();
    let expected_es = 1 + (0..24).filter(|i| FIXTURE_COUNTRIES[i % 3] == "ES").count();
    assert_eq!(json["total"], expected_es as u64, "{json}");
    assert!(countries_of_hits(&json).iter().all(|c| c == "ES"));
    let facet: Vec<&str> =
        json["facets"]["country"].as_array().unwrap().iter().map(|f| f["value"].as_str().unwrap()).collect();
    assert_eq!(facet, ["ES"], "facet counts never describe documents outside the scope");

    // Asking for the scope explicitly is fine; asking for more is refused, not widened.
    let explicit = send(&router, "/api/v1/search?q=telemonitoring&country=es&key=pk_es", &[]).await;
    assert_eq!(explicit.json()["total"], expected_es as u64);
    for query in ["country=PT", "country=ES&country=PT"] {
        let widened = send(&router, &format!("/api/v1/search?{query}&key=pk_es"), &[]).await;
        assert_problem(&widened, 403, "out-of-scope");
        assert_eq!(widened.json()["parameter"], "country");
    }
}

#[tokio::test]
async fn unknown_revoked_and_misused_keys_are_refused() {
    let (router, _dir) = partner_router();
    for key in ["pk_nope", "pk_old"] {
        let reply = send(&router, &format!("/api/v1/search?q=x&key={key}"), &[("origin", "https://any.example")]).await;
        assert_problem(&reply, 401, "invalid-key");
        assert_eq!(reply.json()["parameter"], "key");
        // Readable by the embedding page, so the widget can say why.
        assert_eq!(reply.header("access-control-allow-origin"), Some("https://any.example"));
    }
    let borrowed = send(&router, "/api/v1/search?q=x&key=pk_es", &[("origin", "https://evil.example")]).await;
    assert_problem(&borrowed, 403, "origin-not-allowed");
    assert_eq!(borrowed.header("access-control-allow-origin"), None);
    let bad = send(&router, "/api/v1/search?key=pk%20es", &[]).await;
    assert_problem(&bad, 400, "invalid-parameter");
}

#[tokio::test]
async fn cors_answers_only_the_partner_origins_once_partners_exist() {
    let (router, _dir) = partner_router();
    let keyed = send(&router, "/api/v1/search?q=x&key=pk_es", &[("origin", ORIGIN)]).await;
    assert_eq!(keyed.status, 200);
    assert_eq!(keyed.header("access-control-allow-origin"), Some(ORIGIN));
    let unkeyed = send(&router, "/api/v1/search?q=x", &[("origin", "https://other.example")]).await;
    assert_eq!(unkeyed.status, 200, "servers may still search without a key");
    assert_eq!(unkeyed.header("access-control-allow-origin"), None, "but other sites' pages may not read it");
    let preflight = router
        .clone()
        .oneshot(
            Request::options("/api/v1/search?key=pk_es")
                .header("origin", ORIGIN)
                .header("access-control-request-method", "GET")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(preflight.headers().get("access-control-allow-origin").unwrap(), ORIGIN);

    // Without partners, public search is open to every origin.
    let open = send(&sample_router(), "/api/v1/search?q=x", &[("origin", "https://other.example")]).await;
    assert_eq!(open.header("access-control-allow-origin"), Some("*"));
}

#[tokio::test]
async fn a_key_over_its_rate_limit_gets_429_with_retry_after() {
    let (router, _dir) = partner_router();
    for _ in 0..2 {
        assert_eq!(send(&router, "/api/v1/search?q=x&key=pk_slow", &[("origin", ORIGIN)]).await.status, 200);
    }
    let limited = send(&router, "/api/v1/search?q=x&key=pk_slow", &[("origin", ORIGIN)]).await;
    assert_problem(&limited, 429, "rate-limited");
    let retry: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=30).contains(&retry), "retry after {retry} s");
    assert_eq!(
        limited.header("access-control-expose-headers").map(str::to_ascii_lowercase).as_deref(),
        Some("retry-after")
    );
    // Another key's allowance is its own.
    assert_eq!(send(&router, "/api/v1/search?q=x&key=pk_es", &[]).await.status, 200);
}
