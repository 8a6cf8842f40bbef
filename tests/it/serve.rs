//! The real `serve` binary on a loopback port: it answers at once and becomes ready after
//! ingesting the sample library.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{ServeProcess, sample_library};

/// A minimal HTTP/1.1 GET over loopback: status and body.
fn http_get(address: SocketAddr, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(5)).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read response");
    let status = response.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("status line");
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

#[test]
fn serve_answers_searches_and_becomes_ready_within_a_minute() {
    let data = tempfile::tempdir().unwrap();
    let server = ServeProcess::start(&sample_library(), data.path(), &[]);
    let address = server.address;

    let started = Instant::now();
    let mut not_ready = 0;
    loop {
        let (status, body) = http_get(address, "/readyz");
        if status == 200 {
            break;
        }
        assert_eq!(status, 503, "{body}");
        not_ready += 1;
        assert!(started.elapsed() < Duration::from_secs(60), "not ready after a minute");
        std::thread::sleep(Duration::from_millis(100));
    }

    // "Not ready yet" is the service working as designed, not an error in its log.
    assert!(not_ready > 0, "the start-up ingestion was over before the first /readyz");
    let errors: Vec<String> = server.log_lines().into_iter().filter(|l| l.contains("ERROR")).collect();
    assert!(errors.is_empty(), "{errors:?}");

    let (status, body) = http_get(address, "/api/v1/search?q=DiGA");
    assert_eq!(status, 200, "{body}");
    let json: Value = serde_json::from_str(&body).unwrap();
    assert!(json["total"].as_u64().unwrap() >= 1);
    assert_eq!(json["hits"][0]["id"], "policy/de-diga-fast-track-overview-2022.pdf");

    let (status, body) = http_get(address, "/api/v1/search?per_page=100000");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("per_page"));
}
