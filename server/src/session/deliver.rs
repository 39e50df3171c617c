//! `^deliver`, typed into a `send` or as its own frame: who may carry it
//! out, what a `@handle`, a `#handle` and a status name, and what is
//! refused.
//!
//! Allowed to the team's Managers and Members and the account's owner
//! (`Action::Command`); a Restricted Member or a bot is `forbidden`. Every
//! refusal below is a `bad_command` to the sender alone, and changes
//! nothing:
//! - a `@handle` that is no member of the team (the same answers as
//!   `^assign`: unknown, or a pointer to `^invite` for someone the caller
//!   could know of);
//! - a `#handle` that is no team of the conversation's account (a team of
//!   another account reads exactly as an unknown one: nothing leaks), or
//!   the conversation's own team;
//! - a status that is not one of the team's `statuses` (matched
//!   case-insensitively, stored with the team's spelling); a team with no
//!   statuses accepts a delivery only without one;
//! - a note longer than a message body may be.
//!
//! A delivered conversation may be delivered again: each delivery is a new
//! outcome, the conversation keeps the latest and reports count them all.

use super::keys::Retry;
use super::{Refusal, Session};
use crate::access::Action;
use crate::hub::{Delivery, DeliveryTarget, HubCommand};
use crate::store::{ConversationRecord, TeamRecord};
use switchboard_protocol::command::{is_status, Target};
use switchboard_protocol::ids::{ConversationId, RequestId};
use switchboard_protocol::server::Reply;
use switchboard_protocol::ErrorCode;

impl Session {
    /// Delivers a conversation; answered by the hub once durable.
    pub(super) async fn deliver(
        &self,
        request: RequestId,
        conversation: ConversationId,
        to: Target,
        status: Option<String>,
        note: Option<String>,
        key: Option<String>,
    ) -> Result<Option<Reply>, Refusal> {
        let conversation = self.conversation_for(Action::Command, conversation)?;
        // Looked up before anything else is judged: a retry gets the
        // original outcome even if the conversation has moved on since.
        // The hub looks again before it writes, so the claim may go here.
        if let Retry::Answered = self
            .retry(request, conversation.team, "key", key.as_deref())
            .await?
        {
            return Ok(None);
        }
        let Some(team) = self.state.store.team(conversation.team)? else {
            return Err(Refusal::new(
                ErrorCode::NotFound,
                format!("no conversation {}", conversation.id),
            ));
        };
        let status = match status {
            Some(status) => Some(allowed_status(&team, &status)?),
            None => None,
        };
        let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
        let max = self.state.config.limits.max_body_bytes;
        if note.as_ref().is_some_and(|n| n.len() > max) {
            return Err(bad_command(format!(
                "the note is longer than a message may be ({max} bytes)"
            )));
        }
        let target = match to {
            Target::User(handle) => {
                let user = self.member_by_handle(&conversation, &handle, true)?;
                DeliveryTarget::User {
                    user: user.id,
                    name: user.name,
                }
            }
            Target::Team(handle) => self.sibling_team(&conversation, &team, &handle)?,
        };
        let command = HubCommand::Deliver {
            conversation: conversation.id,
            delivery: Delivery {
                target,
                status,
                note,
                by: self.principal.user.id,
                by_name: self.principal.user.name.clone(),
            },
            key,
        };
        self.dispatch(conversation.team, request, command).await
    }

    /// The team of the conversation's account holding `handle`, other than
    /// the conversation's own.
    fn sibling_team(
        &self,
        conversation: &ConversationRecord,
        own: &TeamRecord,
        handle: &str,
    ) -> Result<DeliveryTarget, Refusal> {
        let store = &self.state.store;
        for id in store.account_teams(own.account)? {
            let Some(team) = store.team(id)? else {
                continue;
            };
            if !team.handle.eq_ignore_ascii_case(handle) {
                continue;
            }
            if team.id == conversation.team {
                return Err(bad_command(format!(
                    "#{handle} is this conversation's own team: deliver to a @member or to another team"
                )));
            }
            return Ok(DeliveryTarget::Team {
                team: team.id,
                name: team.name,
            });
        }
        Err(bad_command(format!("no team #{handle} in this account")))
    }
}

/// The team's spelling of `status`, if it is one of the team's.
fn allowed_status(team: &TeamRecord, status: &str) -> Result<String, Refusal> {
    if !is_status(status) {
        return Err(bad_command(format!(
            "{status:?} is not a status (letters, digits, - and _)"
        )));
    }
    if let Some(found) = team
        .statuses
        .iter()
        .find(|s| s.eq_ignore_ascii_case(status))
    {
        return Ok(found.clone());
    }
    if team.statuses.is_empty() {
        Err(bad_command(format!(
            "status {status} is not allowed: this team has no outcome statuses, deliver without one"
        )))
    } else {
        Err(bad_command(format!(
            "status {status} is not one of this team's: {}",
            team.statuses.join(", ")
        )))
    }
}

fn bad_command(message: String) -> Refusal {
    Refusal::new(ErrorCode::BadCommand, message)
}
