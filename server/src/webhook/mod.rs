//! The built-in webhook bridge (PROTOCOL.md, "Bridges"): a bridge bot the
//! server serves itself, so that a gateway (SMS or any webhook) connects
//! without code.
//!
//! The flow: a Manager creates one (`session/webhook.rs`), a `Bridge`-scope
//! bot whose record holds the gateway's URL and a signing secret
//! ([`crate::store::Webhook`]). Inbound, the gateway POSTs a contact's
//! message or a delivery report (`http/bridges.rs`), signed ([`sign`]),
//! which takes the SDK bridge's path (`relay`, `receipt`) through the
//! team's hub. Outbound, one task per bridge ([`dispatch`]) follows the
//! team's log and POSTs ([`post`]) each message of the team in the
//! bridge's conversations, retrying with backoff, and writes the outcome
//! as the message's receipt through the hub; what still fails is kept as a
//! dead letter a Manager may retry.
//!
//! Invariants:
//! - A message is for the dispatcher while its `delivery` is empty: a
//!   2xx writes `sent`, the last failure `failed` (after the dead letter),
//!   and the dispatcher does not move past a message before its receipt is
//!   written, so a message the gateway took is not POSTed again, across
//!   restarts too. (A crash between the 2xx and the receipt's commit may
//!   POST it once more: the `ref` lets the gateway drop the repeat.)
//! - One task per bridge on a server ([`Dispatchers::claim`]), ended by
//!   the server's stop or the bridge's revocation.

pub(crate) mod dispatch;
pub(crate) mod post;
pub(crate) mod sign;

pub(crate) use dispatch::{resume, start, Dispatchers};

use serde::Serialize;
use switchboard_protocol::ids::{ConversationId, Seq, TeamId};

/// What an outbound POST carries (the JSON body, signed).
#[derive(Debug, Serialize)]
pub(crate) struct Outbound<'a> {
    /// `CONV:SEQ`: the message's reference in status reports.
    #[serde(rename = "ref")]
    pub(crate) reference: String,
    /// The contact's address.
    pub(crate) to: &'a str,
    pub(crate) body: &'a str,
    pub(crate) conversation: ConversationId,
    pub(crate) seq: Seq,
    pub(crate) team: TeamId,
}

/// A message's reference: `CONV:SEQ`.
pub(crate) fn reference(conversation: ConversationId, seq: Seq) -> String {
    format!("{}:{}", conversation.0, seq.0)
}

/// The conversation and seq a reference names.
pub(crate) fn parse_reference(reference: &str) -> Option<(ConversationId, Seq)> {
    let (conversation, seq) = reference.split_once(':')?;
    Some((
        ConversationId(conversation.parse().ok()?),
        Seq(seq.parse().ok()?),
    ))
}
