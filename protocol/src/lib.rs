//! Switchboard's wire protocol.
//!
//! One WebSocket message carries one frame. Frames are maps with named fields
//! tagged by `type`, encoded as MessagePack (binary messages) or JSON (text
//! messages) as chosen by the WebSocket subprotocol at the handshake; see
//! [`codec`]. A client sends [`ClientFrame`]s and receives [`ServerFrame`]s.
//!
//! - The first client frame is `hello`; the server answers `welcome` or
//!   closes with a code from [`close`].
//! - Every other client frame is a request with a client-chosen id, answered
//!   by exactly one `result` or `error` with that id.
//! - `event` frames carry what happens in a subscribed team, each at an
//!   offset in the team's stream; message events also carry the message's
//!   per-conversation seq.
//! - `signal` frames carry ephemeral presence, typing and viewing changes:
//!   no offset, never stored nor replayed (see [`presence`]).
//!
//! This crate holds no I/O: the server, the client SDK and the benches share
//! it. PROTOCOL.md at the repository root describes the same contract for
//! implementers in other languages.
#![deny(missing_docs)]

pub mod assign;
pub mod blast;
pub mod bridge;
pub mod client;
pub mod codec;
pub mod codes;
pub mod command;
pub mod contacts;
pub mod content;
pub mod dashboard;
pub mod deliver;
pub mod ids;
pub mod invite;
pub mod manage;
pub mod model;
pub mod presence;
pub mod server;
pub mod transfer;
pub mod webhook;
pub mod widget;

pub use client::ClientFrame;
pub use codec::{decode, encode, DecodeError, EncodeError, Encoding};
pub use codes::{close, ErrorCode};
pub use ids::*;
pub use server::ServerFrame;

/// The protocol version this crate speaks, and the newest a server speaks.
/// Versions 2 and 3 added event types (see [`server::Event::since`]); a server
/// still speaks every version from [`OLDEST_PROTOCOL_VERSION`] on, and
/// sends a connection only the event types of the version it said hello
/// with.
pub const PROTOCOL_VERSION: u32 = 3;

/// The oldest protocol version a server still speaks.
pub const OLDEST_PROTOCOL_VERSION: u32 = 1;
