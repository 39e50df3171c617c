//! `^invite EMAIL [note]` (typed into a `send`, or as an `invite` frame)
//! and `revoke_invitation`: letting someone outside the team into one
//! conversation as a Restricted Member, and taking that back.
//!
//! Who may: inviting is a `^command`, the team's people's alone
//! ([`Action::Command`]: Managers, Members, the account's owner); revoking
//! is for whoever sent the invitation (its first inviter, or anyone who
//! sent it again while it was pending) and for Managers (the owner is
//! one). A Restricted Member or a bot sees the conversation and so is
//! `forbidden`; anyone else gets `not_found`.
//!
//! Invariants:
//! - Every refusal is decided before anything is written: a refused invite
//!   creates no user, grant, token, mail or system message.
//! - The grant, the invitation token (only its hash) and any new user are
//!   on disk before the mail leaves, so a token in a mail always works;
//!   the system message and the reply follow through the team's hub.
//! - Once the mail of an invitation sent with a key has left, the grant
//!   records that key (`mailed_for`), on disk before the system message:
//!   a retry after a crash in between finds it and writes the system
//!   message and receipt without mailing again, so the mailed link keeps
//!   working. Only a crash in the instant between the mail leaving and
//!   that record reaching the disk makes a retry mail a new link.
//! - At most one token accepts a pending grant: inviting again deletes the
//!   previous one, and so does revoking. A retry of the same invitation
//!   (the same key) is no new invitation: it gets the original answer, and
//!   no mail, token or message is made again.
//! - Revoking writes the grant first, then closes the user's connections
//!   with 4009 (dropping what was queued for them), so nothing of the
//!   conversation reaches them after the reply; they reconnect without it.

use super::keys::Retry;
use super::{forbidden, Refusal, Session};
use crate::access::{Action, Resource};
use crate::admin::{self, AdminError, NewUser};
use crate::hub::HubCommand;
use crate::idempotency::Claim;
use crate::invitation::{self, ConversationInvite, InviteMail};
use crate::mail;
use crate::store::{ConversationRecord, GrantRecord, GrantState, StoreError, UserRecord};
use crate::time::now;
use switchboard_protocol::close;
use switchboard_protocol::command::is_email;
use switchboard_protocol::ids::{ConversationId, RequestId, UserId};
use switchboard_protocol::invite::{InvitationRevoked, Invited};
use switchboard_protocol::server::Reply;
use switchboard_protocol::ErrorCode;

/// Longest email accepted (RFC 5321's path limit).
const MAX_EMAIL: usize = 254;
/// Longest note, in bytes.
const MAX_NOTE: usize = 1000;

impl Session {
    /// Invites `email` into `conversation`; answered by the hub once the
    /// system message is durable.
    pub(super) async fn invite(
        &self,
        request: RequestId,
        conversation: ConversationId,
        email: &str,
        note: Option<String>,
        key: Option<String>,
    ) -> Result<Option<Reply>, Refusal> {
        let conversation = self.conversation_for(Action::Command, conversation)?;
        // Looked up before anything else is judged (a retry after the
        // invitee accepted is no refusal), and held until the system
        // message and its receipt are written: a retry arriving meanwhile
        // waits, and never sends a second mail.
        let claim = match self
            .retry(request, conversation.team, "key", key.as_deref())
            .await?
        {
            Retry::Answered => return Ok(None),
            Retry::New(claim) => claim,
        };
        let email = email.trim();
        if email.len() > MAX_EMAIL || !is_email(email) {
            return Err(bad_command(format!(
                "^invite needs an email address like sam@example.com, not {email:?}"
            )));
        }
        let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
        if note.as_ref().is_some_and(|n| n.len() > MAX_NOTE) {
            return Err(bad_command(format!(
                "an ^invite note holds at most {MAX_NOTE} bytes"
            )));
        }
        let store = self.state.store.as_ref();
        let existing = store.user_by_email(email)?;
        let pending = match &existing {
            Some(user) => {
                let grant = store.grant(conversation.id, user.id)?;
                if let (Some(held), Some(grant)) = (&claim, &grant) {
                    if mailed_for(grant, held) {
                        // This invitation's mail went out, but a crash kept
                        // its system message from being written: complete
                        // it, without a second mail that would break the
                        // first one's link.
                        let (body, reply) = self.invited(conversation.id, user, note.as_deref());
                        return self
                            .record(request, &conversation, body, reply, claim)
                            .await;
                    }
                }
                self.refuse_team_member(&conversation, user)?;
                if grant
                    .as_ref()
                    .is_some_and(|g| g.state == GrantState::Accepted)
                {
                    return Err(bad_command(format!(
                        "{email} is already in this conversation"
                    )));
                }
                grant.filter(|g| g.state == GrantState::Pending)
            }
            None => None,
        };
        let team = store.team(conversation.team)?.ok_or_else(|| {
            Refusal::new(
                ErrorCode::NotFound,
                format!("no conversation {}", conversation.id),
            )
        })?;

        // Everything is checked: from here on the invitation is made.
        let user = match existing {
            Some(user) => user,
            None => create_invitee(self, email)?,
        };
        let me = &self.principal.user;
        let invite = ConversationInvite {
            conversation: conversation.id,
            team: conversation.team,
            invited_by: me.id,
            note: note.as_deref(),
        };
        let (token, hash) = invitation::issue_to_conversation(store, user.id, &invite)?;
        // Sent again while pending: its first inviter stays the inviter of
        // record, and whoever sent it may take it back.
        let (invited_by, resent_by, previous) = match pending {
            Some(grant) => {
                let mut resent_by = grant.resent_by;
                if grant.invited_by != me.id && !resent_by.contains(&me.id) {
                    resent_by.push(me.id);
                }
                (grant.invited_by, resent_by, grant.invitation)
            }
            None => (me.id, Vec::new(), None),
        };
        let grant = GrantRecord {
            conversation: conversation.id,
            team: conversation.team,
            user: user.id,
            state: GrantState::Pending,
            invited_by,
            resent_by,
            at: now(),
            invitation: Some(hash),
            mailed_for: None,
        };
        store.put_grant(&grant)?;
        if let Some(previous) = previous {
            // The earlier mail's token stops working: only the newest does.
            store.take_invitation(&previous)?;
        }
        // The token must survive a crash before anyone can hold it.
        self.state.committer.flushed().await;
        let letter = InviteMail {
            to: &user.email,
            team_name: &team.name,
            inviter: &me.name,
            note: note.as_deref(),
            has_password: user.password_hash.is_some(),
        };
        let mail =
            invitation::conversation_mail(&letter, &self.state.edge.site.invitation_link(&token));
        if let Err(e) = mail::deliver(&self.state.mailer, mail).await {
            tracing::error!(error = %e, user = %user.id, "cannot send a conversation invitation");
            return Err(Refusal::new(
                ErrorCode::Internal,
                "the invitation was recorded but its mail could not be sent; try ^invite again",
            ));
        }
        tracing::info!(conversation = %conversation.id, user = %user.id, by = %me.id, "invited");
        if let Some(claim) = &claim {
            // On disk before the system message: a retry after a crash
            // from here on completes this invitation without mailing again.
            // Unless the grant changed meanwhile (accepted or revoked).
            let current = store.grant(conversation.id, user.id)?;
            if current.as_ref() == Some(&grant) {
                store.put_grant(&GrantRecord {
                    mailed_for: Some((claim.user(), claim.key().to_string())),
                    ..grant
                })?;
                self.state.committer.flushed().await;
            }
        }
        let (body, reply) = self.invited(conversation.id, &user, note.as_deref());
        self.record(request, &conversation, body, reply, claim)
            .await
    }

    /// The system message recording an invitation of `user` by this
    /// connection's user, and the invitation's reply.
    fn invited(
        &self,
        conversation: ConversationId,
        user: &UserRecord,
        note: Option<&str>,
    ) -> (String, Reply) {
        let me = &self.principal.user;
        let body = match note {
            Some(note) => format!("{} invited {}: {note}", me.name, user.email),
            None => format!("{} invited {}", me.name, user.email),
        };
        let reply = Reply::Invited(Invited {
            conversation,
            email: user.email.clone(),
            user: user.id,
        });
        (body, reply)
    }

    /// Revokes `user`'s invitation into `conversation`, pending or
    /// accepted; answered by the hub once the system message is durable.
    pub(super) async fn revoke_invitation(
        &self,
        request: RequestId,
        conversation: ConversationId,
        user: UserId,
    ) -> Result<Option<Reply>, Refusal> {
        let conversation = self.conversation_for(Action::Command, conversation)?;
        let store = self.state.store.as_ref();
        let not_found = || {
            Refusal::new(
                ErrorCode::NotFound,
                format!(
                    "no invitation of user {user} in conversation {}",
                    conversation.id
                ),
            )
        };
        let grant = store.grant(conversation.id, user)?.ok_or_else(not_found)?;
        let me = &self.principal.user;
        let manager = self
            .principal
            .allows(Action::ManageTeam, Resource::Team(conversation.team));
        let sent_it = grant.invited_by == me.id || grant.resent_by.contains(&me.id);
        if !sent_it && !manager {
            return Err(forbidden());
        }
        let reply = Reply::InvitationRevoked(InvitationRevoked {
            conversation: conversation.id,
            user,
        });
        if grant.state == GrantState::Revoked {
            // Nothing to change: answer where it stands, once durable.
            self.state.committer.flushed().await;
            return Ok(Some(reply));
        }
        let invitee = store.user(user)?.ok_or_else(not_found)?;
        if let Some(hash) = grant.invitation {
            store.take_invitation(&hash)?;
        }
        store.put_grant(&GrantRecord {
            state: GrantState::Revoked,
            at: now(),
            invitation: None,
            mailed_for: None,
            ..grant
        })?;
        // Stored first, closed second: a reconnect loads the revoked grant.
        let reason = "your access to a conversation was revoked";
        let closed = if user == me.id {
            let conn = self.outlet.conn;
            self.state
                .live
                .close_user_except(user, conn, close::ACCESS_CHANGED, reason)
        } else {
            self.state
                .live
                .close_user(user, close::ACCESS_CHANGED, reason)
        };
        tracing::info!(conversation = %conversation.id, %user, by = %me.id, closed, "invitation revoked");
        self.state.committer.flushed().await;
        let body = format!("{} revoked the invitation of {}", me.name, invitee.email);
        self.record(request, &conversation, body, reply, None).await
    }

    /// Refuses to invite someone who holds a role in the conversation's
    /// team (or owns its account): they already see it.
    fn refuse_team_member(
        &self,
        conversation: &ConversationRecord,
        user: &UserRecord,
    ) -> Result<(), Refusal> {
        let store = self.state.store.as_ref();
        let member = store
            .team_members(conversation.team)?
            .iter()
            .any(|(u, _)| *u == user.id);
        let owner = match store.team(conversation.team)? {
            Some(team) => store.account(team.account)?.map(|a| a.owner),
            None => None,
        };
        if member || owner == Some(user.id) {
            return Err(bad_command(format!(
                "{} is already a member of this team, use ^assign @{}",
                user.email, user.handle
            )));
        }
        Ok(())
    }

    /// Hands the system message recording a command to the team's hub,
    /// which answers `reply` once it is durable; with the claim on the
    /// caller's key, if the command was sent with one.
    async fn record(
        &self,
        request: RequestId,
        conversation: &ConversationRecord,
        body: String,
        reply: Reply,
        claim: Option<Claim>,
    ) -> Result<Option<Reply>, Refusal> {
        let command = HubCommand::SystemMessage {
            conversation: conversation.id,
            body,
            reply,
            claim: claim.map(Box::new),
        };
        self.dispatch(conversation.team, request, command).await
    }
}

/// A user without a password for an unknown email: named after the
/// email's local part, with a handle derived from it (as `add_member`).
fn create_invitee(session: &Session, email: &str) -> Result<UserRecord, Refusal> {
    let name = email.split('@').next().unwrap_or(email);
    let new = NewUser {
        email: email.to_string(),
        name: name.to_string(),
        handle: None,
    };
    admin::create_user(session.state.store.as_ref(), &new).map_err(|e| match e {
        // Another request created this email meanwhile.
        AdminError::Store(StoreError::Taken(what)) => Refusal::new(
            ErrorCode::Conflict,
            format!("{what} is already taken; try again"),
        ),
        other => other.into(),
    })
}

/// Whether `grant`'s invitation was mailed for the request holding `claim`
/// (the same user's same key).
fn mailed_for(grant: &GrantRecord, claim: &Claim) -> bool {
    grant
        .mailed_for
        .as_ref()
        .is_some_and(|(user, key)| *user == claim.user() && key == claim.key())
}

fn bad_command(message: String) -> Refusal {
    Refusal::new(ErrorCode::BadCommand, message)
}
