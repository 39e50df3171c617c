//! What a WebSocket message is to the protocol: a frame's bytes (of the
//! connection's kind: binary for MessagePack, text for JSON), a control
//! message, a close, or a message of the wrong kind; and the refusals of
//! frames that cannot be read.
//!
//! An oversized message is recognised by `tungstenite`'s capacity error,
//! which must come from the version axum uses (one workspace dependency).

use crate::outlet::Outlet;
use axum::extract::ws::Message as WsMessage;
use switchboard_protocol::codec::Encoding;
use switchboard_protocol::server::ErrorFrame;
use switchboard_protocol::{close, ErrorCode, ServerFrame};

/// Answers a frame that cannot be read with `bad_frame`.
pub(super) fn refuse_frame(
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

/// A WebSocket message, as the protocol sees it.
pub(super) enum Payload<'a> {
    /// A frame's bytes, of the connection's kind.
    Data(&'a [u8]),
    /// A ping or a pong: proof of life, nothing to answer.
    Control,
    /// The peer's close.
    Close,
    /// Text on a MessagePack connection, or binary on a JSON one.
    WrongKind,
}

/// What `message` is on a connection speaking `encoding`.
pub(super) fn payload(message: &WsMessage, encoding: Encoding) -> Payload<'_> {
    match (message, encoding.is_binary()) {
        (WsMessage::Binary(bytes), true) => Payload::Data(bytes),
        (WsMessage::Text(text), false) => Payload::Data(text.as_bytes()),
        (WsMessage::Binary(_) | WsMessage::Text(_), _) => Payload::WrongKind,
        (WsMessage::Ping(_) | WsMessage::Pong(_), _) => Payload::Control,
        (WsMessage::Close(_), _) => Payload::Close,
    }
}

/// The refusal of a message of the wrong kind.
pub(super) fn wrong_kind(encoding: Encoding) -> String {
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
pub(super) fn refuse_too_big(outlet: &Outlet, max: usize) {
    let reason = format!("message exceeds max_frame_bytes ({max})");
    outlet.close(close::TOO_BIG, &reason);
}
