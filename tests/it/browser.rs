//! The widget in a real headless Chromium: the Hub's page under its strict security policy,
//! searching as you type, facets, more results, keyboard-only use, a hostile document, and a
//! partner page on a second origin with a valid and a wrong key. Screenshots are saved under
//! `target/test-artifacts/`.

use std::net::TcpListener;
use std::path::PathBuf;
use std::time::Duration;

use axum::Router;
use axum::extract::Path;
use axum::response::Html;
use axum::routing::get;
use hubsearch::config::Config;
use hubsearch::partners::PartnerConfig;
use serde_json::Value;
use tokio::sync::oneshot;

use crate::support::{HOSTILE_TITLE, index_with_config, write_fixture_library};
use crate::webdriver::{Browser, browser_available, keys};

/// An axum server on a background thread; stops when dropped.
struct Server {
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(listener: TcpListener, router: Router) -> Server {
        listener.set_nonblocking(true).unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                axum::serve(listener, router)
                    .with_graceful_shutdown(async move {
                        let _ = stopped.await;
                    })
                    .await
                    .unwrap();
            });
        });
        Server { stop: Some(stop), thread: Some(thread) }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

const KEY: &str = "pk_test_es";

/// A partner's page on another origin, embedding the widget from the Hub with `key`.
fn partner_page(hub: &str, key: &str, lang: &str) -> String {
    format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>Partner</title>\
         <script src=\"{hub}/widget.js\" defer></script></head><body><h1>A partner agency</h1>\
         <hubsearch-widget endpoint=\"{hub}\" key=\"{key}\" per-page=\"5\"></hubsearch-widget></body></html>"
    )
}

/// Prefix of every page script: `w` is the widget, `r` its shadow root, `opts` its results.
const JS: &str = "const w = document.querySelector('hubsearch-widget'); const r = w && w.shadowRoot; \
                  const opts = r ? [...r.querySelectorAll('[role=option]')] : []; \
                  const status = r ? r.querySelector('[role=status]').textContent : ''; ";

fn js(body: &str) -> String {
    format!("{JS}{body}")
}

fn artifacts() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-artifacts")
}

/// Waits until the widget is idle with `n` results shown.
fn wait_results(browser: &Browser, what: &str, n: usize) {
    browser.wait_for(
        what,
        15,
        &js(&format!("return !!r && !r.querySelector('.busy') && opts.length === {n} && status !== '';")),
    );
}

/// Presses `key` (with `modifier`) until `condition` holds, at most `limit` times.
fn press_until(browser: &Browser, key: &str, modifier: Option<&str>, condition: &str, limit: usize) {
    for _ in 0..limit {
        if browser.eval(&js(condition), &[]) == Value::Bool(true) {
            return;
        }
        browser.press(&[key], modifier);
    }
    panic!("{limit} presses of {key:?} never reached: {condition}");
}

#[test]
fn the_widget_works_in_headless_chromium() {
    if !browser_available() {
        return;
    }
    let hub_listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let partner_listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let hub = format!("http://{}", hub_listener.local_addr().unwrap());
    let partner = format!("http://{}", partner_listener.local_addr().unwrap());

    let library = tempfile::tempdir().unwrap();
    write_fixture_library(library.path(), &partner);
    let partners = vec![PartnerConfig {
        key: KEY.to_owned(),
        name: "Test agency".to_owned(),
        origins: vec![partner.clone()],
        country: vec!["ES".to_owned()],
        topic: vec![],
        lang: vec![],
        rate_limit_per_minute: 600,
        revoked: false,
    }];
    let (state, report) =
        index_with_config(Config { library: library.path().to_path_buf(), partners, ..Config::default() });
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let _hub_server = Server::start(hub_listener, hubsearch::http::router(state));
    let (hub_for_pages, key) = (hub.clone(), KEY);
    let pages = Router::new()
        .route("/partner.html", get(move || async move { Html(partner_page(&hub_for_pages, key, "es")) }))
        .route("/wrong.html", {
            let hub = hub.clone();
            get(move || async move { Html(partner_page(&hub, "pk_wrong", "en")) })
        })
        .route("/doc/{n}", get(|Path(n): Path<String>| async move { Html(format!("<title>Document {n}</title>")) }));
    let _partner_server = Server::start(partner_listener, pages);

    let browser = Browser::start();

    // The Hub's own page, under a Content-Security-Policy without 'unsafe-inline'.
    browser.goto(&format!("{hub}/"));
    wait_results(&browser, "the page's first results (everything, newest first)", 10);
    assert_eq!(
        browser.eval(&js("return getComputedStyle(r.querySelector('input')).borderTopLeftRadius;"), &[]),
        "8px",
        "the widget's stylesheet applies under the page's strict policy"
    );

    // Type a query: results as you type, one search for the whole word (debounced).
    browser.eval("performance.clearResourceTimings();", &[]);
    let input = browser.element(&js("return r.querySelector('input');"));
    browser.type_into(&input, "cardiology");
    browser.wait_for(
        "12 cardiology results, 10 shown",
        15,
        &js("return !r.querySelector('.busy') && opts.length === 10 && status.startsWith('12 documents found');"),
    );
    let first_mark = browser.eval(&js("return opts[0].querySelector('mark').textContent;"), &[]);
    assert_eq!(first_mark.as_str().map(str::to_lowercase).as_deref(), Some("cardiology"));
    let searches = browser.eval(
        "return performance.getEntriesByType('resource').filter(e => e.name.includes('/api/v1/search')).length;",
        &[],
    );
    assert!(searches.as_u64().unwrap() < 5, "{searches} searches for 10 keystrokes: typing is not debounced");

    // More results.
    let more = browser.element(&js("return r.querySelector('button.more');"));
    browser.click(&more);
    browser.wait_for(
        "all 12 results after 'more'",
        15,
        &js("return opts.length === 12 && r.querySelector('button.more').hidden;"),
    );

    // A facet: only Portugal.
    let portugal = browser.element(&js("return r.querySelector('input[data-key=\"country=PT\"]');"));
    browser.click(&portugal);
    browser.wait_for(
        "the 4 cardiology results about Portugal",
        15,
        &js("return !r.querySelector('.busy') && opts.length === 4 && opts.every(o => \
             [...o.querySelectorAll('.badge.country')].map(b => b.textContent).join() === 'Portugal');"),
    );
    browser.screenshot(&artifacts().join("widget-search-page.png"));

    // Keyboard alone: focus, type, move through results, load more, pick a facet, open a result.
    browser.goto(&format!("{hub}/"));
    wait_results(&browser, "the page's first results", 10);
    browser.press(&[keys::TAB], None);
    browser.wait_for("focus in the search box", 5, &js("return r.activeElement === r.querySelector('input');"));
    browser.press(&["cardiology"], None);
    browser.wait_for(
        "12 results",
        15,
        &js("return !r.querySelector('.busy') && opts.length === 10 && status.startsWith('12 ');"),
    );
    browser.press(&[keys::ARROW_DOWN, keys::ARROW_DOWN], None);
    assert_eq!(
        browser.eval(
            &js("return r.querySelector('input').getAttribute('aria-activedescendant') === opts[1].id && \
                 opts.map(o => o.getAttribute('aria-selected')).join() === \
                 ['false', 'true', ...Array(8).fill('false')].join();"),
            &[]
        ),
        true,
        "arrow keys move the active result"
    );
    browser.press(&[keys::ARROW_UP], None);
    assert_eq!(
        browser.eval(&js("return r.querySelector('input').getAttribute('aria-activedescendant') === opts[0].id;"), &[]),
        true
    );
    press_until(
        &browser,
        keys::TAB,
        None,
        "return !!r.activeElement && r.activeElement.classList.contains('more');",
        60,
    );
    assert_eq!(
        browser.eval(&js("return getComputedStyle(r.activeElement).outlineStyle;"), &[]),
        "solid",
        "keyboard focus is visible"
    );
    browser.press(&[keys::ENTER], None);
    browser.wait_for("12 results after Enter on 'more'", 15, &js("return opts.length === 12;"));
    press_until(
        &browser,
        keys::TAB,
        None,
        "return !!r.activeElement && r.activeElement.dataset.key === 'country=PT';",
        60,
    );
    browser.press(&[keys::SPACE], None);
    browser.wait_for(
        "4 results after Space on the Portugal filter, focus kept on it",
        15,
        &js("return !r.querySelector('.busy') && opts.length === 4 && r.activeElement && \
             r.activeElement.dataset.key === 'country=PT' && r.activeElement.checked;"),
    );
    press_until(&browser, keys::TAB, Some(keys::SHIFT), "return r.activeElement === r.querySelector('input');", 60);
    browser.press(&[keys::ARROW_DOWN], None);
    let target = browser.eval(&js("return opts[0].querySelector('a').href;"), &[]);
    assert!(target.as_str().unwrap().starts_with(&format!("{partner}/doc/")), "{target}");
    browser.press(&[keys::ENTER], None);
    browser.wait_for("Enter opens the active result", 15, &format!("return location.href === {target};"));

    // Attributes set (or changed) by the host page: initial query, fixed country, UI language.
    // Each change starts a search that cancels the one before.
    browser.goto(&format!("{hub}/"));
    wait_results(&browser, "the page's first results", 10);
    browser.eval(
        "const w = document.querySelector('hubsearch-widget'); w.setAttribute('query', 'cardiology'); \
         w.setAttribute('country', 'PT'); w.setAttribute('lang', 'fr');",
        &[],
    );
    browser.wait_for(
        "4 results in French for the fixed country",
        15,
        &js("return !r.querySelector('.busy') && opts.length === 4 && status === '4 documents trouvés' && \
             r.querySelector('input').value === 'cardiology' && !r.querySelector('fieldset[data-facet=country]');"),
    );

    // A partner page on a second origin with a valid key: Spanish UI, Spain only (the server's scope).
    browser.goto(&format!("{partner}/partner.html"));
    browser.wait_for(
        "the partner's results",
        15,
        &js("return !r.querySelector('.busy') && opts.length === 5 && status.startsWith('9 documentos encontrados');"),
    );
    assert_eq!(
        browser.eval(&js("return opts.every(o => o.querySelector('.badge.country').textContent === 'España');"), &[]),
        true
    );

    // Themed from the host page through CSS custom properties.
    browser.eval("document.querySelector('hubsearch-widget').style.setProperty('--hs-accent', 'rgb(200, 0, 0)');", &[]);
    assert_eq!(browser.eval(&js("return getComputedStyle(opts[0].querySelector('a')).color;"), &[]), "rgb(200, 0, 0)");

    // Nothing found: the empty state, in the page's language.
    let input = browser.element(&js("return r.querySelector('input');"));
    browser.type_into(&input, "zzyzxq");
    browser.wait_for(
        "the empty state",
        15,
        &js("const m = r.querySelector('.msg'); return !r.querySelector('.busy') && opts.length === 0 && \
             !m.hidden && m.textContent === 'Ningún documento coincide con su búsqueda.';"),
    );
    browser.eval(&js("r.querySelector('input').value = '';"), &[]);

    // The hostile document, on that page (which has no security policy to hide behind).
    let input = browser.element(&js("return r.querySelector('input');"));
    browser.type_into(&input, "hostile");
    wait_results(&browser, "the hostile document", 1);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(browser.open_alert(), None, "a script in a document ran");
    assert_eq!(browser.eval(&js("return opts[0].querySelector('a').textContent;"), &[]), HOSTILE_TITLE);
    assert_eq!(
        browser.eval(&js("return r.querySelectorAll('img, script').length + document.querySelectorAll('img, script:not([src])').length;"), &[]),
        0,
        "document markup became elements"
    );
    let snippet = browser.eval(&js("return opts[0].querySelector('.s').textContent;"), &[]);
    assert!(snippet.as_str().unwrap().contains("<script>alert(3)</script>"), "{snippet}");
    let href = browser.eval(&js("return opts[0].querySelector('a').href;"), &[]);
    assert!(
        href.as_str().unwrap().starts_with(&format!("{hub}/api/v1/documents/")),
        "a javascript: URL was kept: {href}"
    );

    // The same page with a wrong key is refused, and says so.
    browser.goto(&format!("{partner}/wrong.html"));
    browser.wait_for(
        "the refusal",
        15,
        &js("const m = r && r.querySelector('.msg.err'); \
             return !!m && !m.hidden && m.textContent === 'This site’s search key was refused.' && opts.length === 0;"),
    );
    assert_eq!(browser.open_alert(), None);

    // A phone-sized screen: nothing overflows sideways, filters start folded.
    browser.resize(390, 844);
    browser.goto(&format!("{hub}/"));
    wait_results(&browser, "results on a phone", 10);
    assert_eq!(
        browser.eval(
            &js(
                "return document.documentElement.scrollWidth <= window.innerWidth && !r.querySelector('details').open;"
            ),
            &[]
        ),
        true,
        "the page overflows or the filters are open on a phone"
    );
    browser.screenshot(&artifacts().join("widget-phone.png"));
}
