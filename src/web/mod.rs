//! Web sources: page URLs and sitemaps (from the configuration's `[web]` section and the
//! library's `web-sources.toml`) fetched politely into snapshots that are ingested with the
//! library, with the URL as document id.

pub mod client;
pub mod robots;
pub mod sitemap;
pub mod snapshot;

use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use ingest::DocKind;
use ingest::html::HttpHints;
use serde::Deserialize;
use url::Url;

use crate::config::{Config, WebConfig};
use client::{FetchError, Fetched, WebClient};
use snapshot::{Snapshot, SnapshotStore};

/// Deepest nesting of sitemap indexes followed.
const MAX_SITEMAP_DEPTH: usize = 3;

/// The library's list of web sources (`web-sources.toml`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebSources {
    /// Page URLs.
    pub pages: Vec<String>,
    /// Sitemap URLs.
    pub sitemaps: Vec<String>,
}

impl WebSources {
    /// The configuration's sources plus those of the library's sources file, if it exists.
    pub fn load(config: &Config) -> anyhow::Result<WebSources> {
        let mut sources = WebSources { pages: config.web.pages.clone(), sitemaps: config.web.sitemaps.clone() };
        let file = config.library.join(&config.web.sources_file);
        match std::fs::read_to_string(&file) {
            Ok(text) => {
                let listed: WebSources =
                    toml::from_str(&text).with_context(|| format!("invalid web sources file {}", file.display()))?;
                sources.pages.extend(listed.pages);
                sources.sitemaps.extend(listed.sitemaps);
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(err).with_context(|| format!("cannot read {}", file.display())),
        }
        Ok(sources)
    }

    /// Whether there is anything to fetch.
    pub fn is_empty(&self) -> bool {
        self.pages.is_empty() && self.sitemaps.is_empty()
    }
}

/// What one fetch run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FetchReport {
    /// Pages and PDFs fetched and saved (new or changed).
    pub fetched: usize,
    /// Answered 304 Not Modified: the snapshot is current.
    pub not_modified: usize,
    /// Snapshots removed because their URL is no longer listed.
    pub removed: usize,
    /// URLs skipped or failed, with the reason; their previous snapshot, if any, is kept.
    pub failed: Vec<(String, String)>,
}

/// The fetch step of an ingestion: when `web.fetch_on_ingest` is on and there are sources,
/// fetches them into `<data>/web`; `None` when there was nothing to do. Snapshots already on
/// disk are ingested whatever happens here.
pub fn refresh(config: &Config) -> anyhow::Result<Option<FetchReport>> {
    if !config.web.fetch_on_ingest {
        return Ok(None);
    }
    let sources = WebSources::load(config)?;
    if sources.is_empty() && !config.web_dir().join("manifest.json").exists() {
        return Ok(None);
    }
    fetch_sources(&sources, &config.web, &config.web_dir()).map(Some)
}

/// Fetches every source into the snapshot store in `dir`.
pub fn fetch_sources(sources: &WebSources, config: &WebConfig, dir: &Path) -> anyhow::Result<FetchReport> {
    let mut store = SnapshotStore::open(dir)?;
    let mut client = WebClient::new(config);
    let mut report = FetchReport::default();

    // Pages to fetch, each with the listed sitemap it came from (`None`: listed itself).
    let mut pages: Vec<(String, Option<String>)> = Vec::new();
    let mut seen = HashSet::new();
    for page in &sources.pages {
        if seen.insert(page.clone()) {
            pages.push((page.clone(), None));
        }
    }
    let mut from_sitemaps = 0;
    let mut sitemaps: Vec<(String, String, usize)> =
        sources.sitemaps.iter().rev().map(|s| (s.clone(), s.clone(), 0)).collect();
    let mut visited_sitemaps = HashSet::new();
    // Listed sitemaps that could not be read in full: their pages are kept as they are.
    let mut unread_sitemaps: HashSet<String> = HashSet::new();
    while let Some((sitemap_url, root, depth)) = sitemaps.pop() {
        if !visited_sitemaps.insert(sitemap_url.clone()) {
            continue;
        }
        let body = match client.fetch(&sitemap_url, None, None) {
            Ok(Fetched::Body { body, .. }) => body,
            Ok(Fetched::NotModified) => continue,
            Err(err) => {
                report.failed.push((sitemap_url, err.to_string()));
                unread_sitemaps.insert(root);
                continue;
            }
        };
        match sitemap::parse(&String::from_utf8_lossy(&body)) {
            sitemap::Sitemap::Index(children) if depth < MAX_SITEMAP_DEPTH => {
                sitemaps.extend(children.into_iter().rev().map(|c| (c, root.clone(), depth + 1)));
            }
            sitemap::Sitemap::Index(_) => {
                report.failed.push((sitemap_url, "sitemap index nested too deep".into()));
                unread_sitemaps.insert(root);
            }
            sitemap::Sitemap::Pages(urls) => {
                for url in urls {
                    if from_sitemaps >= config.max_sitemap_pages {
                        break;
                    }
                    if seen.insert(url.clone()) {
                        pages.push((url, Some(root.clone())));
                        from_sitemaps += 1;
                    }
                }
            }
        }
    }

    // Linked PDFs that are still wanted: those of pages that were not re-read this run, plus
    // those found on the pages that were.
    let mut wanted: BTreeSet<String> = pages.iter().map(|(url, _)| url.clone()).collect();
    let mut reread: HashSet<String> = HashSet::new();
    for (page, sitemap) in &pages {
        let origin = Origin { linked_from: None, sitemap: sitemap.as_deref() };
        let links = fetch_one(&mut client, &mut store, &mut report, page, origin, config)?;
        if let Some(links) = links {
            reread.insert(page.clone());
            for pdf in links.into_iter().take(config.max_pdfs_per_page) {
                if wanted.insert(pdf.clone()) {
                    let origin = Origin { linked_from: Some(page), sitemap: None };
                    fetch_one(&mut client, &mut store, &mut report, &pdf, origin, config)?;
                }
            }
        }
    }
    let listed_sitemaps: HashSet<&String> = sources.sitemaps.iter().collect();
    let page_kept = |url: &String, entry: &Snapshot| {
        wanted.contains(url)
            || entry.sitemap.as_ref().is_some_and(|s| listed_sitemaps.contains(s) && unread_sitemaps.contains(s))
    };
    let stale: Vec<String> = store
        .entries()
        .iter()
        .filter(|(url, entry)| match &entry.linked_from {
            _ if wanted.contains(*url) => false,
            // A linked PDF stays while its page stays and was not re-read without linking it.
            Some(parent) => {
                let parent_kept = store.get(parent).is_some_and(|p| page_kept(parent, p));
                !config.fetch_linked_pdfs || !parent_kept || reread.contains(parent)
            }
            None => !page_kept(url, entry),
        })
        .map(|(url, _)| url.clone())
        .collect();
    for url in stale {
        store.remove(&url);
        report.removed += 1;
    }
    store.commit()?;
    Ok(report)
}

/// How a URL came to be fetched.
#[derive(Debug, Clone, Copy)]
struct Origin<'a> {
    /// The page that links to it (linked PDFs).
    linked_from: Option<&'a str>,
    /// The listed sitemap it was found through.
    sitemap: Option<&'a str>,
}

/// Fetches one URL into the store. Answers the PDF links of the page when it was (re)fetched
/// as HTML and linked PDFs are wanted; `None` when nothing new was read.
fn fetch_one(
    client: &mut WebClient,
    store: &mut SnapshotStore,
    report: &mut FetchReport,
    url: &str,
    origin: Origin<'_>,
    config: &WebConfig,
) -> anyhow::Result<Option<Vec<String>>> {
    let linked_from = origin.linked_from;
    let previous = store.get(url).cloned();
    let validators = previous.as_ref().map(|p| (p.etag.as_deref(), p.last_modified.as_deref())).unwrap_or_default();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    match client.fetch(url, validators.0, validators.1) {
        Ok(Fetched::NotModified) if previous.is_some() => {
            store.touch(url, now);
            report.not_modified += 1;
            Ok(None)
        }
        Ok(Fetched::NotModified) => {
            report.failed.push((url.to_owned(), "304 Not Modified without a stored copy".into()));
            Ok(None)
        }
        Ok(Fetched::Body { final_url, body, content_type, content_language, etag, last_modified }) => {
            let Some(kind) = kind_of(content_type.as_deref(), &final_url, &body) else {
                let what = content_type.unwrap_or_else(|| "no Content-Type".into());
                report.failed.push((url.to_owned(), format!("not a web page or PDF ({what})")));
                return Ok(None);
            };
            let hints = HttpHints { content_type, content_language };
            let snapshot = Snapshot {
                file: String::new(),
                etag,
                last_modified,
                linked_from: linked_from.map(str::to_owned),
                sitemap: origin.sitemap.map(str::to_owned),
                checked_at: now,
            };
            store
                .save(url, kind, &body, &hints, snapshot)
                .with_context(|| format!("cannot save the snapshot of {url}"))?;
            report.fetched += 1;
            if kind == DocKind::Html && config.fetch_linked_pdfs && linked_from.is_none() {
                let decoded = ingest::html::decode_html(
                    &body,
                    hints.content_type.as_deref().and_then(ingest::html::charset_from_content_type),
                );
                return Ok(Some(pdf_links(&decoded.text, &final_url)));
            }
            Ok(Some(Vec::new()))
        }
        Err(err) => {
            report.failed.push((url.to_owned(), err.to_string()));
            if matches!(err, FetchError::Robots) && linked_from.is_none() {
                // A page robots.txt now forbids must not stay in the library either.
                store.remove(url);
            }
            Ok(None)
        }
    }
}

/// HTML or PDF, by `Content-Type`, else by the URL's extension or the body's signature.
fn kind_of(content_type: Option<&str>, url: &str, body: &[u8]) -> Option<DocKind> {
    let mime = content_type.map(|c| c.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
    match mime.as_deref() {
        Some("text/html" | "application/xhtml+xml") => Some(DocKind::Html),
        Some("application/pdf") => Some(DocKind::Pdf),
        Some("application/octet-stream") | None if body.starts_with(b"%PDF-") => Some(DocKind::Pdf),
        Some("application/octet-stream") | None => DocKind::from_path(Path::new(url.split(['?', '#']).next()?)),
        _ => None,
    }
}

/// Absolute URLs of the PDFs a page links to (by the path's extension), in page order.
fn pdf_links(html: &str, base: &str) -> Vec<String> {
    let links = ingest::html::links::page_links(html);
    let Ok(page) = Url::parse(base) else { return Vec::new() };
    let base = links.base.and_then(|b| page.join(&b).ok()).unwrap_or(page);
    let mut seen = HashSet::new();
    links
        .hrefs
        .iter()
        .filter_map(|href| base.join(href).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.path().to_ascii_lowercase().ends_with(".pdf"))
        .map(|mut u| {
            u.set_fragment(None);
            u.to_string()
        })
        .filter(|u| seen.insert(u.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_links_are_resolved_and_deduplicated() {
        let html = r#"<a href="/docs/report.PDF#page=2">r</a><a href="annex.pdf?v=1">a</a><a href="/docs/report.PDF">again</a>
<a href="mailto:x@y.pdf">m</a><a href="page.html">p</a>"#;
        assert_eq!(
            pdf_links(html, "https://example.org/dir/index.html"),
            ["https://example.org/docs/report.PDF", "https://example.org/dir/annex.pdf?v=1"]
        );
    }

    #[test]
    fn kinds_by_content_type_then_url_then_signature() {
        assert_eq!(kind_of(Some("text/html; charset=utf-8"), "https://x/a", b""), Some(DocKind::Html));
        assert_eq!(kind_of(Some("application/pdf"), "https://x/a", b""), Some(DocKind::Pdf));
        assert_eq!(kind_of(None, "https://x/a.pdf?x", b""), Some(DocKind::Pdf));
        assert_eq!(kind_of(Some("application/octet-stream"), "https://x/a", b"%PDF-1.7"), Some(DocKind::Pdf));
        assert_eq!(kind_of(Some("image/png"), "https://x/a.html", b""), None);
    }
}
