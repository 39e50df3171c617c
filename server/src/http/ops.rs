//! Operations endpoints: readiness (`/readyz`), Prometheus metrics
//! (`/metrics`) and the online backup (`POST /api/admin/backup`).
//!
//! Invariants:
//! - `/readyz` answers 200 only while the server serves: the router exists
//!   only once the store was opened, repaired and checked and the listener
//!   bound; it answers 503 from the moment shutdown starts, and while the
//!   store cannot flush (the last flush failed, or one has run longer than
//!   `flush_patience`).
//! - The backup endpoint answers loopback clients only, and only when the
//!   server was started with a backup folder; it writes a new file there
//!   under a name of its own choosing, never a path from the request.

use super::error::ApiError;
use super::handshake::Peer;
use crate::metrics;
use crate::server::ServerState;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::Serialize;
use std::sync::Arc;

/// `GET /readyz`.
pub(super) async fn ready(State(state): State<Arc<ServerState>>) -> impl IntoResponse {
    if *state.stop.borrow() {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down".to_string());
    }
    // Writes taken now would wait for a flush that is failing or stuck:
    // a balancer should send clients elsewhere until it completes.
    match state.committer.trouble(state.config.flush_patience) {
        Some(trouble) => (StatusCode::SERVICE_UNAVAILABLE, trouble),
        None => (StatusCode::OK, "ready".to_string()),
    }
}

/// `GET /metrics`, in Prometheus' text format.
pub(super) async fn metrics() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        metrics::get().render(),
    )
}

/// The answer to a backup.
#[derive(Serialize)]
pub(super) struct Backup {
    /// The file written.
    path: String,
    /// Trees copied.
    trees: usize,
    /// Entries copied.
    entries: u64,
}

/// `POST /api/admin/backup`: writes a consistent backup of the live store
/// into the configured backup folder.
pub(super) async fn backup(
    State(state): State<Arc<ServerState>>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
) -> Result<Json<Backup>, ApiError> {
    if !peer.ip().is_loopback() {
        return Err(ApiError::Unauthorized(
            "the admin endpoints answer loopback clients only",
        ));
    }
    let Some(dir) = state.config.backup_dir.clone() else {
        return Err(ApiError::NotFound(
            "backups are off: start the server with --backup-dir".into(),
        ));
    };
    let file = dir.join(format!("switchboard-{}.backup", crate::time::now().0));
    let store = Arc::clone(&state.store);
    let target = file.clone();
    let report = tokio::task::spawn_blocking(move || {
        std::fs::create_dir_all(&dir)
            .map_err(|e| ApiError::Internal(format!("cannot create {}: {e}", dir.display())))?;
        store
            .backup(&target)
            .map_err(|e| ApiError::Internal(e.to_string()))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("backup task failed: {e}")))??;
    tracing::info!(file = %file.display(), %report, "backup written");
    Ok(Json(Backup {
        path: file.display().to_string(),
        trees: report.trees,
        entries: report.entries,
    }))
}
