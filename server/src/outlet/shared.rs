//! A server frame encoded at most once per encoding, shared by every
//! connection it goes to.

use bytes::Bytes;
use std::sync::OnceLock;
use switchboard_protocol::codec::{encode, Encoding};
use switchboard_protocol::ServerFrame;

/// A frame encoded at most once per encoding, however many connections it
/// goes to: fan-out and replay clone the bytes, never re-encode.
pub(crate) struct SharedFrame {
    frame: ServerFrame,
    msgpack: OnceLock<Bytes>,
    json: OnceLock<Bytes>,
}

impl SharedFrame {
    /// Wraps a frame; nothing is encoded until asked for.
    pub(crate) fn new(frame: ServerFrame) -> SharedFrame {
        SharedFrame {
            frame,
            msgpack: OnceLock::new(),
            json: OnceLock::new(),
        }
    }

    /// The frame's bytes in `encoding`.
    pub(crate) fn bytes(&self, encoding: Encoding) -> Bytes {
        let cell = match encoding {
            Encoding::MsgPack => &self.msgpack,
            Encoding::Json => &self.json,
        };
        cell.get_or_init(|| encode_frame(encoding, &self.frame))
            .clone()
    }
}

/// Encodes a server frame.
pub(super) fn encode_frame(encoding: Encoding, frame: &ServerFrame) -> Bytes {
    // Server frames are plain records: encoding them cannot fail.
    encode(encoding, frame)
        .expect("server frames always encode")
        .into()
}
