//! The records the store keeps, and their encoding.
//!
//! Records are MessagePack maps with named fields, so that a field added
//! later (with `#[serde(default)]`) still reads old records.

use super::{StoreError, StoreResult};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use switchboard_protocol::ids::{AccountId, ConversationId, Epoch, Millis, Offset, TeamId, UserId};
use switchboard_protocol::manage::{BotInfo, BotScope};
use switchboard_protocol::model::Role;
use switchboard_protocol::model::TeamInfo;

mod conversations;

pub use conversations::{ContactRecord, ConversationRecord, HandoffRecord, LogRecord, StreamHead};

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
