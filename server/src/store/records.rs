//! The records the store keeps, and their encoding.
//!
//! Records are MessagePack maps with named fields, so that a field added
//! later (with `#[serde(default)]`) still reads old records.

use super::{StoreError, StoreResult};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use switchboard_protocol::assign::Assignees;
use switchboard_protocol::contacts::{
    ContactCard, ContactChanged, ContactDeleted, ContactFields, ContactsMerged,
};
use switchboard_protocol::content::PostInfo;
use switchboard_protocol::deliver::Outcome;
use switchboard_protocol::ids::{
    AccountId, ContactId, ConversationId, Epoch, Millis, Offset, Seq, TeamId, UserId,
};
use switchboard_protocol::manage::{BotInfo, BotScope, ContactUpdated};
use switchboard_protocol::model::Role;
use switchboard_protocol::model::{
    Channel, ContactInfo, ConversationInfo, ConversationStatus, Message, ReadMarker, TeamInfo,
};

/// An account: owns teams.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRecord {
    /// Its id.
    pub id: AccountId,
    /// Its name.
    pub name: String,
    /// The user who owns it.
    pub owner: UserId,
    /// When it was created.
    pub created_at: Millis,
}

/// A team and its settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamRecord {
    /// Its id.
    pub id: TeamId,
    /// The account that owns it.
    pub account: AccountId,
    /// Its display name.
    pub name: String,
    /// The handle `^deliver #handle` refers to, unique in the store.
    pub handle: String,
    /// Its chat identity (phone number or chat handle).
    pub identity: String,
    /// The outcome statuses `^deliver` offers.
    #[serde(default)]
    pub statuses: Vec<String>,
    /// The most membership rows the team may hold (`None`: unlimited).
    /// An owner without a row takes no seat.
    #[serde(default)]
    pub max_members: Option<u32>,
    /// When it was created.
    pub created_at: Millis,
    /// Messages per second its blasts are sent at (`None`: the default).
    #[serde(default)]
    pub blast_rate: Option<u32>,
    /// Its web chat settings.
    #[serde(default)]
    pub widget: switchboard_protocol::widget::WidgetSettings,
}

impl TeamRecord {
    /// Messages per second the team's blasts are sent at.
    pub fn blast_rate(&self) -> u32 {
        self.blast_rate
            .unwrap_or(switchboard_protocol::blast::DEFAULT_BLAST_RATE)
    }

    /// The team as shown to a user holding `role` in it.
    pub fn info(&self, role: Role) -> TeamInfo {
        TeamInfo {
            id: self.id,
            account: self.account,
            name: self.name.clone(),
            handle: self.handle.clone(),
            identity: self.identity.clone(),
            statuses: self.statuses.clone(),
            max_members: self.max_members,
            blast_rate: self.blast_rate(),
            role,
        }
    }
}

/// A user.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRecord {
    /// Its id.
    pub id: UserId,
    /// The login email, unique (case-insensitive).
    pub email: String,
    /// The name shown to others.
    pub name: String,
    /// The handle `^assign @handle` refers to.
    pub handle: String,
    /// When it was created.
    pub created_at: Millis,
    /// The Argon2id PHC string of the password, if one was set (a user
    /// created by an admin or invited may have none yet, and cannot log in
    /// with a password until they do). Records from before passwords read
    /// as None.
    #[serde(default)]
    pub password_hash: Option<String>,
}

impl std::fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Even a hash is kept out of logs: it is what an offline guesser
        // would need.
        f.debug_struct("UserRecord")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("name", &self.name)
            .field("handle", &self.handle)
            .field("created_at", &self.created_at)
            .field("password_hash", &self.password_hash.as_ref().map(|_| "***"))
            .finish()
    }
}

/// What a token stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// A person's login session.
    Session,
    /// An automated client; its messages are marked as a bot's.
    Bot,
    /// A web chat visitor: a contact on the team's chat page.
    Visitor,
}

/// A token, stored under the SHA-256 of its secret (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// The user it authenticates.
    pub user: UserId,
    /// What it stands for.
    pub kind: TokenKind,
    /// When it was issued.
    pub created_at: Millis,
    /// When it stops working, if ever.
    pub expires_at: Option<Millis>,
}

/// A bot of a team: an automated client with a token of its own
/// (`TokenKind::Bot`, stored under `token_hash` like every token). It is no
/// user: its id comes from `next_id` and names it as a message's sender.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotRecord {
    /// Its id.
    pub id: UserId,
    /// The one team it may reach.
    pub team: TeamId,
    /// Its name, shown as the sender of its messages.
    pub name: String,
    /// What it may do there.
    pub scope: BotScope,
    /// The Manager (or owner) who created it.
    pub created_by: UserId,
    /// When it was created.
    pub created_at: Millis,
    /// Whether its token was revoked (and deleted).
    pub revoked: bool,
    /// The SHA-256 of its token, to delete it and close its connections.
    pub token_hash: [u8; 32],
    /// A webhook bridge's gateway, when the server itself serves this
    /// bridge (see `crate::webhook`).
    #[serde(default)]
    pub webhook: Option<super::Webhook>,
}

impl std::fmt::Debug for BotRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The hash stays out of logs, like every token's.
        f.debug_struct("BotRecord")
            .field("id", &self.id)
            .field("team", &self.team)
            .field("name", &self.name)
            .field("scope", &self.scope)
            .field("created_by", &self.created_by)
            .field("created_at", &self.created_at)
            .field("revoked", &self.revoked)
            .finish_non_exhaustive()
    }
}

impl BotRecord {
    /// The bot as shown to its team's Managers.
    pub fn info(&self) -> BotInfo {
        BotInfo {
            id: self.id,
            team: self.team,
            name: self.name.clone(),
            scope: self.scope,
            created_at: self.created_at,
            revoked: self.revoked,
        }
    }
}

/// An invitation, stored under the SHA-256 of its one-time token (never
/// the token): to a team (`add_member` of an unknown email: the user sets
/// a password) or, with `conversation`, to one conversation (`^invite`:
/// accepting turns the user's pending grant there into an accepted one).
/// Records from before `^invite` read as team invitations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationRecord {
    /// The invited user (a new one has no password yet).
    pub user: UserId,
    /// The team they were added to, or whose conversation they are invited to.
    pub team: TeamId,
    /// When it was made.
    pub created_at: Millis,
    /// When it stops working.
    pub expires_at: Millis,
    /// The conversation of an `^invite`; `None` for a team invitation.
    #[serde(default)]
    pub conversation: Option<ConversationId>,
    /// Who sent an `^invite`.
    #[serde(default)]
    pub invited_by: Option<UserId>,
    /// The inviter's note, if they wrote one.
    #[serde(default)]
    pub note: Option<String>,
}

/// A mail waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailRecord {
    /// Its place in the outbox (ids increase with time).
    pub id: u64,
    /// The recipient's address.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
    /// When it was queued.
    pub queued_at: Millis,
}

/// How many messages a team's log held up to an offset: the start of the
/// next usage count, so that counting scans only the log written since.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageCheckpoint {
    /// The stream epoch the count belongs to.
    pub epoch: Epoch,
    /// The last offset counted.
    pub offset: Offset,
    /// Message records in the log up to `offset`.
    pub messages: u64,
}

/// Where a Restricted Member's access to one conversation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantState {
    /// Invited, not yet accepted: grants nothing.
    Pending,
    /// Accepted: the user may read, send and mark read in the conversation.
    Accepted,
    /// Revoked: grants nothing; kept so that the history of access is known.
    Revoked,
}

/// A user's access to one conversation of a team they hold no role in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantRecord {
    /// The conversation.
    pub conversation: ConversationId,
    /// The conversation's team.
    pub team: TeamId,
    /// The user it is for.
    pub user: UserId,
    /// Where it stands.
    pub state: GrantState,
    /// Who invited them: the inviter of record, kept when the invitation
    /// is sent again while pending.
    pub invited_by: UserId,
    /// Who else sent this pending invitation again (re-sending mails a new
    /// token); each of them may revoke it, as `invited_by` may. Empty for
    /// records from before it was kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resent_by: Vec<UserId>,
    /// When it last changed.
    pub at: Millis,
    /// While pending, the SHA-256 of the invitation token that accepts it
    /// (the key of its `InvitationRecord`), so that revoking or re-inviting
    /// can delete that token. `None` once accepted or revoked, and for
    /// grants made without an invitation (records from before `^invite`).
    #[serde(default)]
    pub invitation: Option<[u8; 32]>,
    /// Who sent the invitation whose mail carries the current token, and
    /// the idempotency key they sent it with, written once that mail has
    /// gone out: a retry of that `^invite` (same user, same key) finds it
    /// and completes the invitation without mailing again, so the mailed
    /// link keeps working. Kept when accepted; `None` for an invitation
    /// sent without a key or not yet mailed, and once revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mailed_for: Option<(UserId, String)>,
}

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

/// Encodes a record for storage.
pub(crate) fn to_bytes<T: Serialize>(value: &T) -> Vec<u8> {
    // Records are plain structs of strings and numbers: encoding cannot fail.
    rmp_serde::to_vec_named(value).expect("records always encode")
}

/// Decodes a stored record, naming it in the error if it is corrupt.
pub(crate) fn from_bytes<T: DeserializeOwned>(what: &'static str, bytes: &[u8]) -> StoreResult<T> {
    rmp_serde::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        what,
        detail: e.to_string(),
    })
}
