//! Who may do what: every permission check of the server goes through
//! [`Principal::allows`], for requests and live events alike.
//!
//! The rule that outsiders learn nothing lives here too: a denied read of a
//! team or conversation is reported by the caller as `not_found`, exactly
//! like an id that does not exist.

use crate::store::{ConversationRecord, TokenKind, UserRecord};
use std::collections::HashMap;
use switchboard_protocol::ids::TeamId;
use switchboard_protocol::model::{Role, Sender, SenderKind, UserInfo};

/// An authenticated user on one connection, with their roles as of login.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The user.
    pub user: UserRecord,
    /// How they authenticated.
    pub kind: TokenKind,
    roles: HashMap<TeamId, Role>,
}

/// Something a principal may try to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// See a team's stream and conversation list (the dashboard).
    ReadTeam,
    /// Start a conversation in a team.
    StartConversation,
    /// Read a conversation's history and live events.
    ReadConversation,
    /// Send a message into a conversation.
    Send,
    /// Move one's own read marker in a conversation.
    MarkRead,
}

/// What an action is done to.
#[derive(Debug, Clone, Copy)]
pub enum Resource<'a> {
    /// A team.
    Team(TeamId),
    /// A conversation.
    Conversation(&'a ConversationRecord),
}

impl Principal {
    /// A principal holding `roles`. The user's password hash is not kept:
    /// a connection never needs it.
    pub fn new(mut user: UserRecord, kind: TokenKind, roles: HashMap<TeamId, Role>) -> Principal {
        user.password_hash = None;
        Principal { user, kind, roles }
    }

    /// The user's role in a team, if any.
    pub fn role(&self, team: TeamId) -> Option<Role> {
        self.roles.get(&team).copied()
    }

    /// Whether the principal may do `action` to `resource`. This is the
    /// permission matrix of DESIGN.md section 2.
    pub fn allows(&self, action: Action, resource: Resource<'_>) -> bool {
        let team = match resource {
            Resource::Team(team) => team,
            Resource::Conversation(conversation) => conversation.team,
        };
        match (action, self.role(team)) {
            // Managers and Members may do every conversation-level action in
            // their teams. (Restricted Members arrive with invitations.)
            (
                Action::ReadTeam
                | Action::StartConversation
                | Action::ReadConversation
                | Action::Send
                | Action::MarkRead,
                Some(Role::Manager | Role::Member),
            ) => true,
            (_, None) => false,
        }
    }

    /// How the principal appears as a message's author.
    pub fn sender(&self) -> Sender {
        Sender {
            kind: match self.kind {
                TokenKind::Session => SenderKind::Agent,
                TokenKind::Bot => SenderKind::Bot,
            },
            id: self.user.id.0,
            name: self.user.name.clone(),
        }
    }

    /// The user as shown in `welcome`.
    pub fn info(&self) -> UserInfo {
        UserInfo {
            id: self.user.id,
            name: self.user.name.clone(),
            email: self.user.email.clone(),
            handle: self.user.handle.clone(),
        }
    }
}
