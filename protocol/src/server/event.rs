//! Events: what happens in a subscribed team, at a place in its stream,
//! and who may receive each.

use crate::assign::Assignees;
use crate::contacts::{ContactChanged, ContactDeleted, ContactFields, ContactsMerged};
use crate::content::PostInfo;
use crate::deliver::Outcome;
use crate::ids::{ConversationId, Offset, Seq, TeamId};
use crate::manage::ContactUpdated;
use crate::model::{ConversationInfo, Message, ReadMarker};
use serde::{Deserialize, Serialize};

/// Something that happened in a team, at a place in its stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventFrame {
    /// The team.
    pub team: TeamId,
    /// The event's offset in the team's stream: each subscriber sees offsets
    /// strictly increasing. They are contiguous for a Manager or Member; a
    /// Restricted Member receives only its conversations' events and so sees
    /// gaps where the team's other events were.
    pub offset: Offset,
    /// What happened.
    pub event: Event,
}

/// What happened, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A message was appended to a conversation.
    Message(Message),
    /// A conversation was started.
    ConversationStarted(ConversationInfo),
    /// A user's read marker moved.
    Read(ReadMarker),
    /// A conversation's contact's details changed.
    ContactUpdated(ContactUpdated),
    /// A conversation's assignees changed.
    Assignees(Assignees),
    /// A conversation was delivered: its latest outcome. It follows the
    /// system message that records it (and, for a user, the `assignees`
    /// event).
    Delivered(Outcome),
    /// An import wrote a batch of contacts, or finished (see
    /// [`crate::transfer`]).
    ImportProgress(crate::transfer::ImportProgress),
    /// A post was created or changed: the post as it now is. Only the
    /// team's Managers, Members and bots receive it.
    PostChanged(PostInfo),
    /// A contact of the book was created or changed.
    ContactChanged(ContactChanged),
    /// A contact of the book was deleted.
    ContactDeleted(ContactDeleted),
    /// A contact of the book was merged into another.
    ContactsMerged(ContactsMerged),
    /// The team's custom contact fields were redefined.
    ContactFields(ContactFields),
    // Blasts (see `crate::blast`).
    /// A blast's counts or status changed: sent at most a few times a
    /// second per blast, and whenever its status changes. Only the team's
    /// Managers, Members and bots receive it.
    BlastProgress(crate::blast::BlastInfo),
    // Bridges (see [`crate::bridge`]).
    /// A bridge reported how a message of the conversation went (since
    /// protocol version 3).
    Receipt(crate::bridge::Receipt),
}

/// Who may receive an event: the filter the server applies to each
/// Restricted Member's subscription (a team's Managers, Members and bots
/// receive every event of the team). An event says its audience itself, so
/// a replay from the log needs no other lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Whoever reads this conversation.
    Conversation(ConversationId),
    /// A contact-book event: whoever reads any of the contact's
    /// conversations, listed here (none: the team's people alone).
    Contact(Vec<ConversationId>),
    /// The team's people and bots alone, never a Restricted Member.
    Team,
}

impl Event {
    /// The conversation the event concerns, if it concerns one.
    pub fn conversation(&self) -> Option<ConversationId> {
        match self.audience() {
            Audience::Conversation(conversation) => Some(conversation),
            Audience::Contact(_) | Audience::Team => None,
        }
    }

    /// The protocol version that brought the event's type: a connection
    /// that said hello with an older one is never sent it, since clients
    /// refuse an event type they do not know.
    pub fn since(&self) -> u32 {
        match self {
            Event::Message(_)
            | Event::ConversationStarted(_)
            | Event::Read(_)
            | Event::ContactUpdated(_)
            | Event::Assignees(_)
            | Event::Delivered(_) => 1,
            Event::PostChanged(_)
            | Event::ImportProgress(_)
            | Event::ContactChanged(_)
            | Event::ContactDeleted(_)
            | Event::ContactsMerged(_)
            | Event::ContactFields(_) => 2,
            Event::BlastProgress(_) => 3,
            Event::Receipt(_) => 3,
        }
    }

    /// Who may receive the event (see [`Audience`]).
    pub fn audience(&self) -> Audience {
        match self {
            Event::Message(m) => Audience::Conversation(m.conversation),
            Event::ConversationStarted(c) => Audience::Conversation(c.id),
            Event::Read(r) => Audience::Conversation(r.conversation),
            Event::ContactUpdated(c) => Audience::Conversation(c.conversation),
            Event::Assignees(a) => Audience::Conversation(a.conversation),
            Event::Delivered(o) => Audience::Conversation(o.conversation),
            Event::ImportProgress(_) => Audience::Team,
            Event::PostChanged(_) => Audience::Team,
            Event::ContactChanged(c) => Audience::Contact(c.conversations.clone()),
            Event::ContactDeleted(c) => Audience::Contact(c.conversations.clone()),
            Event::ContactsMerged(c) => Audience::Contact(c.conversations.clone()),
            Event::ContactFields(_) => Audience::Team,
            Event::BlastProgress(_) => Audience::Team,
            Event::Receipt(r) => Audience::Conversation(r.conversation),
        }
    }

    /// The message seq, for message events.
    pub fn seq(&self) -> Option<Seq> {
        match self {
            Event::Message(m) => Some(m.seq),
            _ => None,
        }
    }
}
