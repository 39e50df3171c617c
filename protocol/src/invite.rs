//! The typed frames of `^invite` and of revoking an invitation.
//!
//! `invite` is the same command as `^invite EMAIL [note]` typed into a
//! `send`, without the parsing; both answer an `invited` result once the
//! invitation and the system message recording it are durable. The invitee
//! accepts over HTTP (`POST /api/invitations/accept`), never on a socket.
//! `revoke_invitation` takes a pending or accepted invitation back and
//! answers `invitation_revoked`. `invitations` lists a conversation's
//! pending and accepted invitations, each saying whether the caller may
//! revoke it. `team_invitations` lists a whole team's, a page at a time,
//! for its Managers: its Restricted Members and who is still invited.

use crate::ids::{ConversationId, Millis, RequestId, TeamId, UserId};
use serde::{Deserialize, Serialize};

/// Invites someone by email into one conversation (`^invite EMAIL [note]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    /// The request id.
    pub id: RequestId,
    /// The conversation the invitee will be let into, and only that one.
    pub conversation: ConversationId,
    /// The invitee's email address.
    pub email: String,
    /// A note for the invitee, quoted in the mail and the system message.
    #[serde(default)]
    pub note: Option<String>,
    /// An idempotency key of the client's choosing (1 to 64 bytes): a
    /// retry with the same key returns the original result marked
    /// `duplicate` and does nothing again (see PROTOCOL.md, "Idempotency
    /// keys").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// Takes an invitation back: the user loses access to the conversation at
/// once, and a pending invitation's token stops working.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokeInvitation {
    /// The request id.
    pub id: RequestId,
    /// The conversation.
    pub conversation: ConversationId,
    /// The invited user (the `user` of the `invited` result).
    pub user: UserId,
}

/// Lists the invitations into a conversation (the team's people only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitations {
    /// The request id.
    pub id: RequestId,
    /// The conversation.
    pub conversation: ConversationId,
}

/// The answer to `invite` (or `^invite` typed into a `send`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invited {
    /// The conversation.
    pub conversation: ConversationId,
    /// The invitee's email address, as stored.
    pub email: String,
    /// The invitee's user id (created without a password if the email was
    /// unknown).
    pub user: UserId,
}

/// The answer to `revoke_invitation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationRevoked {
    /// The conversation.
    pub conversation: ConversationId,
    /// The user whose invitation was revoked.
    pub user: UserId,
}

/// Where an invitation stands; a revoked one is no longer listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationState {
    /// Mailed, not yet accepted: the invitee sees nothing yet.
    Pending,
    /// Accepted: the invitee is a Restricted Member of the conversation.
    Accepted,
}

/// One invitation into a conversation, as `invitations` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationInfo {
    /// The invitee.
    pub user: UserId,
    /// The invitee's email address.
    pub email: String,
    /// The invitee's name as shown to others (for a user the invitation
    /// created, the part of the email before `@`).
    pub name: String,
    /// Pending or accepted.
    pub state: InvitationState,
    /// Who invited them first (the inviter of record).
    pub invited_by: UserId,
    /// Who else sent the invitation again while it was pending.
    pub resent_by: Vec<UserId>,
    /// When it last changed: sent (or sent again) or accepted.
    pub at: Millis,
    /// Whether the caller may revoke it: they sent it, or they are a
    /// Manager of the team (so the account's owner).
    pub may_revoke: bool,
}

/// The answer to `invitations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationList {
    /// The conversation.
    pub conversation: ConversationId,
    /// Its pending and accepted invitations, by user id.
    pub invitations: Vec<InvitationInfo>,
}

/// Lists a team's pending and accepted invitations across its
/// conversations, a page at a time (the team's Managers and the account's
/// owner only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamInvitations {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
    /// Where the previous page ended (its `next`); from the start without.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<InvitationCursor>,
    /// The most invitations to answer (default 50; taken into 1 to 200).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// A place in a team's invitations, which are ordered by conversation id
/// then user id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationCursor {
    /// The conversation.
    pub conversation: ConversationId,
    /// The invited user.
    pub user: UserId,
}

/// One invitation into one of a team's conversations, as
/// `team_invitations` lists it. Every one listed is revocable by the
/// caller: only Managers (and the account's owner) may list them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamInvitation {
    /// The conversation the invitee was let into.
    pub conversation: ConversationId,
    /// The name of that conversation's contact.
    pub contact: String,
    /// The invitee.
    pub user: UserId,
    /// The invitee's email address.
    pub email: String,
    /// The invitee's name as shown to others.
    pub name: String,
    /// Pending or accepted.
    pub state: InvitationState,
    /// Who invited them first (the inviter of record).
    pub invited_by: UserId,
    /// That inviter's name, as shown to others.
    pub invited_by_name: String,
    /// When it last changed: sent (or sent again) or accepted.
    pub at: Millis,
}

/// The answer to `team_invitations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamInvitationList {
    /// The team.
    pub team: TeamId,
    /// A page of its pending and accepted invitations, by conversation id
    /// then user id.
    pub invitations: Vec<TeamInvitation>,
    /// Where the next page starts (send it as `after`); absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<InvitationCursor>,
}
