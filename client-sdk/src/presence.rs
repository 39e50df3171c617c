//! Ephemeral signals: typing, the conversation a connection has open, and
//! a team's presence.
//!
//! What the server sends back arrives as [`ClientEvent::Signal`]: a
//! user's presence (online, device count), typing, and the viewers of a
//! conversation. Signals carry no offset and are never replayed: after a
//! [`ClientEvent::Reconnected`] (or whenever in doubt) read the current
//! state with [`Client::presence`]. The server may drop a signal for a
//! client that is behind. The timing rules (presence grace window, typing
//! expiry) are in PROTOCOL.md, "Presence, typing, viewing".
//!
//! [`ClientEvent::Signal`]: crate::ClientEvent::Signal
//! [`ClientEvent::Reconnected`]: crate::ClientEvent::Reconnected

use crate::client::{unexpected, Client};
use crate::error::Error;
use crate::request::Call;
use switchboard_protocol::client::ClientFrame;
use switchboard_protocol::presence::{self, PresenceState};
use switchboard_protocol::server::Reply;
use switchboard_protocol::{ConversationId, RequestId, TeamId};

/// A signal request, without its id.
#[derive(Debug, Clone)]
pub(crate) enum SignalRequest {
    Typing {
        conversation: ConversationId,
    },
    View {
        conversation: Option<ConversationId>,
    },
    Presence {
        team: TeamId,
    },
}

impl SignalRequest {
    /// The frame that carries this request under `id`.
    pub(crate) fn into_frame(self, id: RequestId) -> ClientFrame {
        match self {
            SignalRequest::Typing { conversation } => {
                ClientFrame::Typing(presence::Typing { id, conversation })
            }
            SignalRequest::View { conversation } => {
                ClientFrame::View(presence::View { id, conversation })
            }
            SignalRequest::Presence { team } => {
                ClientFrame::Presence(presence::PresenceRequest { id, team })
            }
        }
    }
}

impl Client {
    /// Says this user is typing in a conversation (whoever may read it).
    ///
    /// Call it again every few seconds while the user keeps typing: the
    /// server signals `typing: true` once, and `typing: false` when no
    /// repeat came within its typing expiry (6 s by default) or when this
    /// user sends a message there.
    pub async fn typing(&self, conversation: ConversationId) -> Result<(), Error> {
        match self
            .call(Call::Signal(SignalRequest::Typing { conversation }))
            .await?
        {
            Reply::Typing { .. } => Ok(()),
            other => Err(unexpected("typing", &other)),
        }
    }

    /// Says which conversation this connection has open (`None`: none), so
    /// that teammates see who is looking at it. One per connection: a new
    /// one replaces the last. The view belongs to the connection: after a
    /// reconnect, call it again.
    pub async fn view(&self, conversation: Option<ConversationId>) -> Result<(), Error> {
        match self
            .call(Call::Signal(SignalRequest::View { conversation }))
            .await?
        {
            Reply::View { .. } => Ok(()),
            other => Err(unexpected("view", &other)),
        }
    }

    /// Reads a team's presence now: who is online (and on how many
    /// devices), who views which conversation, who is typing where. A
    /// Restricted Member gets no users, and its own conversations only.
    pub async fn presence(&self, team: TeamId) -> Result<PresenceState, Error> {
        match self
            .call(Call::Signal(SignalRequest::Presence { team }))
            .await?
        {
            Reply::Presence(state) => Ok(state),
            other => Err(unexpected("presence", &other)),
        }
    }
}
