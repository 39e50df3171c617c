//! Tests of the wire protocol, compiled into one binary.
//!
//! - `codec`: every frame survives both encodings unchanged, and both
//!   encodings carry the same named fields.
//! - `command`: the `^command` grammar round-trips and its errors say what
//!   the person typed wrong.
//! - `hostile`: decoding whatever bytes arrive fails cleanly: no panic, no
//!   deep recursion, nothing parsed past the size limit.
//! - `shape`: a frame and every record in it must be a map with named
//!   fields; the array forms serde would accept are refused.
//! - `content`: posts on the wire, and frames from before them.
//! - `golden`: the exact bytes of a few frames, so that a change to the wire
//!   format cannot slip in unnoticed.
//!
//! `strategies` holds the proptest generators they share.

mod codec;
mod command;
mod content;
mod golden;
mod hostile;
mod shape;
mod strategies;
mod variants;

use serde_json::Value;
use switchboard_protocol::Encoding;

/// Both encodings, for tests that must hold in each.
const BOTH: [Encoding; 2] = [Encoding::MsgPack, Encoding::Json];

/// The default `max_frame_bytes` the server advertises.
const LIMIT: usize = 64 * 1024;

/// Encodes a generic value the way a client in another language would:
/// maps with string keys, in whatever order its library chooses.
fn encode_value(encoding: Encoding, value: &Value) -> Vec<u8> {
    match encoding {
        Encoding::MsgPack => rmp_serde::to_vec_named(value).unwrap(),
        Encoding::Json => serde_json::to_vec(value).unwrap(),
    }
}
