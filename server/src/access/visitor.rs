//! The web chat visitor's access: what [`VisitorScope`] reaches, and the
//! narrower filter of the signals it receives. See the parent module for
//! what a visitor may do; the rules are here so the matrix of the team's
//! people stays in `mod.rs` alone.

use super::{Action, Principal, Resource};
use switchboard_protocol::ids::{ContactId, ConversationId, TeamId};
use switchboard_protocol::presence::Signal;

/// What a web chat visitor reaches: one conversation of one team, as one
/// contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VisitorScope {
    /// The team.
    pub team: TeamId,
    /// Its conversation.
    pub conversation: ConversationId,
    /// The contact it is (the conversation's, when the access was loaded).
    pub contact: ContactId,
}

impl Principal {
    /// The same principal, as a web chat visitor of this scope (it must
    /// hold no role).
    pub fn with_visitor(mut self, scope: VisitorScope) -> Principal {
        self.visitor = Some(scope);
        self
    }

    /// For a web chat visitor, what it reaches.
    pub fn visitor(&self) -> Option<VisitorScope> {
        self.visitor
    }

    /// What a web chat visitor may do: its team's stream, and its own
    /// conversation's reads and writes (checked by the caller).
    pub(super) fn visitor_allows(&self, action: Action, resource: Resource<'_>) -> bool {
        let Some(visitor) = self.visitor else {
            return false;
        };
        match (action, resource) {
            (Action::Subscribe, Resource::Team(team)) => team == visitor.team,
            (
                Action::ReadConversation | Action::Send | Action::MarkRead,
                Resource::Conversation(c),
            ) => c.team == visitor.team && c.id == visitor.conversation,
            _ => false,
        }
    }

    /// Whether a signal of `team` may go to this Restricted Member or
    /// visitor (the team's people receive them all): a conversation's
    /// signals of their conversations; for a visitor, only the typing of
    /// the team's people there (not its own, not who views).
    pub fn receives_signal(&self, team: TeamId, signal: &Signal) -> bool {
        let Some(conversation) = signal.conversation() else {
            return false;
        };
        if !self.reads(team, conversation) {
            return false;
        }
        match (self.visitor, signal) {
            (None, _) => true,
            (Some(_), Signal::Typing(t)) => !t.contact,
            (Some(_), _) => false,
        }
    }
}
