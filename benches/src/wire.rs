//! A raw Switchboard connection, lighter than the SDK: no driver task, no
//! reconnect, no resend. The bench owns the socket so that it can take a
//! timestamp exactly where a frame is written or decoded, and so that it can
//! choose the source address of every connection.
//!
//! Invariants: every connection asks for MessagePack by subprotocol, goes
//! only to a loopback address, binds its local end to one of the bench's
//! loopback source addresses (so that tens of thousands of connections do
//! not run out of one address's ephemeral ports), and reads with a small
//! buffer so that a thousand connections do not cost a thousand times
//! tungstenite's 128 KiB default.

use anyhow::{bail, Context};
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use switchboard_protocol::client::{ClientFrame, Hello, Subscribe};
use switchboard_protocol::ids::{RequestId, TeamId};
use switchboard_protocol::model::Position;
use switchboard_protocol::server::{Reply, ServerFrame, Subscribed, Welcome};
use switchboard_protocol::{DecodeError, Encoding, PROTOCOL_VERSION};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::header::SEC_WEBSOCKET_PROTOCOL;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// An open WebSocket to the server.
pub(crate) type Socket = WebSocketStream<TcpStream>;

/// The largest server message the bench accepts, in bytes.
pub(crate) const MAX_FRAME: usize = 1 << 20;
/// Bytes read from the socket at a time (tungstenite allocates this up front).
const READ_BUFFER: usize = 4 * 1024;
/// How long a close handshake may take before the socket is just dropped.
const CLOSE_GRACE: Duration = Duration::from_millis(500);

/// Where the server listens: the address to connect to and the URL for the
/// WebSocket handshake.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    /// The resolved loopback address.
    pub(crate) addr: SocketAddr,
    /// `ws://HOST:PORT/PATH`.
    pub(crate) url: String,
}

impl Endpoint {
    /// Parses and resolves `url`, refusing anything that is not `ws://` to a
    /// loopback address: the bench generates real load and must never aim
    /// it at another machine.
    pub(crate) async fn resolve(url: &str) -> anyhow::Result<Endpoint> {
        let request = url
            .into_client_request()
            .with_context(|| format!("{url:?} is not a WebSocket URL"))?;
        let uri = request.uri();
        if uri.scheme_str() != Some("ws") {
            bail!("{url:?}: only ws:// URLs are supported");
        }
        let host = uri.host().unwrap_or_default();
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let port = uri.port_u16().unwrap_or(80);
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((bare, port))
            .await
            .with_context(|| format!("cannot resolve {host}"))?
            .collect();
        let Some(addr) = addrs
            .iter()
            .copied()
            .find(|a| a.is_ipv4())
            .or(addrs.first().copied())
        else {
            bail!("{host} resolves to no address");
        };
        if addrs.iter().any(|a| !a.ip().is_loopback()) {
            bail!("{url:?}: the bench only connects to loopback addresses (127.0.0.0/8, ::1)");
        }
        Ok(Endpoint {
            addr,
            url: url.to_string(),
        })
    }
}

/// The loopback source addresses connections are spread over, round robin.
///
/// Each local address has its own ephemeral port range (32768-60999 here,
/// about 28,000 ports), and ports in TIME_WAIT after a mass disconnect stay
/// taken for a minute: spreading over several 127.0.0.x keeps a storm of
/// reconnects from running out.
pub(crate) struct Sources {
    ips: Vec<IpAddr>,
    next: AtomicUsize,
}

impl Sources {
    /// `count` addresses from 127.0.0.2 up, for an IPv4 target; none (the
    /// kernel's choice) for an IPv6 one.
    pub(crate) fn new(count: u8, target: SocketAddr) -> Sources {
        let ips = if target.is_ipv4() {
            (0..count.max(1))
                .map(|k| IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2 + k.min(250))))
                .collect()
        } else {
            Vec::new()
        };
        Sources {
            ips,
            next: AtomicUsize::new(0),
        }
    }

    /// The next source address, if the bench chooses them.
    pub(crate) fn pick(&self) -> Option<IpAddr> {
        if self.ips.is_empty() {
            return None;
        }
        let k = self.next.fetch_add(1, Ordering::Relaxed);
        Some(self.ips[k % self.ips.len()])
    }

    /// How many addresses are in use (0: the kernel chooses).
    pub(crate) fn len(&self) -> usize {
        self.ips.len()
    }
}

/// Opens a TCP connection from `source` (port chosen by the kernel) and
/// does the WebSocket handshake, asking for MessagePack.
pub(crate) async fn open(endpoint: &Endpoint, source: Option<IpAddr>) -> anyhow::Result<Socket> {
    let socket = if endpoint.addr.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    }
    .context("creating a socket")?;
    if let Some(ip) = source {
        socket
            .bind(SocketAddr::new(ip, 0))
            .with_context(|| format!("binding to {ip}"))?;
    }
    let stream = socket
        .connect(endpoint.addr)
        .await
        .with_context(|| format!("connecting to {}", endpoint.addr))?;
    // Nagle off: frames are small and latency is what is measured.
    stream.set_nodelay(true).context("setting TCP_NODELAY")?;
    let mut request = endpoint.url.as_str().into_client_request()?;
    request.headers_mut().insert(
        SEC_WEBSOCKET_PROTOCOL,
        HeaderValue::from_static(Encoding::MsgPack.subprotocol()),
    );
    let config = WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        .max_message_size(Some(MAX_FRAME))
        .max_frame_size(Some(MAX_FRAME));
    let (socket, _response) =
        tokio_tungstenite::client_async_with_config(request, stream, Some(config))
            .await
            .context("websocket handshake failed")?;
    Ok(socket)
}

/// Opens a connection, says hello and waits for the welcome.
pub(crate) async fn connect(
    endpoint: &Endpoint,
    token: &str,
    source: Option<IpAddr>,
) -> anyhow::Result<(Socket, Welcome)> {
    let mut socket = open(endpoint, source).await?;
    let hello = ClientFrame::Hello(Hello {
        version: PROTOCOL_VERSION,
        token: token.to_string(),
    });
    socket
        .send(message(&hello)?)
        .await
        .context("sending hello")?;
    match next_frame(&mut socket).await? {
        ServerFrame::Welcome(welcome) => Ok((socket, welcome)),
        ServerFrame::Error(e) => bail!("hello refused: {} ({})", e.message, e.code),
        other => bail!("expected welcome, got {other:?}"),
    }
}

/// Subscribes to `team` (resuming after `after`, if given) and waits for
/// the reply. Frames before the reply (none are expected on a fresh
/// connection) are skipped; the replayed events follow the reply and are
/// left on the socket for the caller.
pub(crate) async fn subscribe(
    socket: &mut Socket,
    id: RequestId,
    team: TeamId,
    after: Option<Position>,
) -> anyhow::Result<Subscribed> {
    let frame = ClientFrame::Subscribe(Subscribe { id, team, after });
    socket
        .send(message(&frame)?)
        .await
        .context("sending subscribe")?;
    loop {
        match next_frame(socket).await? {
            ServerFrame::Result(reply) if reply.id == id => match reply.result {
                Reply::Subscribed(s) => return Ok(s),
                other => bail!("unexpected reply to subscribe: {other:?}"),
            },
            ServerFrame::Error(e) if e.id == Some(id) => {
                bail!("subscribe refused: {} ({})", e.message, e.code)
            }
            _ => {}
        }
    }
}

/// Reads until the next decodable frame; a close or a broken socket is an
/// error here because the callers (handshake, subscribe) expect a reply.
pub(crate) async fn next_frame(socket: &mut Socket) -> anyhow::Result<ServerFrame> {
    loop {
        let message = match socket.next().await {
            Some(message) => message.context("reading from the server")?,
            None => bail!("the server ended the connection"),
        };
        if let Message::Close(frame) = message {
            bail!(
                "the server closed the connection: {}",
                close_reason(frame.as_ref())
            );
        }
        if let Some(frame) = decode(&message) {
            return frame.context("undecodable frame from the server");
        }
    }
}

/// A client frame as a binary WebSocket message.
pub(crate) fn message(frame: &ClientFrame) -> anyhow::Result<Message> {
    let bytes =
        switchboard_protocol::encode(Encoding::MsgPack, frame).context("encoding a frame")?;
    Ok(Message::Binary(bytes.into()))
}

/// The frame a data message carries, decoded in full; `None` for control
/// messages.
pub(crate) fn decode(message: &Message) -> Option<Result<ServerFrame, DecodeError>> {
    let bytes = data(message)?;
    Some(switchboard_protocol::decode(
        Encoding::MsgPack,
        bytes,
        MAX_FRAME,
    ))
}

/// The bytes of a data message; `None` for control messages.
pub(crate) fn data(message: &Message) -> Option<&[u8]> {
    match message {
        Message::Binary(bytes) => Some(bytes),
        Message::Text(text) => Some(text.as_bytes()),
        Message::Ping(_) | Message::Pong(_) | Message::Close(_) | Message::Frame(_) => None,
    }
}

/// The few fields of a server frame the hot paths need, borrowed from the
/// message's bytes: decoding a whole `ServerFrame` per delivery (owned
/// strings for the sender's name, the body and the client id) would make
/// the bench, not the server, the bottleneck on a 2-core machine.
#[derive(Debug, Deserialize)]
pub(crate) struct LiteFrame<'a> {
    /// `event`, `result`, `error` or `welcome`.
    #[serde(rename = "type", borrow)]
    pub(crate) kind: &'a str,
    /// The request id of a `result` or `error`.
    #[serde(default)]
    pub(crate) id: Option<u64>,
    /// The offset of an `event`.
    #[serde(default)]
    pub(crate) offset: Option<u64>,
    /// What an `event` carries.
    #[serde(default, borrow)]
    pub(crate) event: Option<LiteEvent<'a>>,
    /// What a `result` carries.
    #[serde(default, borrow)]
    pub(crate) result: Option<LiteResult<'a>>,
}

/// The fields of an event the bench reads.
#[derive(Debug, Deserialize)]
pub(crate) struct LiteEvent<'a> {
    /// The message's body (absent from other events).
    #[serde(default, borrow)]
    pub(crate) body: Option<&'a str>,
}

/// The fields of a result the bench reads.
#[derive(Debug, Deserialize)]
pub(crate) struct LiteResult<'a> {
    /// `sent`, `subscribed`, `history`...
    #[serde(rename = "type", borrow)]
    pub(crate) kind: &'a str,
    /// The offset of a `sent` acknowledgement.
    #[serde(default)]
    pub(crate) offset: Option<u64>,
    /// Whether a `sent` acknowledgement is a duplicate.
    #[serde(default)]
    pub(crate) duplicate: Option<bool>,
    /// The messages of a `history` page.
    #[serde(default)]
    pub(crate) messages: Option<Vec<LiteMessage>>,
    /// Whether a `history` page has more beyond it.
    #[serde(default)]
    pub(crate) more: Option<bool>,
    /// Whether a `subscribed` subscription is live.
    #[serde(default)]
    pub(crate) live: Option<bool>,
}

/// The field of a listed message the bench reads.
#[derive(Debug, Deserialize)]
pub(crate) struct LiteMessage {
    /// Its seq in the conversation.
    pub(crate) seq: u64,
}

/// Decodes the fields the hot paths need; `None` when the bytes are not a
/// frame.
pub(crate) fn decode_lite(bytes: &[u8]) -> Option<LiteFrame<'_>> {
    rmp_serde::from_slice(bytes).ok()
}

/// "code reason" of a close frame, for reports.
pub(crate) fn close_reason(frame: Option<&CloseFrame>) -> String {
    match frame {
        Some(frame) => format!("{} {}", u16::from(frame.code), frame.reason),
        None => "no close code".to_string(),
    }
}

/// Says goodbye, without waiting long for the server's answer.
pub(crate) async fn close(mut socket: Socket) {
    let _ = tokio::time::timeout(CLOSE_GRACE, socket.close(None)).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_protocol::ids::{ConversationId, Millis, Offset, Seq};
    use switchboard_protocol::model::{Message as ChatMessage, Sender, SenderKind};
    use switchboard_protocol::server::{Event, EventFrame, ResultFrame, SendAck};

    fn encode(frame: &ServerFrame) -> Vec<u8> {
        switchboard_protocol::encode(Encoding::MsgPack, frame).expect("a frame encodes")
    }

    #[test]
    fn the_lite_decoder_reads_an_event_and_an_ack() {
        let event = ServerFrame::Event(EventFrame {
            team: TeamId(3),
            offset: Offset(42),
            event: Event::Message(ChatMessage {
                conversation: ConversationId(5),
                seq: Seq(4),
                offset: Offset(42),
                sender: Sender {
                    kind: SenderKind::Agent,
                    id: 3,
                    name: "Ada".into(),
                },
                body: "sb 1 0 0 0 7 ...".into(),
                client_msg_id: Some("x".into()),
                at: Millis(1),
                status: None,
                post: None,
                delivery: None,
            }),
        });
        let bytes = encode(&event);
        let lite = decode_lite(&bytes).expect("an event decodes");
        assert_eq!((lite.kind, lite.offset), ("event", Some(42)));
        assert_eq!(lite.event.and_then(|e| e.body), Some("sb 1 0 0 0 7 ..."));

        let ack = ServerFrame::Result(ResultFrame {
            id: RequestId(9),
            result: Reply::Sent(SendAck {
                conversation: ConversationId(5),
                seq: Seq(4),
                offset: Offset(42),
                at: Millis(1),
                duplicate: false,
            }),
            duplicate: false,
        });
        let bytes = encode(&ack);
        let lite = decode_lite(&bytes).expect("an ack decodes");
        let result = lite.result.expect("a result");
        assert_eq!(
            (lite.id, result.kind, result.offset),
            (Some(9), "sent", Some(42))
        );
        assert_eq!(result.duplicate, Some(false));
    }

    #[tokio::test]
    async fn only_loopback_endpoints_are_accepted() {
        assert!(Endpoint::resolve("ws://127.0.0.1:9/ws").await.is_ok());
        assert!(Endpoint::resolve("wss://127.0.0.1:9/ws").await.is_err());
        assert!(Endpoint::resolve("ws://10.0.0.1:9/ws").await.is_err());
    }
}
