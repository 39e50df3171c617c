//! One WebSocket connection: a reader (this task) and a writer task joined
//! by the connection's bounded outbound queue.
//!
//! The reader waits for the hello, then decodes each frame and hands it to
//! the session. The writer feeds every queued message to the socket and
//! flushes once per batch, so a burst of fan-out costs one write call, not
//! one per frame. Either side ending ends the other: the reader asks the
//! writer to close through the outlet's control, and the reader stops when
//! the writer has been asked to close (slow consumer, shutdown, logout).
//!
//! An accepted connection is listed in the live registry (`live`) under its
//! token, its user and the teams its access reaches until it ends, and is
//! closed with 4001 when its token expires.
//!
//! A hello is admitted only within the connection limits (per user and
//! overall; 4030 otherwise), and every frame after it passes the rate
//! limits (`limits`) before the session sees it: a refused frame is
//! answered with `rate_limited` and does nothing else, and a connection
//! refused too often is closed with 4029.
//!
//! Keepalive: the writer pings every `ping_interval`; the reader closes the
//! connection with 4010 when nothing at all (pong or any frame) has arrived
//! for `ping_interval + ping_timeout`, which covers a ping sent at any point
//! of the interval and its answer.
//!
//! Shutdown: when the server stops, the reader stops reading (no new
//! request is taken), waits until every hub has settled (each write a hub
//! took is flushed and its ack queued on this connection, or refused), and
//! only then closes with 1012; the writer sends what is queued before the
//! close frame, so every write taken before the stop is answered.

use crate::access::{self, Access, Principal};
use crate::auth::{self, authenticate_hash};
use crate::limits::{RateLimiter, Verdict};
use crate::live::Registration;
use crate::outlet::{Bounds, Outbox, Outlet, Work};
use crate::server::ServerState;
use crate::session::Session;
use crate::time::now;
use axum::extract::ws::{CloseFrame, Message as WsMessage, Utf8Bytes, WebSocket};
use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt};
use std::sync::Arc;
use std::time::Duration;
use switchboard_protocol::codec::{decode, probe_request_id, Encoding};
use switchboard_protocol::ids::Millis;
use switchboard_protocol::server::{ErrorFrame, Welcome};
use switchboard_protocol::{close, ClientFrame, ErrorCode, ServerFrame, PROTOCOL_VERSION};
use tokio::time::Instant;

/// How long the goodbye (last frames and the close frame) may take.
const CLOSE_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// Serves one upgraded connection until it closes.
pub(crate) async fn serve(socket: WebSocket, state: Arc<ServerState>, encoding: Encoding) {
    crate::metrics::get().connections_accepted.inc();
    let _open = crate::metrics::GaugeGuard::new(&crate::metrics::get().connections_open);
    let conn = state.next_connection_id();
    let bounds = Bounds {
        frames: state.config.limits.outbound_queue_frames,
        bytes: state.config.limits.outbound_queue_bytes,
    };
    let high_water = Arc::clone(&state.outbound_high_water);
    let (outlet, outbox) = Outlet::bounded(conn, encoding, bounds, high_water);
    let (sink, mut stream) = socket.split();
    let ping_interval = state.config.ping_interval;
    let writer = tokio::spawn(write_loop(
        sink,
        Arc::clone(&outbox),
        encoding,
        ping_interval,
    ));

    if let Some(accepted) = hello(&mut stream, &state, &outlet).await {
        let Accepted {
            principal,
            expires,
            registration,
            mut rate,
        } = accepted;
        let mut session = Session::new(Arc::clone(&state), principal, outlet.clone());
        read_loop(
            &mut stream,
            &state,
            &outlet,
            &outbox,
            &mut session,
            &mut rate,
            expires,
        )
        .await;
        session.close();
        drop(registration);
    }
    // Normal closure unless something already chose a code.
    outlet.close(close::NORMAL, "");
    drop(outlet);
    if let Err(e) = writer.await {
        if e.is_panic() {
            tracing::error!(conn, error = %e, "connection writer panicked");
        }
    }
    tracing::debug!(conn, "connection closed");
}

/// A connection whose hello was accepted.
struct Accepted {
    principal: Principal,
    /// When its token expires, if it does.
    expires: Option<Instant>,
    /// Its place among the live connections, for as long as it lasts.
    registration: Registration,
    /// Its rate limits (and its admission, for as long as it lasts).
    rate: RateLimiter,
}

/// Waits for the hello and answers it; returns the authenticated user, or
/// None after asking the writer to close with the reason.
async fn hello(
    stream: &mut SplitStream<WebSocket>,
    state: &ServerState,
    outlet: &Outlet,
) -> Option<Accepted> {
    let deadline = tokio::time::Instant::now() + state.config.hello_timeout;
    let mut stop = state.stop.clone();
    let frame = loop {
        let next = tokio::select! {
            next = tokio::time::timeout_at(deadline, stream.next()) => Some(next),
            _ = stop.wait_for(|stopped| *stopped) => None,
        };
        let Some(next) = next else {
            // Nothing was taken from this connection yet: it may go at once.
            outlet.close(close::RESTART, "the server is restarting: reconnect");
            return None;
        };
        let message = match next {
            Err(_) => {
                outlet.close(close::HELLO_TIMEOUT, "no hello within the hello timeout");
                return None;
            }
            Ok(Some(Err(e))) if is_too_big(&e) => {
                refuse_too_big(outlet, state.config.limits.max_frame_bytes);
                return None;
            }
            Ok(None) | Ok(Some(Err(_))) => return None,
            Ok(Some(Ok(message))) => message,
        };
        match payload(&message, outlet.encoding) {
            Payload::Data(bytes) => {
                let max = state.config.limits.max_frame_bytes;
                break decode::<ClientFrame>(outlet.encoding, bytes, max)
                    .map_err(|e| e.to_string());
            }
            Payload::Control => continue,
            Payload::Close => return None,
            Payload::WrongKind => break Err(wrong_kind(outlet.encoding)),
        }
    };
    let hello = match frame {
        Ok(ClientFrame::Hello(hello)) => hello,
        Ok(_) => {
            outlet.close(close::HELLO_REQUIRED, "the first frame must be hello");
            return None;
        }
        Err(e) => {
            outlet.close(
                close::HELLO_REQUIRED,
                &format!("the first frame must be hello: {e}"),
            );
            return None;
        }
    };
    if hello.version != PROTOCOL_VERSION {
        let reason = format!("this server speaks protocol version {PROTOCOL_VERSION}");
        outlet.close(close::UNSUPPORTED_VERSION, &reason);
        return None;
    }
    let store = state.store.as_ref();
    let token_hash = auth::hash(&hello.token);
    let (user, token) = match authenticate_hash(store, &token_hash) {
        Ok(Some(found)) => found,
        Ok(None) => {
            outlet.close(close::UNAUTHORIZED, "unknown, expired or revoked token");
            return None;
        }
        Err(e) => return internal(outlet, e),
    };
    let expires = token.expires_at.and_then(instant_of);
    let slot = match state.admission.admit(user.id) {
        Ok(slot) => slot,
        Err(refused) => {
            outlet.close(close::TOO_MANY_CONNECTIONS, &refused.to_string());
            return None;
        }
    };
    let rate = RateLimiter::new(slot, &state.config.limits);
    // Listed first, then checked again and the access read: a logout that
    // deleted the token, or an access change made, after the reads above
    // either finds this connection listed and closes it, or is seen below.
    let registration = state.live.register(token_hash, user.id, outlet);
    match store.token(&token_hash) {
        Ok(Some(_)) => {}
        Ok(None) => {
            outlet.close(close::UNAUTHORIZED, "the token was revoked");
            return None;
        }
        Err(e) => return internal(outlet, e),
    }
    let Access {
        principal,
        teams,
        accounts,
        grants,
    } = match access::load(store, user, token.kind) {
        Ok(access) => access,
        Err(e) => return internal(outlet, e),
    };
    match access::enlist(store, &state.live, outlet, &principal) {
        Ok(true) => {}
        Ok(false) => {
            outlet.close(close::ACCESS_CHANGED, "a team was removed: reconnect");
            return None;
        }
        Err(e) => return internal(outlet, e),
    }
    outlet.send(&ServerFrame::Welcome(Welcome {
        version: PROTOCOL_VERSION,
        connection: outlet.conn,
        user: principal.info(),
        teams,
        accounts,
        grants,
        limits: state.config.advertised_limits(),
    }));
    tracing::debug!(conn = outlet.conn, user = %principal.user.id, "hello");
    Some(Accepted {
        principal,
        expires,
        registration,
        rate,
    })
}

/// Closes a connection whose hello hit a store error.
fn internal(outlet: &Outlet, e: crate::store::StoreError) -> Option<Accepted> {
    tracing::error!(error = %e, "store error during hello");
    outlet.close(close::INTERNAL, "internal error");
    None
}

/// The runtime's instant at a wall-clock time (now, if it has passed);
/// None if it is too far ahead to represent, which is as good as never.
fn instant_of(at: Millis) -> Option<Instant> {
    Instant::now().checked_add(Duration::from_millis(at.0.saturating_sub(now().0)))
}

async fn read_loop(
    stream: &mut SplitStream<WebSocket>,
    state: &ServerState,
    outlet: &Outlet,
    outbox: &Outbox,
    session: &mut Session,
    rate: &mut RateLimiter,
    expires: Option<Instant>,
) {
    let mut stop = state.stop.clone();
    let expiry = async {
        match expires {
            Some(at) => tokio::time::sleep_until(at).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(expiry);
    let dead_after = state.config.ping_interval + state.config.ping_timeout;
    let silence = tokio::time::sleep(dead_after);
    tokio::pin!(silence);
    loop {
        let message = tokio::select! {
            // In this order: a connection asked to close (its access was
            // taken away, say) takes no further frame, even one already
            // arrived, and a stop or an expiry wins over a flood of frames;
            // silence only counts when no frame is there.
            biased;
            _ = outbox.closed() => return,
            _ = stop.wait_for(|stopped| *stopped) => None::<Option<_>>,
            () = &mut expiry => {
                outlet.close(close::UNAUTHORIZED, "the token expired");
                return;
            }
            message = stream.next() => Some(message),
            () = &mut silence => {
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
        silence.as_mut().reset(Instant::now() + dead_after);
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

fn refuse_frame(
    outlet: &Outlet,
    id: Option<switchboard_protocol::RequestId>,
    error: impl std::fmt::Display,
) {
    outlet.send(&ServerFrame::Error(ErrorFrame {
        id,
        code: ErrorCode::BadFrame,
        message: error.to_string(),
    }));
}

enum Payload<'a> {
    Data(&'a [u8]),
    Control,
    Close,
    WrongKind,
}

fn payload(message: &WsMessage, encoding: Encoding) -> Payload<'_> {
    match (message, encoding.is_binary()) {
        (WsMessage::Binary(bytes), true) => Payload::Data(bytes),
        (WsMessage::Text(text), false) => Payload::Data(text.as_bytes()),
        (WsMessage::Binary(_) | WsMessage::Text(_), _) => Payload::WrongKind,
        (WsMessage::Ping(_) | WsMessage::Pong(_), _) => Payload::Control,
        (WsMessage::Close(_), _) => Payload::Close,
    }
}

fn wrong_kind(encoding: Encoding) -> String {
    match encoding {
        Encoding::MsgPack => "this connection speaks msgpack: send binary messages".to_string(),
        Encoding::Json => "this connection speaks json: send text messages".to_string(),
    }
}

/// Whether a read failed because a message or frame was over the limit.
/// `tungstenite` must be the version axum uses (one workspace dependency),
/// or the downcast would never match and 1009 would silently stop.
pub(crate) fn is_too_big(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if let Some(tungstenite::Error::Capacity(_)) = e.downcast_ref::<tungstenite::Error>() {
            return true;
        }
        source = e.source();
    }
    false
}

/// Closes with 1009 a connection whose peer sent a message over `max`
/// bytes, whether or not it said hello yet.
fn refuse_too_big(outlet: &Outlet, max: usize) {
    let reason = format!("message exceeds max_frame_bytes ({max})");
    outlet.close(close::TOO_BIG, &reason);
}

/// Writes queued frames, a batch per flush, and a ping every
/// `ping_interval`, until a close is asked for; then says goodbye.
async fn write_loop(
    mut sink: SplitSink<WebSocket, WsMessage>,
    outbox: Arc<Outbox>,
    encoding: Encoding,
    ping_interval: Duration,
) {
    // A zero period would make `interval` panic.
    let ping_interval = ping_interval.max(Duration::from_millis(1));
    let mut ping = tokio::time::interval_at(Instant::now() + ping_interval, ping_interval);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        // `work` takes nothing until it returns, so losing the race to the
        // ping loses no frame.
        let work = tokio::select! {
            work = outbox.work() => work,
            _ = ping.tick() => {
                let sent = tokio::select! {
                    biased;
                    _ = outbox.closed() => continue,
                    sent = sink.send(WsMessage::Ping(bytes::Bytes::new())) => sent,
                };
                if sent.is_err() {
                    return;
                }
                continue;
            }
        };
        match work {
            Work::Write(frames) => {
                let bytes: usize = frames.iter().map(bytes::Bytes::len).sum();
                // A write blocked on a peer that does not read must not keep
                // a close (slow consumer, shutdown) from happening: the close
                // wins the race, and the next turn of the loop says goodbye.
                let written = tokio::select! {
                    biased;
                    _ = outbox.closed() => continue,
                    written = write(&mut sink, frames, encoding) => written,
                };
                if written.is_err() {
                    return;
                }
                outbox.written(bytes);
            }
            Work::Close(frames, code, reason) => {
                let goodbye = async {
                    write(&mut sink, frames, encoding).await?;
                    let frame = CloseFrame {
                        code,
                        reason: reason.into(),
                    };
                    sink.send(WsMessage::Close(Some(frame))).await?;
                    sink.close().await
                };
                let _ = tokio::time::timeout(CLOSE_GRACE, goodbye).await;
                return;
            }
        }
    }
}

/// Feeds frames to the socket and flushes once.
async fn write(
    sink: &mut SplitSink<WebSocket, WsMessage>,
    frames: std::collections::VecDeque<bytes::Bytes>,
    encoding: Encoding,
) -> Result<(), axum::Error> {
    for frame in frames {
        let message = match encoding {
            Encoding::MsgPack => WsMessage::Binary(frame),
            // JSON frames come from serde_json, which writes UTF-8 only; a
            // failure here would be a bug worth dropping the frame for.
            Encoding::Json => match Utf8Bytes::try_from(frame) {
                Ok(text) => WsMessage::Text(text),
                Err(e) => {
                    tracing::error!(error = %e, "a json frame was not utf-8");
                    continue;
                }
            },
        };
        sink.feed(message).await?;
    }
    sink.flush().await
}
