//! The one error type of the SDK.
//!
//! A request fails for one of three reasons: the server refused it
//! ([`Error::Server`], with the protocol's stable code), the connection went
//! away under it ([`Error::ConnectionLost`], [`Error::Closed`],
//! [`Error::Timeout`]), or the peer spoke something this SDK does not
//! understand ([`Error::Protocol`]). Sends and keyed requests (deliveries,
//! invitations, assignments, creating a team, a member or a bot) are never
//! failed with `ConnectionLost`: they are resent after a reconnect instead.

use switchboard_protocol::ErrorCode;

/// Why a connect or a request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The server answered the request with an `error` frame. Also
    /// `too_large` when the client refused locally to write a frame over the
    /// server's advertised `max_frame_bytes` (the server would have closed
    /// the connection over it). `unavailable` (the server is shutting down,
    /// the team's writer changed or cannot be reached, or the team has
    /// `limits.pending_writes` writes waiting for its disk) stored nothing.
    /// The client asks again by itself, with backoff, for sends, requests
    /// carrying a key and subscribes, and reports `unavailable` only when
    /// `request_timeout` would not leave room for another try and its
    /// answer (a try cut short would end in `Timeout`); other
    /// requests get it at once: retry later if that is safe.
    #[error("server refused the request ({code}): {message}")]
    Server {
        /// The stable, machine-readable reason.
        code: ErrorCode,
        /// The human-readable explanation.
        message: String,
    },
    /// The connection dropped while this request was in flight. The client
    /// reconnects by itself; whether the request took effect is unknown, so
    /// retry it if it is safe to.
    #[error("the connection was lost before the reply arrived")]
    ConnectionLost,
    /// The client is closed, by [`Client::close`](crate::Client::close) or by
    /// a server close code that forbids reconnecting (e.g. 4001).
    #[error("the client is closed (code {code:?}): {reason}")]
    Closed {
        /// The WebSocket close code, if one was received or sent.
        code: Option<u16>,
        /// The close reason.
        reason: String,
    },
    /// The WebSocket connection could not be opened (DNS, TCP, HTTP upgrade).
    #[error("could not connect: {0}")]
    Connect(String),
    /// No reply within the configured `request_timeout`. For a send, the
    /// message may or may not be stored: retry with
    /// [`Client::send_with_id`](crate::Client::send_with_id) and the same id
    /// to find out without storing it twice.
    #[error("no reply within the request timeout")]
    Timeout,
    /// The server sent something that does not fit the protocol (an
    /// undecodable frame, a reply of the wrong kind).
    #[error("protocol violation: {0}")]
    Protocol(String),
}

impl Error {
    /// The `Closed` error for a client that ended without saying why.
    pub(crate) fn closed_by_client() -> Error {
        Error::Closed {
            code: Some(switchboard_protocol::close::NORMAL),
            reason: "closed by the client".to_owned(),
        }
    }
}
