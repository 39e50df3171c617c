//! Bridging a channel (an SMS gateway, a messenger) into a team, as a bot
//! of scope `bridge`: [`Client::relay`] posts what a contact wrote on the
//! channel, [`Client::receipt`] reports how a message of the team went out
//! on it. The team's replies to deliver arrive as `message` events of the
//! conversations whose `channel` is this bridge.
//!
//! Both are resent after a dropped connection until answered: a relay is
//! stored once per `client_msg_id` (the resend gets the original place,
//! marked duplicate), and a receipt that was already recorded changes
//! nothing the second time.

use crate::client::{unexpected, Client};
use crate::error::Error;
use crate::request::Call;
use switchboard_protocol::bridge::{self, DeliveryStatus, Receipt, Relayed};
use switchboard_protocol::client::ClientFrame;
use switchboard_protocol::server::Reply;
use switchboard_protocol::{ConversationId, RequestId, Seq};

/// A bridge's request.
#[derive(Debug, Clone)]
pub(crate) enum BridgeRequest {
    Relay {
        address: String,
        name: Option<String>,
        client_msg_id: String,
        body: String,
    },
    Receipt {
        conversation: ConversationId,
        seq: Seq,
        status: DeliveryStatus,
        detail: Option<String>,
    },
}

impl BridgeRequest {
    /// The frame that carries this request under `id`.
    pub(crate) fn into_frame(self, id: RequestId) -> ClientFrame {
        match self {
            BridgeRequest::Relay {
                address,
                name,
                client_msg_id,
                body,
            } => ClientFrame::Relay(bridge::Relay {
                id,
                address,
                name,
                client_msg_id,
                body,
            }),
            BridgeRequest::Receipt {
                conversation,
                seq,
                status,
                detail,
            } => ClientFrame::Receipt(bridge::ReportReceipt {
                id,
                conversation,
                seq,
                status,
                detail,
            }),
        }
    }
}

impl Client {
    /// Posts a contact's message from the bridge's channel: the contact is
    /// the one holding `address` (a phone number) in the team's book, or a
    /// new one named `name`; the conversation is their open one on this
    /// bridge, or a new one. `client_msg_id` is the channel's id of the
    /// message: stored once however often it is relayed. A bridge bot only.
    pub async fn relay(
        &self,
        address: &str,
        name: Option<&str>,
        client_msg_id: &str,
        body: &str,
    ) -> Result<Relayed, Error> {
        let request = BridgeRequest::Relay {
            address: address.to_string(),
            name: name.map(str::to_string),
            client_msg_id: client_msg_id.to_string(),
            body: body.to_string(),
        };
        match self.keyed(Call::Bridge(request)).await? {
            Reply::Relayed(relayed) => Ok(relayed),
            other => Err(unexpected("relayed", &other)),
        }
    }

    /// Reports how the team's message at `seq` of `conversation` (one of
    /// this bridge's) went: the answer is the message's delivery as it then
    /// stands (a report that would move it back changes nothing).
    pub async fn receipt(
        &self,
        conversation: ConversationId,
        seq: Seq,
        status: DeliveryStatus,
        detail: Option<&str>,
    ) -> Result<Receipt, Error> {
        let request = BridgeRequest::Receipt {
            conversation,
            seq,
            status,
            detail: detail.map(str::to_string),
        };
        match self.keyed(Call::Bridge(request)).await? {
            Reply::Receipt(receipt) => Ok(receipt),
            other => Err(unexpected("receipt", &other)),
        }
    }
}
