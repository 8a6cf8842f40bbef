//! `hubsearch serve`: the HTTP API, serving at once while the library is ingested in the
//! background.

use std::process::ExitCode;

use anyhow::Context;
use axum::serve::ListenerExt;
use index::SearchIndex;
use ingest::DocumentProcessor;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::http::router;
use crate::state::AppState;
use crate::sync::LibrarySync;

pub fn run(config: Config) -> anyhow::Result<ExitCode> {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")?;
    runtime.block_on(serve(config))?;
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
            match crate::web::refresh(config) {
                Ok(Some(web)) => tracing::info!(
                    fetched = web.fetched,
                    not_modified = web.not_modified,
                    removed = web.removed,
                    failed = web.failed.len(),
                    "web sources fetched"
                ),
                Ok(None) => {}
                Err(err) => tracing::error!(error = format!("{err:#}"), "web sources not fetched; using the snapshots"),
            }
            let sync = LibrarySync {
                library: config.library.clone(),
                index: ingest_state.index(),
                processor: ingest_state.processor(),
                workers: config.worker_count(),
                snapshots: Some(config.web_dir()),
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

    tracing::info!("listening on http://{address}");
    // Small JSON answers on keep-alive connections otherwise wait for the peer's delayed ACK.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown_signal()).await.context("server error")?;
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
