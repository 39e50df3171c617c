//! A bridge's writes, carried out by its team's hub: `relay` (a contact's
//! message from the bridge's channel) and `receipt` (how a message of the
//! team went out on it).
//!
//! Invariants:
//! - A relay is stored once per (bridge, `client_msg_id`): the message is
//!   kept under the contact's key `BRIDGE/ID` (a contact's messages are
//!   keyed by the contact, and the bridge's id makes the key its own), looked
//!   up first through the contact the address names, so a retry (a
//!   reconnect, a restart) gets the original conversation and seq back.
//! - A relay's writes come in an order a crash may cut anywhere and a
//!   retry completes: the contact and conversation when new, the opt-out
//!   change when the message is a keyword, then the keyed message; each
//!   step finds what an earlier attempt wrote and does not repeat it.
//! - The conversation of a relay is the contact's newest one on this
//!   bridge that is not delivered, or a new one on this bridge: a contact
//!   writing after a delivery starts a new conversation.
//! - A delivery only moves forward (see `DeliveryStatus::may_become`); a
//!   report that would move it back changes nothing and is answered with
//!   the delivery as it stands.

use super::actor::Hub;
use super::append::Answer;
use super::ReplyTo;
use crate::idempotency;
use crate::store::StoreError;
use crate::store::{BookChange, ContactRecord, ConversationRecord, Entry, KeyUse, LogRecord};
use crate::time::now;
use serde::{Deserialize, Serialize};
use switchboard_protocol::bridge::{opt_out_keyword, DeliveryStatus, Receipt, Relayed};
use switchboard_protocol::contacts::ContactChanged;
use switchboard_protocol::ids::{ContactId, ConversationId, Seq, UserId};
use switchboard_protocol::model::{Channel, ConversationStatus, Message, Sender, SenderKind};
use switchboard_protocol::server::{Event, Reply};
use switchboard_protocol::ErrorCode;

/// Longest id of a relayed message, in bytes (as a `send`'s
/// `client_msg_id`).
pub(crate) const MAX_RELAY_ID: usize = 64;
/// Longest address or name of a relayed message's contact, in bytes (as
/// the book's fields).
pub(crate) const MAX_RELAY_FIELD: usize = 200;

/// A contact's message from a bridge, as the session checked it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Inbound {
    /// The bridge bot.
    pub(crate) bridge: UserId,
    /// The contact's phone, E.164.
    pub(crate) address: String,
    /// The name for a new contact.
    pub(crate) name: String,
    /// The channel's id of the message.
    pub(crate) client_msg_id: String,
    /// What the contact wrote.
    pub(crate) body: String,
}

impl Inbound {
    /// A contact's message as a bridge gave it (`relay`, or a webhook
    /// bridge's inbound POST), checked: the id 1 to [`MAX_RELAY_ID`]
    /// bytes, the body not empty and at most `max_body` bytes, the address
    /// (made E.164 when it is a phone) and the name (the address when
    /// none) 1 to [`MAX_RELAY_FIELD`] bytes. The refusal names what is
    /// wrong.
    pub(crate) fn checked(
        bridge: UserId,
        address: &str,
        name: Option<String>,
        client_msg_id: String,
        body: String,
        max_body: usize,
    ) -> Result<Inbound, (ErrorCode, String)> {
        let (max_id, max_field) = (MAX_RELAY_ID, MAX_RELAY_FIELD);
        let bad = |m: String| Err((ErrorCode::BadRequest, m));
        if client_msg_id.is_empty() || client_msg_id.len() > max_id {
            return bad(format!("client_msg_id must be 1 to {max_id} bytes"));
        }
        if body.len() > max_body {
            return Err((
                ErrorCode::TooLarge,
                format!(
                    "body of {} bytes exceeds max_body_bytes ({max_body})",
                    body.len()
                ),
            ));
        }
        if body.trim().is_empty() {
            return bad("the body is empty".into());
        }
        let address = crate::contacts::normal::channel_phone(address);
        if address.is_empty() || address.len() > max_field {
            return bad(format!("address must be 1 to {max_field} bytes"));
        }
        let name = (name.map(|n| n.trim().to_string()))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| address.clone());
        if name.len() > max_field {
            return bad(format!("name must be at most {max_field} bytes"));
        }
        Ok(Inbound {
            bridge,
            address,
            name,
            client_msg_id,
            body,
        })
    }
}

/// A bridge's report on one message, as the session checked it (the
/// conversation is the bridge's own).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Report {
    /// The conversation.
    pub(crate) conversation: ConversationId,
    /// The message's seq.
    pub(crate) seq: Seq,
    /// Where it stands.
    pub(crate) status: DeliveryStatus,
    /// What the channel said.
    pub(crate) detail: Option<String>,
}

impl Hub<'_> {
    /// Stores a contact's message from a bridge (see the module's
    /// invariants), answering `relayed`.
    pub(super) fn relay(&mut self, to: ReplyTo, inbound: Inbound) -> Result<(), StoreError> {
        let key = format!("{}/{}", inbound.bridge, inbound.client_msg_id);
        let existing = match self.owner(&inbound.address)? {
            Some(id) => self.team_contact(id)?,
            None => None,
        };
        if let Some(contact) = &existing {
            if self.answer_relay_retry(&to, contact.id, &key)? {
                return Ok(());
            }
        }
        let at = now();
        let mut contact = match existing {
            Some(contact) => contact,
            None => ContactRecord::new(
                self.registry.context.store.next_id()?.into(),
                self.team,
                inbound.name.clone(),
                // An email channel's address is an email, any other a phone.
                inbound
                    .address
                    .contains('@')
                    .then(|| inbound.address.clone()),
                (!inbound.address.contains('@')).then(|| inbound.address.clone()),
                at,
            ),
        };
        let (conversation, created) = match self.bridge_conversation(&contact, inbound.bridge)? {
            Some(id) => (id, false),
            None => {
                let store = &self.registry.context.store;
                let mut record =
                    ConversationRecord::new(store.next_id()?.into(), self.team, contact.id, at);
                record.channel = Some(Channel::Bridge {
                    bridge: inbound.bridge,
                    address: inbound.address.clone(),
                });
                let info = record.info(&contact, Seq(0));
                let entry = Entry::ConversationStarted {
                    contact: &contact,
                    conversation: &record,
                };
                self.append(entry, vec![Event::ConversationStarted(info)], None)?;
                self.seqs.insert(record.id, Seq(0));
                (record.id, true)
            }
        };
        if let Some(out) = opt_out_keyword(&inbound.body) {
            if out != contact.opted_out_at.is_some() {
                contact.opted_out_at = out.then_some(at);
                contact.updated_at = at;
                self.opt_out(contact.clone())?;
            }
        }
        let store = &self.registry.context.store;
        let seq = self.last_seq(conversation)?.next();
        let status = self
            .board
            .status_after(store.as_ref(), conversation, SenderKind::Contact)?;
        let message = Message {
            conversation,
            seq,
            offset: self.next_offset(),
            sender: Sender {
                kind: SenderKind::Contact,
                id: contact.id.0,
                name: contact.name.clone(),
            },
            body: inbound.body,
            client_msg_id: Some(key),
            at,
            status,
            post: None,
            delivery: None,
        };
        let entry = Entry::Message {
            message: &message,
            idempotency: message
                .client_msg_id
                .as_deref()
                .map(|key| (UserId(contact.id.0), key)),
        };
        let answer = Answer {
            to,
            reply: Reply::Relayed(Relayed {
                conversation,
                contact: contact.id,
                seq,
                created,
            }),
            failure: "relay failed",
        };
        self.append(entry, vec![Event::Message(message.clone())], Some(answer))?;
        self.seqs.insert(conversation, seq);
        Ok(())
    }

    /// Answers a relay whose key was used: the original message's place,
    /// marked duplicate. Says whether it did.
    fn answer_relay_retry(
        &mut self,
        to: &ReplyTo,
        contact: ContactId,
        key: &str,
    ) -> Result<bool, StoreError> {
        let store = self.registry.context.store.as_ref();
        let used = store.client_msg(self.team, UserId(contact.0), key)?;
        let Some(KeyUse::Message { conversation, seq }) = used else {
            return Ok(false);
        };
        let Some(record) = self.team_conversation(conversation)? else {
            return Err(StoreError::Inconsistent(format!(
                "relay key points at missing conversation {conversation}"
            )));
        };
        let relayed = Relayed {
            conversation,
            contact: record.contact,
            seq,
            created: false,
        };
        self.answer_when_durable(to.clone(), |id| {
            idempotency::duplicate(id, Reply::Relayed(relayed))
        });
        Ok(true)
    }

    /// The contact's newest conversation on `bridge` that is not delivered.
    fn bridge_conversation(
        &self,
        contact: &ContactRecord,
        bridge: UserId,
    ) -> Result<Option<ConversationId>, StoreError> {
        let mut ids = self.conversations_of(contact.id)?;
        ids.sort_unstable_by(|a, b| b.cmp(a));
        for id in ids {
            let Some(record) = self.team_conversation(id)? else {
                continue;
            };
            let on_bridge =
                matches!(&record.channel, Some(Channel::Bridge { bridge: b, .. }) if *b == bridge);
            if on_bridge && record.status != ConversationStatus::Delivered {
                return Ok(Some(id));
            }
        }
        Ok(None)
    }

    /// Writes a contact's opt-out (or opt-in) to the book, as a
    /// `contact_changed` event.
    fn opt_out(&mut self, contact: ContactRecord) -> Result<(), StoreError> {
        let changed = ContactChanged {
            contact: contact.card(),
            conversations: self.conversations_of(contact.id)?,
        };
        let change = BookChange {
            put: vec![contact],
            log: vec![LogRecord::ContactChanged(changed.clone())],
            ..BookChange::default()
        };
        let entry = Entry::ContactBook {
            change: &change,
            receipt: None,
        };
        self.append(entry, vec![Event::ContactChanged(changed)], None)
    }

    /// Records a bridge's report on a message of the team, answering
    /// `receipt` with the message's delivery as it then stands.
    pub(super) fn receipt(&mut self, to: ReplyTo, report: Report) -> Result<(), StoreError> {
        let store = &self.registry.context.store;
        let Some(mut message) = store.message(report.conversation, report.seq)? else {
            to.refuse(
                ErrorCode::NotFound,
                &format!(
                    "no message {} in conversation {}",
                    report.seq, report.conversation
                ),
            );
            return Ok(());
        };
        if !matches!(message.sender.kind, SenderKind::Agent | SenderKind::Bot) {
            to.refuse(
                ErrorCode::BadRequest,
                "only the team's messages are delivered through a bridge",
            );
            return Ok(());
        }
        if let Some(current) = &message.delivery {
            if !current.status.may_become(report.status) {
                let stands = Receipt {
                    conversation: report.conversation,
                    seq: report.seq,
                    status: current.status,
                    at: current.at,
                    detail: current.detail.clone(),
                };
                self.answer_when_durable(to, |id| {
                    super::actor::result_frame(id, Reply::Receipt(stands))
                });
                return Ok(());
            }
        }
        let receipt = Receipt {
            conversation: report.conversation,
            seq: report.seq,
            status: report.status,
            at: now(),
            detail: report.detail,
        };
        message.delivery = Some(receipt.delivery());
        let entry = Entry::Delivery {
            message: &message,
            report: &receipt,
        };
        let answer = Answer {
            to,
            reply: Reply::Receipt(receipt.clone()),
            failure: "could not record the receipt",
        };
        let event = Event::Receipt(receipt.clone());
        self.append(entry, vec![event], Some(answer))
    }
}
