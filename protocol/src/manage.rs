//! Requests and records for running an account: teams, their members and
//! settings, bot tokens, contact details, and usage.
//!
//! Who may send each request is the permission matrix in PROTOCOL.md; a
//! request about a team or conversation the caller may not see is answered
//! `not_found`, like one about a team or conversation that does not exist.

use crate::ids::{AccountId, ContactId, ConversationId, Millis, RequestId, TeamId, UserId};
use crate::model::{Role, UserInfo};
use serde::{Deserialize, Serialize};

/// An account the caller owns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountInfo {
    /// The account's id.
    pub id: AccountId,
    /// Its name.
    pub name: String,
}

/// A member of a team and their role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberInfo {
    /// The user.
    pub user: UserInfo,
    /// Their role in the team.
    pub role: Role,
}

/// What a bot token may do in its team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BotScope {
    /// Subscribe, and read history, conversations and members.
    Read,
    /// Also send messages, start conversations and mark read.
    ReadWrite,
    /// A channel bridge: reads as `read` does, relays the contacts'
    /// messages of its channel (`relay`) and reports the delivery of the
    /// team's replies (`receipt`); never sends as an agent.
    Bridge,
}

/// A bot: an automated client of one team, with a token of its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotInfo {
    /// The bot's id; its messages carry it as the sender id.
    pub id: UserId,
    /// Its team.
    pub team: TeamId,
    /// Its name, shown as the sender of its messages.
    pub name: String,
    /// What it may do.
    pub scope: BotScope,
    /// When it was created.
    pub created_at: Millis,
    /// Whether its token has been revoked.
    pub revoked: bool,
}

/// An account's usage, for billing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageInfo {
    /// The account.
    pub account: AccountId,
    /// Distinct users holding a role in any of its teams, the owner included.
    pub seats: u32,
    /// Messages stored in its teams.
    pub messages: u64,
    /// Blasts sent from its teams. Always 0 for now: this server does not
    /// send blasts yet.
    pub blasts: u64,
}

/// Creates a team in an account (owner only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateTeam {
    /// The request id.
    pub id: RequestId,
    /// The account.
    pub account: AccountId,
    /// The team's name.
    pub name: String,
    /// Its handle, unique on the server.
    pub handle: String,
    /// Its chat identity.
    #[serde(default)]
    pub identity: String,
    /// An idempotency key of the client's choosing (1 to 64 bytes): a
    /// retry with the same key returns the original result marked
    /// `duplicate` and does nothing again (see PROTOCOL.md, "Idempotency
    /// keys").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// Changes a team's settings (owner or Manager). Absent fields stay as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateTeam {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
    /// A new name.
    #[serde(default)]
    pub name: Option<String>,
    /// A new chat identity.
    #[serde(default)]
    pub identity: Option<String>,
    /// The outcome statuses `^deliver` offers, replacing the list.
    #[serde(default)]
    pub statuses: Option<Vec<String>>,
    /// A new member limit, replacing the old one; `0` removes the limit.
    /// (A plain number rather than a nullable one, so that "absent" and
    /// "unlimited" cannot be confused on the wire.)
    #[serde(default)]
    pub max_members: Option<u32>,
}

/// Removes a team (owner only): its members lose access at once, and its
/// conversations can no longer be reached by anyone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoveTeam {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
}

/// Lists a team's members (any member of the team).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Members {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
}

/// Adds a user to a team by email (owner or Manager). An existing user
/// joins at once; an unknown email gets an invitation to set a password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddMember {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
    /// The user's email.
    pub email: String,
    /// Their role.
    pub role: Role,
    /// The display name for a new user (default: the email's local part).
    #[serde(default)]
    pub name: Option<String>,
    /// An idempotency key of the client's choosing (1 to 64 bytes): a
    /// retry with the same key returns the original result marked
    /// `duplicate` and does nothing again (see PROTOCOL.md, "Idempotency
    /// keys").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// Removes a user from a team (owner or Manager).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoveMember {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
    /// The user.
    pub user: UserId,
}

/// Changes a member's role (owner or Manager).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetRole {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
    /// The user.
    pub user: UserId,
    /// The new role.
    pub role: Role,
}

/// Reads an account's usage counters (owner only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// The request id.
    pub id: RequestId,
    /// The account.
    pub account: AccountId,
}

/// Creates a bot and its token for a team (owner or Manager).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateBot {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
    /// The bot's name.
    pub name: String,
    /// What it may do.
    pub scope: BotScope,
    /// An idempotency key of the client's choosing (1 to 64 bytes): a
    /// retry with the same key returns the original result marked
    /// `duplicate` and does nothing again (see PROTOCOL.md, "Idempotency
    /// keys").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// Revokes a bot's token (owner or Manager); its live connections close
/// with 4001.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokeBot {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
    /// The bot.
    pub bot: UserId,
}

/// Lists a team's bots (owner or Manager).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bots {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
}

/// Edits the details of a conversation's contact (whoever may send in the
/// conversation, but a `read` bot). Absent fields stay as they are; an
/// empty string clears email or phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateContact {
    /// The request id.
    pub id: RequestId,
    /// The conversation whose contact to edit.
    pub conversation: ConversationId,
    /// A new name (not empty).
    #[serde(default)]
    pub name: Option<String>,
    /// A new email.
    #[serde(default)]
    pub email: Option<String>,
    /// A new phone number.
    #[serde(default)]
    pub phone: Option<String>,
}

/// A contact's details, as changed: the `contact_updated` event, and the
/// `contact` reply to `update_contact`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactUpdated {
    /// The conversation the edit was made through.
    pub conversation: ConversationId,
    /// The contact's id.
    pub contact: ContactId,
    /// The contact's name.
    pub name: String,
    /// Email, if known.
    pub email: Option<String>,
    /// Phone, if known.
    pub phone: Option<String>,
}
