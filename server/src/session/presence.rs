//! `typing`, `view` and `presence`: the ephemeral signals' requests.
//!
//! `typing` and `view` need what reading the conversation needs
//! (`Action::ReadConversation`, through `conversation_for`); `presence`
//! needs what subscribing to the team needs (`Action::Subscribe`). The
//! team's hub holds the state and answers. A Restricted Member's
//! `presence` is filtered like its signals: no users, and the viewers and
//! typists of its own conversations only.
//!
//! A connection views at most one conversation. The session remembers
//! which, so that moving to a conversation of another team clears the view
//! in the first team's hub, and so that closing the connection reaches
//! that hub even when the connection never subscribed there.

use super::{Refusal, Session};
use crate::access::Action;
use crate::hub::HubCommand;
use std::sync::Arc;
use switchboard_protocol::ids::{ConversationId, RequestId, TeamId};
use switchboard_protocol::server::Reply;

impl Session {
    /// The caller types in a conversation; answered by its team's hub.
    pub(super) async fn typing(
        &self,
        request: RequestId,
        conversation: ConversationId,
    ) -> Result<Option<Reply>, Refusal> {
        let conversation = self.conversation_for(Action::ReadConversation, conversation)?;
        let command = HubCommand::Typing {
            principal: Arc::clone(&self.principal),
            conversation: conversation.id,
        };
        self.dispatch(conversation.team, request, command).await
    }

    /// This connection now has `conversation` open, or none.
    pub(super) async fn view(
        &mut self,
        request: RequestId,
        conversation: Option<ConversationId>,
    ) -> Result<Option<Reply>, Refusal> {
        let target = match conversation {
            Some(id) => {
                let record = self.conversation_for(Action::ReadConversation, id)?;
                Some((record.team, record.id))
            }
            None => None,
        };
        let previous = self.viewing;
        let team = match (previous, target) {
            (_, Some((team, _))) => team,
            (Some((team, _)), None) => team,
            // Nothing was open and nothing is: nothing to tell a hub.
            (None, None) => return Ok(Some(Reply::View { conversation: None })),
        };
        if let Some((old_team, _)) = previous.filter(|(old, _)| *old != team) {
            // The view moves to another team: clear it in the first one.
            let clear = self.view_command(None);
            // A stopping server clears everything anyway.
            let _ = self.dispatch(old_team, None, clear).await;
        }
        self.viewing = target;
        let command = self.view_command(conversation);
        self.dispatch(team, request, command).await
    }

    /// Who is online, viewing and typing in a team; answered by its hub.
    pub(super) async fn presence(
        &self,
        request: RequestId,
        team: TeamId,
    ) -> Result<Option<Reply>, Refusal> {
        self.team_for(Action::Subscribe, team)?;
        if self.principal.visitor().is_some() {
            // A contact learns nothing of who is online in the team.
            return Err(Refusal::new(
                switchboard_protocol::ErrorCode::NotFound,
                format!("no team {team}"),
            ));
        }
        let command = HubCommand::Presence {
            principal: Arc::clone(&self.principal),
        };
        self.dispatch(team, request, command).await
    }

    fn view_command(&self, conversation: Option<ConversationId>) -> HubCommand {
        HubCommand::View {
            principal: Arc::clone(&self.principal),
            conversation,
        }
    }
}
