//! Invitations: a one-time token, mailed to its recipient, accepted through
//! `POST /api/invitations/accept`. A team invitation lets a user created by
//! `add_member` (without a password) choose one; a conversation invitation
//! (`^invite`) also turns the user's pending grant in that conversation
//! into an accepted one, making them a Restricted Member of it.
//!
//! Invariants: like session tokens, the token is random, handed out once
//! (in the mail) and stored only as its SHA-256; it works once (accepting
//! deletes it) and not after [`INVITATION_TTL`]. A conversation
//! invitation's hash is also kept on its pending grant, so that revoking
//! the grant or inviting again deletes the token: at most one token
//! accepts a pending grant.

use crate::auth;
use crate::store::{InvitationRecord, Store, StoreResult};
use crate::time::now;
use std::time::Duration;
use switchboard_protocol::ids::{ConversationId, Millis, TeamId, UserId};

/// How long an invitation stays valid.
pub const INVITATION_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

/// The prefix of every invitation token.
const PREFIX: &str = "sbi_";

/// What a conversation invitation (`^invite`) is for.
pub(crate) struct ConversationInvite<'a> {
    /// The conversation.
    pub(crate) conversation: ConversationId,
    /// Its team.
    pub(crate) team: TeamId,
    /// Who invited.
    pub(crate) invited_by: UserId,
    /// The inviter's note.
    pub(crate) note: Option<&'a str>,
}

/// Creates an invitation for `user` (added to `team`); returns its token.
pub fn issue(store: &dyn Store, user: UserId, team: TeamId) -> StoreResult<String> {
    let (token, _) = put(store, user, team, None)?;
    Ok(token)
}

/// Creates an invitation for `user` into one conversation; returns its
/// token and the token's hash (for the grant to keep).
pub(crate) fn issue_to_conversation(
    store: &dyn Store,
    user: UserId,
    invite: &ConversationInvite<'_>,
) -> StoreResult<(String, [u8; 32])> {
    put(store, user, invite.team, Some(invite))
}

fn put(
    store: &dyn Store,
    user: UserId,
    team: TeamId,
    invite: Option<&ConversationInvite<'_>>,
) -> StoreResult<(String, [u8; 32])> {
    let secret: [u8; 32] = rand::random();
    let token = format!("{PREFIX}{}", hex::encode(secret));
    let created_at = now();
    let ttl = u64::try_from(INVITATION_TTL.as_millis()).unwrap_or(u64::MAX);
    let record = InvitationRecord {
        user,
        team,
        created_at,
        expires_at: Millis(created_at.0.saturating_add(ttl)),
        conversation: invite.map(|i| i.conversation),
        invited_by: invite.map(|i| i.invited_by),
        note: invite.and_then(|i| i.note.map(str::to_string)),
    };
    let hash = auth::hash(&token);
    store.put_invitation(&hash, &record)?;
    Ok((token, hash))
}

/// Uses up an invitation: deletes it and returns it if it was known and
/// unexpired. An expired one is deleted too, and counts as unknown.
pub fn take(store: &dyn Store, token: &str) -> StoreResult<Option<InvitationRecord>> {
    Ok(store
        .take_invitation(&auth::hash(token))?
        .filter(|invitation| invitation.expires_at > now()))
}

/// Puts back an invitation [`take`] returned, when accepting it failed
/// through no fault of the invitation (a wrong or too weak password): the
/// recipient may try again.
pub(crate) fn put_back(
    store: &dyn Store,
    token: &str,
    invitation: &InvitationRecord,
) -> StoreResult<()> {
    store.put_invitation(&auth::hash(token), invitation)
}

/// The mail that carries a team invitation, with the link to the app's
/// page that accepts it (`{public_url}/invite#token=...`).
pub(crate) fn mail(to: &str, team_name: &str, link: &str) -> crate::mail::Mail {
    crate::mail::Mail {
        to: to.to_string(),
        subject: format!("You are invited to {team_name} on Switchboard"),
        body: format!(
            "You were added to the team {team_name} on Switchboard.\n\
             \n\
             To choose your password and log in, open\n\
             \n\
             {link}\n\
             \n\
             The invitation works once and expires in 7 days.\n\
             \n\
             {PROGRAMS}\n"
        ),
    }
}

/// What a conversation invitation's mail says.
pub(crate) struct InviteMail<'a> {
    /// The recipient.
    pub(crate) to: &'a str,
    /// The team whose conversation it is.
    pub(crate) team_name: &'a str,
    /// Who invited them.
    pub(crate) inviter: &'a str,
    /// The inviter's note.
    pub(crate) note: Option<&'a str>,
    /// Whether the recipient already has a password (logs in with it) or
    /// chooses one now.
    pub(crate) has_password: bool,
}

/// What a mail tells programs that accept without the app.
const PROGRAMS: &str = "(Programs: POST /api/invitations/accept with \
     {\"token\": \"...\", \"password\": \"...\"}, the token after #token= in the link.)";

/// The mail that carries a conversation invitation, with the link to the
/// app's page that accepts it.
pub(crate) fn conversation_mail(invite: &InviteMail<'_>, link: &str) -> crate::mail::Mail {
    let InviteMail {
        to,
        team_name,
        inviter,
        note,
        has_password,
    } = invite;
    let note = note.map_or(String::new(), |n| format!("{inviter} wrote: {n}\n\n"));
    let how = if *has_password {
        "You already have a Switchboard login: accept with its password."
    } else {
        "This chooses your Switchboard password."
    };
    crate::mail::Mail {
        to: to.to_string(),
        subject: format!("{inviter} invited you to a conversation of {team_name} on Switchboard"),
        body: format!(
            "{inviter} invited you into a conversation of the team {team_name} \
             on Switchboard. You will see that conversation alone: its history \
             and new messages, and you can write in it.\n\
             \n\
             {note}\
             To accept, open\n\
             \n\
             {link}\n\
             \n\
             {how} The invitation works once and expires in 7 days.\n\
             \n\
             {PROGRAMS}\n"
        ),
    }
}
