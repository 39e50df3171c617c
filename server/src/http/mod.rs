//! HTTP on the listening port: the WebSocket endpoint (`/ws`, see [`ws`]),
//! the JSON account endpoints under `/api` ([`api`]: sign-up, login,
//! logout), health (`/healthz`, `/readyz`), metrics (`/metrics`) and
//! the online backup (`POST /api/admin/backup`, see [`ops`]).
//!
//! Every answer under `/api` is JSON, errors included (see [`error`]), so
//! that a browser app can branch on a stable code.

mod api;
pub mod echo;
mod error;
pub(crate) mod handshake;
pub(crate) mod linger;
mod ops;
mod origin;
mod ws;

pub(crate) use origin::Origins;

use crate::server::ServerState;
use axum::routing::get;
use axum::Router;
use std::sync::Arc;

pub(crate) fn router(state: Arc<ServerState>) -> Router {
    Router::new()
        .route("/ws", get(ws::upgrade))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ops::ready))
        .route("/metrics", get(ops::metrics))
        .nest("/api", api::router())
        .with_state(state)
}
