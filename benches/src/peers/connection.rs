//! A client connection to any peer, over the bench's own WebSocket (no
//! Socket.IO client library): the bench owns the socket, so it can time a
//! payload exactly where its frame is written or read, the same way for
//! every peer.
//!
//! Invariants: connections go to loopback only, from an optional loopback
//! source address (so that tens of thousands of connections spread over
//! 127.x addresses instead of exhausting one address's ports); reads use
//! a 4 KiB buffer, as the bench's Switchboard connections do; a Socket.IO
//! connection answers every Engine.IO ping it reads, in `recv` and, for a
//! connection that only sends, in `feed` (so a sender must write at least
//! once per ping timeout, 20 s by default, to stay connected).

use super::engineio::{self, Packet};
use super::{PeerKind, PeerRole};
use anyhow::{bail, Context};
use bytes::Bytes;
use futures::{FutureExt, SinkExt, StreamExt};
use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::error::ProtocolError;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error as WsError, Message, Utf8Bytes};
use tokio_tungstenite::WebSocketStream;

/// Bytes read from the socket at a time (tungstenite allocates this up front).
const READ_BUFFER: usize = 4 * 1024;
/// The largest message accepted from a peer.
const MAX_MESSAGE: usize = 1 << 20;
/// Frames a Socket.IO handshake may take before `40` arrives.
const MAX_HANDSHAKE_FRAMES: usize = 16;
/// Frames `feed` reads, at most, looking for pings.
const MAX_DRAIN: usize = 64;
/// Payloads `feed` may set aside for `recv` while looking for pings.
const MAX_EARLY: usize = 1024;

type Socket = WebSocketStream<TcpStream>;

/// An open connection to a peer, in a room.
pub(crate) struct PeerConnection {
    kind: PeerKind,
    socket: Socket,
    /// Socket.IO: a binary event's header arrived; its payload is the next
    /// binary frame.
    attachment_due: bool,
    /// Socket.IO: payloads that `feed` read while answering pings, oldest
    /// first, for `recv`.
    early: VecDeque<Bytes>,
}

/// What one incoming frame amounts to.
enum Step {
    Payload(Bytes),
    Closed,
    Nothing,
}

impl PeerConnection {
    /// Connects to the peer at `addr` as `role` in `room`, from `local_ip`
    /// if given. Returns once the peer has the connection in its room.
    pub(crate) async fn connect(
        kind: PeerKind,
        addr: SocketAddr,
        room: u32,
        role: PeerRole,
        local_ip: Option<IpAddr>,
    ) -> anyhow::Result<PeerConnection> {
        if !addr.ip().is_loopback() {
            bail!("{addr}: the bench only connects to loopback addresses");
        }
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()
        } else {
            TcpSocket::new_v6()
        }
        .context("creating a socket")?;
        if let Some(ip) = local_ip {
            if !ip.is_loopback() {
                bail!("{ip}: the source address must be a loopback address");
            }
            socket
                .bind(SocketAddr::new(ip, 0))
                .with_context(|| format!("binding to {ip}"))?;
        }
        let stream = socket
            .connect(addr)
            .await
            .with_context(|| format!("connecting to {kind} at {addr}"))?;
        // Nagle off: payloads are small and latency is what is measured.
        stream.set_nodelay(true).context("setting TCP_NODELAY")?;
        let role = role.query_value();
        let url = match kind {
            PeerKind::Naive | PeerKind::Batched => format!("ws://{addr}/?room={room}&role={role}"),
            PeerKind::SocketIo => {
                format!("ws://{addr}/socket.io/?EIO=4&transport=websocket&room={room}&role={role}")
            }
        };
        let config = WebSocketConfig::default()
            .read_buffer_size(READ_BUFFER)
            .max_message_size(Some(MAX_MESSAGE))
            .max_frame_size(Some(MAX_MESSAGE));
        let (socket, _response) =
            tokio_tungstenite::client_async_with_config(url, stream, Some(config))
                .await
                .with_context(|| format!("WebSocket handshake with {kind} at {addr}"))?;
        let mut connection = PeerConnection {
            kind,
            socket,
            attachment_due: false,
            early: VecDeque::new(),
        };
        if kind == PeerKind::SocketIo {
            connection
                .join_namespace()
                .await
                .with_context(|| format!("Socket.IO handshake with {addr}"))?;
        }
        Ok(connection)
    }

    /// Socket.IO: reads the open packet, asks to connect to the default
    /// namespace and waits for the acknowledgement (the server joins the
    /// room before it can handle anything else).
    async fn join_namespace(&mut self) -> anyhow::Result<()> {
        let mut opened = false;
        for _ in 0..MAX_HANDSHAKE_FRAMES {
            let text = match self.socket.next().await {
                Some(Ok(Message::Text(text))) => text,
                Some(Ok(Message::Close(_))) | None => bail!("the server closed the connection"),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e).context("reading from the server"),
            };
            match engineio::decode(&text)? {
                Packet::Open if !opened => {
                    opened = true;
                    self.socket
                        .send(Message::text(engineio::CONNECT))
                        .await
                        .context("sending the connect request")?;
                }
                Packet::Connected if opened => return Ok(()),
                Packet::Refused(reason) => bail!("the server refused the connection: {reason}"),
                Packet::Ping => self.pong().await?,
                Packet::Closed => bail!("the server closed the connection"),
                _ => bail!("unexpected packet during the handshake: {text:?}"),
            }
        }
        bail!("no connect acknowledgement after {MAX_HANDSHAKE_FRAMES} frames")
    }

    /// Queues one payload for the room, text if it is UTF-8, binary if
    /// not; [`flush`](Self::flush) writes what is queued (a full write
    /// buffer also does), so a sender can put several payloads in one write.
    pub(crate) async fn feed(&mut self, payload: &[u8]) -> anyhow::Result<()> {
        let text = std::str::from_utf8(payload).ok();
        let result = match (self.kind, text) {
            (PeerKind::Naive | PeerKind::Batched, Some(text)) => {
                self.socket.feed(Message::text(text)).await
            }
            (PeerKind::Naive | PeerKind::Batched, None) => {
                self.socket
                    .feed(Message::binary(Bytes::copy_from_slice(payload)))
                    .await
            }
            (PeerKind::SocketIo, text) => {
                self.answer_pings().await?;
                match text {
                    Some(text) => {
                        self.socket
                            .feed(Message::text(engineio::text_event(text)))
                            .await
                    }
                    None => {
                        let header = Message::text(engineio::BINARY_EVENT_HEADER);
                        let attachment = Message::binary(Bytes::copy_from_slice(payload));
                        // The header and its attachment go out in the same write.
                        match self.socket.feed(header).await {
                            Ok(()) => self.socket.feed(attachment).await,
                            Err(e) => Err(e),
                        }
                    }
                }
            }
        };
        result.with_context(|| format!("sending to {}", self.kind))
    }

    /// Writes every payload queued by [`feed`](Self::feed).
    pub(crate) async fn flush(&mut self) -> anyhow::Result<()> {
        self.socket
            .flush()
            .await
            .with_context(|| format!("sending to {}", self.kind))
    }

    /// The next payload delivered to this connection; `None` once the peer
    /// has closed it.
    pub(crate) async fn recv(&mut self) -> anyhow::Result<Option<Bytes>> {
        if let Some(payload) = self.early.pop_front() {
            return Ok(Some(payload));
        }
        loop {
            let message = match self.socket.next().await {
                Some(Ok(message)) => message,
                Some(Err(e)) if is_closed(&e) => return Ok(None),
                Some(Err(e)) => return Err(e).context(format!("reading from {}", self.kind)),
                None => return Ok(None),
            };
            match self.absorb(message).await? {
                Step::Payload(payload) => return Ok(Some(payload)),
                Step::Closed => return Ok(None),
                Step::Nothing => {}
            }
        }
    }

    /// Socket.IO: reads whatever has already arrived without waiting,
    /// answering pings and setting payloads aside for `recv`, so that a
    /// connection that only sends still answers the server's heartbeat.
    async fn answer_pings(&mut self) -> anyhow::Result<()> {
        for _ in 0..MAX_DRAIN {
            if self.early.len() >= MAX_EARLY {
                // Nobody reads this connection's payloads: leave the rest
                // in the socket (the server's bound then applies).
                return Ok(());
            }
            let message = match self.socket.next().now_or_never() {
                // Nothing more has arrived.
                None => return Ok(()),
                Some(Some(Ok(message))) => message,
                // The write that follows reports a closed connection.
                Some(None) => return Ok(()),
                Some(Some(Err(e))) if is_closed(&e) => return Ok(()),
                Some(Some(Err(e))) => return Err(e).context("reading from socketio"),
            };
            match self.absorb(message).await? {
                Step::Payload(payload) => self.early.push_back(payload),
                Step::Closed => return Ok(()),
                Step::Nothing => {}
            }
        }
        Ok(())
    }

    /// What an incoming frame means for this connection; answers pings.
    async fn absorb(&mut self, message: Message) -> anyhow::Result<Step> {
        if self.kind != PeerKind::SocketIo {
            return Ok(match message {
                Message::Binary(bytes) => Step::Payload(bytes),
                Message::Text(text) => Step::Payload(Bytes::from(text)),
                Message::Close(_) => Step::Closed,
                Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => Step::Nothing,
            });
        }
        match message {
            Message::Text(text) => self.absorb_packet(text).await,
            Message::Binary(bytes) if self.attachment_due => {
                self.attachment_due = false;
                Ok(Step::Payload(bytes))
            }
            Message::Binary(_) => bail!("socketio sent a binary frame that no event announced"),
            Message::Close(_) => Ok(Step::Closed),
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => Ok(Step::Nothing),
        }
    }

    async fn absorb_packet(&mut self, text: Utf8Bytes) -> anyhow::Result<Step> {
        if self.attachment_due {
            bail!("socketio sent a text frame where an attachment was due");
        }
        let frame = Bytes::from(text);
        if let Some(payload) = engineio::plain_event(&frame) {
            return Ok(Step::Payload(payload));
        }
        // The frame came from a text message, so it is UTF-8.
        let text = std::str::from_utf8(&frame).context("socketio sent invalid UTF-8")?;
        Ok(match engineio::decode(text)? {
            Packet::Event(payload) => Step::Payload(payload),
            Packet::BinaryEvent => {
                self.attachment_due = true;
                Step::Nothing
            }
            Packet::Ping => {
                self.pong().await?;
                Step::Nothing
            }
            Packet::Closed => Step::Closed,
            Packet::Refused(reason) => bail!("socketio refused the connection: {reason}"),
            Packet::Open | Packet::Connected | Packet::Ignored => Step::Nothing,
        })
    }

    async fn pong(&mut self) -> anyhow::Result<()> {
        self.socket
            .send(Message::text(engineio::PONG))
            .await
            .context("answering a socketio ping")
    }
}

/// Errors that only say the connection is over.
fn is_closed(error: &WsError) -> bool {
    matches!(
        error,
        WsError::ConnectionClosed
            | WsError::AlreadyClosed
            | WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake)
    )
}
