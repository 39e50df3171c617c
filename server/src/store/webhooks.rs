//! Webhook bridges in the store: which bots the server serves as webhook
//! bridges (`webhook_bridges`, by bot id: the gateway itself is on the
//! bot's record), and each team's dead letters (`dead_letters`, team ++
//! id), the outbound messages a gateway refused after every retry.
//!
//! Invariants every implementation keeps:
//! - A bot listed in `webhook_bridges` has a record with a `webhook`; the
//!   list only grows (a revoked bridge stays listed and is skipped).
//! - At most one dead letter per (conversation, seq) is kept by the
//!   dispatcher, which replaces an older one of the same message.
//!
//! Neither goes through the team's log: what an outbound message became is
//! the message's `delivery`, written through the hub; these records say
//! what to retry.

use super::StoreResult;
use serde::{Deserialize, Serialize};
use switchboard_protocol::ids::{TeamId, UserId};
use switchboard_protocol::webhook::DeadLetter;

/// A webhook bridge's gateway, on its bot's record.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    /// Where outbound messages are POSTed.
    pub outbound_url: String,
    /// The HMAC-SHA256 key of both directions' signatures.
    pub secret: String,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret stays out of logs, like every token.
        f.debug_struct("Webhook")
            .field("outbound_url", &self.outbound_url)
            .finish_non_exhaustive()
    }
}

/// The webhook bridges' records.
pub trait Webhooks {
    /// Lists `bridge` among the webhook bridges.
    fn put_webhook_bridge(&self, bridge: UserId) -> StoreResult<()>;
    /// Every webhook bridge ever listed, by id.
    fn webhook_bridges(&self) -> StoreResult<Vec<UserId>>;
    /// Stores a dead letter of `team` (replacing the one of that id).
    fn put_dead_letter(&self, team: TeamId, letter: &DeadLetter) -> StoreResult<()>;
    /// A dead letter of `team` by id.
    fn dead_letter(&self, team: TeamId, id: u64) -> StoreResult<Option<DeadLetter>>;
    /// A team's dead letters, by id (oldest first).
    fn team_dead_letters(&self, team: TeamId) -> StoreResult<Vec<DeadLetter>>;
    /// Removes a dead letter; false if there was none.
    fn remove_dead_letter(&self, team: TeamId, id: u64) -> StoreResult<bool>;
}
