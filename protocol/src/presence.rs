//! Ephemeral signals: who is online, who is typing, who has a conversation
//! open.
//!
//! Signals are not events. A `signal` frame carries no offset, is never
//! stored nor replayed, and the server may drop one for a connection that
//! is behind; a client that missed some asks for the current state with a
//! `presence` request. The durable stream (`event` frames, offsets,
//! resume) is untouched by them.
//!
//! The client side is three requests, each answered by one `result`:
//! [`Typing`] (the caller is typing in a conversation; repeated every few
//! seconds while it lasts), [`View`] (this connection has a conversation
//! open, or none) and [`PresenceRequest`] (the team's current state).
//!
//! Signals reach only a connection that asked for them: a `presence`
//! request on a subscribed connection answers the current state and opts
//! it in to the changes, for as long as the subscription lasts. A client
//! that never sends one never sees a `signal` frame.

use crate::ids::{ConversationId, RequestId, TeamId, UserId};
use serde::{Deserialize, Serialize};

/// The caller is typing in a conversation. Repeat it every few seconds
/// while typing lasts: without a repeat, typing ends by itself after the
/// server's typing expiry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Typing {
    /// The request id.
    pub id: RequestId,
    /// The conversation.
    pub conversation: ConversationId,
}

/// This connection now has a conversation open (`Some`), or none (`None`).
/// A connection views at most one conversation at a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    /// The request id.
    pub id: RequestId,
    /// The conversation open on this connection, if any.
    #[serde(default)]
    pub conversation: Option<ConversationId>,
}

/// Asks for a team's current presence: who is online and who views what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenceRequest {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
}

/// An ephemeral signal of a team: no offset, never replayed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignalFrame {
    /// The team.
    pub team: TeamId,
    /// What changed.
    pub signal: Signal,
}

/// What changed, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Signal {
    /// A user came online, went offline, or their device count changed.
    Presence(PresenceChange),
    /// A user started or stopped typing in a conversation.
    Typing(TypingChange),
    /// The set of users viewing a conversation changed.
    Viewing(Viewers),
    /// The team's settings changed (`update_team`): they as they now are.
    TeamChanged(TeamChange),
    /// Someone joined or left the team, or their role changed: read
    /// `members` again.
    MembersChanged(MembersChange),
    // Web chat.
    /// A visitor (a contact on the web chat) came online or went offline.
    ContactPresence(crate::widget::ContactPresence),
}

impl Signal {
    /// The conversation the signal concerns; none for the team-level ones
    /// (`presence`, `team_changed`, `members_changed`).
    pub fn conversation(&self) -> Option<ConversationId> {
        match self {
            Signal::Presence(_) | Signal::TeamChanged(_) | Signal::MembersChanged(_) => None,
            Signal::Typing(t) => Some(t.conversation),
            Signal::Viewing(v) => Some(v.conversation),
            Signal::ContactPresence(c) => Some(c.conversation),
        }
    }
}

/// A user's presence in a team, as it now is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenceChange {
    /// The user.
    pub user: UserId,
    /// Their display name.
    pub name: String,
    /// Whether they are online.
    pub online: bool,
    /// How many of their connections are subscribed to the team (0 when
    /// offline).
    pub devices: u32,
}

/// A team's settings, as `update_team` left them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamChange {
    /// The team's display name.
    pub name: String,
    /// The team's chat identity.
    pub identity: String,
    /// The outcome statuses `^deliver` offers, in order.
    pub statuses: Vec<String>,
    /// The member limit; `None` is unlimited.
    #[serde(default)]
    pub max_members: Option<u32>,
}

/// A team's members or roles changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembersChange {
    /// The team.
    pub team: TeamId,
}

/// A user started or stopped typing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypingChange {
    /// The conversation.
    pub conversation: ConversationId,
    /// The user.
    pub user: UserId,
    /// Their display name.
    pub name: String,
    /// True when they started, false when they stopped (expiry, or a
    /// message they sent there).
    pub typing: bool,
    /// True when the typist is the conversation's contact (a web chat
    /// visitor: `user` is then the visitor's id, `name` the contact's).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub contact: bool,
}

/// Everyone who has a conversation open, as they now are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewers {
    /// The conversation.
    pub conversation: ConversationId,
    /// Its viewers, by user id, each once however many of their
    /// connections have it open. Empty when nobody has it open any more.
    pub users: Vec<Viewer>,
}

/// A user viewing a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    /// The user.
    pub user: UserId,
    /// Their display name.
    pub name: String,
}

/// A user online in a team, in the `presence` reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnlineUser {
    /// The user.
    pub user: UserId,
    /// Their display name.
    pub name: String,
    /// How many of their connections are subscribed to the team; 0 while
    /// their last one has gone but the grace window has not yet passed.
    pub devices: u32,
}

/// The answer to a `presence` request: the team's state right now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenceState {
    /// The team.
    pub team: TeamId,
    /// Who is online, by user id.
    pub users: Vec<OnlineUser>,
    /// The viewers of every conversation somebody has open, by
    /// conversation id.
    pub viewing: Vec<Viewers>,
    /// Who is typing where, by conversation then user id (every entry has
    /// `typing: true`).
    pub typing: Vec<TypingChange>,
    /// Whether this connection now receives the team's signals: true when
    /// it is subscribed to the team (live). The opt-in lasts as long as
    /// the subscription.
    pub signals: bool,
    /// The web chat visitors online (subscribed), by conversation.
    /// Absent: none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<crate::widget::ContactPresence>,
}
