//! Stable error codes and WebSocket close codes.
//!
//! Both are part of the contract: clients branch on them, so a code once
//! published keeps its meaning. New codes may be added; clients must treat an
//! unknown error code like `internal` and an unknown close code like 1011.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The machine-readable reason of an `error` frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame could not be decoded (not MessagePack/JSON, wrong field types,
    /// unknown frame type). The connection stays open.
    BadFrame,
    /// The frame decoded but a field's value is not acceptable (empty body,
    /// limit out of range...).
    BadRequest,
    /// The frame needs a hello first, or the hello came twice.
    BadState,
    /// The thing asked for does not exist, or exists and the caller may not
    /// see it: the two are deliberately indistinguishable.
    NotFound,
    /// The caller can see the thing but may not do this to it.
    Forbidden,
    /// The request would take something already taken: a team handle, or
    /// an email registered to someone else.
    Conflict,
    /// A message or frame is larger than the advertised limit.
    TooLarge,
    /// The caller is sending faster than the advertised rate.
    RateLimited,
    /// A `^command` did not parse; the message says where and why.
    BadCommand,
    /// A `^command` parsed but this server does not carry it out yet.
    CommandUnavailable,
    /// The server is shutting down or overloaded; retry later.
    Unavailable,
    /// Something failed inside the server. The message is generic; the
    /// details are in the server's log.
    Internal,
    // Web chat.
    /// The team's web chat is paused: no new visitor, no visitor's message.
    WidgetPaused,
    /// A code this client version does not know.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadFrame => "bad_frame",
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::BadState => "bad_state",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::Conflict => "conflict",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::BadCommand => "bad_command",
            ErrorCode::CommandUnavailable => "command_unavailable",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
            ErrorCode::WidgetPaused => "widget_paused",
            ErrorCode::Unknown => "unknown",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// WebSocket close codes the server uses, with their meaning.
///
/// 1000-1015 are the standard codes of RFC 6455; 4000-4999 are Switchboard's.
pub mod close {
    /// Normal closure: the client said goodbye, or logged out.
    pub const NORMAL: u16 = 1000;
    /// The peer broke the WebSocket protocol itself.
    pub const PROTOCOL_ERROR: u16 = 1002;
    /// A message larger than the advertised `max_frame_bytes`.
    pub const TOO_BIG: u16 = 1009;
    /// The server hit an internal error on this connection.
    pub const INTERNAL: u16 = 1011;
    /// The server is restarting: reconnect (with backoff) and resume.
    pub const RESTART: u16 = 1012;
    /// The first frame was not a decodable `hello`.
    pub const HELLO_REQUIRED: u16 = 4000;
    /// The hello's token is unknown, expired or revoked, or the token of a
    /// live connection was revoked (logout) or expired. Do not retry with it.
    pub const UNAUTHORIZED: u16 = 4001;
    /// The hello asked for a protocol version this server does not speak.
    pub const UNSUPPORTED_VERSION: u16 = 4002;
    /// No hello arrived within the hello timeout.
    pub const HELLO_TIMEOUT: u16 = 4003;
    /// The client did not read fast enough and its outbound queue filled up.
    /// Nothing is lost: reconnect and resume from the last offset seen.
    pub const SLOW_CONSUMER: u16 = 4008;
    /// Your access changed (a role, a team, a grant): reconnect to get a
    /// fresh welcome. Frames still queued for the connection were dropped,
    /// since they were chosen under the old access; resume from the last
    /// offset seen.
    pub const ACCESS_CHANGED: u16 = 4009;
    /// The connection kept sending past its rate limit after being refused
    /// with `rate_limited` (more than `rate_refusals_to_close` refusals
    /// within `rate_window_secs`). Reconnect with backoff, and send slower.
    pub const RATE_LIMITED: u16 = 4029;
    /// Too many connections: the user already has `max_connections_per_user`
    /// open, or the server holds `max_connections`. Reconnect with backoff.
    pub const TOO_MANY_CONNECTIONS: u16 = 4030;
    /// The connection answered no ping (nor sent anything else) within the
    /// ping timeout: it counts as dead. Reconnect and resume.
    pub const PING_TIMEOUT: u16 = 4010;

    /// Whether a client should reconnect after this close code.
    pub fn should_reconnect(code: u16) -> bool {
        !matches!(
            code,
            NORMAL | UNAUTHORIZED | UNSUPPORTED_VERSION | HELLO_REQUIRED
        )
    }
}
