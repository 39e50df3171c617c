//! The reader: takes each frame after the hello, checks it against the
//! rate limits, decodes it and hands it to the session, one at a time.
//!
//! Every frame passes the rate limits (`limits`) before anything else looks
//! at it, a frame of the wrong kind included: a refused frame is answered
//! with `rate_limited` and does nothing else, and a connection refused too
//! often is closed with 4029.
//!
//! Keepalive: the reader's one timer has the writer ping every
//! `ping_interval`, and closes the connection with 4010 when nothing at all
//! (pong or any frame) has arrived for `ping_interval + ping_timeout`,
//! which covers a ping sent at any point of the interval and its answer.
//!
//! A connection asked to close takes no further frame; a stop or a token's
//! expiry wins over a flood of frames.

use super::payload::{is_too_big, payload, refuse_frame, refuse_too_big, wrong_kind, Payload};
use super::Connected;
use crate::limits::Verdict;
use crate::outlet::{Outbox, Outlet};
use crate::server::ServerState;
use axum::extract::ws::WebSocket;
use futures::stream::SplitStream;
use futures::StreamExt;
use std::future::Future;
use std::time::Duration;
use switchboard_protocol::codec::{decode, probe_request_id};
use switchboard_protocol::server::ErrorFrame;
use switchboard_protocol::{close, ClientFrame, ErrorCode, ServerFrame};
use tokio::time::Instant;

/// Reads frames until the connection closes, the server stops or the
/// token expires.
///
/// Not an `async fn`, whose future would keep its arguments twice (as
/// passed, and as moved into its body) for the connection's whole life.
#[allow(clippy::manual_async_fn)] // on purpose: see above
pub(super) fn read_loop<'a>(
    stream: &'a mut SplitStream<WebSocket>,
    state: &'a ServerState,
    outlet: &'a Outlet,
    outbox: &'a Outbox,
    connected: &'a mut Connected,
) -> impl Future<Output = ()> + Send + 'a {
    async move {
        let mut stop = state.stop.clone();
        // When the peer was last heard from (any frame, a pong included).
        let mut heard = Instant::now();
        // One timer for the pings, the silence and the token's expiry: every
        // idle connection holds its timers for its whole life, and one is
        // enough. It is not reset per frame: it fires every ping interval,
        // and earlier when the silence or the token would end first.
        let timer = tokio::time::sleep_until(next_tick(state, heard, heard, connected.expires));
        tokio::pin!(timer);
        'read: loop {
            // An expiry wins over a flood of frames, which would keep the
            // timer below from ever being polled.
            if connected.expires.is_some_and(|at| Instant::now() >= at) {
                outlet.close(close::UNAUTHORIZED, "the token expired");
                return;
            }
            // The frame is read and decoded in this block, which ends before
            // its answer is awaited: the message, the decoded frame and their
            // temporaries would otherwise keep their room in this future (a
            // few hundred bytes, for every idle connection) while it waits.
            let handling = 'frame: {
                let message = tokio::select! {
                    // In this order: a connection asked to close (its access was
                    // taken away, say) takes no further frame, even one already
                    // arrived, and a stop wins over a flood of frames; silence
                    // only counts when no frame is there.
                    biased;
                    _ = outbox.closed() => return,
                    _ = stop.wait_for(|stopped| *stopped) => break 'frame None,
                    message = stream.next() => message,
                    () = &mut timer => {
                        let now = Instant::now();
                        if connected.expires.is_some_and(|at| now >= at) {
                            outlet.close(close::UNAUTHORIZED, "the token expired");
                            return;
                        }
                        if now >= heard + dead_after(state) {
                            tracing::debug!(conn = outlet.conn, "no answer to ping: closing");
                            outlet.close(close::PING_TIMEOUT, "no answer to ping within the ping timeout");
                            return;
                        }
                        outlet.ping();
                        timer.as_mut().reset(next_tick(state, now, heard, connected.expires));
                        continue 'read;
                    }
                };
                heard = Instant::now();
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
                    Payload::Control => continue 'read,
                    Payload::Close => return,
                    Payload::WrongKind => None,
                };
                let max = state.config.limits.max_frame_bytes;
                crate::metrics::get().frames_in.inc();
                match connected.rate.check(&state.config.limits) {
                    Verdict::Allow => {}
                    verdict => {
                        let id =
                            bytes.and_then(|bytes| probe_request_id(outlet.encoding, bytes, max));
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
                        continue 'read;
                    }
                }
                let Some(bytes) = bytes else {
                    refuse_frame(outlet, None, wrong_kind(outlet.encoding));
                    continue 'read;
                };
                match decode::<ClientFrame>(outlet.encoding, bytes, max) {
                    // Boxed: answering a request is the largest state of this task
                    // (a few KiB, for the rarest requests), and an idle connection
                    // would otherwise hold that space for its whole life. One
                    // allocation per request is the price.
                    Ok(frame) => Some(Box::pin(connected.session.handle(frame))),
                    Err(e) => {
                        refuse_frame(outlet, probe_request_id(outlet.encoding, bytes, max), e);
                        continue 'read;
                    }
                }
            };
            let Some(handling) = handling else {
                // The server stops. Writes the hubs took before the stop
                // are answered first. Boxed: it happens once, at the end,
                // and would otherwise keep its room in every idle
                // connection's future.
                tokio::select! {
                    () = Box::pin(state.registry.settled()) => {}
                    _ = outbox.closed() => return,
                }
                outlet.close(
                    close::RESTART,
                    "the server is restarting: reconnect and resume",
                );
                return;
            };
            handling.await;
        }
    }
}

/// How long a connection may stay silent: a ping sent at any point of the
/// interval, and its answer's timeout.
fn dead_after(state: &ServerState) -> Duration {
    state.config.ping_interval + state.config.ping_timeout
}

/// When the reader's timer is next due, at `now`: the next ping, or the
/// end of the silence allowed since `heard`, or the token's expiry,
/// whichever comes first.
fn next_tick(
    state: &ServerState,
    now: Instant,
    heard: Instant,
    expires: Option<Instant>,
) -> Instant {
    // A zero interval would ping in a busy loop.
    let ping = now + state.config.ping_interval.max(Duration::from_millis(1));
    let silent = heard + dead_after(state);
    let due = ping.min(silent);
    expires.map_or(due, |at| at.min(due))
}
