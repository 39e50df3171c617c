//! The typed frames of `^deliver` and of reports.
//!
//! `deliver` is the same command as `^deliver @user|#team [status] [note]`
//! typed into a `send`, without the parsing. Both answer a `delivered`
//! result carrying the [`Outcome`]; the conversation's team receives a
//! system message, (for a user) an `assignees` event, and a `delivered`
//! event with the same outcome, in that order.
//!
//! `report` reads a team's (or an account's) figures: outcome counts,
//! conversations by status, first-response and wait times.

use crate::command::Target;
use crate::ids::{AccountId, ConversationId, Millis, PostId, RequestId, Seq, TeamId, UserId};
use crate::model::ConversationStatus;
use serde::{Deserialize, Serialize};

/// Hands a conversation over and wraps it up (`^deliver`, typed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deliver {
    /// The request id.
    pub id: RequestId,
    /// The conversation.
    pub conversation: ConversationId,
    /// Where it goes.
    pub to: DeliverTo,
    /// The outcome status: one of the team's `statuses`.
    #[serde(default)]
    pub status: Option<String>,
    /// A handoff note.
    #[serde(default)]
    pub note: Option<String>,
    /// An idempotency key of the client's choosing (1 to 64 bytes): a
    /// retry with the same key returns the original result marked
    /// `duplicate` and does nothing again (see PROTOCOL.md, "Idempotency
    /// keys").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// Where a `deliver` frame sends the conversation, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DeliverTo {
    /// A member of the conversation's team, by handle (without the `@`,
    /// matched case-insensitively).
    User {
        /// The handle.
        handle: String,
    },
    /// Another team of the same account, by handle (without the `#`,
    /// matched case-insensitively).
    Team {
        /// The handle.
        handle: String,
    },
}

impl From<Target> for DeliverTo {
    fn from(target: Target) -> DeliverTo {
        match target {
            Target::User(handle) => DeliverTo::User { handle },
            Target::Team(handle) => DeliverTo::Team { handle },
        }
    }
}

impl From<DeliverTo> for Target {
    fn from(to: DeliverTo) -> Target {
        match to {
            DeliverTo::User { handle } => Target::User(handle),
            DeliverTo::Team { handle } => Target::Team(handle),
        }
    }
}

/// A delivery's outcome: the `delivered` reply and event, and what the
/// conversation keeps as its latest outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The delivered conversation.
    pub conversation: ConversationId,
    /// Its team.
    pub team: TeamId,
    /// The seq of the system message that records the delivery.
    pub seq: Seq,
    /// Who delivered it.
    pub by: UserId,
    /// Their name, as it was then.
    pub by_name: String,
    /// Where it went.
    pub to: DeliveredTo,
    /// The outcome status, if one was given.
    pub status: Option<String>,
    /// The handoff note, if one was given.
    pub note: Option<String>,
    /// When the server accepted it.
    pub at: Millis,
}

/// Where a conversation was delivered, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DeliveredTo {
    /// A member of the conversation's team, now its only assignee.
    User {
        /// The user.
        user: UserId,
        /// Their name, as it was then.
        name: String,
    },
    /// Another team of the same account, which received a copy.
    Team {
        /// The receiving team.
        team: TeamId,
        /// Its name, as it was then.
        name: String,
        /// The receiving team's new conversation.
        conversation: ConversationId,
    },
}

/// Reads figures over a period (`report`): Managers and the account's
/// owner only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// The request id.
    pub id: RequestId,
    /// One team; absent: every team the caller manages (of `account`, if
    /// given).
    #[serde(default)]
    pub team: Option<TeamId>,
    /// Narrows a report of every team to one account.
    #[serde(default)]
    pub account: Option<AccountId>,
    /// The period's start (inclusive); absent: the beginning.
    #[serde(default)]
    pub from: Option<Millis>,
    /// The period's end (exclusive); absent: no end.
    #[serde(default)]
    pub to: Option<Millis>,
}

/// The answer to `report`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportInfo {
    /// The teams the figures cover, by id.
    pub teams: Vec<TeamId>,
    /// The period's start, as asked.
    pub from: Option<Millis>,
    /// The period's end, as asked.
    pub to: Option<Millis>,
    /// Deliveries made in the period.
    pub outcomes: OutcomeCounts,
    /// Conversations by their current status (whatever the period).
    pub conversations: Vec<StatusCount>,
    /// First contact message to the first agent or bot reply after it, per
    /// conversation, over replies made in the period.
    pub first_response: Durations,
    /// Each run of contact messages, from its first message to the next
    /// agent or bot reply, over replies made in the period.
    pub wait: Durations,
    /// The blasts created in the period (their replies and opt-outs as
    /// they now stand).
    #[serde(default)]
    pub blasts: crate::blast::BlastCounts,
}

/// Deliveries counted four ways; every list is ordered by its key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeCounts {
    /// How many.
    pub total: u64,
    /// By outcome status (`status` absent: delivered without one).
    pub by_status: Vec<ByStatus>,
    /// By who delivered.
    pub by_user: Vec<ByUser>,
    /// By the delivering team.
    pub by_team: Vec<ByTeam>,
    /// By where they went.
    pub by_destination: Vec<ByDestination>,
    /// By the post of the delivered conversation: the latest post a
    /// message of it carried before the delivery (deliveries of
    /// conversations that carried none are not listed). Absent: empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by_post: Vec<ByPost>,
}

/// Deliveries of conversations about one post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ByPost {
    /// The post.
    pub post: PostId,
    /// Its title, as the latest card counted showed it.
    pub title: String,
    /// How many.
    pub count: u64,
    /// By outcome status, ordered by status.
    pub by_status: Vec<ByStatus>,
}

/// Deliveries with one outcome status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ByStatus {
    /// The status (absent: none was given).
    pub status: Option<String>,
    /// How many.
    pub count: u64,
}

/// Deliveries made by one user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ByUser {
    /// The user.
    pub user: UserId,
    /// Their name, as of their latest delivery counted.
    pub name: String,
    /// How many.
    pub count: u64,
}

/// Deliveries made in one team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ByTeam {
    /// The team.
    pub team: TeamId,
    /// How many.
    pub count: u64,
}

/// Deliveries to one destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ByDestination {
    /// The destination.
    pub to: Destination,
    /// How many.
    pub count: u64,
}

/// A delivery's destination, without the conversation, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Destination {
    /// A user.
    User {
        /// The user.
        user: UserId,
    },
    /// A team.
    Team {
        /// The team.
        team: TeamId,
    },
}

/// Conversations in one status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCount {
    /// The status.
    pub status: ConversationStatus,
    /// How many.
    pub count: u64,
}

/// Durations in milliseconds, by nearest-rank percentile (absent when
/// `count` is 0).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Durations {
    /// How many durations were measured.
    pub count: u64,
    /// The median.
    pub p50: Option<u64>,
    /// The 90th percentile.
    pub p90: Option<u64>,
    /// The 99th percentile.
    pub p99: Option<u64>,
}
