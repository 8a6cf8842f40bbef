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
use crate::state::AppState;
use crate::sync::LibrarySync;

/// How long blocking work (searches, an ingestion) gets to finish once the server has stopped.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

pub fn run(config: Config) -> anyhow::Result<ExitCode> {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")?;
    runtime.block_on(serve(config))?;
    // Requests in flight have been drained by now. A synchronisation still running on a
    // blocking thread is not waited for (it could take minutes): its batch is never committed,
    // so the index on disk stays at its last commit and the next start picks up the changes.
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    Ok(ExitCode::SUCCESS)
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let processor = DocumentProcessor::new(config.processor_settings())?;
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

    if state.config().ingest_on_start {
        let ingest_state = state.clone();
        tokio::task::spawn_blocking(move || {
            let config = ingest_state.config();
            let sync = LibrarySync {
                library: config.library.clone(),
                index: ingest_state.index(),
                processor: ingest_state.processor(),
                workers: config.worker_count(),
            };
            match sync.run(false, |_| {}) {
                Ok(report) => tracing::info!(
                    added = report.added,
                    updated = report.updated,
                    deleted = report.deleted,
                    unchanged = report.unchanged,
                    failed = report.failed.len(),
                    seconds = report.duration.as_secs_f64(),
                    "library ingested"
                ),
                Err(err) => tracing::error!(
                    error = format!("{err:#}"),
                    "start-up ingestion failed; serving the last committed index"
                ),
            }
            ingest_state.mark_ready();
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
