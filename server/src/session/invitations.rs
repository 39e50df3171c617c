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

use super::{Refusal, Session};
use crate::access::{Action, Resource};
use crate::store::GrantState;
use switchboard_protocol::ids::ConversationId;
use switchboard_protocol::invite::{InvitationInfo, InvitationList, InvitationState};
use switchboard_protocol::server::Reply;

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
}
