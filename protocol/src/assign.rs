//! The typed frames of `^assign` and `^unassign`: the same commands as the
//! text typed into a `send`, without the parsing.
//!
//! Both answer an `assignees` result with the conversation's assignees as
//! they now are; an accepted change also leaves a system message in the
//! timeline and an `assignees` event.

use crate::command::Assignee;
use crate::ids::{ConversationId, RequestId, UserId};
use serde::{Deserialize, Serialize};

/// Adds an assignee to a conversation (`^assign @user|me`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assign {
    /// The request id.
    pub id: RequestId,
    /// The conversation.
    pub conversation: ConversationId,
    /// Who to assign.
    pub who: Who,
    /// An idempotency key of the client's choosing (1 to 64 bytes): a
    /// retry with the same key returns the original result marked
    /// `duplicate` and does nothing again (see PROTOCOL.md, "Idempotency
    /// keys").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// Removes an assignee from a conversation (`^unassign @user|me`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unassign {
    /// The request id.
    pub id: RequestId,
    /// The conversation.
    pub conversation: ConversationId,
    /// Who to unassign.
    pub who: Who,
    /// An idempotency key of the client's choosing (1 to 64 bytes): a
    /// retry with the same key returns the original result marked
    /// `duplicate` and does nothing again (see PROTOCOL.md, "Idempotency
    /// keys").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// The user an `assign` or `unassign` frame names, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Who {
    /// The caller.
    Me,
    /// A member of the conversation's team, by handle (without the `@`,
    /// matched case-insensitively).
    User {
        /// The handle.
        handle: String,
    },
}

impl From<Assignee> for Who {
    fn from(assignee: Assignee) -> Who {
        match assignee {
            Assignee::Me => Who::Me,
            Assignee::User(handle) => Who::User { handle },
        }
    }
}

impl From<Who> for Assignee {
    fn from(who: Who) -> Assignee {
        match who {
            Who::Me => Assignee::Me,
            Who::User { handle } => Assignee::User(handle),
        }
    }
}

/// A conversation's assignees: the `assignees` reply and event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignees {
    /// The conversation.
    pub conversation: ConversationId,
    /// Its assignees, in the order they were assigned.
    pub assignees: Vec<UserId>,
}
