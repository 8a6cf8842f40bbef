//! Liveness and readiness probes.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::state::AppState;

/// `GET /healthz`: the process answers.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /readyz`: 200 once the start-up ingestion has finished, 503 before.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let documents = state.index().num_docs();
    if state.is_ready() {
        (StatusCode::OK, Json(json!({ "status": "ready", "documents": documents })))
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "ingesting", "documents": documents })))
    }
}
