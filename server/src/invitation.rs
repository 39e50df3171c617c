//! Invitations: a one-time token that lets a user created by `add_member`
//! (without a password) choose one, through `POST /api/invitations/accept`.
//!
//! Invariants: like session tokens, the token is random, handed out once
//! (in the mail) and stored only as its SHA-256; it works once (accepting
//! deletes it) and not after [`INVITATION_TTL`].

use crate::auth;
use crate::store::{InvitationRecord, Store, StoreResult};
use crate::time::now;
use std::time::Duration;
use switchboard_protocol::ids::{Millis, TeamId, UserId};

/// How long an invitation stays valid.
pub const INVITATION_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

/// The prefix of every invitation token.
const PREFIX: &str = "sbi_";

/// Creates an invitation for `user` (added to `team`); returns its token.
pub fn issue(store: &dyn Store, user: UserId, team: TeamId) -> StoreResult<String> {
    let secret: [u8; 32] = rand::random();
    let token = format!("{PREFIX}{}", hex::encode(secret));
    let created_at = now();
    let ttl = u64::try_from(INVITATION_TTL.as_millis()).unwrap_or(u64::MAX);
    let record = InvitationRecord {
        user,
        team,
        created_at,
        expires_at: Millis(created_at.0.saturating_add(ttl)),
    };
    store.put_invitation(&auth::hash(&token), &record)?;
    Ok(token)
}

/// Uses up an invitation: deletes it and returns it if it was known and
/// unexpired. An expired one is deleted too, and counts as unknown.
pub fn take(store: &dyn Store, token: &str) -> StoreResult<Option<InvitationRecord>> {
    Ok(store
        .take_invitation(&auth::hash(token))?
        .filter(|invitation| invitation.expires_at > now()))
}

/// The mail that carries an invitation.
pub(crate) fn mail(to: &str, team_name: &str, token: &str) -> crate::mail::Mail {
    crate::mail::Mail {
        to: to.to_string(),
        subject: format!("You are invited to {team_name} on Switchboard"),
        body: format!(
            "You were added to the team {team_name} on Switchboard.\n\
             \n\
             To choose your password and log in, send\n\
             \n\
             POST /api/invitations/accept\n\
             {{\"token\": \"{token}\", \"password\": \"<your new password>\"}}\n\
             \n\
             to the server (the app does this for you). The invitation works \
             once and expires in 7 days.\n"
        ),
    }
}
