//! The agent's dashboard and chat hopping: which conversations need whom.
//!
//! A dashboard page is a snapshot; keep it live from the team's events
//! (PROTOCOL.md, "Dashboard"): a `message` event moves `last_seq` and
//! `last_at` and, when it carries a `status`, the row's status (a
//! `waiting` one waits since that message's `at`); `assignees`,
//! `conversation_started` and `read` events update the rest.

use crate::client::{unexpected, Client};
use crate::error::Error;
use crate::request::Call;
use switchboard_protocol::dashboard::{DashboardCursor, DashboardPage, NextConversation, View};
use switchboard_protocol::model::ConversationStatus;
use switchboard_protocol::server::Reply;
use switchboard_protocol::TeamId;

/// Which page of a dashboard to read. The default is the first page of
/// every conversation, in need order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DashboardQuery {
    /// Whose conversations: all, the caller's, or nobody's.
    pub view: View,
    /// Only those with this status.
    pub status: Option<ConversationStatus>,
    /// Continue after this row: the previous page's `next`.
    pub after: Option<DashboardCursor>,
    /// The most rows (the server caps it at 100).
    pub limit: Option<u32>,
}

impl Client {
    /// A page of a team's dashboard: conversations with their status,
    /// assignees, the contact's wait and the caller's unread count,
    /// waiting ones first (longest wait first), then open, then delivered.
    /// Needs a role in the team (or a bot token); for anyone else,
    /// Restricted Members included, the team is `not_found`.
    pub async fn dashboard(
        &self,
        team: TeamId,
        query: DashboardQuery,
    ) -> Result<DashboardPage, Error> {
        match self.call(Call::Dashboard { team, query }).await? {
            Reply::Dashboard(page) => Ok(page),
            other => Err(unexpected("dashboard", &other)),
        }
    }

    /// The conversation that most needs the caller ("chat hopping"): the
    /// waiting one assigned to them whose contact has waited longest, else
    /// the unassigned waiting one that has waited longest, else none.
    pub async fn next(&self, team: TeamId) -> Result<NextConversation, Error> {
        match self.call(Call::Next { team }).await? {
            Reply::Next(next) => Ok(next),
            other => Err(unexpected("next", &other)),
        }
    }
}
