//! Operations endpoints: readiness (`/readyz`), Prometheus metrics
//! (`/metrics`) and the online backup (`POST /api/admin/backup`).
//!
//! Invariants:
//! - `/readyz` answers 200 only while the server serves: the router exists
//!   only once the store was opened, repaired and checked and the listener
//!   bound; it answers 503 from the moment shutdown starts, and while the
//!   store cannot flush (the last flush failed, or one has run longer than
//!   `flush_patience`).
//! - The backup endpoint answers only when the server was started with a
//!   backup folder, only to loopback clients (an IPv4-mapped IPv6 loopback
//!   address counts), and only with the operator credential as a bearer
//!   token (`operator.secret` in the data folder, compared in constant
//!   time): a reverse proxy on the same host makes every client look like
//!   loopback, so the address alone proves nothing.
//! - One backup runs at a time; another asked meanwhile gets 409. The slot
//!   is held by the copy itself, so a caller that hangs up does not free
//!   it before the copy ends.
//! - It writes a new file under a name of its own choosing, never a path
//!   from the request.

use super::error::ApiError;
use super::handshake::Peer;
use crate::metrics;
use crate::server::ServerState;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
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
    headers: HeaderMap,
) -> Result<Json<Backup>, ApiError> {
    if !is_loopback(peer.ip()) {
        return Err(ApiError::Unauthorized(
            "the admin endpoints answer loopback clients only",
        ));
    }
    let Some(dir) = state.config.backup_dir.clone() else {
        return Err(ApiError::NotFound(
            "backups are off: start the server with --backup-dir".into(),
        ));
    };
    let operator = state.edge.operator_secret.as_deref();
    let presented = super::api::bearer(&headers);
    if !matches!((presented, operator), (Some(p), Some(o)) if crate::auth::same_secret(p, o)) {
        return Err(ApiError::Unauthorized(
            "the operator credential (the data folder's operator.secret) is required as a bearer token",
        ));
    }
    let Ok(slot) = Arc::clone(&state.edge.backups).try_acquire_owned() else {
        return Err(ApiError::Conflict(
            "a backup is already running: try again when it is done".into(),
        ));
    };
    let store = Arc::clone(&state.store);
    let (file, report) = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        std::fs::create_dir_all(&dir)
            .map_err(|e| ApiError::Internal(format!("cannot create {}: {e}", dir.display())))?;
        let file = fresh_name(&dir, crate::time::now().0);
        let report = store
            .backup(&file)
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        Ok::<_, ApiError>((file, report))
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

/// A backup file's name in `dir` that no file has yet: the time in
/// milliseconds, and a counter after it when backups follow each other
/// within one. Called with the backup slot held, so no other backup of
/// this server can take the name before it is written.
fn fresh_name(dir: &std::path::Path, millis: u64) -> std::path::PathBuf {
    let first = dir.join(format!("switchboard-{millis}.backup"));
    if !first.exists() {
        return first;
    }
    (1u32..)
        .map(|n| dir.join(format!("switchboard-{millis}-{n}.backup")))
        .find(|file| !file.exists())
        // An endless range: `find` returns only once a name is free.
        .unwrap_or(first)
}

/// Whether `ip` is a loopback address, an IPv4-mapped IPv6 one included
/// (`::ffff:127.0.0.1`, what a dual-stack socket shows an IPv4 client).
fn is_loopback(ip: std::net::IpAddr) -> bool {
    ip.to_canonical().is_loopback()
}

#[cfg(test)]
mod tests {
    #[test]
    fn backups_within_one_millisecond_get_names_of_their_own() {
        let dir = tempfile::tempdir().unwrap();
        let first = super::fresh_name(dir.path(), 7);
        std::fs::write(&first, b"one").unwrap();
        let second = super::fresh_name(dir.path(), 7);
        assert_ne!(first, second);
        std::fs::write(&second, b"two").unwrap();
        let third = super::fresh_name(dir.path(), 7);
        assert!(third != first && third != second);
    }

    #[test]
    fn a_v4_mapped_loopback_is_loopback() {
        for ip in ["127.0.0.1", "::1", "::ffff:127.0.0.1", "::ffff:127.1.2.3"] {
            assert!(super::is_loopback(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["10.0.0.1", "::ffff:10.0.0.1", "2001:db8::1"] {
            assert!(!super::is_loopback(ip.parse().unwrap()), "{ip}");
        }
    }
}
