//! `hubsearch serve`: the HTTP API, serving at once while the library is ingested in the
//! background.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use axum::serve::ListenerExt;
use index::SearchIndex;
use ingest::DocumentProcessor;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::http::router;
use crate::jobs::JobTrigger;
use crate::state::AppState;
use crate::watch::{LibraryWatcher, WatchSettings};

/// How long open connections may take to finish after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

pub fn run(config: Config) -> anyhow::Result<ExitCode> {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")?;
    runtime.block_on(serve(config))?;
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

    tracing::info!("listening on http://{address}");
    // Small JSON answers on keep-alive connections otherwise wait for the peer's delayed ACK.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(listener, router(state)).with_graceful_shutdown(async move {
        shutdown_signal().await;
        let _ = stopping_tx.send(());
    });
    // Open connections get a few seconds to finish; a job's event stream (which lasts as long as
    // the job) must not hold the shutdown up.
    let grace = async {
        if stopping_rx.await.is_ok() {
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        result = server.into_future() => result.context("server error")?,
        () = grace => tracing::warn!("connections still open after the grace period; closing them"),
    }
    tracing::info!("shut down");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
