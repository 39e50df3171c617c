//! Ephemeral signals: typing, the conversation a connection has open, and
//! a team's presence.
//!
//! What the server sends back arrives as [`ClientEvent::Signal`]: a
//! user's presence (online, device count), typing, the viewers of a
//! conversation, and changes of the team's settings (`team_changed`) or
//! members (`members_changed`). Signals carry no offset and are never replayed: after a
//! [`ClientEvent::Reconnected`] (or whenever in doubt) read the current
//! state with [`Client::presence`]. The server may drop a signal for a
//! client that is behind. The timing rules (presence grace window, typing
//! expiry) are in PROTOCOL.md, "Presence, typing, viewing".
//!
//! The server ties the opt-in to signals and the open conversation to the
//! connection; the client carries them over to the next one. The driver
//! remembers each team whose `presence` answered `signals: true` (until
//! the team is unsubscribed) and the last conversation a `view` reply
//! confirmed (until `view(None)`). After a reconnect it asks for each
//! remembered team's signals once the team's re-subscribe is live, and
//! sets the view again once every re-subscribe has settled; it reads
//! those replies itself.
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
    /// one replaces the last. The client sets it again by itself after a
    /// reconnect, until `view(None)`. The server clears a view when its
    /// conversation's team is unsubscribed, but this client cannot tell a
    /// conversation's team: call `view(None)` before such an
    /// [`Client::unsubscribe`], or a reconnect brings the view back.
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
    ///
    /// On a subscribed team (`signals: true` in the answer) it also opts
    /// this client in to the team's [`ClientEvent::Signal`]s, until
    /// [`Client::unsubscribe`]; the client asks for them again by itself
    /// after a reconnect. Signals missed while disconnected are not
    /// replayed: call it again to refresh what you show.
    ///
    /// [`ClientEvent::Signal`]: crate::ClientEvent::Signal
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

/// The conversation the application has open, carried across reconnects.
///
/// Only a `view` the server confirmed counts: a refused one changes
/// nothing, and one lost with its connection is the application's to retry.
#[derive(Debug, Default)]
pub(crate) struct OpenView {
    /// The last conversation a `view` reply confirmed (`None`: none).
    conversation: Option<ConversationId>,
    /// The current connection still lacks the view: set by a reconnect,
    /// cleared once the driver restores it or the application sends a
    /// `view` of its own (which must not be overtaken by an older one).
    missing: bool,
}

impl OpenView {
    /// A new connection: it has nothing open yet.
    pub(crate) fn reconnected(&mut self) {
        self.missing = self.conversation.is_some();
    }

    /// The application sent a `view` on the current connection.
    pub(crate) fn requested(&mut self) {
        self.missing = false;
    }

    /// The server confirmed the application's `view`.
    pub(crate) fn confirmed(&mut self, conversation: Option<ConversationId>) {
        self.conversation = conversation;
    }

    /// The conversation to set on the current connection, once: `None`
    /// when it has what it needs.
    pub(crate) fn take_restore(&mut self) -> Option<ConversationId> {
        std::mem::take(&mut self.missing)
            .then_some(self.conversation)
            .flatten()
    }

    /// The server refused to restore `conversation` (the user may no
    /// longer read it): stop restoring it, unless another replaced it.
    pub(crate) fn refused(&mut self, conversation: ConversationId) {
        if self.conversation == Some(conversation) {
            self.conversation = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const C: ConversationId = ConversationId(5);

    #[test]
    fn a_confirmed_view_is_restored_once_per_connection() {
        let mut view = OpenView::default();
        view.reconnected();
        assert_eq!(view.take_restore(), None, "nothing was ever open");
        view.confirmed(Some(C));
        assert_eq!(view.take_restore(), None, "this connection has it");
        view.reconnected();
        assert_eq!(view.take_restore(), Some(C));
        assert_eq!(view.take_restore(), None, "once");
        view.confirmed(None);
        view.reconnected();
        assert_eq!(view.take_restore(), None, "view(None) forgets it");
    }

    #[test]
    fn the_applications_own_view_wins_over_the_restore() {
        let mut view = OpenView::default();
        view.confirmed(Some(C));
        view.reconnected();
        view.requested();
        assert_eq!(view.take_restore(), None);
    }

    #[test]
    fn a_refused_restore_is_not_retried() {
        let mut view = OpenView::default();
        view.confirmed(Some(C));
        view.refused(ConversationId(9));
        view.reconnected();
        assert_eq!(
            view.take_restore(),
            Some(C),
            "another conversation was refused"
        );
        view.refused(C);
        view.reconnected();
        assert_eq!(view.take_restore(), None);
    }
}
