//! A WebSocket echo endpoint for protocol conformance testing (Autobahn
//! fuzzingclient, see `scripts/autobahn.sh`). It is never part of a running
//! chat server: `switchboard autobahn-echo` serves it alone.
//!
//! Invariant: the upgrade goes through [`super::ws::configure`], the very
//! function `/ws` uses, so buffer sizes, message and frame limits and
//! subprotocols cannot drift between what is tested and what is served.
//! Only the application layer differs: every text or binary message is sent
//! back unchanged, pings are answered by tungstenite, and a close is echoed
//! (tungstenite queues the reply; reading on flushes it and then ends).

use crate::config::LimitsConfig;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use std::sync::Arc;
use switchboard_protocol::codes::close;
use tokio::net::TcpListener;

/// Serves the echo endpoint on every path of `listener` until the process
/// ends, with the WebSocket configuration `/ws` has under `limits`.
pub async fn serve(listener: TcpListener, limits: LimitsConfig) -> std::io::Result<()> {
    let router = Router::new()
        .route("/", get(upgrade))
        .fallback(get(upgrade))
        .with_state(Arc::new(limits));
    axum::serve(listener, router).await
}

async fn upgrade(State(limits): State<Arc<LimitsConfig>>, ws: WebSocketUpgrade) -> Response {
    super::ws::configure(ws, &limits).on_upgrade(echo)
}

/// Sends back every data message until the close handshake completes or the
/// socket fails.
async fn echo(mut socket: WebSocket) {
    while let Some(received) = socket.recv().await {
        let message = match received {
            Ok(message) => message,
            Err(e) => {
                // As `/ws` does: a message over the limit closes with 1009.
                if crate::connection::is_too_big(&e) {
                    let close = CloseFrame {
                        code: close::TOO_BIG,
                        reason: "message exceeds max_frame_bytes".into(),
                    };
                    let _ = socket.send(Message::Close(Some(close))).await;
                }
                break;
            }
        };
        let reply = match message {
            Message::Text(_) | Message::Binary(_) => message,
            // After a close, the next read sends tungstenite's queued reply
            // and then ends the stream: breaking here would drop the TCP
            // connection without completing the close handshake.
            Message::Ping(_) | Message::Pong(_) | Message::Close(_) => continue,
        };
        if socket.send(reply).await.is_err() {
            break;
        }
    }
}
