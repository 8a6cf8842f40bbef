//! Shared set-up: the sample library indexed once per test process, a router over it, and
//! small HTTP helpers.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::Duration;

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
    index_with_config(Config { library: library.to_path_buf(), ..Config::default() })
}

/// Indexes `config.library` into a fresh index in memory, with `config` (partners…) as given.
pub fn index_with_config(config: Config) -> (AppState, SyncReport) {
    let library = config.library.clone();
    let library = library.as_path();
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

/// A running `hubsearch serve` on a loopback port whose log (stderr) is drained into memory;
/// killed with SIGKILL when dropped, so a failing test never leaves a server behind.
pub struct ServeProcess {
    pub child: Child,
    pub address: SocketAddr,
    /// Every line the server has logged so far (plain or JSON, as configured).
    pub log: Arc<Mutex<Vec<String>>>,
}

impl ServeProcess {
    /// Starts `serve` on `library` and `data` with `RUST_LOG=info` and the extra `env`, and
    /// waits (at most a minute) for the line announcing its address, in either log format.
    pub fn start(library: &Path, data: &Path, env: &[(&str, &str)]) -> ServeProcess {
        let mut child = Command::new(binary())
            .args(["serve", "--library", library.to_str().unwrap(), "--data", data.to_str().unwrap()])
            .args(["--listen", "127.0.0.1:0"])
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start hubsearch serve");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let log = Arc::new(Mutex::new(Vec::new()));
        let lines = Arc::clone(&log);
        // Keeps draining the log so that the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let end = rest.find(|c: char| !(c.is_ascii_hexdigit() || ".:[]".contains(c))).unwrap_or(rest.len());
                    let _ = tx.send(rest[..end].to_owned());
                }
                lines.lock().unwrap().push(line);
            }
        });
        let address = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(address) => address.parse().unwrap_or_else(|_| panic!("bad announced address {address:?}")),
            Err(_) => {
                let _ = child.kill();
                panic!("the server did not announce its address: {:?}; log: {:?}", child.wait(), log.lock().unwrap());
            }
        };
        ServeProcess { child, address, log }
    }

    /// `http://address{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// A copy of the log so far.
    pub fn log_lines(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        // std's Child::kill sends SIGKILL on Unix: no shutdown code runs.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Countries of the fixture library's ordinary documents, by document number modulo 3.
pub const FIXTURE_COUNTRIES: [&str; 3] = ["ES", "PT", "FR"];

/// The title of the fixture library's hostile document.
pub const HOSTILE_TITLE: &str = "<img src=x onerror=alert(1)>";

/// Writes a small library of text documents with sidecars into `dir`: 24 ordinary documents
/// (number `i` is about `FIXTURE_COUNTRIES[i % 3]`, mentions "cardiology" when `i` is even and
/// links to `{url_base}/doc/{i}`) and one hostile document about ES whose title is markup, whose
/// URL is `javascript:` and whose text carries a script.
pub fn write_fixture_library(dir: &Path, url_base: &str) {
    const LANGS: [&str; 4] = ["en", "es", "fr", "de"];
    const TOPICS: [&str; 3] = ["assessment/cost-effectiveness", "policy/national-strategy", "integration/ehr"];
    for i in 0..24 {
        let country = FIXTURE_COUNTRIES[i % 3];
        let extra = if i % 2 == 0 { "The cardiology ward joined the programme." } else { "Primary care led it." };
        let text = format!(
            "Telemonitoring programme number {i}\n\nThis report describes remote telemonitoring of patients with chronic heart \
             failure, its costs and its results over two years. {extra} Nurses reviewed the readings every morning and \
             called patients whose values drifted.\n"
        );
        std::fs::write(dir.join(format!("doc-{i:02}.txt")), text).unwrap();
        let sidecar = format!(
            "title = \"Telemonitoring programme {i} ({country})\"\nlang = \"{}\"\ncountries = [\"{country}\"]\n\
             topics = [\"{}\"]\npublished = \"{}-03-01\"\nurl = \"{url_base}/doc/{i}\"\n",
            LANGS[i % 4],
            TOPICS[i % 3],
            2000 + i,
        );
        std::fs::write(dir.join(format!("doc-{i:02}.txt.meta.toml")), sidecar).unwrap();
    }
    let hostile = "A hostile document about telemonitoring. <script>alert(3)</script> \
                   <img src=y onerror=alert(4)> It should be shown as text and never run.\n";
    std::fs::write(dir.join("hostile.txt"), hostile).unwrap();
    std::fs::write(
        dir.join("hostile.txt.meta.toml"),
        format!("title = {HOSTILE_TITLE:?}\nlang = \"en\"\ncountries = [\"ES\"]\nurl = \"javascript:alert(2)\"\n"),
    )
    .unwrap();
}
