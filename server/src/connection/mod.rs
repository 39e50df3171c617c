//! One WebSocket connection: a reader (this task) and a writer task joined
//! by the connection's bounded outbound queue.
//!
//! The reader waits for the hello (`hello`), then decodes each frame and
//! hands it to the session (`reader`). The writer (`writer`) feeds every
//! queued message to the socket and flushes once per batch, so a burst of
//! fan-out costs one write call, not one per frame. Either side ending ends
//! the other: the reader asks the writer to close through the outlet's
//! control, and the reader stops when the writer has been asked to close
//! (slow consumer, shutdown, logout). How a WebSocket message is read as a
//! frame, or refused, is `payload`'s.
//!
//! An accepted connection is listed in the live registry (`live`) under its
//! token, its user and the teams its access reaches until it ends, and is
//! closed with 4001 when its token expires.
//!
//! Shutdown: when the server stops, the reader stops reading (no new
//! request is taken), waits until every hub has settled (each write a hub
//! took is flushed and its ack queued on this connection, or refused), and
//! only then closes with 1012; the writer sends what is queued before the
//! close frame, so every write taken before the stop is answered.

mod hello;
mod payload;
mod reader;
mod writer;

use crate::limits::RateLimiter;
use crate::outlet::{Bounds, Outlet};
use crate::server::ServerState;
use crate::session::Session;
use crate::widget::AddressSlot;
use axum::extract::ws::WebSocket;
use futures::StreamExt;
use hello::{hello, Accepted};
pub(crate) use payload::is_too_big;
use reader::read_loop;
use std::future::Future;
use std::sync::Arc;
use switchboard_protocol::close;
use switchboard_protocol::codec::Encoding;
use tokio::time::Instant;
use writer::write_loop;

/// Serves one upgraded connection until it closes.
/// `peer` is the client's address (a web chat visitor's connections count
/// against it).
///
/// Not an `async fn`: an async fn keeps its arguments in its future for as
/// long as it runs, and the socket, split at once, would be dead weight in
/// every connection's reader task for the connection's whole life. The
/// split and the writer's spawn happen here, at the call (inside the
/// upgrade's task), and the future keeps only the reader's half.
#[allow(clippy::manual_async_fn)] // on purpose: see above
pub(crate) fn serve(
    socket: WebSocket,
    state: Arc<ServerState>,
    encoding: Encoding,
    peer: std::net::IpAddr,
) -> impl Future<Output = ()> + Send + 'static {
    crate::metrics::get().connections_accepted.inc();
    let open = crate::metrics::GaugeGuard::new(&crate::metrics::get().connections_open);
    // Taken from the outlet when needed: a copy here would be held by the
    // future below for the connection's whole life.
    let conn = state.next_connection_id();
    let bounds = Bounds {
        frames: state.config.limits.outbound_queue_frames,
        bytes: state.config.limits.outbound_queue_bytes,
    };
    let high_water = Arc::clone(&state.outbound_high_water);
    let (outlet, outbox) = Outlet::bounded(conn, encoding, bounds, high_water);
    let (sink, mut stream) = socket.split();
    let writer = tokio::spawn(write_loop(sink, Arc::clone(&outbox), encoding));
    async move {
        // The hello's answer becomes what the connection keeps in a plain
        // function, within this statement: bound here instead, it would
        // stay in this future (moved from, yet still given room) for as
        // long as the connection lasts.
        //
        // The hello is boxed: it happens once, and its future (the token's
        // check, the hello's answer) is larger than anything the
        // connection holds while it reads; unboxed, every connection would
        // keep its room for its whole life. And the connection is then
        // borrowed where it lies, not moved to a binding of its own:
        // `if let Some(connected) = connected` would give it a second slot.
        let mut connected = Box::pin(hello(&mut stream, &state, &outlet, peer))
            .await
            .map(|accepted| Connected::new(accepted, &state, &outlet));
        if let Some(connected) = &mut connected {
            read_loop(&mut stream, &state, &outlet, &outbox, connected).await;
        }
        // Then the rest goes: the session leaves its hubs and the live
        // connections, and a visitor's place goes with it.
        if let Some(connected) = connected {
            connected.session.close();
        }
        // Normal closure unless something already chose a code.
        outlet.close(close::NORMAL, "");
        let conn = outlet.conn;
        drop(outlet);
        if let Err(e) = writer.await {
            if e.is_panic() {
                tracing::error!(conn, error = %e, "connection writer panicked");
            }
        }
        tracing::debug!(conn, "connection closed");
        drop(open);
    }
}

/// What an accepted connection keeps while it reads: its session (with its
/// place among the live connections), its rate limits, its token's expiry,
/// and a visitor's place among its address's, until it ends.
struct Connected {
    session: Session,
    rate: RateLimiter,
    expires: Option<Instant>,
    /// Boxed: few connections are web chat visitors', and each would keep
    /// the room otherwise.
    _address: Option<Box<AddressSlot>>,
}

impl Connected {
    fn new(accepted: Accepted, state: &Arc<ServerState>, outlet: &Outlet) -> Connected {
        let Accepted {
            version,
            principal,
            expires,
            registration,
            rate,
            address,
        } = accepted;
        let speaking = outlet.clone().speaking(version);
        Connected {
            session: Session::new(Arc::clone(state), principal, speaking, registration),
            rate,
            expires,
            _address: address.map(Box::new),
        }
    }
}
