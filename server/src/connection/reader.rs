//! The reader: takes each frame after the hello, checks it against the
//! rate limits, decodes it and hands it to the session, one at a time.
//!
//! Every frame passes the rate limits (`limits`) before anything else looks
//! at it, a frame of the wrong kind included: a refused frame is answered
//! with `rate_limited` and does nothing else, and a connection refused too
//! often is closed with 4029.
//!
//! Keepalive: the writer pings every `ping_interval`; the reader closes the
//! connection with 4010 when nothing at all (pong or any frame) has arrived
//! for `ping_interval + ping_timeout`, which covers a ping sent at any point
//! of the interval and its answer.
//!
//! A connection asked to close takes no further frame; a stop or a token's
//! expiry wins over a flood of frames.

use super::payload::{is_too_big, payload, refuse_frame, refuse_too_big, wrong_kind, Payload};
use crate::limits::{RateLimiter, Verdict};
use crate::outlet::{Outbox, Outlet};
use crate::server::ServerState;
use crate::session::Session;
use axum::extract::ws::WebSocket;
use futures::stream::SplitStream;
use futures::StreamExt;
use switchboard_protocol::codec::{decode, probe_request_id};
use switchboard_protocol::server::ErrorFrame;
use switchboard_protocol::{close, ClientFrame, ErrorCode, ServerFrame};
use tokio::time::Instant;

/// Reads frames until the connection closes, the server stops or the
/// token expires.
pub(super) async fn read_loop(
    stream: &mut SplitStream<WebSocket>,
    state: &ServerState,
    outlet: &Outlet,
    outbox: &Outbox,
    session: &mut Session,
    rate: &mut RateLimiter,
    expires: Option<Instant>,
) {
    let mut stop = state.stop.clone();
    let dead_after = state.config.ping_interval + state.config.ping_timeout;
    // One timer for both the silence and the token's expiry, set to
    // whichever comes first: every idle connection holds its timers for
    // its whole life, and one is enough.
    let due = |silent_at: Instant| expires.map_or(silent_at, |at| at.min(silent_at));
    let timer = tokio::time::sleep_until(due(Instant::now() + dead_after));
    tokio::pin!(timer);
    loop {
        // An expiry wins over a flood of frames, which would keep the
        // timer below from ever being polled.
        if expires.is_some_and(|at| Instant::now() >= at) {
            outlet.close(close::UNAUTHORIZED, "the token expired");
            return;
        }
        let message = tokio::select! {
            // In this order: a connection asked to close (its access was
            // taken away, say) takes no further frame, even one already
            // arrived, and a stop wins over a flood of frames; silence
            // only counts when no frame is there.
            biased;
            _ = outbox.closed() => return,
            _ = stop.wait_for(|stopped| *stopped) => None::<Option<_>>,
            message = stream.next() => Some(message),
            () = &mut timer => {
                if expires.is_some_and(|at| Instant::now() >= at) {
                    outlet.close(close::UNAUTHORIZED, "the token expired");
                    return;
                }
                tracing::debug!(conn = outlet.conn, "no answer to ping: closing");
                outlet.close(close::PING_TIMEOUT, "no answer to ping within the ping timeout");
                return;
            }
        };
        let Some(message) = message else {
            // The server stops. Writes the hubs took before the stop are
            // answered first.
            tokio::select! {
                () = state.registry.settled() => {}
                _ = outbox.closed() => return,
            }
            outlet.close(
                close::RESTART,
                "the server is restarting: reconnect and resume",
            );
            return;
        };
        timer.as_mut().reset(due(Instant::now() + dead_after));
        let message = match message {
            None => return,
            Some(Ok(message)) => message,
            Some(Err(e)) => {
                if is_too_big(&e) {
                    refuse_too_big(outlet, state.config.limits.max_frame_bytes);
                } else {
                    tracing::debug!(conn = outlet.conn, error = %e, "read failed");
                }
                return;
            }
        };
        // A message of the wrong kind is still a message: it counts
        // against the rate like any other.
        let bytes = match payload(&message, outlet.encoding) {
            Payload::Data(bytes) => Some(bytes),
            Payload::Control => continue,
            Payload::Close => return,
            Payload::WrongKind => None,
        };
        let max = state.config.limits.max_frame_bytes;
        crate::metrics::get().frames_in.inc();
        match rate.check() {
            Verdict::Allow => {}
            verdict => {
                let id = bytes.and_then(|bytes| probe_request_id(outlet.encoding, bytes, max));
                outlet.send(&ServerFrame::Error(ErrorFrame {
                    id,
                    code: ErrorCode::RateLimited,
                    message: "too many requests: slow down and retry later".to_string(),
                }));
                if verdict == Verdict::Close {
                    outlet.close(
                        close::RATE_LIMITED,
                        "kept sending past the rate limit: reconnect later, and send slower",
                    );
                    return;
                }
                continue;
            }
        }
        let Some(bytes) = bytes else {
            refuse_frame(outlet, None, wrong_kind(outlet.encoding));
            continue;
        };
        match decode::<ClientFrame>(outlet.encoding, bytes, max) {
            // Boxed: answering a request is the largest state of this task
            // (a few KiB, for the rarest requests), and an idle connection
            // would otherwise hold that space for its whole life. One
            // allocation per request is the price.
            Ok(frame) => Box::pin(session.handle(frame)).await,
            Err(e) => refuse_frame(outlet, probe_request_id(outlet.encoding, bytes, max), e),
        }
    }
}
