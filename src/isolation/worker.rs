//! The child side: `hubsearch extract-worker` limits its own address space, then answers
//! requests from stdin until stdin closes.

use std::io::{BufWriter, Read, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};

use anyhow::Context;

use super::wire::{Reply, byte_kind};

/// Largest document a worker accepts (the parent never sends more; a corrupt header must not
/// make the child allocate without bound before its limit is even reached).
const MAX_REQUEST_BYTES: u64 = 4 << 30;

/// Serves extraction requests on stdin/stdout. Returns when stdin closes.
pub fn run(max_memory_mb: u64) -> anyhow::Result<()> {
    limit_address_space(max_memory_mb).context("cannot set the worker's memory limit")?;
    // The panic message travels in the reply; the default hook would also print it.
    std::panic::set_hook(Box::new(|_| {}));
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let stdout = std::io::stdout();
    let mut output = BufWriter::new(stdout.lock());
    loop {
        let mut header = [0u8; 9];
        match input.read_exact(&mut header) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(err) => return Err(err).context("reading a request"),
        }
        let kind = byte_kind(header[0]).context("bad request: unknown document kind")?;
        let len = u64::from_le_bytes(header[1..].try_into().expect("eight bytes"));
        anyhow::ensure!(len <= MAX_REQUEST_BYTES, "bad request: {len} bytes");
        let mut bytes = vec![0; usize::try_from(len)?];
        input.read_exact(&mut bytes).context("reading a request's bytes")?;
        let result = catch_unwind(AssertUnwindSafe(|| ingest::extract::extract(kind, &bytes)))
            .unwrap_or_else(|payload| Err(ingest::ExtractError::Panic(panic_text(&payload))));
        serde_json::to_writer(&mut output, &Reply::from_result(result))?;
        output.write_all(b"\n")?;
        output.flush()?;
    }
}

fn panic_text(payload: &Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}

#[cfg(unix)]
fn limit_address_space(max_memory_mb: u64) -> std::io::Result<()> {
    if max_memory_mb == 0 {
        return Ok(());
    }
    let bytes = max_memory_mb.saturating_mul(1024 * 1024);
    let limit = libc::rlimit { rlim_cur: bytes as libc::rlim_t, rlim_max: bytes as libc::rlim_t };
    // SAFETY: setrlimit reads the struct we pass and changes only this process's limits.
    let rc = unsafe { libc::setrlimit(libc::RLIMIT_AS, &limit) };
    if rc == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
}

#[cfg(not(unix))]
fn limit_address_space(_max_memory_mb: u64) -> std::io::Result<()> {
    // No portable address-space limit: the time limit still applies.
    Ok(())
}
