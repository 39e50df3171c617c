//! The WebSocket endpoint. The upgrade is where a connection's shape is
//! decided: its encoding (by subprotocol) and tungstenite's buffer sizes
//! and message limits, which default to sizes far too generous for many
//! idle connections. A browser page from a foreign origin is refused here,
//! before the upgrade (see [`super::origin`]).

use super::handshake::Peer;
use crate::config::LimitsConfig;
use crate::connection;
use crate::server::ServerState;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use switchboard_protocol::codec::{Encoding, SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK};

/// Bytes read from the socket at a time (tungstenite's default is 128 KiB
/// per connection, allocated up front). Every connection holds this much
/// for its whole life, idle or not; a larger frame grows the buffer to its
/// size while it is read. Half a KiB still takes a typical request (a
/// hello, a subscribe, a send of a short message) in one read.
const READ_BUFFER: usize = 512;
/// Bytes gathered before a write reaches the socket; a flush writes the
/// rest. Not zero: zero writes every frame on its own and loses batching.
/// tungstenite keeps the buffer's capacity for the connection's life, so
/// this is also what a once-busy connection keeps holding.
const WRITE_BUFFER: usize = 8 * 1024;

/// The WebSocket shape of every connection: subprotocols offered, buffer
/// sizes and message limits. The conformance echo endpoint
/// ([`super::echo`]) uses this same function, so the Autobahn run tests
/// exactly what `/ws` serves.
pub(super) fn configure(ws: WebSocketUpgrade, limits: &LimitsConfig) -> WebSocketUpgrade {
    let max = limits.max_frame_bytes;
    ws.protocols([SUBPROTOCOL_MSGPACK, SUBPROTOCOL_JSON])
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_message_size(max)
        .max_frame_size(max)
}

/// Upgrades `GET /ws` to a WebSocket and serves it; 403 for a browser page
/// whose origin is not allowed.
pub(super) async fn upgrade(
    State(state): State<Arc<ServerState>>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if !state.origins.allows(&headers) {
        let origin = headers.get(axum::http::header::ORIGIN);
        tracing::debug!(?origin, "WebSocket handshake from a foreign origin refused");
        return (StatusCode::FORBIDDEN, "origin not allowed").into_response();
    }
    let ws = configure(ws, &state.config.limits);
    let encoding = ws
        .selected_protocol()
        .and_then(|p| p.to_str().ok())
        .and_then(Encoding::from_subprotocol)
        .unwrap_or_default();
    ws.on_upgrade(move |socket| connection::serve(socket, state, encoding, peer.ip()))
}
