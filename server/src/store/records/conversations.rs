//! The records of a team's conversations: its contacts, its
//! conversations, what its log holds at each offset, the handoffs
//! (`^deliver`) made in it, and the head of its stream.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use switchboard_protocol::assign::Assignees;
use switchboard_protocol::contacts::{
    ContactCard, ContactChanged, ContactDeleted, ContactFields, ContactsMerged,
};
use switchboard_protocol::content::PostInfo;
use switchboard_protocol::deliver::Outcome;
use switchboard_protocol::ids::{
    ContactId, ConversationId, Epoch, Millis, Offset, Seq, TeamId, UserId,
};
use switchboard_protocol::manage::ContactUpdated;
use switchboard_protocol::model::{
    Channel, ContactInfo, ConversationInfo, ConversationStatus, Message, ReadMarker,
};

/// A contact of a team's book.
///
/// `phones` and `emails` are normalised by whoever writes the record (the
/// hub: see `contacts::normal`); records written before the book held one
/// `phone` and one `email`, which read as the first of each list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "StoredContact")]
pub struct ContactRecord {
    /// Its id.
    pub id: ContactId,
    /// The team it belongs to.
    pub team: TeamId,
    /// The name to show.
    pub name: String,
    /// Phone numbers (E.164 once normalised), the first shown in
    /// conversations.
    pub phones: Vec<String>,
    /// Emails (lowercased once normalised), the first shown in
    /// conversations.
    pub emails: Vec<String>,
    /// Tags, lowercased, each once.
    pub tags: Vec<String>,
    /// Custom field values by key.
    pub fields: BTreeMap<String, String>,
    /// Free notes.
    pub notes: String,
    /// When it was created.
    pub created_at: Millis,
    /// When it last changed.
    pub updated_at: Millis,
    /// When the contact opted out through a bridge (`STOP`); `None` while
    /// they take messages.
    pub opted_out_at: Option<Millis>,
}

/// A contact record as stored, old or new: the single `email` and `phone`
/// of records from before the book become the first of their lists.
#[derive(Deserialize)]
struct StoredContact {
    id: ContactId,
    team: TeamId,
    name: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    phones: Vec<String>,
    #[serde(default)]
    emails: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    fields: BTreeMap<String, String>,
    #[serde(default)]
    notes: String,
    created_at: Millis,
    #[serde(default)]
    updated_at: Millis,
    #[serde(default)]
    opted_out_at: Option<Millis>,
}

impl From<StoredContact> for ContactRecord {
    fn from(s: StoredContact) -> ContactRecord {
        let mut phones = s.phones;
        if phones.is_empty() {
            phones.extend(s.phone);
        }
        let mut emails = s.emails;
        if emails.is_empty() {
            emails.extend(s.email);
        }
        ContactRecord {
            id: s.id,
            team: s.team,
            name: s.name,
            phones,
            emails,
            tags: s.tags,
            fields: s.fields,
            notes: s.notes,
            created_at: s.created_at,
            updated_at: s.updated_at.max(s.created_at),
            opted_out_at: s.opted_out_at,
        }
    }
}

impl ContactRecord {
    /// A contact with a name and at most one email and phone, as a
    /// conversation starts with.
    pub fn new(
        id: ContactId,
        team: TeamId,
        name: String,
        email: Option<String>,
        phone: Option<String>,
        at: Millis,
    ) -> ContactRecord {
        ContactRecord {
            id,
            team,
            name,
            phones: phone.into_iter().collect(),
            emails: email.into_iter().collect(),
            tags: Vec::new(),
            fields: BTreeMap::new(),
            notes: String::new(),
            created_at: at,
            updated_at: at,
            opted_out_at: None,
        }
    }

    /// The contact as conversations show it: its first email and phone.
    pub fn info(&self) -> ContactInfo {
        ContactInfo {
            id: self.id,
            name: self.name.clone(),
            email: self.emails.first().cloned(),
            phone: self.phones.first().cloned(),
        }
    }

    /// The contact as the book shows it.
    pub fn card(&self) -> ContactCard {
        ContactCard {
            id: self.id,
            team: self.team,
            name: self.name.clone(),
            phones: self.phones.clone(),
            emails: self.emails.clone(),
            tags: self.tags.clone(),
            fields: self.fields.clone(),
            notes: self.notes.clone(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            opted_out_at: self.opted_out_at,
        }
    }
}

/// A conversation's stored state (its messages are stored apart).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationRecord {
    /// Its id.
    pub id: ConversationId,
    /// The team it belongs to.
    pub team: TeamId,
    /// The contact it is with.
    pub contact: ContactId,
    /// Where it stands.
    pub status: ConversationStatus,
    /// When it was started.
    pub created_at: Millis,
    /// When `waiting`: the `at` of the contact's oldest unanswered message.
    #[serde(default)]
    pub waiting_since: Option<Millis>,
    /// The seq of the message that last changed `status` (0: none has).
    #[serde(default)]
    pub status_seq: Seq,
    /// Its latest delivery's outcome, if it was ever delivered (written
    /// with `status: delivered`, in the same atomic entry).
    #[serde(default)]
    pub outcome: Option<Outcome>,
    /// The channel its contact writes through (`None`: started in the app
    /// or by the SDK). Set when it starts, never changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
}

impl ConversationRecord {
    /// A conversation just started: `open`, nobody waiting.
    pub fn new(id: ConversationId, team: TeamId, contact: ContactId, at: Millis) -> Self {
        ConversationRecord {
            id,
            team,
            contact,
            status: ConversationStatus::Open,
            created_at: at,
            waiting_since: None,
            status_seq: Seq(0),
            outcome: None,
            channel: None,
        }
    }

    /// Takes the status a message set, unless a newer one is already
    /// recorded; says whether the record changed.
    pub fn observe(&mut self, message: &Message) -> bool {
        let Some(status) = message.status else {
            return false;
        };
        if message.seq <= self.status_seq {
            return false;
        }
        self.status = status;
        self.status_seq = message.seq;
        self.waiting_since = (status == ConversationStatus::Waiting).then_some(message.at);
        true
    }

    /// The conversation as shown to clients.
    pub fn info(&self, contact: &ContactRecord, last_seq: Seq) -> ConversationInfo {
        ConversationInfo {
            id: self.id,
            team: self.team,
            contact: contact.info(),
            status: self.status,
            last_seq,
            created_at: self.created_at,
            // Kept apart (`Timeline::assignees`); the caller fills them in.
            assignees: Vec::new(),
            channel: self.channel.clone(),
        }
    }
}

/// What a team's log holds at one offset. The log is the record of truth:
/// a message is stored whole here, and the per-conversation and
/// idempotency indexes point at it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LogRecord {
    /// A message.
    Message(Message),
    /// A conversation started, as it was then.
    ConversationStarted(ConversationInfo),
    /// A read marker moved.
    Read(ReadMarker),
    /// A contact's details changed, through a conversation.
    ContactUpdated(ContactUpdated),
    /// A conversation's assignees changed (the system message saying so is
    /// the `Message` record at the offset just before).
    Assignees(Assignees),
    /// A conversation was delivered (the system message saying so, and for
    /// a delivery to a user the `Assignees` record, are at the offsets just
    /// before).
    Delivered(Outcome),
    /// An import wrote a batch of contacts (they are in the book, not
    /// here), or finished.
    ImportProgress(switchboard_protocol::transfer::ImportProgress),
    /// A post was created or changed: the post as it then was (a field of
    /// its own: the post has a `kind` of its own too).
    PostChanged {
        /// The post.
        post: PostInfo,
    },
    /// A contact of the book was created or changed.
    ContactChanged(ContactChanged),
    /// A contact of the book was deleted.
    ContactDeleted(ContactDeleted),
    /// A contact of the book was merged into another.
    ContactsMerged(ContactsMerged),
    /// The team's custom contact fields were redefined.
    ContactFields(ContactFields),
    // Blasts.
    /// A blast's counts or status changed.
    BlastProgress(switchboard_protocol::blast::BlastInfo),
    /// A bridge reported how a message went (the message's record holds
    /// the delivery too).
    Receipt(switchboard_protocol::bridge::Receipt),
}

/// A delivery to another team waiting for that team's hub to import it
/// (`handoffs`, keyed by the receiving team and its new conversation).
/// Written in the same atomic entry as the delivery; deleted in the same
/// atomic entry as the import, so that a handoff is imported exactly once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffRecord {
    /// The receiving team.
    pub to_team: TeamId,
    /// The receiving team's new conversation (its id was taken when the
    /// delivery was written).
    pub conversation: ConversationId,
    /// The delivering team.
    pub from_team: TeamId,
    /// The delivering team's name, for the handoff message.
    pub from_team_name: String,
    /// The delivered conversation.
    pub source: ConversationId,
    /// The seq of the delivery's system message there: the messages before
    /// it are the history copied.
    pub through: Seq,
    /// The contact, copied into the receiving team under a new id.
    pub contact: ContactRecord,
    /// Who delivered.
    pub by: UserId,
    /// Their name, as it was then.
    pub by_name: String,
    /// The outcome status, if one was given.
    pub status: Option<String>,
    /// The handoff note, if one was given.
    pub note: Option<String>,
    /// When the delivery was made.
    pub at: Millis,
}

/// A team stream's generation and newest offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamHead {
    /// The generation.
    pub epoch: Epoch,
    /// The newest offset written (0 when empty).
    pub last: Offset,
}
