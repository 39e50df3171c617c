//! Opening one authenticated connection, and turning frames into WebSocket
//! messages and back.
//!
//! Invariants:
//! - the subprotocol header names the configured encoding, and tungstenite
//!   refuses a handshake whose answer names another one, so every frame of
//!   the connection uses that encoding;
//! - `hello` is the first frame written; the connection is handed on only
//!   after `welcome` came back;
//! - server messages over `max_frame_bytes` are refused by the socket itself
//!   before being buffered whole, and again by the decoder.

use crate::config::ClientConfig;
use crate::error::Error;
use futures::{SinkExt, StreamExt};
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

/// An open WebSocket to the server.
pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Connects to `url` (one of the configured servers), says hello and
/// waits for the welcome, all within `request_timeout`.
pub(crate) async fn open(config: &ClientConfig, url: &str) -> Result<(Socket, Welcome), Error> {
    tokio::time::timeout(config.request_timeout, handshake(config, url))
        .await
        .map_err(|_| Error::Timeout)?
}

async fn handshake(config: &ClientConfig, url: &str) -> Result<(Socket, Welcome), Error> {
    let mut request = url
        .into_client_request()
        .map_err(|e| Error::Connect(format!("bad url {url:?}: {e}")))?;
    request.headers_mut().insert(
        SEC_WEBSOCKET_PROTOCOL,
        HeaderValue::from_static(config.encoding.subprotocol()),
    );
    let limits = WebSocketConfig::default()
        .max_message_size(Some(config.max_frame_bytes))
        .max_frame_size(Some(config.max_frame_bytes));
    // Nagle off: requests are small and latency matters more than packets.
    let (mut socket, _response) =
        tokio_tungstenite::connect_async_with_config(request, Some(limits), true)
            .await
            .map_err(|e| Error::Connect(e.to_string()))?;

    let hello = ClientFrame::Hello(Hello {
        version: PROTOCOL_VERSION,
        token: config.token.clone(),
    });
    socket
        .send(to_message(config.encoding, &hello)?)
        .await
        .map_err(|e| Error::Connect(e.to_string()))?;

    loop {
        let message = match socket.next().await {
            Some(Ok(message)) => message,
            Some(Err(e)) => return Err(Error::Connect(e.to_string())),
            None => return Err(Error::Connect("connection ended before welcome".into())),
        };
        if let Message::Close(frame) = message {
            let (code, reason) = close_parts(frame);
            return Err(Error::Closed { code, reason });
        }
        let Some(decoded) = from_message(config.encoding, &message, config.max_frame_bytes) else {
            continue; // ping or pong: tungstenite answers pings itself
        };
        return match decoded.map_err(|e| Error::Protocol(e.to_string()))? {
            ServerFrame::Welcome(welcome) => Ok((socket, welcome)),
            ServerFrame::Error(error) => Err(Error::Server {
                code: error.code,
                message: error.message,
            }),
            other => Err(Error::Protocol(format!(
                "expected welcome, got {}",
                frame_kind(&other)
            ))),
        };
    }
}

/// A frame as the WebSocket message its encoding calls for.
pub(crate) fn to_message(encoding: Encoding, frame: &ClientFrame) -> Result<Message, Error> {
    let bytes = switchboard_protocol::encode(encoding, frame)
        .map_err(|e| Error::Protocol(format!("could not encode a request: {e}")))?;
    if encoding.is_binary() {
        Ok(Message::Binary(bytes.into()))
    } else {
        let text = String::from_utf8(bytes)
            .map_err(|e| Error::Protocol(format!("json encoder produced non-UTF-8: {e}")))?;
        Ok(Message::Text(text.into()))
    }
}

/// The frame a data message carries; `None` for control messages. The
/// payload is decoded with the connection's encoding whatever the message
/// kind: the handshake fixed it.
pub(crate) fn from_message(
    encoding: Encoding,
    message: &Message,
    max_bytes: usize,
) -> Option<Result<ServerFrame, DecodeError>> {
    let bytes: &[u8] = match message {
        Message::Binary(bytes) => bytes,
        Message::Text(text) => text.as_bytes(),
        Message::Ping(_) | Message::Pong(_) | Message::Close(_) | Message::Frame(_) => return None,
    };
    Some(switchboard_protocol::decode(encoding, bytes, max_bytes))
}

/// The code and reason of a close frame (no frame: no code).
pub(crate) fn close_parts(frame: Option<CloseFrame>) -> (Option<u16>, String) {
    match frame {
        Some(frame) => (Some(u16::from(frame.code)), frame.reason.to_string()),
        None => (None, "closed without a code".to_owned()),
    }
}

/// The frame's `type`, for error messages and logs.
pub(crate) fn frame_kind(frame: &ServerFrame) -> &'static str {
    match frame {
        ServerFrame::Welcome(_) => "welcome",
        ServerFrame::Result(_) => "result",
        ServerFrame::Error(_) => "error",
        ServerFrame::Event(_) => "event",
        ServerFrame::Signal(_) => "signal",
    }
}
