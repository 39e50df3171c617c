//! Channel bridges: a bot of scope `bridge` carries a channel (an SMS
//! gateway, a messenger) between its contacts and the team.
//!
//! Inbound, the bridge `relay`s what a contact wrote, keyed by the
//! contact's address on the channel: the server finds or creates the
//! contact and its conversation on this bridge, and stores the message as
//! the contact's, once per (bridge, `client_msg_id`). Outbound, the team's
//! replies in a conversation whose channel is the bridge are the bridge's
//! to deliver (it receives them as `message` events), and it reports how
//! that went with `receipt`: each receipt is an event of the conversation
//! and becomes the message's `delivery`.
//!
//! Invariants the server keeps (PROTOCOL.md, "Bridges"):
//! - a delivery never goes back: `delivered` is final, `sent` never
//!   replaces `delivered`; `failed` may be followed by `delivered` (a late
//!   report) or `sent` (the message sent again, as a dead letter retried);
//! - only the conversation's own bridge may report a receipt, and only for
//!   a message of the team (an agent's or a bot's).

use crate::ids::{ContactId, ConversationId, Millis, Seq};
use crate::RequestId;
use serde::{Deserialize, Serialize};

/// How far an outbound message got on its channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Handed to the channel (the gateway accepted it).
    Sent,
    /// The channel reports it reached the contact.
    Delivered,
    /// The channel could not deliver it.
    Failed,
}

impl DeliveryStatus {
    /// Whether a message at `self` may move to `next`: never back, and
    /// `delivered` is final; a `failed` message sent again may become
    /// `sent`.
    pub fn may_become(self, next: DeliveryStatus) -> bool {
        use DeliveryStatus::*;
        match (self, next) {
            (Delivered, _) => false,
            (a, b) => a != b,
        }
    }
}

/// The latest delivery report of an outbound message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// Where it stands.
    pub status: DeliveryStatus,
    /// When the server recorded the report.
    pub at: Millis,
    /// What the channel said (an error, a provider's id), if anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A delivery report of one message: the `receipt` event (since protocol
/// version 3) and the answer to a `receipt` request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The conversation.
    pub conversation: ConversationId,
    /// The message's seq.
    pub seq: Seq,
    /// Where it now stands.
    pub status: DeliveryStatus,
    /// When the server recorded it.
    pub at: Millis,
    /// What the channel said, if anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Receipt {
    /// The delivery a message holds after this report.
    pub fn delivery(&self) -> Delivery {
        Delivery {
            status: self.status,
            at: self.at,
            detail: self.detail.clone(),
        }
    }
}

/// `relay`: a bridge posts what a contact wrote on its channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relay {
    /// The request id.
    pub id: RequestId,
    /// The contact's address on the channel: a phone number (any usual
    /// notation; matched in E.164 against the book's phones).
    pub address: String,
    /// The contact's name, used when the contact is new.
    #[serde(default)]
    pub name: Option<String>,
    /// The channel's id of the message: a retry with the same one stores
    /// nothing twice (unique per bridge).
    pub client_msg_id: String,
    /// What the contact wrote.
    pub body: String,
}

/// The answer to `relay`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relayed {
    /// The conversation the message is in.
    pub conversation: ConversationId,
    /// The contact it is from.
    pub contact: ContactId,
    /// The message's seq.
    pub seq: Seq,
    /// Whether this relay started the conversation.
    pub created: bool,
}

/// `receipt`: the conversation's bridge reports how a message went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportReceipt {
    /// The request id.
    pub id: RequestId,
    /// The conversation.
    pub conversation: ConversationId,
    /// The message's seq.
    pub seq: Seq,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// What the channel said (at most 200 bytes), if anything.
    #[serde(default)]
    pub detail: Option<String>,
}

/// The words that, as a contact's whole message (trimmed, any case),
/// opt them out of messages.
pub const STOP_WORDS: [&str; 6] = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"];

/// The words that opt them back in.
pub const START_WORDS: [&str; 3] = ["START", "UNSTOP", "YES"];

/// What a contact's message does to their opt-out: `Some(true)` opts out,
/// `Some(false)` opts back in, `None` neither.
pub fn opt_out_keyword(body: &str) -> Option<bool> {
    let word = body.trim();
    if STOP_WORDS.iter().any(|w| w.eq_ignore_ascii_case(word)) {
        Some(true)
    } else if START_WORDS.iter().any(|w| w.eq_ignore_ascii_case(word)) {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_whole_messages_in_any_case() {
        assert_eq!(opt_out_keyword(" stop "), Some(true));
        assert_eq!(opt_out_keyword("Unsubscribe"), Some(true));
        assert_eq!(opt_out_keyword("start"), Some(false));
        assert_eq!(opt_out_keyword("please stop"), None);
    }

    #[test]
    fn a_delivery_never_goes_back() {
        use DeliveryStatus::*;
        assert!(Sent.may_become(Delivered));
        assert!(Sent.may_become(Failed));
        assert!(Failed.may_become(Delivered));
        assert!(Failed.may_become(Sent));
        assert!(!Delivered.may_become(Failed));
        assert!(!Sent.may_become(Sent));
    }
}
