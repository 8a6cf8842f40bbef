//! Web sources end to end, against a small HTTP server on 127.0.0.1 that this test runs:
//! robots.txt, sitemaps, charsets from the Content-Type header, redirects, the size cap,
//! conditional GET, linked PDFs, snapshots ingested with the URL as id, and a site going
//! offline without emptying the library.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hubsearch::config::{Config, WebConfig};
use hubsearch::sync::LibrarySync;
use hubsearch::web::{WebSources, fetch_sources};
use index::SearchIndex;
use ingest::DocumentProcessor;

/// One request the server saw: path and the validators it carried.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    if_none_match: Option<String>,
}

/// A tiny HTTP/1.1 server: one thread, one request per connection, a fixed site.
struct Site {
    base: String,
    log: Arc<Mutex<Vec<Seen>>>,
    offline: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

impl Site {
    fn start() -> Site {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let log = Arc::new(Mutex::new(Vec::new()));
        let offline = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let (thread_log, thread_offline, thread_stop) = (log.clone(), offline.clone(), stop.clone());
        let pdf = std::fs::read(
            super::support::sample_library().join("reports/be-mhealthbelgium-validation-pyramid-2021.pdf"),
        )
        .unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if thread_stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                serve(stream, &thread_log, thread_offline.load(Ordering::SeqCst), &pdf);
            }
        });
        Site { base, log, offline, stop }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn requests(&self, path: &str) -> Vec<Seen> {
        self.log.lock().unwrap().iter().filter(|s| s.path == path).cloned().collect()
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect(self.base.trim_start_matches("http://"));
    }
}

fn serve(mut stream: TcpStream, log: &Mutex<Vec<Seen>>, offline: bool, pdf: &[u8]) {
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut request = Vec::new();
    let mut buffer = [0u8; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 65536 {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buffer[..n]),
        }
    }
    let request = String::from_utf8_lossy(&request).into_owned();
    let path = request.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let headers: HashMap<String, String> = request
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let if_none_match = headers.get("if-none-match").cloned();
    log.lock().unwrap().push(Seen { path: path.clone(), if_none_match: if_none_match.clone() });

    let page_a = encoding_rs::KOI8_R
        .encode(
            "<html><head><title>Телемониторинг давления | Сайт</title></head><body><main><h1>Телемониторинг давления</h1>\
             <p>Пациенты с артериальной гипертонией передают измерения врачу, который видит их каждый день.</p>\
             <p><a href=\"/docs/report.pdf\">Отчёт (PDF)</a></p></main></body></html>",
        )
        .0
        .into_owned();
    let big = format!("<html><body><p>{}</p></body></html>", "x".repeat(200_000)).into_bytes();
    let (status, content_type, body, extra): (&str, &str, Vec<u8>, String) = match path.as_str() {
        _ if offline => ("503 Service Unavailable", "text/plain", b"down".to_vec(), String::new()),
        "/robots.txt" => ("200 OK", "text/plain", b"User-agent: *\nDisallow: /private\n".to_vec(), String::new()),
        "/sitemap.xml" => {
            let xml = "<?xml version=\"1.0\"?><urlset><url><loc>BASE/a.html</loc></url><url><loc>BASE/private/secret.html</loc></url><url><loc>BASE/moved</loc></url></urlset>";
            let host = headers.get("host").cloned().unwrap_or_default();
            ("200 OK", "application/xml", xml.replace("BASE", &format!("http://{host}")).into_bytes(), String::new())
        }
        "/a.html" if if_none_match.as_deref() == Some("\"v1\"") => ("304 Not Modified", "text/html", Vec::new(), "ETag: \"v1\"\r\n".into()),
        "/a.html" => ("200 OK", "text/html; charset=koi8-r", page_a, "ETag: \"v1\"\r\nContent-Language: ru\r\n".into()),
        "/moved" => ("301 Moved Permanently", "text/plain", Vec::new(), "Location: /b.html\r\n".into()),
        "/b.html" => ("200 OK", "text/html", b"<html lang=\"en\"><body><article><h1>Moved page</h1><p>Remote consultations for rural clinics, evaluated over two years.</p></article></body></html>".to_vec(), String::new()),
        "/loop" => ("302 Found", "text/plain", Vec::new(), "Location: /loop\r\n".into()),
        "/big.html" => ("200 OK", "text/html", big, String::new()),
        "/docs/report.pdf" => ("200 OK", "application/pdf", pdf.to_vec(), "Last-Modified: Wed, 01 Jan 2025 00:00:00 GMT\r\n".into()),
        "/image.png" => ("200 OK", "image/png", b"\x89PNG".to_vec(), String::new()),
        _ => ("404 Not Found", "text/plain", b"no".to_vec(), String::new()),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

fn web_config() -> WebConfig {
    WebConfig {
        delay_ms: 20,
        timeout_secs: 5,
        max_bytes: 128 * 1024,
        max_redirects: 3,
        fetch_linked_pdfs: true,
        ..WebConfig::default()
    }
}

fn sync(library: &std::path::Path, snapshots: &std::path::Path, index: &SearchIndex, processor: &DocumentProcessor) {
    LibrarySync {
        library: library.to_path_buf(),
        index,
        processor,
        workers: 2,
        snapshots: Some(snapshots.to_path_buf()),
    }
    .run(false, |_| {})
    .expect("sync");
}

#[test]
fn fetched_pages_are_snapshotted_ingested_and_survive_the_site_going_offline() {
    let site = Site::start();
    let library = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let snapshots = data.path().join("web");
    std::fs::write(
        library.path().join("web-sources.toml"),
        format!(
            "pages = [{:?}, {:?}, {:?}]\nsitemaps = [{:?}]\n",
            site.url("/loop"),
            site.url("/big.html"),
            site.url("/image.png"),
            site.url("/sitemap.xml")
        ),
    )
    .unwrap();
    let config = Config {
        library: library.path().to_path_buf(),
        data: data.path().to_path_buf(),
        web: web_config(),
        ..Config::default()
    };
    let sources = WebSources::load(&config).unwrap();
    assert_eq!(sources.pages.len(), 3);

    let report = fetch_sources(&sources, &config.web, &snapshots).unwrap();
    let failed: HashMap<String, String> = report.failed.iter().cloned().collect();
    assert_eq!(report.fetched, 3, "a.html, moved → b.html and the linked PDF: {report:?}");
    assert!(failed[&site.url("/private/secret.html")].contains("robots.txt"), "{failed:?}");
    assert!(failed[&site.url("/loop")].contains("redirect"), "{failed:?}");
    assert!(failed[&site.url("/big.html")].to_lowercase().contains("limit"), "{failed:?}");
    assert!(failed[&site.url("/image.png")].contains("image/png"), "{failed:?}");
    assert!(site.requests("/private/secret.html").is_empty(), "robots.txt was not respected");
    assert_eq!(site.requests("/robots.txt").len(), 1, "robots.txt is read once per run");

    // The snapshots are ingested with their URL as id; the KOI8-R page is decoded by the
    // header's charset.
    let processor = DocumentProcessor::new(config.processor_settings()).unwrap();
    let index = SearchIndex::create_in_ram(1).unwrap();
    sync(library.path(), &snapshots, &index, &processor);
    let mut expected = [site.url("/a.html"), site.url("/docs/report.pdf"), site.url("/moved")];
    expected.sort();
    assert_eq!(indexed_ids(&index), expected);
    let page = index.get(&site.url("/a.html")).unwrap().unwrap();
    assert_eq!(page.title, "Телемониторинг давления");
    assert_eq!(page.lang, "ru");
    assert_eq!(page.url.as_deref(), Some(site.url("/a.html").as_str()));
    assert_eq!(index.get(&site.url("/docs/report.pdf")).unwrap().unwrap().kind, "pdf");
    assert_eq!(index.get(&site.url("/moved")).unwrap().unwrap().title, "Moved page");

    // Again: the page with an ETag is asked for conditionally and not downloaded again.
    let report = fetch_sources(&sources, &config.web, &snapshots).unwrap();
    assert_eq!(report.not_modified, 1, "{report:?}");
    assert_eq!(site.requests("/a.html").last().unwrap().if_none_match.as_deref(), Some("\"v1\""));
    assert_eq!(report.removed, 0);

    // The site goes down: every fetch fails, the snapshots stay, and so do the documents.
    site.offline.store(true, Ordering::SeqCst);
    let report = fetch_sources(&sources, &config.web, &snapshots).unwrap();
    assert_eq!((report.fetched, report.not_modified, report.removed), (0, 0, 0), "{report:?}");
    assert!(report.failed.iter().all(|(_, reason)| reason.contains("robots.txt")), "{report:?}");
    sync(library.path(), &snapshots, &index, &processor);
    assert_eq!(indexed_ids(&index), expected);

    // The sitemap is no longer listed: its pages and the PDF they linked leave the library.
    site.offline.store(false, Ordering::SeqCst);
    std::fs::write(library.path().join("web-sources.toml"), format!("pages = [{:?}]\n", site.url("/moved"))).unwrap();
    let sources = WebSources::load(&config).unwrap();
    let report = fetch_sources(&sources, &config.web, &snapshots).unwrap();
    assert_eq!((report.fetched, report.removed), (1, 2), "{report:?}");
    sync(library.path(), &snapshots, &index, &processor);
    assert_eq!(indexed_ids(&index), [site.url("/moved")]);
}

fn indexed_ids(index: &SearchIndex) -> Vec<String> {
    let mut ids: Vec<String> = index.indexed_states().unwrap().into_keys().collect();
    ids.sort();
    ids
}

#[test]
fn a_server_that_never_answers_times_out_and_keeps_nothing() {
    // Accepts connections and reads, but never writes a byte.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().take(4) {
            held.push(stream);
        }
        std::thread::sleep(Duration::from_secs(30));
    });
    let data = tempfile::tempdir().unwrap();
    let config = WebConfig { timeout_secs: 1, ..web_config() };
    let sources = WebSources { pages: vec![format!("{base}/slow.html")], sitemaps: Vec::new() };
    let started = std::time::Instant::now();
    let report = fetch_sources(&sources, &config, &data.path().join("web")).unwrap();
    assert!(started.elapsed() < Duration::from_secs(20), "the timeout was not applied");
    assert_eq!(report.fetched, 0);
    assert!(report.failed[0].1.contains("time"), "{report:?}");
}
