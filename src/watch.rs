//! Watching the library: changes to its files are debounced, batched and handed on as one
//! request for an incremental synchronisation; the watch is re-armed when the library
//! directory is replaced or comes back after being missing.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode};
use notify::{Event, EventKind, RecursiveMode, Watcher};

/// How often the watcher checks that the library directory is still the one it watches.
const CHECK_ROOT_EVERY: Duration = Duration::from_millis(500);

/// A change is handed on at the latest this long after the first one of a burst, even if
/// changes keep coming, so that a steady trickle cannot postpone ingestion for ever.
const MAX_DELAY: Duration = Duration::from_secs(2);

/// Watches a library directory on a thread of its own until dropped.
pub struct LibraryWatcher {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// What the watcher needs to know.
#[derive(Debug, Clone)]
pub struct WatchSettings {
    /// The library root.
    pub library: PathBuf,
    /// Directories below the library whose changes are not library changes (the index, if
    /// someone put the data directory inside the library).
    pub ignore: Vec<PathBuf>,
    /// Quiet time after the last change before `on_change` is called.
    pub debounce: Duration,
}

impl LibraryWatcher {
    /// Starts watching. `on_change` is called (on the watcher's thread) once per burst of
    /// changes, and when the watch is re-armed (changes may have been missed meanwhile).
    pub fn start(settings: WatchSettings, on_change: impl Fn() + Send + 'static) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("hubsearch-watch".to_owned())
            .spawn(move || watch_loop(&settings, &flag, &on_change))?;
        Ok(LibraryWatcher { stop, thread: Some(thread) })
    }
}

impl Drop for LibraryWatcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Identity of a directory: a replaced directory (same path, new directory) has another.
fn identity(path: &Path) -> Option<(u64, u64)> {
    let meta = std::fs::metadata(path).ok().filter(std::fs::Metadata::is_dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        Some((0, 0))
    }
}

struct Armed {
    // Kept alive: dropping it ends the watch.
    _watcher: notify::RecommendedWatcher,
    identity: (u64, u64),
}

fn arm(root: &Path, tx: &mpsc::Sender<notify::Result<Event>>) -> Result<Armed, String> {
    let identity = identity(root).ok_or_else(|| "the library directory is missing".to_owned())?;
    let tx = tx.clone();
    let mut watcher = notify::recommended_watcher(move |event| {
        let _ = tx.send(event);
    })
    .map_err(|err| format!("cannot create a file watcher: {err}"))?;
    watcher.watch(root, RecursiveMode::Recursive).map_err(|err| format!("cannot watch the library: {err}"))?;
    tracing::info!(library = %root.display(), "watching the library");
    Ok(Armed { _watcher: watcher, identity })
}

fn watch_loop(settings: &WatchSettings, stop: &AtomicBool, on_change: &dyn Fn()) {
    let root = &settings.library;
    let (tx, rx) = mpsc::channel();
    let mut armed: Option<Armed> = None;
    let mut last_check = Instant::now();
    // (first change of the burst, last change)
    let mut pending: Option<(Instant, Instant)> = None;
    // Whether the current outage (no watch) has been logged: once per outage, not per retry.
    let mut outage_reported = false;
    let mut first_arming = true;
    while !stop.load(Ordering::Acquire) {
        if last_check.elapsed() >= CHECK_ROOT_EVERY || armed.is_none() {
            last_check = Instant::now();
            let current = identity(root);
            let stale = match (&armed, current) {
                (Some(a), Some(id)) => a.identity != id,
                (Some(_), None) => true,
                (None, _) => true,
            };
            if stale {
                armed = None;
                match arm(root, &tx) {
                    Ok(watch) => {
                        armed = Some(watch);
                        outage_reported = false;
                        // Re-armed after the directory came back or was replaced: its content may
                        // differ in any way.
                        if !first_arming {
                            let now = Instant::now();
                            pending = Some(pending.map_or((now, now), |(first, _)| (first, now)));
                        }
                    }
                    Err(reason) if !outage_reported => {
                        tracing::warn!(library = %root.display(), %reason, "not watching the library; retrying");
                        outage_reported = true;
                    }
                    Err(_) => {}
                }
                first_arming = false;
            }
        }
        let timeout = match (pending, &armed) {
            (_, None) => Duration::from_millis(200),
            (Some((first, last)), _) => {
                let due = (last + settings.debounce).min(first + MAX_DELAY);
                due.saturating_duration_since(Instant::now()).min(CHECK_ROOT_EVERY)
            }
            (None, _) => CHECK_ROOT_EVERY,
        };
        match rx.recv_timeout(timeout) {
            Ok(Ok(event)) => {
                if is_relevant(&event, root, &settings.ignore) {
                    let now = Instant::now();
                    pending = Some(pending.map_or((now, now), |(first, _)| (first, now)));
                }
            }
            Ok(Err(err)) => {
                // Lost events (queue overflow) or a broken watch: re-arm and look at everything.
                tracing::warn!(error = %err, "file watcher error; re-arming");
                armed = None;
                let now = Instant::now();
                pending = Some(pending.map_or((now, now), |(first, _)| (first, now)));
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if let Some((first, last)) = pending
            && armed.is_some()
        {
            let now = Instant::now();
            if now >= last + settings.debounce || now >= first + MAX_DELAY {
                pending = None;
                on_change();
            }
        }
    }
}

/// Whether `event` may change what the library holds: reads are not, nor are changes to
/// hidden files (editors' swap files, `.git`) or to ignored directories. An event without
/// paths (the watcher asking for a rescan) always is.
fn is_relevant(event: &Event, root: &Path, ignore: &[PathBuf]) -> bool {
    if let EventKind::Access(kind) = event.kind
        && kind != AccessKind::Close(AccessMode::Write)
    {
        return false;
    }
    if event.need_rescan() || event.paths.is_empty() {
        return true;
    }
    event.paths.iter().any(|path| {
        if ignore.iter().any(|dir| path.starts_with(dir)) {
            return false;
        }
        let relative = path.strip_prefix(root).unwrap_or(path);
        !relative.components().any(|c| matches!(c, Component::Normal(name) if name.to_string_lossy().starts_with('.')))
    })
}

#[cfg(test)]
mod tests {
    use notify::event::{CreateKind, ModifyKind, RenameMode};

    use super::*;

    fn event(kind: EventKind, paths: &[&str]) -> Event {
        let mut event = Event::new(kind);
        for path in paths {
            event = event.add_path(PathBuf::from(path));
        }
        event
    }

    #[test]
    fn reads_hidden_files_and_ignored_directories_are_not_changes() {
        let root = Path::new("/lib");
        let ignore = [PathBuf::from("/lib/data")];
        let relevant = |e: &Event| is_relevant(e, root, &ignore);
        assert!(relevant(&event(EventKind::Create(CreateKind::File), &["/lib/a.pdf"])));
        assert!(relevant(&event(EventKind::Access(AccessKind::Close(AccessMode::Write)), &["/lib/a.pdf"])));
        assert!(!relevant(&event(EventKind::Access(AccessKind::Open(AccessMode::Any)), &["/lib/a.pdf"])));
        assert!(!relevant(&event(EventKind::Create(CreateKind::File), &["/lib/.a.pdf.swp"])));
        assert!(!relevant(&event(EventKind::Create(CreateKind::File), &["/lib/.git/index"])));
        assert!(!relevant(&event(EventKind::Create(CreateKind::File), &["/lib/data/index/meta.json"])));
        // A rename from a hidden temporary name to a real one is a change.
        assert!(relevant(&event(
            EventKind::Modify(ModifyKind::Name(RenameMode::Both)),
            &["/lib/.tmp123", "/lib/report.pdf"]
        )));
        assert!(relevant(&event(EventKind::Other, &[])));
    }

    #[test]
    fn a_burst_of_changes_is_handed_on_once_and_a_replaced_directory_is_rewatched() {
        let parent = tempfile::tempdir().unwrap();
        let library = parent.path().join("library");
        std::fs::create_dir(&library).unwrap();
        let (tx, rx) = mpsc::channel();
        let settings =
            WatchSettings { library: library.clone(), ignore: Vec::new(), debounce: Duration::from_millis(200) };
        let watcher = LibraryWatcher::start(settings, move || {
            let _ = tx.send(());
        })
        .unwrap();
        // Give the watch time to be armed.
        std::thread::sleep(Duration::from_millis(300));
        for i in 0..200 {
            std::fs::write(library.join(format!("note-{i}.txt")), "text").unwrap();
        }
        rx.recv_timeout(Duration::from_secs(10)).expect("a burst is handed on");
        // One burst, one call (allowing for the burst straddling the maximum delay).
        let extra = rx.recv_timeout(Duration::from_millis(800)).ok().into_iter().count();
        assert!(extra <= 1, "{extra} extra calls");
        while rx.try_recv().is_ok() {}

        // Replace the directory: the watcher notices, re-arms and sees changes in the new one.
        std::fs::rename(&library, parent.path().join("old")).unwrap();
        std::thread::sleep(Duration::from_millis(700));
        std::fs::create_dir(&library).unwrap();
        rx.recv_timeout(Duration::from_secs(10)).expect("re-arming is a change");
        std::thread::sleep(Duration::from_millis(300));
        while rx.try_recv().is_ok() {}
        std::fs::write(library.join("new.txt"), "text").unwrap();
        rx.recv_timeout(Duration::from_secs(10)).expect("a change in the new directory is seen");
        drop(watcher);
    }

    #[cfg(unix)]
    #[test]
    fn re_pointing_a_library_link_is_a_replaced_directory() {
        let parent = tempfile::tempdir().unwrap();
        let (first, second, link) = (parent.path().join("v1"), parent.path().join("v2"), parent.path().join("library"));
        std::fs::create_dir(&first).unwrap();
        std::fs::create_dir(&second).unwrap();
        std::os::unix::fs::symlink(&first, &link).unwrap();
        let (tx, rx) = mpsc::channel();
        let settings =
            WatchSettings { library: link.clone(), ignore: Vec::new(), debounce: Duration::from_millis(100) };
        let _watcher = LibraryWatcher::start(settings, move || {
            let _ = tx.send(());
        })
        .unwrap();
        std::thread::sleep(Duration::from_millis(300));
        std::fs::write(first.join("a.txt"), "text").unwrap();
        rx.recv_timeout(Duration::from_secs(10)).expect("a change through the link is seen");

        // Atomically re-point the link, as a deployment would.
        let tmp = parent.path().join("library.tmp");
        std::os::unix::fs::symlink(&second, &tmp).unwrap();
        std::fs::rename(&tmp, &link).unwrap();
        rx.recv_timeout(Duration::from_secs(10)).expect("re-pointing is a change");
        std::thread::sleep(Duration::from_millis(300));
        while rx.try_recv().is_ok() {}
        std::fs::write(second.join("b.txt"), "text").unwrap();
        rx.recv_timeout(Duration::from_secs(10)).expect("a change in the new target is seen");
    }
}
