//! The agent's dashboard and chat hopping: the `dashboard` and `next`
//! requests and their replies.
//!
//! A dashboard row is a conversation as an agent triages it: its status,
//! its assignees, how long its contact has waited and how much of it the
//! caller has not read. Rows are ordered by need: `waiting` first, the
//! longest-waiting first; then `open`, then `delivered`, each most recently
//! active first. A client keeps its rows live from the team's events
//! (PROTOCOL.md, "Dashboard").

use crate::ids::{ConversationId, Millis, RequestId, Seq, TeamId, UserId};
use crate::model::{ContactInfo, ConversationStatus};
use serde::{Deserialize, Serialize};

/// Asks for a page of a team's dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
    /// Whose conversations (default: all).
    #[serde(default)]
    pub view: View,
    /// Only conversations with this status (default: any).
    #[serde(default)]
    pub status: Option<ConversationStatus>,
    /// Continue after this row (the `next` of the previous page).
    #[serde(default)]
    pub after: Option<DashboardCursor>,
    /// The most rows to return (default and cap: 100).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Which of a team's conversations a dashboard shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum View {
    /// Every conversation of the team.
    #[default]
    All,
    /// Those the caller is assigned to.
    Mine,
    /// Those nobody is assigned to.
    Unassigned,
}

/// Where a dashboard page ends: the last row's sort key. Echo it back as
/// `after` for the next page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DashboardCursor {
    /// The row's status.
    pub status: ConversationStatus,
    /// Its `waiting_since` if waiting, else its `last_at`.
    pub at: Millis,
    /// Its conversation.
    pub conversation: ConversationId,
}

/// One conversation on a dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardRow {
    /// The conversation.
    pub conversation: ConversationId,
    /// Its contact.
    pub contact: ContactInfo,
    /// Where it stands.
    pub status: ConversationStatus,
    /// Its assignees, in the order they were assigned.
    pub assignees: Vec<UserId>,
    /// The seq of its newest message (0 when it has none).
    pub last_seq: Seq,
    /// When it last had a message (or was started).
    pub last_at: Millis,
    /// When `waiting`: when the contact's oldest unanswered message came.
    pub waiting_since: Option<Millis>,
    /// When `waiting`: how long the contact had waited when the page was
    /// made, in milliseconds (0 otherwise).
    pub waited_ms: u64,
    /// The caller's read marker in it.
    pub read_seq: Seq,
    /// Messages after the caller's read marker.
    pub unread: u64,
}

impl DashboardRow {
    /// The cursor that continues after this row.
    pub fn cursor(&self) -> DashboardCursor {
        DashboardCursor {
            status: self.status,
            at: match self.waiting_since {
                Some(since) if self.status == ConversationStatus::Waiting => since,
                _ => self.last_at,
            },
            conversation: self.conversation,
        }
    }
}

/// How many conversations of the view are in each status (the status
/// filter aside), for a dashboard's tabs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCounts {
    /// `open` conversations.
    pub open: u64,
    /// `waiting` conversations.
    pub waiting: u64,
    /// `delivered` conversations.
    pub delivered: u64,
}

/// The `dashboard` reply: a page of rows in need order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardPage {
    /// The team.
    pub team: TeamId,
    /// The rows.
    pub rows: Vec<DashboardRow>,
    /// The cursor of the next page, if there is one.
    pub next: Option<DashboardCursor>,
    /// The view's conversations by status.
    pub counts: StatusCounts,
}

/// Asks for the conversation that most needs the caller: the one assigned
/// to them whose contact has waited longest, else the unassigned one whose
/// contact has waited longest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Next {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
}

/// Why `next` chose a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NextReason {
    /// It is assigned to the caller.
    Assigned,
    /// Nobody is assigned to it.
    Unassigned,
}

/// The `next` reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextConversation {
    /// The team.
    pub team: TeamId,
    /// The conversation, or none when no contact is waiting on the caller
    /// or on nobody.
    pub row: Option<DashboardRow>,
    /// Why it was chosen (none when `row` is none).
    pub reason: Option<NextReason>,
}
