//! `invitations`: who was let into a conversation, for the team's people
//! who may see it, each with whether the caller may take it back.
//!
//! Who may: the same people as `revoke_invitation` reaches
//! ([`Action::Command`]: the account's owner, Managers, Members); a
//! Restricted Member or a bot sees the conversation and so is `forbidden`;
//! anyone else gets `not_found`.
//!
//! Invariant: `may_revoke` is decided by the rule `revoke_invitation`
//! applies (whoever sent the invitation, first or again while pending, or
//! a Manager of the team), so a Revoke button shown from it is never
//! refused for the caller's role. Revoked invitations are left out: they
//! give nothing, and revoking them again changes nothing.
//!
//! `team_invitations` lists the same across a whole team, a page at a
//! time, from the store's by-team index (so a page costs its own size, not
//! the team's number of conversations). Only the team's Managers and the
//! account's owner may ([`Action::ManageTeam`]): Members are `forbidden`,
//! anyone else gets `not_found`. Each of them may revoke every invitation
//! listed, so the items carry no `may_revoke`.

use super::{Refusal, Session};
use crate::access::{Action, Resource};
use crate::store::{GrantRecord, GrantState, Store};
use std::collections::HashMap;
use switchboard_protocol::ids::{ConversationId, UserId};
use switchboard_protocol::invite::{
    InvitationCursor, InvitationInfo, InvitationList, InvitationState, TeamInvitation,
    TeamInvitationList, TeamInvitations,
};
use switchboard_protocol::server::Reply;

/// A page's size when the request names none.
const DEFAULT_PAGE: usize = 50;
/// The largest page a request may ask for.
const MAX_PAGE: usize = 200;

impl Session {
    /// The conversation's pending and accepted invitations, by user id.
    pub(super) fn invitations(&self, conversation: ConversationId) -> Result<Reply, Refusal> {
        let conversation = self.conversation_for(Action::Command, conversation)?;
        let store = self.state.store.as_ref();
        let me = self.principal.user.id;
        let manager = self
            .principal
            .allows(Action::ManageTeam, Resource::Team(conversation.team));
        let mut invitations = Vec::new();
        for grant in store.conversation_grants(conversation.id)? {
            let state = match grant.state {
                GrantState::Pending => InvitationState::Pending,
                GrantState::Accepted => InvitationState::Accepted,
                GrantState::Revoked => continue,
            };
            // A grant outlives nothing it names: a missing user is a
            // record that cannot be shown, not a reason to fail the list.
            let Some(user) = store.user(grant.user)? else {
                tracing::warn!(conversation = %conversation.id, user = %grant.user, "a grant of an unknown user");
                continue;
            };
            let sent_it = grant.invited_by == me || grant.resent_by.contains(&me);
            invitations.push(InvitationInfo {
                user: user.id,
                email: user.email,
                name: user.name,
                state,
                invited_by: grant.invited_by,
                resent_by: grant.resent_by,
                at: grant.at,
                may_revoke: sent_it || manager,
            });
        }
        Ok(Reply::Invitations(InvitationList {
            conversation: conversation.id,
            invitations,
        }))
    }

    /// A page of the team's pending and accepted invitations, by
    /// conversation then user, each with its contact's name.
    pub(super) fn team_invitations(&self, request: TeamInvitations) -> Result<Reply, Refusal> {
        self.team_for(Action::ManageTeam, request.team)?;
        let store = self.state.store.as_ref();
        let limit = request
            .limit
            .map_or(DEFAULT_PAGE, |l| (l as usize).clamp(1, MAX_PAGE));
        let after = request.after.map(|c| (c.conversation, c.user));
        // One more than the page, to know whether another follows.
        let mut grants = store.team_grants(request.team, after, limit + 1)?;
        let more = grants.len() > limit;
        grants.truncate(limit);
        let next = match (more, grants.last()) {
            (true, Some(last)) => Some(InvitationCursor {
                conversation: last.conversation,
                user: last.user,
            }),
            _ => None,
        };
        let mut names = Names::new(store);
        let mut invitations = Vec::with_capacity(grants.len());
        for grant in &grants {
            if let Some(invitation) = team_invitation(&mut names, grant)? {
                invitations.push(invitation);
            }
        }
        Ok(Reply::TeamInvitations(TeamInvitationList {
            team: request.team,
            invitations,
            next,
        }))
    }
}

/// Users' and contacts' names, each read once per page.
struct Names<'a> {
    store: &'a dyn Store,
    users: HashMap<UserId, Option<(String, String)>>,
    contacts: HashMap<ConversationId, String>,
}

impl<'a> Names<'a> {
    fn new(store: &'a dyn Store) -> Names<'a> {
        Names {
            store,
            users: HashMap::new(),
            contacts: HashMap::new(),
        }
    }

    /// A user's name and email, if the user exists.
    fn user(&mut self, id: UserId) -> Result<Option<(String, String)>, Refusal> {
        if let Some(known) = self.users.get(&id) {
            return Ok(known.clone());
        }
        let found = self.store.user(id)?.map(|u| (u.name, u.email));
        self.users.insert(id, found.clone());
        Ok(found)
    }

    /// The name of a conversation's contact; empty if either is gone.
    fn contact(&mut self, conversation: ConversationId) -> Result<String, Refusal> {
        if let Some(known) = self.contacts.get(&conversation) {
            return Ok(known.clone());
        }
        let name = match self.store.conversation(conversation)? {
            Some(c) => self.store.contact(c.contact)?.map(|c| c.name),
            None => None,
        };
        let name = name.unwrap_or_default();
        self.contacts.insert(conversation, name.clone());
        Ok(name)
    }
}

/// A live grant as `team_invitations` lists it; none for a grant whose
/// user is gone (a record that cannot be shown, not a reason to fail).
fn team_invitation(
    names: &mut Names<'_>,
    grant: &GrantRecord,
) -> Result<Option<TeamInvitation>, Refusal> {
    let state = match grant.state {
        GrantState::Pending => InvitationState::Pending,
        GrantState::Accepted => InvitationState::Accepted,
        GrantState::Revoked => return Ok(None),
    };
    let Some((name, email)) = names.user(grant.user)? else {
        tracing::warn!(conversation = %grant.conversation, user = %grant.user, "a grant of an unknown user");
        return Ok(None);
    };
    let invited_by_name = names
        .user(grant.invited_by)?
        .map(|(name, _)| name)
        .unwrap_or_default();
    Ok(Some(TeamInvitation {
        conversation: grant.conversation,
        contact: names.contact(grant.conversation)?,
        user: grant.user,
        email,
        name,
        state,
        invited_by: grant.invited_by,
        invited_by_name,
        at: grant.at,
    }))
}
