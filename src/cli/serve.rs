//! `hubsearch serve`: the HTTP API, serving at once while the library is ingested in the
//! background.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use index::SearchIndex;
use ingest::DocumentProcessor;
use tokio::net::TcpListener;
use tokio::sync::Notify;

use crate::config::Config;
use crate::http::listener::{GuardedListener, PeerAddr};
use crate::http::router;
use crate::jobs::JobTrigger;
use crate::state::AppState;
use crate::watch::{LibraryWatcher, WatchSettings};

/// How long blocking work (facet counts, an ingestion) gets to finish once the server has stopped.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

pub fn run(config: Config) -> anyhow::Result<ExitCode> {
    // The runtime's workers run the searches themselves (`search_queue`), one per core.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.worker_count())
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(config))?;
    // Requests in flight have been drained by now. A synchronisation still running on a
    // blocking thread is not waited for (it could take minutes): its batch is never committed,
    // so the index on disk stays at its last commit and the next start picks up the changes.
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    Ok(ExitCode::SUCCESS)
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let processor =
        DocumentProcessor::new(config.processor_settings())?.with_isolation(crate::isolation::from_config(&config));
    let index_dir = config.index_dir();
    let (index, rebuilt) = SearchIndex::open_or_create(&index_dir, config.worker_count())
        .with_context(|| format!("cannot open the index in {}", index_dir.display()))?;
    if rebuilt {
        tracing::warn!(dir = %index_dir.display(), "index built by another version was reset; re-ingesting");
    }
    let listener =
        TcpListener::bind(config.listen).await.with_context(|| format!("cannot listen on {}", config.listen))?;
    let address = listener.local_addr()?;
    let state = AppState::new(config, index, processor);

    // The watcher starts before the start-up job so that no change in between is missed; its
    // requests queue behind that job.
    let _watcher = if state.config().watch {
        let jobs = state.jobs().clone();
        // Events name absolute paths: compare them with absolute ones. Symbolic links are not
        // resolved, so that re-pointing a `library` link at a new release is seen as a replaced
        // directory.
        let absolute = |p: &std::path::Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        let settings = WatchSettings {
            library: absolute(&state.config().library),
            ignore: vec![absolute(&state.config().data)],
            debounce: Duration::from_millis(state.config().watch_debounce_ms),
        };
        Some(LibraryWatcher::start(settings, move || {
            jobs.submit(JobTrigger::Watch, false);
        })?)
    } else {
        None
    };
    if state.config().ingest_on_start {
        // The start-up job fetches the web sources, then ingests the library and the snapshots.
        let submitted = state.jobs().submit(JobTrigger::Startup, false);
        let mut progress = state.jobs().subscribe(submitted.id).context("the start-up job is known")?;
        let ready_state = state.clone();
        tokio::spawn(async move {
            // Ready once the start-up job has ended, committed or not (a failed one leaves the
            // last committed index, which is served).
            let _ = progress.wait_for(|status| status.state.is_terminal()).await;
            ready_state.mark_ready();
        });
    } else {
        state.mark_ready();
    }

    let stop_signal = shutdown_signal()?;
    tracing::info!("listening on http://{address}");
    let http = state.config().http.clone();
    let listener = GuardedListener::new(listener, http.max_connections, Duration::from_secs(http.idle_timeout_secs));
    let ingesting = state.clone();
    // The peer address feeds the per-client rate limit.
    let app = router(state).into_make_service_with_connect_info::<PeerAddr>();
    let stop = Arc::new(Notify::new());
    let stopped = stop.clone();
    let mut server = tokio::spawn(async move {
        axum::serve(listener, app).with_graceful_shutdown(async move { stopped.notified().await }).await
    });
    tokio::select! {
        result = &mut server => return result.context("server task failed")?.context("server error"),
        () = stop_signal => {}
    }
    // Stop accepting and let requests in flight finish; they end within the request timeout,
    // so a connection still open after that (a client that never finishes its request) is
    // not waited for.
    stop.notify_one();
    // A job's event stream lasts as long as the job: it is not waited for beyond this either.
    let drain = Duration::from_secs(http.request_timeout_secs + 2);
    match tokio::time::timeout(drain, &mut server).await {
        Ok(result) => result.context("server task failed")?.context("server error")?,
        Err(_) => {
            tracing::warn!(seconds = drain.as_secs(), "connections still open after the drain time; closing them")
        }
    }
    if !ingesting.is_ready() {
        tracing::warn!("shutting down during the start-up ingestion: it is abandoned, nothing of it is committed");
    }
    tracing::info!("shut down");
    Ok(())
}

/// Resolves on SIGINT or SIGTERM. The handlers are installed when this is called (before the
/// address is announced), so a signal sent as soon as the server says it listens is not missed.
fn shutdown_signal() -> anyhow::Result<impl Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
        let mut interrupt = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
        Ok(async move {
            tokio::select! {
                _ = terminate.recv() => {},
                _ = interrupt.recv() => {},
            }
        })
    }
    #[cfg(not(unix))]
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
