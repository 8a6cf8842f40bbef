//! Ingestion jobs: synchronisations run one at a time on a background thread, each with a
//! state, live progress, counts, per-document failures and timings that admins can follow.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::sync::{SyncCounts, SyncPhase, SyncProgress, SyncReport};

/// Identifies a job for as long as the process runs (ids restart at 1 with the process).
pub type JobId = u64;

/// Jobs kept for `GET /admin/jobs`; older ones are forgotten.
const HISTORY: usize = 50;

/// Per-document failures kept per job; the rest are only counted, so a library of broken
/// files cannot grow a job's status without bound.
const MAX_ERRORS: usize = 1000;

/// Where a job's state is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    /// Waiting for the running job to end.
    Queued,
    /// Running.
    Running,
    /// Finished and committed (individual documents may still have failed).
    Done,
    /// Stopped by an error; nothing of it was committed.
    Failed,
}

impl JobState {
    /// Whether the job has ended.
    pub fn is_terminal(self) -> bool {
        matches!(self, JobState::Done | JobState::Failed)
    }
}

/// What started a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobTrigger {
    /// The start-up synchronisation of `serve`.
    Startup,
    /// An admin, through the API.
    Admin,
    /// The library watcher.
    Watch,
}

/// A document that failed in a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobError {
    /// Path of the file, relative to the library.
    pub path: String,
    /// Why it failed.
    pub reason: String,
}

/// Files processed so far out of those that needed processing (new, changed, or all with
/// `full`); files skipped by fingerprint are not in `total`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobProgress {
    /// Processed.
    pub done: usize,
    /// To process.
    pub total: usize,
}

/// Everything known about a job, as the admin API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobStatus {
    /// The job's id.
    pub id: JobId,
    /// What started it.
    pub trigger: JobTrigger,
    /// Whether every document is re-extracted, changed or not.
    pub full: bool,
    /// Where it is in its life.
    pub state: JobState,
    /// What a running job is doing.
    pub phase: Option<SyncPhase>,
    /// Files processed so far.
    pub progress: JobProgress,
    /// Counts so far.
    pub counts: SyncCounts,
    /// Documents that failed, with the reason (at most 1000; see `errors_omitted`).
    pub errors: Vec<JobError>,
    /// Failures beyond those listed.
    pub errors_omitted: usize,
    /// Why the job failed, for a failed job.
    pub error: Option<String>,
    /// When the job was created (RFC 3339, UTC).
    pub queued_at: String,
    /// When it started running.
    pub started_at: Option<String>,
    /// When it ended.
    pub finished_at: Option<String>,
    /// Seconds it has been running (or ran).
    pub elapsed_secs: Option<f64>,
    /// Library files checked per second (skipped unchanged ones included).
    pub files_per_sec: Option<f64>,
}

/// What [`JobManager::submit`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Submitted {
    /// The job that will do the work.
    pub id: JobId,
    /// Whether a new job was created (false: an existing one covers the request).
    pub created: bool,
}

/// The synchronisation a job runs, knowing what triggered it and whether it is `full`, reporting
/// progress, returning the report.
pub type Runner = dyn Fn(JobTrigger, bool, &mut dyn FnMut(SyncProgress)) -> anyhow::Result<SyncReport> + Send + Sync;

/// Runs ingestion jobs one at a time on a background thread and keeps the last few.
#[derive(Clone)]
pub struct JobManager {
    shared: Arc<Shared>,
}

struct Shared {
    table: Mutex<Table>,
    wake: Condvar,
    library: PathBuf,
}

#[derive(Default)]
struct Table {
    jobs: VecDeque<Entry>,
    next_id: JobId,
}

struct Entry {
    status: JobStatus,
    sender: watch::Sender<JobStatus>,
    started: Option<Instant>,
}

impl Entry {
    fn publish(&mut self) {
        if let Some(started) = self.started {
            let elapsed = started.elapsed().as_secs_f64();
            let c = &self.status.counts;
            let checked = c.unchanged + c.added + c.updated + c.failed;
            self.status.elapsed_secs = Some(round(elapsed));
            self.status.files_per_sec = (elapsed > 0.0).then(|| round(checked as f64 / elapsed));
        }
        self.sender.send_replace(self.status.clone());
    }
}

impl JobManager {
    /// A manager whose jobs run `runner` over the library at `library` (used to show failed
    /// paths relative to it), on a thread of its own.
    pub fn spawn(library: PathBuf, runner: Box<Runner>) -> Self {
        let shared = Arc::new(Shared { table: Mutex::new(Table::default()), wake: Condvar::new(), library });
        let worker = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("hubsearch-jobs".to_owned())
            .spawn(move || worker_loop(&worker, &*runner))
            .expect("cannot start the job thread");
        JobManager { shared }
    }

    fn table(&self) -> MutexGuard<'_, Table> {
        self.shared.table.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Asks for a synchronisation. An admin or start-up request while a job runs gets the
    /// running job, unless it asks for `full` and the running job is incremental: then, like a
    /// watcher request while a job runs (the running job may have scanned before the change), it
    /// gets a job queued behind the running one. At most one job is queued; requests that would
    /// queue another join it (making it full if asked).
    pub fn submit(&self, trigger: JobTrigger, full: bool) -> Submitted {
        let mut table = self.table();
        if trigger != JobTrigger::Watch
            && let Some(entry) = table.jobs.iter().find(|e| e.status.state == JobState::Running)
            && (entry.status.full || !full)
        {
            return Submitted { id: entry.status.id, created: false };
        }
        if let Some(entry) = table.jobs.iter_mut().find(|e| e.status.state == JobState::Queued) {
            if full && !entry.status.full {
                entry.status.full = true;
                entry.publish();
            }
            return Submitted { id: entry.status.id, created: false };
        }
        table.next_id += 1;
        let status = JobStatus {
            id: table.next_id,
            trigger,
            full,
            state: JobState::Queued,
            phase: None,
            progress: JobProgress::default(),
            counts: SyncCounts::default(),
            errors: Vec::new(),
            errors_omitted: 0,
            error: None,
            queued_at: rfc3339(SystemTime::now()),
            started_at: None,
            finished_at: None,
            elapsed_secs: None,
            files_per_sec: None,
        };
        let (sender, _) = watch::channel(status.clone());
        table.jobs.push_back(Entry { status, sender, started: None });
        // Forget the oldest finished jobs; queued and running ones are always kept.
        while table.jobs.len() > HISTORY {
            match table.jobs.iter().position(|e| e.status.state.is_terminal()) {
                Some(oldest) => drop(table.jobs.remove(oldest)),
                None => break,
            }
        }
        let id = table.next_id;
        drop(table);
        self.shared.wake.notify_all();
        Submitted { id, created: true }
    }

    /// Every job kept, newest first.
    pub fn list(&self) -> Vec<JobStatus> {
        self.table().jobs.iter().rev().map(|e| e.status.clone()).collect()
    }

    /// One job, if it is known.
    pub fn get(&self, id: JobId) -> Option<JobStatus> {
        self.table().jobs.iter().find(|e| e.status.id == id).map(|e| e.status.clone())
    }

    /// A channel that always holds the job's latest status, if the job is known.
    pub fn subscribe(&self, id: JobId) -> Option<watch::Receiver<JobStatus>> {
        self.table().jobs.iter().find(|e| e.status.id == id).map(|e| e.sender.subscribe())
    }

    fn update(&self, id: JobId, change: impl FnOnce(&mut JobStatus)) {
        Self::update_in(&self.shared, id, change);
    }

    fn update_in(shared: &Shared, id: JobId, change: impl FnOnce(&mut JobStatus)) {
        let mut table = shared.table.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(entry) = table.jobs.iter_mut().find(|e| e.status.id == id) {
            change(&mut entry.status);
            entry.publish();
        }
    }
}

fn worker_loop(shared: &Arc<Shared>, runner: &Runner) {
    let manager = JobManager { shared: Arc::clone(shared) };
    loop {
        let (id, trigger, full) = {
            let mut table = shared.table.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            loop {
                if let Some(entry) = table.jobs.iter_mut().find(|e| e.status.state == JobState::Queued) {
                    entry.status.state = JobState::Running;
                    entry.status.started_at = Some(rfc3339(SystemTime::now()));
                    entry.started = Some(Instant::now());
                    entry.publish();
                    break (entry.status.id, entry.status.trigger, entry.status.full);
                }
                table = shared.wake.wait(table).unwrap_or_else(|poisoned| poisoned.into_inner());
            }
        };
        tracing::info!(job = id, full, "ingestion job started");
        let mut on_progress = |progress: SyncProgress| {
            manager.update(id, |status| {
                status.phase = Some(progress.phase);
                status.progress = JobProgress { done: progress.done, total: progress.total };
                status.counts = progress.counts;
            });
        };
        let result = catch_unwind(AssertUnwindSafe(|| runner(trigger, full, &mut on_progress)));
        crate::malloc::release_free_memory();
        let finished_at = rfc3339(SystemTime::now());
        match result {
            Ok(Ok(report)) => {
                tracing::info!(
                    job = id,
                    added = report.added,
                    updated = report.updated,
                    deleted = report.deleted,
                    unchanged = report.unchanged,
                    failed = report.failed.len(),
                    seconds = report.duration.as_secs_f64(),
                    "ingestion job done"
                );
                manager.update(id, |status| {
                    status.state = JobState::Done;
                    status.phase = None;
                    status.counts = report.counts();
                    status.errors = report
                        .failed
                        .iter()
                        .take(MAX_ERRORS)
                        .map(|f| JobError { path: relative(&shared.library, &f.path), reason: f.reason.clone() })
                        .collect();
                    status.errors_omitted = report.failed.len().saturating_sub(MAX_ERRORS);
                    status.finished_at = Some(finished_at);
                });
            }
            Ok(Err(err)) => {
                let error = format!("{err:#}");
                tracing::error!(job = id, %error, "ingestion job failed; the index keeps its last commit");
                mark_failed(&manager, id, error, finished_at);
            }
            Err(payload) => {
                let error = format!("ingestion panicked: {}", ingest::pipeline::panic_message(&payload));
                tracing::error!(job = id, %error, "ingestion job failed; the index keeps its last commit");
                mark_failed(&manager, id, error, finished_at);
            }
        }
    }
}

fn mark_failed(manager: &JobManager, id: JobId, error: String, finished_at: String) {
    manager.update(id, |status| {
        status.state = JobState::Failed;
        status.phase = None;
        status.error = Some(error);
        status.finished_at = Some(finished_at);
    });
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).to_string_lossy().replace('\\', "/")
}

fn round(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

/// `time` as RFC 3339 in UTC with millisecond precision (`2026-11-21T13:05:09.123Z`).
pub fn rfc3339(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;
    use crate::sync::SyncFailure;

    #[test]
    fn rfc3339_formats_utc_dates() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(UNIX_EPOCH + Duration::from_millis(951_782_400_250)), "2000-02-29T00:00:00.250Z");
        assert_eq!(rfc3339(UNIX_EPOCH + Duration::from_secs(1_795_266_309)), "2026-11-21T13:05:09.000Z");
    }

    /// A runner that waits for a go-ahead per job, so tests control when jobs end.
    fn gated_runner(library: &Path) -> (JobManager, mpsc::Sender<anyhow::Result<SyncReport>>) {
        let (tx, rx) = mpsc::channel::<anyhow::Result<SyncReport>>();
        let rx = Mutex::new(rx);
        let manager = JobManager::spawn(
            library.to_path_buf(),
            Box::new(move |_trigger, _full, progress| {
                progress(SyncProgress {
                    phase: SyncPhase::Extracting,
                    done: 1,
                    total: 2,
                    counts: SyncCounts { seen: 2, added: 1, ..SyncCounts::default() },
                });
                rx.lock().unwrap().recv().expect("test sends an outcome")
            }),
        );
        (manager, tx)
    }

    fn wait_until(manager: &JobManager, id: JobId, state: JobState) -> JobStatus {
        wait_for(manager, id, |s| s.state == state)
    }

    fn wait_for(manager: &JobManager, id: JobId, ready: impl Fn(&JobStatus) -> bool) -> JobStatus {
        let mut rx = manager.subscribe(id).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            tokio::time::timeout(Duration::from_secs(10), rx.wait_for(|s| ready(s))).await.unwrap().unwrap();
        });
        manager.get(id).unwrap()
    }

    #[test]
    fn one_job_runs_at_a_time_and_requests_join_it() {
        let (manager, go) = gated_runner(Path::new("/lib"));
        let first = manager.submit(JobTrigger::Admin, false);
        assert!(first.created);
        // The job is running before its first progress report: wait for that report.
        let running = wait_for(&manager, first.id, |s| s.state == JobState::Running && s.progress.done == 1);
        assert_eq!(running.progress, JobProgress { done: 1, total: 2 });
        assert_eq!(running.counts.added, 1);
        assert!(running.started_at.is_some() && running.finished_at.is_none());

        // An admin asking again gets the running job.
        assert_eq!(manager.submit(JobTrigger::Admin, false), Submitted { id: first.id, created: false });
        // The watcher queues one behind it; later requests join the queued one.
        let queued = manager.submit(JobTrigger::Watch, false);
        assert!(queued.created && queued.id != first.id);
        assert_eq!(manager.submit(JobTrigger::Watch, false), Submitted { id: queued.id, created: false });
        assert_eq!(manager.submit(JobTrigger::Admin, false), Submitted { id: first.id, created: false });
        // A full re-ingest is not covered by the running incremental job: the queued one becomes full.
        assert_eq!(manager.submit(JobTrigger::Admin, true), Submitted { id: queued.id, created: false });
        let waiting = manager.get(queued.id).unwrap();
        assert_eq!((waiting.state, waiting.full), (JobState::Queued, true));

        let report = SyncReport {
            seen: 3,
            added: 2,
            failed: vec![SyncFailure { path: PathBuf::from("/lib/a/broken.pdf"), reason: "not a PDF".to_owned() }],
            ..SyncReport::default()
        };
        go.send(Ok(report)).unwrap();
        let done = wait_until(&manager, first.id, JobState::Done);
        assert_eq!(done.counts, SyncCounts { seen: 3, added: 2, failed: 1, ..SyncCounts::default() });
        assert_eq!(done.errors, [JobError { path: "a/broken.pdf".to_owned(), reason: "not a PDF".to_owned() }]);
        assert!(done.finished_at.is_some() && done.elapsed_secs.is_some());

        // The queued job runs next, then fails without taking the manager down.
        wait_until(&manager, queued.id, JobState::Running);
        go.send(Err(anyhow::anyhow!("disk full"))).unwrap();
        let failed = wait_until(&manager, queued.id, JobState::Failed);
        assert_eq!(failed.error.as_deref(), Some("disk full"));

        let ids: Vec<JobId> = manager.list().iter().map(|s| s.id).collect();
        assert_eq!(ids, [queued.id, first.id]);
        assert!(manager.get(999).is_none());
    }

    #[test]
    fn a_panicking_job_fails_and_the_next_one_still_runs() {
        let manager = JobManager::spawn(
            PathBuf::from("/lib"),
            Box::new(|_, full, _| if full { Ok(SyncReport::default()) } else { panic!("boom") }),
        );
        let first = manager.submit(JobTrigger::Admin, false);
        let failed = wait_until(&manager, first.id, JobState::Failed);
        assert!(failed.error.unwrap().contains("boom"));
        let second = manager.submit(JobTrigger::Admin, true);
        assert!(second.created);
        wait_until(&manager, second.id, JobState::Done);
    }
}
