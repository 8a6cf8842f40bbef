//! The parent side: a pool of long-lived worker processes (started on demand, reused while
//! healthy, so a document costs a pipe round trip rather than a process start), each request
//! under a deadline. A worker that times out is killed; one that dies (memory bound reached,
//! abort) is reaped; either way only that document fails and the next one gets a fresh worker.

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use ingest::{DocKind, ExtractError, Extraction, InProcess, Isolation};

use super::wire::{Reply, kind_byte};

/// Worker processes that extract documents under a time limit (and, through the worker's own
/// `setrlimit`, a memory bound).
pub struct WorkerPool {
    program: PathBuf,
    args: Vec<OsString>,
    timeout: Duration,
    idle: Mutex<Vec<Worker>>,
}

struct Worker {
    child: Child,
    stdin: ChildStdin,
    replies: Receiver<String>,
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Only ever our own child, by its handle.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl WorkerPool {
    /// A pool running `program args…` as workers (the worker protocol on stdin/stdout).
    pub fn new(program: impl Into<PathBuf>, args: Vec<OsString>, timeout: Duration) -> Self {
        WorkerPool { program: program.into(), args, timeout, idle: Mutex::new(Vec::new()) }
    }

    /// A pool of `hubsearch extract-worker` processes of the running binary.
    pub fn for_current_exe(timeout: Duration, max_memory_mb: u64) -> Self {
        let program = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("hubsearch"));
        let args = vec!["extract-worker".into(), "--max-memory-mb".into(), max_memory_mb.to_string().into()];
        WorkerPool::new(program, args, timeout)
    }

    fn spawn(&self) -> std::io::Result<Worker> {
        let mut child = Command::new(&self.program)
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, replies) = channel();
        // A reader thread per worker turns the blocking pipe into a channel with a timeout; it
        // ends when the worker's stdout closes.
        std::thread::Builder::new().name("extract-worker-reader".into()).spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        })?;
        Ok(Worker { child, stdin, replies })
    }

    fn checkout(&self) -> std::io::Result<Worker> {
        let idle = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        match idle {
            Some(worker) => Ok(worker),
            None => self.spawn(),
        }
    }

    fn release(&self, worker: Worker) {
        self.idle.lock().unwrap_or_else(|p| p.into_inner()).push(worker);
    }

    fn request(&self, worker: &mut Worker, kind: DocKind, bytes: &[u8]) -> Result<String, ExtractError> {
        let mut header = [0u8; 9];
        header[0] = kind_byte(kind);
        header[1..].copy_from_slice(&(bytes.len() as u64).to_le_bytes());
        let Worker { child, stdin, replies } = worker;
        // The deadline covers sending too: a worker that stops reading must not block us.
        std::thread::scope(|scope| {
            let writer = scope.spawn(move || {
                stdin.write_all(&header)?;
                stdin.write_all(bytes)?;
                stdin.flush()
            });
            let reply = replies.recv_timeout(self.timeout);
            if reply.is_err() {
                // Our own child, by its handle; the writer then fails and ends.
                let _ = child.kill();
            }
            let sent = writer.join().unwrap_or_else(|_| Err(std::io::Error::other("writer panicked")));
            match reply {
                Ok(line) => Ok(line),
                Err(RecvTimeoutError::Timeout) => Err(ExtractError::Timeout { secs: self.timeout.as_secs() }),
                Err(RecvTimeoutError::Disconnected) => {
                    let what = match sent {
                        Ok(()) => "no answer".to_owned(),
                        Err(err) => format!("cannot send the document: {err}"),
                    };
                    Err(died(child, &what))
                }
            }
        })
    }
}

fn died(child: &mut Child, what: &str) -> ExtractError {
    let status = child.wait().map(|s| s.to_string()).unwrap_or_else(|e| e.to_string());
    ExtractError::Worker(format!("{what}; the worker process ended ({status}), possibly at its memory limit"))
}

impl Isolation for WorkerPool {
    fn extract(&self, kind: DocKind, bytes: &[u8]) -> Result<Extraction, ExtractError> {
        let mut worker = match self.checkout() {
            Ok(worker) => worker,
            Err(err) => {
                tracing::warn!(program = %self.program.display(), "cannot start an extraction worker ({err}); extracting in process");
                return InProcess.extract(kind, bytes);
            }
        };
        match self.request(&mut worker, kind, bytes) {
            Ok(line) => match serde_json::from_str::<Reply>(&line) {
                Ok(reply) => {
                    self.release(worker);
                    reply.into_result()
                }
                Err(err) => Err(ExtractError::Worker(format!("unreadable answer from the worker: {err}"))),
            },
            // The worker is dropped (killed and reaped) rather than reused.
            Err(err) => Err(err),
        }
    }
}
