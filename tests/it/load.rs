//! The real `serve` binary under a short burst of concurrent searches while it ingests, with
//! JSON logs; and stopped by SIGTERM in the middle of an ingestion. (The long run with `wrk` is
//! `tools/load/run.sh`.)

use std::process::{Command, ExitStatus};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{ServeProcess, binary, sample_library};

/// A `serve` process on a loopback port with JSON logs, killed when dropped.
struct JsonServer(ServeProcess);

impl JsonServer {
    fn start(data: &std::path::Path, env: &[(&str, &str)]) -> Self {
        let mut env = env.to_vec();
        env.push(("HUBSEARCH_LOG_FORMAT", "json"));
        JsonServer(ServeProcess::start(&sample_library(), data, &env))
    }

    fn url(&self, path: &str) -> String {
        self.0.url(path)
    }

    fn logs(&self) -> Vec<String> {
        self.0.log_lines()
    }

    /// Sends SIGTERM and waits at most `limit` for the exit.
    fn terminate(&mut self, limit: Duration) -> Option<ExitStatus> {
        let pid = self.0.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = self.0.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

/// A query mix like the one `tools/load/lua/mix.lua` cycles through.
const QUERIES: [&str; 8] = [
    "q=telemonitoring",
    "q=DiGA+Erstattung&lang=de",
    "q=heart+failure&country=PT&country=ES",
    "q=interoperability&topic=integration",
    "",
    "q=%D1%82%D0%B5%D0%BB%D0%B5%D0%BC%D0%B5%D0%B4%D0%B8%D1%86%D0%B8%D0%BD%D0%B0",
    "q=app+certification&sort=date&per_page=20",
    "q=%22mobile+health%22+-covid&page=2",
];

#[test]
fn thirty_two_clients_for_five_seconds_during_ingestion_get_no_5xx_and_logs_are_json() {
    let data = tempfile::tempdir().unwrap();
    let server = JsonServer::start(data.path(), &[("HUBSEARCH_RATE_LIMIT_PER_MINUTE", "0")]);
    let ok = Arc::new(AtomicU64::new(0));
    let server_errors = Arc::new(AtomicU64::new(0));
    let other = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(5);
    let workers: Vec<_> = (0..32)
        .map(|worker| {
            let base = server.url("/api/v1/search?");
            let (ok, server_errors, other, failed) = (ok.clone(), server_errors.clone(), other.clone(), failed.clone());
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .timeout_global(Some(Duration::from_secs(20)))
                    .http_status_as_error(false)
                    .build()
                    .into();
                let mut i = worker;
                while Instant::now() < deadline {
                    match agent.get(&format!("{base}{}", QUERIES[i % QUERIES.len()])).call() {
                        Ok(mut response) => {
                            let status = response.status().as_u16();
                            let _ = response.body_mut().read_to_string();
                            match status {
                                200 => &ok,
                                500.. => &server_errors,
                                _ => &other,
                            }
                            .fetch_add(1, Ordering::Relaxed);
                        }
                        Err(_) => {
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    i += 1;
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let (ok, server_errors, other, failed) = (
        ok.load(Ordering::Relaxed),
        server_errors.load(Ordering::Relaxed),
        other.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed),
    );
    assert_eq!((server_errors, failed, other), (0, 0, 0), "{ok} answered; 5xx, failed connections, other statuses");
    assert!(ok >= 32, "{ok} searches answered");

    let logs = server.logs();
    assert!(!logs.is_empty());
    for line in &logs {
        let json: Value = serde_json::from_str(line).unwrap_or_else(|err| panic!("not JSON ({err}): {line}"));
        assert!(json["level"].is_string() && json["timestamp"].is_string(), "{line}");
    }
}

#[test]
fn sigterm_during_ingestion_stops_promptly_and_leaves_a_usable_index() {
    let data = tempfile::tempdir().unwrap();
    let mut server = JsonServer::start(data.path(), &[]);
    // The start-up ingestion of the sample library has just begun.
    let status = server.terminate(Duration::from_secs(20)).expect("serve exits within 20 s of SIGTERM");
    assert!(status.success(), "{status:?}");
    let logs = server.logs().join("\n");
    assert!(logs.contains("shut down"), "{logs}");

    // The index on disk is the last commit (empty or complete) and opens cleanly.
    let output = Command::new(binary())
        .args(["search", "--json", "--data", data.path().to_str().unwrap(), "telemonitoring"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let total = json["total"].as_u64().unwrap();
    assert!(logs.contains("abandoned") || total > 0, "either abandoned or committed: {total} hits\n{logs}");
}

#[test]
fn the_real_server_limits_each_peer_closes_silent_connections_and_does_not_wait_for_them() {
    use std::io::{Read, Write};
    let data = tempfile::tempdir().unwrap();
    let mut server = JsonServer::start(
        data.path(),
        &[
            ("HUBSEARCH_RATE_LIMIT_PER_MINUTE", "2"),
            ("HUBSEARCH_HTTP__IDLE_TIMEOUT_SECS", "1"),
            ("HUBSEARCH_HTTP__REQUEST_TIMEOUT_SECS", "1"),
            ("HUBSEARCH_INGEST_ON_START", "false"),
        ],
    );
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let statuses: Vec<u16> =
        (0..3).map(|_| agent.get(&server.url("/api/v1/search?q=x")).call().unwrap().status().as_u16()).collect();
    assert_eq!(statuses, [200, 200, 429], "the peer address is the client");
    let refused = agent.get(&server.url("/api/v1/search?q=x")).call().unwrap();
    assert!(refused.headers().get("retry-after").is_some());

    // A connection that sends half a request and then nothing is closed after the idle time.
    let mut silent = std::net::TcpStream::connect(server.0.address).unwrap();
    silent.write_all(b"GET /api/v1/search HTTP/1.1\r\nHost: x\r\n").unwrap();
    silent.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 64];
    let read = silent.read(&mut buf);
    assert!(matches!(read, Ok(0) | Err(_)), "closed, not answered: {read:?}");
    assert!(started.elapsed() < Duration::from_secs(8), "closed after about a second");

    // Another silent connection does not hold up a shutdown.
    let _stuck = std::net::TcpStream::connect(server.0.address).unwrap();
    let mut stuck = std::net::TcpStream::connect(server.0.address).unwrap();
    stuck.write_all(b"GET / HTTP/1.1\r\n").unwrap();
    let status = server.terminate(Duration::from_secs(15)).expect("exits despite open connections");
    assert!(status.success(), "{status:?}");
}
