//! Restricted Members' grants: a user's access to one conversation of a
//! team they hold no role in. A grant is pending (invited), accepted or
//! revoked; only an accepted one lets the user in (see `access`).
//!
//! `^invite` creates pending grants from chat and `POST
//! /api/invitations/accept` accepts them (see `session::invite`); tests and
//! tools may also use [`set`] on a store and [`crate::Server::set_grant`]
//! on a running server.
//!
//! Invariant: like every access change, a grant is written to the store
//! first, and then every live connection of its user is closed with 4009
//! (`ACCESS_CHANGED`, dropping what was queued), so no connection keeps
//! receiving a conversation under access it no longer has, and a newly
//! accepted one shows in the next `welcome`.

use crate::admin::AdminError;
use crate::live::LiveConnections;
use crate::store::{GrantRecord, GrantState, Store};
use crate::time::now;
use switchboard_protocol::close;
use switchboard_protocol::ids::{ConversationId, UserId};

/// Stores the grant of `user` in `conversation` as `state`, recording who
/// invited them. The conversation and both users must exist. Does not touch
/// live connections: a running server's [`crate::Server::set_grant`] does.
pub fn set(
    store: &dyn Store,
    conversation: ConversationId,
    user: UserId,
    state: GrantState,
    invited_by: UserId,
) -> Result<GrantRecord, AdminError> {
    let record = store
        .conversation(conversation)?
        .ok_or_else(|| AdminError::NotFound(format!("conversation {conversation}")))?;
    for id in [user, invited_by] {
        store
            .user(id)?
            .ok_or_else(|| AdminError::NotFound(format!("user {id}")))?;
    }
    let grant = GrantRecord {
        conversation,
        team: record.team,
        user,
        state,
        invited_by,
        resent_by: Vec::new(),
        at: now(),
        invitation: None,
        mailed_for: None,
    };
    store.put_grant(&grant)?;
    Ok(grant)
}

/// [`set`], then closes the user's live connections with 4009.
pub(crate) fn change(
    store: &dyn Store,
    live: &LiveConnections,
    conversation: ConversationId,
    user: UserId,
    state: GrantState,
    invited_by: UserId,
) -> Result<GrantRecord, AdminError> {
    let grant = set(store, conversation, user, state, invited_by)?;
    let reason = match state {
        GrantState::Pending => "you were invited to a conversation",
        GrantState::Accepted => "you joined a conversation",
        GrantState::Revoked => "your access to a conversation was revoked",
    };
    let closed = live.close_user(user, close::ACCESS_CHANGED, reason);
    tracing::info!(%conversation, %user, ?state, closed, "grant changed");
    Ok(grant)
}
