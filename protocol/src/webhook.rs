//! The built-in webhook bridge: a bridge bot served by the server itself,
//! so that a gateway (SMS or any webhook) connects without code. Inbound,
//! the gateway POSTs a contact's message, signed with the bridge's secret;
//! outbound, the server POSTs the team's replies to the bridge's URL,
//! signed the same way, retrying with backoff; what still fails becomes a
//! dead letter a Manager may retry (PROTOCOL.md, "Bridges").

use crate::ids::{ConversationId, Millis, Seq, TeamId, UserId};
use crate::RequestId;
use serde::{Deserialize, Serialize};

/// `create_bridge`: creates a webhook bridge (Managers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateBridge {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
    /// The bridge's name, shown as the sender of nothing (its contacts'
    /// messages are theirs) and in the bridges' list.
    pub name: String,
    /// Where the team's outbound messages are POSTed (`http://` or
    /// `https://`).
    pub outbound_url: String,
    /// An idempotency key: a retry returns the bridge without its secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// `bridges`: a team's webhook bridges (Managers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BridgesRequest {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
}

/// `dead_letters`: a team's dead letters (Managers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLettersRequest {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
}

/// `retry_dead_letter`: sends a dead letter again, once (Managers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryDeadLetter {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
    /// The dead letter.
    pub dead_letter: u64,
}

/// A webhook bridge as its team's Managers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BridgeInfo {
    /// The bridge bot's id (the `bridge` of its conversations' channel).
    pub id: UserId,
    /// Its name.
    pub name: String,
    /// Where outbound messages go.
    pub outbound_url: String,
    /// When it was created.
    pub created_at: Millis,
    /// Outbound messages not yet accepted by the gateway (as far as this
    /// server knows).
    pub pending: u32,
    /// Its dead letters.
    pub dead_letters: u32,
}

/// The answer to `create_bridge`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BridgeCreated {
    /// The bridge.
    pub bridge: BridgeInfo,
    /// Its signing secret, shown this once (empty on a keyed retry).
    pub secret: String,
}

/// A team's webhook bridges (revoked ones left out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BridgeList {
    /// The bridges, by id.
    pub bridges: Vec<BridgeInfo>,
}

/// An outbound message the gateway refused after every retry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetter {
    /// Its id.
    pub id: u64,
    /// The bridge.
    pub bridge: UserId,
    /// The message's conversation.
    pub conversation: ConversationId,
    /// The message's seq.
    pub seq: Seq,
    /// The contact's address.
    pub to: String,
    /// The message.
    pub body: String,
    /// How many POSTs were tried.
    pub attempts: u32,
    /// What the last one got.
    pub last_error: String,
    /// When the last one failed.
    pub failed_at: Millis,
}

/// A team's dead letters, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetterList {
    /// The dead letters.
    pub dead_letters: Vec<DeadLetter>,
}
