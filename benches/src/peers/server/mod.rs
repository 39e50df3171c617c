//! The Rust peer servers: minimal WebSocket broadcast rooms on
//! tokio-tungstenite, with no auth and no persistence, that the bench runs
//! next to Switchboard to show what the same fan-out costs without it.
//!
//! A client connects to `ws://ADDR/?room=N&role=subscriber|sender`.
//! Subscribers join room N; a text or binary message from any connection
//! in room N goes to every subscriber of room N (senders never receive).
//! Two implementations share this front door:
//!
//! - [`Mode::Naive`], the pattern most tutorials and chat examples write: a
//!   `tokio::sync::broadcast` channel per room and an awaited `send` (write
//!   and flush) per message per client, default buffers.
//! - [`Mode::Batched`], the floor of what the library costs: a bounded
//!   queue per client, fan-out by `try_send`, and a writer that writes
//!   everything queued with one flush, small buffers.
//!
//! Invariants: a client is in its room before its handshake's 101 is
//! written (the join happens in the handshake callback), so a client whose
//! `connect` returned misses nothing sent afterwards; every queue is
//! bounded and a client that falls behind is disconnected; nothing a
//! client does stops the accept loop.
//!
//! This module is compiled into the `switchboard-peer` binary (by `#[path]`)
//! and into the bench's tests, which run it in-process.

mod batched;
mod naive;

use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::WebSocketStream;

/// How long a client may take over its WebSocket handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the accept loop rests after an accept error (typically out of
/// file descriptors) instead of spinning on it.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// How long a close frame to a dropped client may take.
const CLOSE_GRACE: Duration = Duration::from_millis(500);
/// Messages one client may have waiting, in both modes: the same as
/// Switchboard's default `outbound_queue_frames`.
const QUEUE: usize = 4096;

/// Which broadcast implementation serves the rooms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Mode {
    /// A broadcast channel per room, an awaited send per message.
    Naive,
    /// A bounded queue per client, one flush per batch.
    Batched,
}

/// A room's number, from the `room` query parameter.
type RoomId = u32;

/// What a connection asked for at its handshake.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Ticket {
    room: RoomId,
    subscriber: bool,
}

/// An accepted WebSocket.
type Socket = WebSocketStream<TcpStream>;

/// Accepts connections forever, each served on its own task.
pub(crate) async fn serve(listener: TcpListener, mode: Mode) {
    let naive = naive::Rooms::default();
    let batched = batched::Rooms::default();
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _peer)) => stream,
            Err(e) => {
                eprintln!("switchboard-peer: accept failed: {e}");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        // Nagle off, as Switchboard does: frames are small and latency is
        // what is measured. A failure only costs latency.
        let _ = stream.set_nodelay(true);
        match mode {
            Mode::Naive => {
                tokio::spawn(naive::serve_connection(stream, naive.clone()));
            }
            Mode::Batched => {
                tokio::spawn(batched::serve_connection(stream, batched.clone()));
            }
        }
    }
}

/// Completes the handshake. `join` runs inside tungstenite's handshake
/// callback, before the 101 answer is written; a request without a valid
/// room and role is answered 400 and yields `None`, as does a handshake
/// that fails or takes too long.
async fn accept<T, J>(
    stream: TcpStream,
    config: Option<WebSocketConfig>,
    join: J,
) -> Option<(Socket, T)>
where
    J: FnOnce(Ticket) -> T + Unpin,
{
    let peer = stream.peer_addr().ok();
    let mut joined = None;
    // The error type is tungstenite's, as big as it is.
    #[allow(clippy::result_large_err)]
    let callback = |request: &Request, response: Response| match parse_ticket(request) {
        Ok(ticket) => {
            joined = Some(join(ticket));
            Ok(response)
        }
        Err(reason) => {
            let mut refusal = ErrorResponse::new(Some(reason.to_string()));
            *refusal.status_mut() = StatusCode::BAD_REQUEST;
            Err(refusal)
        }
    };
    let handshake = tokio_tungstenite::accept_hdr_async_with_config(stream, callback, config);
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
        Ok(Ok(socket)) => joined.map(|joined| (socket, joined)),
        Ok(Err(e)) => {
            log_refusal(peer, &e.to_string());
            None
        }
        Err(_) => {
            log_refusal(peer, "handshake timed out");
            None
        }
    }
}

fn log_refusal(peer: Option<SocketAddr>, reason: &str) {
    match peer {
        Some(peer) => eprintln!("switchboard-peer: handshake from {peer} failed: {reason}"),
        None => eprintln!("switchboard-peer: handshake failed: {reason}"),
    }
}

/// Reads `room` and `role` from the request's query string.
fn parse_ticket(request: &Request) -> Result<Ticket, &'static str> {
    let mut room = None;
    let mut subscriber = None;
    for pair in request.uri().query().unwrap_or_default().split('&') {
        match pair.split_once('=') {
            Some(("room", value)) => room = value.parse::<RoomId>().ok(),
            Some(("role", "subscriber")) => subscriber = Some(true),
            Some(("role", "sender")) => subscriber = Some(false),
            _ => {}
        }
    }
    let room = room.ok_or("the query needs room=N (a u32)")?;
    let subscriber = subscriber.ok_or("the query needs role=subscriber or role=sender")?;
    Ok(Ticket { room, subscriber })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(uri: &str) -> Result<Ticket, &'static str> {
        // A literal URI and an empty body: building the request cannot fail.
        let request = Request::builder().uri(uri).body(()).expect("valid request");
        parse_ticket(&request)
    }

    #[test]
    fn tickets_need_a_room_and_a_role() {
        assert_eq!(
            ticket("/?room=7&role=subscriber"),
            Ok(Ticket {
                room: 7,
                subscriber: true
            })
        );
        assert_eq!(
            ticket("/?role=sender&x=1&room=4294967295"),
            Ok(Ticket {
                room: u32::MAX,
                subscriber: false
            })
        );
        assert!(ticket("/?room=7").is_err());
        assert!(ticket("/?role=sender").is_err());
        assert!(ticket("/?room=-1&role=sender").is_err());
        assert!(ticket("/?room=1&role=admin").is_err());
        assert!(ticket("/").is_err());
    }
}
