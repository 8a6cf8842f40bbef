//! The embeddable search widget (`/widget.js`, a hand-written Web Component), and the Hub's own
//! search page (`/`) built on it. Both are compiled into the binary.

use std::sync::OnceLock;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// The widget's source: `<hubsearch-widget>`, no dependencies.
pub const WIDGET_JS: &str = include_str!("assets/widget.js");
const PAGE_HTML: &str = include_str!("assets/index.html");
const PAGE_CSS: &str = include_str!("assets/page.css");

/// The search page's policy: scripts and styles from this origin only, nothing inline, so an
/// injected `<script>` or `onerror=` in a document could not run even if it reached the DOM.
pub const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
     img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// A short content hash (64-bit FNV-1a, hex): names a version of an asset in its URL and ETag.
/// Not for security: it only has to change when the bytes change.
fn content_hash(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

fn widget_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| content_hash(WIDGET_JS.as_bytes()))
}

/// The versioned path of the widget, `/widget.<hash>.js`, cacheable for ever.
pub fn versioned_widget_path() -> String {
    format!("/widget.{}.js", widget_hash())
}

/// The routes of the widget and the page.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(page))
        .route("/widget.js", get(|headers: HeaderMap| async move { widget(&headers, "public, max-age=86400") }))
        .route(
            &versioned_widget_path(),
            get(|headers: HeaderMap| async move { widget(&headers, "public, max-age=31536000, immutable") }),
        )
        .route("/hub.css", get(|headers: HeaderMap| async move { css(&headers) }))
}

/// An asset with an ETag: 304 when the browser already has these bytes.
fn asset(
    request: &HeaderMap,
    body: &'static str,
    content_type: &'static str,
    cache: &'static str,
    hash: &str,
) -> Response {
    let etag = format!("\"{hash}\"");
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        (header::ETAG, HeaderValue::from_str(&etag).expect("hex is a valid header")),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
    ];
    if fresh {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    (headers, body).into_response()
}

fn widget(request: &HeaderMap, cache: &'static str) -> Response {
    asset(request, WIDGET_JS, "text/javascript; charset=utf-8", cache, widget_hash())
}

fn css(request: &HeaderMap) -> Response {
    static HASH: OnceLock<String> = OnceLock::new();
    let hash = HASH.get_or_init(|| content_hash(PAGE_CSS.as_bytes()));
    asset(request, PAGE_CSS, "text/css; charset=utf-8", "public, max-age=86400", hash)
}

async fn page() -> Response {
    static HTML: OnceLock<String> = OnceLock::new();
    let html = HTML.get_or_init(|| PAGE_HTML.replace("{{WIDGET}}", &versioned_widget_path()));
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PAGE_CSP)),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            (header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin")),
        ],
        html.as_str(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_follows_the_bytes() {
        assert_eq!(content_hash(b""), "cbf29ce484222325");
        assert_ne!(content_hash(b"a"), content_hash(b"b"));
        assert!(versioned_widget_path().starts_with("/widget.") && versioned_widget_path().len() == 27);
    }

    #[test]
    fn the_page_has_no_inline_script_or_style() {
        let html = PAGE_HTML.to_ascii_lowercase();
        for script in html.split("<script").skip(1) {
            assert!(script.split('>').next().unwrap().contains("src="), "inline script: {script}");
        }
        assert!(!html.contains("<style") && !html.contains(" style="), "inline style");
        let handler = html.split(" on").skip(1).any(|rest| {
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
            !name.is_empty() && rest[name.len()..].starts_with('=')
        });
        assert!(!handler, "inline event handler");
        assert!(!PAGE_CSP.contains("unsafe-inline"));
    }
}
