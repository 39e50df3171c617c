//! `^assign` and `^unassign`, typed into a `send` or as their own frames:
//! who may carry them out, and who a `@handle` names.
//!
//! Only the team's people (its Managers and Members, the account's owner as
//! Manager) may be assigned. A handle is matched case-insensitively among
//! them (and, to unassign, among the current assignees, so that someone who
//! left the team can still be taken off); handles are not unique across
//! users yet, so a handle two of them share is refused as ambiguous. A
//! handle that names someone the caller could know of but who is no
//! member (a Restricted Member of this conversation, a member of another
//! team of the account) is refused with a pointer to `^invite`; any other
//! is unknown. Other accounts' users are never searched: their handles
//! read as unknown, so nothing leaks across accounts.

use super::keys::Retry;
use super::{Refusal, Session};
use crate::access::Action;
use crate::hub::{AssigneeChange, HubCommand};
use crate::store::{ConversationRecord, UserRecord};
use std::collections::BTreeSet;
use switchboard_protocol::command::Assignee;
use switchboard_protocol::ids::{ConversationId, RequestId, UserId};
use switchboard_protocol::server::Reply;
use switchboard_protocol::ErrorCode;

impl Session {
    /// Adds (`add`) or removes an assignee; answered by the hub once durable.
    pub(super) async fn assign(
        &self,
        request: RequestId,
        conversation: ConversationId,
        who: Assignee,
        add: bool,
        key: Option<String>,
    ) -> Result<Option<Reply>, Refusal> {
        let conversation = self.conversation_for(Action::Command, conversation)?;
        // A retry gets the original list, even if the assignees changed
        // since; the hub looks again before it writes.
        if let Retry::Answered = self
            .retry(request, conversation.team, "key", key.as_deref())
            .await?
        {
            return Ok(None);
        }
        let user = match who {
            Assignee::Me => self.principal.user.clone(),
            Assignee::User(handle) => self.member_by_handle(&conversation, &handle, add)?,
        };
        let change = AssigneeChange {
            add,
            user: user.id,
            name: user.name,
            by: self.principal.user.id,
            by_name: self.principal.user.name.clone(),
        };
        let command = HubCommand::Assign {
            conversation: conversation.id,
            change,
            key,
        };
        self.dispatch(conversation.team, request, command).await
    }

    /// The one member of the conversation's team holding `handle`.
    pub(super) fn member_by_handle(
        &self,
        conversation: &ConversationRecord,
        handle: &str,
        add: bool,
    ) -> Result<UserRecord, Refusal> {
        let store = &self.state.store;
        let team = conversation.team;
        let mut candidates: BTreeSet<UserId> = store
            .team_members(team)?
            .into_iter()
            .map(|(user, _)| user)
            .collect();
        let account = store.team(team)?.map(|t| t.account);
        if let Some(owner) = account.and_then(|a| store.account(a).transpose()) {
            candidates.insert(owner?.owner);
        }
        if !add {
            candidates.extend(store.assignees(conversation.id)?);
        }
        let found = self.users_with_handle(candidates, handle)?;
        match found.len() {
            1 => return Ok(found.into_iter().next().expect("one was found")),
            0 => {}
            _ => {
                return Err(bad_command(format!(
                    "@{handle} names more than one member of this team: ask a Manager to make handles unique"
                )))
            }
        }
        // Not a member: someone the caller may know of, or nobody.
        let mut known: BTreeSet<UserId> = store
            .conversation_grants(conversation.id)?
            .into_iter()
            .map(|g| g.user)
            .collect();
        if let Some(account) = account {
            for other in store.account_teams(account)? {
                known.extend(store.team_members(other)?.into_iter().map(|(u, _)| u));
            }
        }
        if self.users_with_handle(known, handle)?.is_empty() {
            Err(bad_command(format!("no member @{handle} in this team")))
        } else {
            Err(bad_command(format!(
                "@{handle} is not a member of this team: invite them into this conversation with ^invite EMAIL"
            )))
        }
    }

    /// The users among `ids` whose handle is `handle`, ignoring ASCII case.
    fn users_with_handle(
        &self,
        ids: BTreeSet<UserId>,
        handle: &str,
    ) -> Result<Vec<UserRecord>, Refusal> {
        let mut found = Vec::new();
        for id in ids {
            if let Some(user) = self.state.store.user(id)? {
                if user.handle.eq_ignore_ascii_case(handle) {
                    found.push(user);
                }
            }
        }
        Ok(found)
    }
}

fn bad_command(message: String) -> Refusal {
    Refusal::new(ErrorCode::BadCommand, message)
}
