//! The two encodings of a frame: MessagePack (binary WebSocket messages, the
//! default) and JSON (text messages, for browsers and debugging).
//!
//! Both carry the same frames with the same named fields. Decoding is
//! bounded: input larger than the caller's limit is refused before parsing,
//! MessagePack nesting is capped at [`MAX_DEPTH`] (no frame needs more than
//! six levels), and bytes left over after a frame are an error. It is also
//! strict: a frame and every record in it must be a map with string keys,
//! never the list of its fields that serde would otherwise accept (see
//! `shape`).

use crate::ids::RequestId;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::io::Cursor;

mod shape;

/// The nesting depth at which MessagePack decoding gives up: rmp-serde
/// refuses the container that reaches it, so a frame may nest at most
/// `MAX_DEPTH - 1` (15) levels of maps and arrays. Real frames use at most
/// six; the cap stops a few bytes of nested arrays from costing real memory.
pub const MAX_DEPTH: usize = 16;

/// The WebSocket subprotocol that selects MessagePack.
pub const SUBPROTOCOL_MSGPACK: &str = "switchboard.v1.msgpack";
/// The WebSocket subprotocol that selects JSON.
pub const SUBPROTOCOL_JSON: &str = "switchboard.v1.json";

/// How frames are encoded on one connection, chosen at the handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// MessagePack maps with named fields, one per binary message.
    #[default]
    MsgPack,
    /// JSON objects, one per text message.
    Json,
}

impl Encoding {
    /// The subprotocol name that selects this encoding.
    pub const fn subprotocol(self) -> &'static str {
        match self {
            Encoding::MsgPack => SUBPROTOCOL_MSGPACK,
            Encoding::Json => SUBPROTOCOL_JSON,
        }
    }

    /// The encoding a subprotocol name selects, if it is one of ours.
    pub fn from_subprotocol(name: &str) -> Option<Encoding> {
        match name.trim() {
            SUBPROTOCOL_MSGPACK => Some(Encoding::MsgPack),
            SUBPROTOCOL_JSON => Some(Encoding::Json),
            _ => None,
        }
    }

    /// Whether frames travel as binary (true) or text (false) messages.
    pub const fn is_binary(self) -> bool {
        matches!(self, Encoding::MsgPack)
    }
}

/// Why a frame could not be encoded.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    /// MessagePack encoding failed.
    #[error("msgpack encoding failed: {0}")]
    MsgPack(#[from] rmp_serde::encode::Error),
    /// JSON encoding failed.
    #[error("json encoding failed: {0}")]
    Json(#[from] serde_json::Error),
}

/// Why bytes could not be decoded into a frame.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The input is larger than the limit the caller set.
    #[error("frame of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The input's size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The bytes are not a MessagePack frame of a known shape.
    #[error("not a valid msgpack frame: {0}")]
    MsgPack(#[from] rmp_serde::decode::Error),
    /// The bytes are not a JSON frame of a known shape.
    #[error("not a valid json frame: {0}")]
    Json(#[from] serde_json::Error),
    /// A complete frame was followed by more bytes.
    #[error("{0} unexpected bytes after the frame")]
    TrailingBytes(usize),
    /// The frame, or a record in it, was not a map with named fields (a
    /// list of the fields' values, or a map keyed by numbers).
    #[error("a frame and every record in it must be a map with named fields: {0}")]
    NotAMap(String),
}

/// Encodes a frame.
pub fn encode<T: Serialize>(encoding: Encoding, frame: &T) -> Result<Vec<u8>, EncodeError> {
    match encoding {
        Encoding::MsgPack => Ok(rmp_serde::to_vec_named(frame)?),
        Encoding::Json => Ok(serde_json::to_vec(frame)?),
    }
}

/// Decodes one frame from `bytes`, refusing input over `max_bytes` and
/// input that writes the frame, or a record in it, as anything but a map
/// with named fields.
pub fn decode<T: Serialize + DeserializeOwned>(
    encoding: Encoding,
    bytes: &[u8],
    max_bytes: usize,
) -> Result<T, DecodeError> {
    let frame: T = decode_fields(encoding, bytes, max_bytes)?;
    // Most frames hold no list at all: a quick pass proves those maps.
    if walk(encoding, bytes, shape::Plain { tag: false }).unwrap_or(false) {
        return Ok(frame);
    }
    // The frame's own shape: objects where it has records, arrays where it
    // has lists. Every frame serializes to JSON (JSON connections carry it).
    let expected = serde_json::to_value(&frame).map_err(|e| DecodeError::NotAMap(e.to_string()))?;
    walk(encoding, bytes, shape::Expect(Some(&expected))).map_err(DecodeError::NotAMap)?;
    Ok(frame)
}

/// Runs `seed` over the input again (it decoded once already, within the
/// same depth limit), for a shape check.
fn walk<'de, S: serde::de::DeserializeSeed<'de>>(
    encoding: Encoding,
    bytes: &'de [u8],
    seed: S,
) -> Result<S::Value, String> {
    match encoding {
        Encoding::MsgPack => {
            let mut de = rmp_serde::Deserializer::new(Cursor::new(bytes));
            de.set_max_depth(MAX_DEPTH);
            seed.deserialize(&mut de).map_err(|e| e.to_string())
        }
        Encoding::Json => {
            let mut de = serde_json::Deserializer::from_slice(bytes);
            seed.deserialize(&mut de).map_err(|e| e.to_string())
        }
    }
}

/// Decodes one frame from `bytes`, refusing input over `max_bytes`, with
/// serde's leniency on shape (a struct may come as a list of its fields).
fn decode_fields<T: DeserializeOwned>(
    encoding: Encoding,
    bytes: &[u8],
    max_bytes: usize,
) -> Result<T, DecodeError> {
    if bytes.len() > max_bytes {
        return Err(DecodeError::TooLarge {
            size: bytes.len(),
            limit: max_bytes,
        });
    }
    match encoding {
        Encoding::MsgPack => {
            let mut de = rmp_serde::Deserializer::new(Cursor::new(bytes));
            de.set_max_depth(MAX_DEPTH);
            let frame = T::deserialize(&mut de)?;
            // The cursor never moves past the slice, so this fits in usize.
            let used = de.position() as usize;
            if used != bytes.len() {
                return Err(DecodeError::TrailingBytes(bytes.len() - used));
            }
            Ok(frame)
        }
        Encoding::Json => Ok(serde_json::from_slice(bytes)?),
    }
}

/// Reads just the `id` field of a frame that failed to decode as a whole, so
/// that the error reply can name the request it answers. Lenient on shape:
/// it only looks for the id to echo.
pub fn probe_request_id(encoding: Encoding, bytes: &[u8], max_bytes: usize) -> Option<RequestId> {
    #[derive(Deserialize)]
    struct Probe {
        id: Option<RequestId>,
    }
    decode_fields::<Probe>(encoding, bytes, max_bytes).ok()?.id
}
