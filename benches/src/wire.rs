//! A raw protocol connection, lighter than the SDK: no driver task, no
//! reconnect, no resend. The bench owns the socket so that it can take a
//! timestamp exactly where a frame is written or decoded.
//!
//! Invariants: every connection asks for MessagePack by subprotocol (so
//! tungstenite refuses a handshake that answers otherwise), goes only to a
//! loopback address, and reads with a small buffer so that a thousand
//! subscribers do not cost a thousand times tungstenite's 128 KiB default.

use anyhow::{bail, Context};
use futures::{SinkExt, StreamExt};
use std::net::IpAddr;
use std::time::Duration;
use switchboard_protocol::client::{ClientFrame, Hello};
use switchboard_protocol::server::{ServerFrame, Welcome};
use switchboard_protocol::{DecodeError, Encoding, PROTOCOL_VERSION};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::header::SEC_WEBSOCKET_PROTOCOL;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// An open, authenticated WebSocket to the server.
pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The largest server message the bench accepts, in bytes.
pub(crate) const MAX_FRAME: usize = 1 << 20;
/// Bytes read from the socket at a time (tungstenite allocates this up front).
const READ_BUFFER: usize = 4 * 1024;
/// How long a close handshake may take before the socket is just dropped.
const CLOSE_GRACE: Duration = Duration::from_millis(500);

/// Refuses any URL that is not `ws://` to a loopback address: the bench
/// generates real load and must never aim it at another machine.
pub(crate) fn check_loopback(url: &str) -> anyhow::Result<()> {
    let request = url
        .into_client_request()
        .with_context(|| format!("{url:?} is not a WebSocket URL"))?;
    let uri = request.uri();
    if uri.scheme_str() != Some("ws") {
        bail!("{url:?}: only ws:// URLs are supported");
    }
    let host = uri.host().unwrap_or_default();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if !loopback {
        bail!("{url:?}: the bench only connects to loopback addresses (127.0.0.1, ::1, localhost)");
    }
    Ok(())
}

/// Connects, says hello and waits for the welcome.
pub(crate) async fn connect(url: &str, token: &str) -> anyhow::Result<(Socket, Welcome)> {
    let mut request = url.into_client_request().context("bad url")?;
    request.headers_mut().insert(
        SEC_WEBSOCKET_PROTOCOL,
        HeaderValue::from_static(Encoding::MsgPack.subprotocol()),
    );
    let config = WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        .max_message_size(Some(MAX_FRAME))
        .max_frame_size(Some(MAX_FRAME));
    // Nagle off: frames are small and latency is what is measured.
    let (mut socket, _response) =
        tokio_tungstenite::connect_async_with_config(request, Some(config), true)
            .await
            .context("websocket handshake failed")?;
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

/// The frame a data message carries; `None` for control messages.
pub(crate) fn decode(message: &Message) -> Option<Result<ServerFrame, DecodeError>> {
    let bytes: &[u8] = match message {
        Message::Binary(bytes) => bytes,
        Message::Text(text) => text.as_bytes(),
        Message::Ping(_) | Message::Pong(_) | Message::Close(_) | Message::Frame(_) => return None,
    };
    Some(switchboard_protocol::decode(
        Encoding::MsgPack,
        bytes,
        MAX_FRAME,
    ))
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
