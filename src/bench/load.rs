//! An HTTP/1.1 load generator for loopback runs: a fixed number of keep-alive connections on
//! one thread (as `wrk -t1` does), each sending the next query of the mix as soon as the last
//! answer is read, for a fixed time; latencies recorded per request.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::stats::Latencies;

/// What one load run measured.
#[derive(Debug, Clone)]
pub struct LoadResult {
    /// Completed requests with status 200.
    pub ok: usize,
    /// Answers with another status, and connection errors.
    pub errors: usize,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Latency of every completed request.
    pub latencies: Latencies,
}

impl LoadResult {
    /// Requests answered per second.
    pub fn qps(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }
}

/// Runs `connections` keep-alive connections against `addr` for `duration`, cycling through
/// `paths` (request targets such as `/api/v1/search?q=x`).
pub fn run_load(
    addr: SocketAddr,
    paths: &[String],
    connections: usize,
    duration: Duration,
) -> anyhow::Result<LoadResult> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let requests: Arc<Vec<Vec<u8>>> = Arc::new(
            paths
                .iter()
                .map(|p| format!("GET {p} HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\n\r\n").into_bytes())
                .collect(),
        );
        let next = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let deadline = started + duration;
        let mut tasks = Vec::with_capacity(connections);
        for _ in 0..connections {
            let requests = Arc::clone(&requests);
            let next = Arc::clone(&next);
            tasks.push(tokio::spawn(async move { connection(addr, &requests, &next, deadline).await }));
        }
        let (mut ok, mut errors, mut latencies) = (0, 0, Vec::new());
        for task in tasks {
            let (o, e, l) = task.await.context("a load connection panicked")?;
            ok += o;
            errors += e;
            latencies.extend(l);
        }
        Ok(LoadResult { ok, errors, elapsed: started.elapsed(), latencies: Latencies::new(latencies) })
    })
}

async fn connection(
    addr: SocketAddr,
    requests: &[Vec<u8>],
    next: &AtomicUsize,
    deadline: Instant,
) -> (usize, usize, Vec<Duration>) {
    let (mut ok, mut errors, mut latencies) = (0, 0, Vec::new());
    let mut buffer = Vec::with_capacity(64 * 1024);
    let mut stream: Option<TcpStream> = None;
    while Instant::now() < deadline {
        if stream.is_none() {
            match TcpStream::connect(addr).await {
                Ok(s) => {
                    let _ = s.set_nodelay(true);
                    stream = Some(s);
                }
                Err(_) => {
                    errors += 1;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            }
        }
        let s = stream.as_mut().expect("connected above");
        let request = &requests[next.fetch_add(1, Ordering::Relaxed) % requests.len()];
        let sent = Instant::now();
        match exchange(s, request, &mut buffer).await {
            Ok((status, keep_alive)) => {
                if status == 200 {
                    ok += 1;
                    latencies.push(sent.elapsed());
                } else {
                    errors += 1;
                }
                if !keep_alive {
                    stream = None;
                }
            }
            Err(_) => {
                errors += 1;
                stream = None;
            }
        }
    }
    (ok, errors, latencies)
}

/// Sends one request and reads its whole answer; returns the status and whether the
/// connection stays open.
async fn exchange(stream: &mut TcpStream, request: &[u8], buffer: &mut Vec<u8>) -> std::io::Result<(u16, bool)> {
    stream.write_all(request).await?;
    buffer.clear();
    let header_end = loop {
        if let Some(end) = find(buffer, b"\r\n\r\n") {
            break end + 4;
        }
        read_more(stream, buffer).await?;
    };
    let head = std::str::from_utf8(&buffer[..header_end]).map_err(std::io::Error::other)?;
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut length = None;
    let mut chunked = false;
    let mut keep_alive = true;
    for line in head.lines().skip(1) {
        let Some((name, value)) = line.split_once(':') else { continue };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = value.parse::<usize>().ok();
        } else if name.eq_ignore_ascii_case("transfer-encoding") && value.eq_ignore_ascii_case("chunked") {
            chunked = true;
        } else if name.eq_ignore_ascii_case("connection") && value.eq_ignore_ascii_case("close") {
            keep_alive = false;
        }
    }
    if let Some(length) = length {
        while buffer.len() < header_end + length {
            read_more(stream, buffer).await?;
        }
    } else if chunked {
        while find(&buffer[header_end..], b"0\r\n\r\n").is_none() {
            read_more(stream, buffer).await?;
        }
    } else {
        return Ok((status, false));
    }
    Ok((status, keep_alive))
}

async fn read_more(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> std::io::Result<()> {
    let mut chunk = [0u8; 16 * 1024];
    let n = stream.read(&mut chunk).await?;
    if n == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    buffer.extend_from_slice(&chunk[..n]);
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
