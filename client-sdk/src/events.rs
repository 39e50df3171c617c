//! The stream of what happens to the application: team events and the
//! connection's ups and downs.
//!
//! Invariants the driver keeps:
//! - per team, [`ClientEvent::Event`] offsets strictly increase: an event at
//!   or below the team's [`Client::position`](crate::Client::position) is
//!   never delivered, whether it comes from a replay or live;
//! - [`ClientEvent::Closed`] is the last item; the stream ends after it (it
//!   may also end without it if the application was not reading when
//!   [`Client::close`](crate::Client::close) was called).
//!
//! The stream is bounded (`ClientConfig::event_buffer`). When it is full the
//! client stops reading the socket, so an application that stops reading
//! events will eventually be disconnected by the server as a slow consumer
//! (close code 4008). The client then reconnects and resumes without loss,
//! but live delivery stalls meanwhile: keep reading.

use futures::Stream;
use std::pin::Pin;
use std::task::{Context, Poll};
use switchboard_protocol::presence::SignalFrame;
use switchboard_protocol::server::{EventFrame, Resume, Welcome};
use switchboard_protocol::TeamId;
use tokio::sync::mpsc;

/// Something the application should know about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientEvent {
    /// An event of a subscribed team, never seen before by this client.
    Event(EventFrame),
    /// The connection dropped; the client is reconnecting. Events resume
    /// after [`ClientEvent::Reconnected`] from where they stopped.
    Disconnected {
        /// The close code the server sent, if it sent one.
        code: Option<u16>,
        /// The close reason, or what went wrong with the socket.
        reason: String,
    },
    /// A new connection is up and authenticated, to the server
    /// [`Client::server_url`](crate::Client::server_url) names (another
    /// one when several are configured and this one went away). The client now
    /// re-subscribes its teams, resends its unacknowledged messages, and
    /// restores its opt-in to signals and its view (see
    /// [`Client::presence`](crate::Client::presence)); signals sent
    /// while it was away are lost.
    Reconnected {
        /// The server's welcome on the new connection.
        welcome: Welcome,
    },
    /// A subscription could not be resumed from the position the client
    /// held: events in between are lost to the stream. Reload what you show
    /// of this team (e.g. with [`Client::history`](crate::Client::history)).
    /// Live events continue from the stream's head.
    ResumeFailed {
        /// The team.
        team: TeamId,
        /// Why: `EpochChanged` or `OffsetAhead`.
        resume: Resume,
    },
    /// The client is closed for good; no reconnect follows. This is the
    /// last item of the stream.
    Closed {
        /// The close code received (or 1000 when the client closed).
        code: Option<u16>,
        /// The close reason.
        reason: String,
    },
    /// An ephemeral signal of a subscribed team: a user's presence, typing,
    /// or a conversation's viewers (see [`Client::presence`]). No offset,
    /// never replayed, and the server may drop some: not part of the
    /// ordering and no-duplicate guarantees above.
    ///
    /// [`Client::presence`]: crate::Client::presence
    Signal(SignalFrame),
}

/// The application's end of the event stream: a [`Stream`] of
/// [`ClientEvent`]s that ends after [`ClientEvent::Closed`].
#[derive(Debug)]
pub struct Events {
    receiver: mpsc::Receiver<ClientEvent>,
}

impl Events {
    pub(crate) fn new(receiver: mpsc::Receiver<ClientEvent>) -> Self {
        Events { receiver }
    }

    /// The next event, or `None` once the client is closed.
    pub async fn next(&mut self) -> Option<ClientEvent> {
        self.receiver.recv().await
    }
}

impl Stream for Events {
    type Item = ClientEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<ClientEvent>> {
        self.receiver.poll_recv(cx)
    }
}
