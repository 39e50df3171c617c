//! The hub's plain writes (a message, a new conversation, a read marker):
//! each takes the conversation's next seq where it has one, and appends
//! one atomic entry through the hub's one write path (`append`), which
//! assigns its offset and queues its answer and event behind the commit.
//! A failed append advances nothing.

use super::actor::{result_frame, Hub};
use super::append::Answer;
use super::ReplyTo;
use crate::access::Principal;
use crate::contacts::normal;
use crate::idempotency;
use crate::store::{ContactRecord, ConversationRecord, Entry, StoreError};
use crate::time::now;
use switchboard_protocol::content::PostCard;
use switchboard_protocol::ids::{ConversationId, Seq, UserId};
use switchboard_protocol::model::{Message, NewContact, ReadMarker, Sender};
use switchboard_protocol::server::{Event, Reply, SendAck};
use switchboard_protocol::ErrorCode;

impl Hub<'_> {
    pub(super) fn send(
        &mut self,
        to: ReplyTo,
        conversation: ConversationId,
        client_msg_id: String,
        body: String,
        sender: Sender,
        post: Option<PostCard>,
    ) -> Result<(), StoreError> {
        let store = &self.registry.context.store;
        // The key a client_msg_id is unique under: the user's, or the
        // contact's when a bot relays it.
        let user = UserId(sender.id);
        // A retry of a stored send gets the original acknowledgement, once the
        // flush that covers the original has happened.
        if self.answer_retry(&to, user, Some(&client_msg_id))? {
            return Ok(());
        }
        let seq = self.last_seq(conversation)?.next();
        let offset = self.next_offset();
        let status = self
            .board
            .status_after(store.as_ref(), conversation, sender.kind)?;
        let message = Message {
            conversation,
            seq,
            offset,
            sender,
            body,
            client_msg_id: Some(client_msg_id),
            at: now(),
            status,
            post,
        };
        let idempotency = message.client_msg_id.as_deref().map(|id| (user, id));
        let entry = Entry::Message {
            message: &message,
            idempotency,
        };
        let answer = Answer {
            to,
            reply: Reply::Sent(ack(&message, false)),
            failure: "send failed",
        };
        self.append(entry, vec![Event::Message(message.clone())], Some(answer))?;
        self.seqs.insert(conversation, seq);
        Ok(())
    }

    pub(super) fn start_conversation(
        &mut self,
        to: ReplyTo,
        contact: NewContact,
        channel: Option<switchboard_protocol::model::Channel>,
    ) -> Result<(), StoreError> {
        let at = now();
        let contact = self.contact_to_start(contact, at)?;
        let store = &self.registry.context.store;
        let mut conversation =
            ConversationRecord::new(store.next_id()?.into(), self.team, contact.id, at);
        conversation.channel = channel;
        let info = conversation.info(&contact, Seq(0));
        let entry = Entry::ConversationStarted {
            contact: &contact,
            conversation: &conversation,
        };
        let answer = Answer {
            to,
            reply: Reply::Conversation(info.clone()),
            failure: "could not start the conversation",
        };
        self.append(entry, vec![Event::ConversationStarted(info)], Some(answer))?;
        self.seqs.insert(conversation.id, Seq(0));
        Ok(())
    }

    pub(super) fn mark_read(
        &mut self,
        to: ReplyTo,
        principal: &Principal,
        conversation: ConversationId,
        seq: Seq,
    ) -> Result<(), StoreError> {
        let last = self.last_seq(conversation)?;
        if seq > last {
            let message = format!("seq {seq} is beyond the conversation's last message ({last})");
            to.refuse(ErrorCode::BadRequest, &message);
            return Ok(());
        }
        let user = principal.user.id;
        let current = self
            .registry
            .context
            .store
            .read_marker(conversation, user)?;
        if seq <= current {
            // Markers never move back: answer with where it stands.
            let marker = ReadMarker {
                conversation,
                user,
                seq: current,
            };
            self.answer_when_durable(to, |id| result_frame(id, Reply::Read(marker)));
            return Ok(());
        }
        let marker = ReadMarker {
            conversation,
            user,
            seq,
        };
        let answer = Answer {
            to,
            reply: Reply::Read(marker.clone()),
            failure: "could not mark as read",
        };
        self.append(
            Entry::Read(&marker),
            vec![Event::Read(marker.clone())],
            Some(answer),
        )
    }

    /// The book's contact a new conversation is with: the one already
    /// holding its normalised phone or email (so that a contact's
    /// conversations gather under it, one per channel), else a new one.
    fn contact_to_start(
        &mut self,
        contact: NewContact,
        at: switchboard_protocol::ids::Millis,
    ) -> Result<ContactRecord, StoreError> {
        let email = contact
            .email
            .filter(|e| !e.trim().is_empty())
            .map(|e| normal::email(&e).unwrap_or_else(|_| e.trim().to_lowercase()));
        let phone = contact
            .phone
            .filter(|p| !p.trim().is_empty())
            .map(|p| normal::channel_phone(&p));
        for value in phone.iter().chain(&email) {
            if let Some(existing) = self.owner(value)? {
                if let Some(found) = self.team_contact(existing)? {
                    return Ok(found);
                }
            }
        }
        let id = self.registry.context.store.next_id()?.into();
        Ok(ContactRecord::new(
            id,
            self.team,
            contact.name,
            email,
            phone,
            at,
        ))
    }

    /// Answers a retry: if `user` used `key` in this team before, with the
    /// original result marked `duplicate`, behind the flush that covers
    /// the original. Says whether it did.
    pub(super) fn answer_retry(
        &mut self,
        to: &ReplyTo,
        user: UserId,
        key: Option<&str>,
    ) -> Result<bool, StoreError> {
        let Some(key) = key else {
            return Ok(false);
        };
        let store = self.registry.context.store.as_ref();
        match idempotency::original(store, self.team, user, key) {
            Ok(Some(original)) => {
                self.answer_when_durable(to.clone(), |id| idempotency::duplicate(id, original));
                Ok(true)
            }
            Ok(None) => Ok(false),
            Err(e) => {
                to.refuse(ErrorCode::Internal, "internal error");
                Err(e)
            }
        }
    }

    pub(super) fn last_seq(&mut self, conversation: ConversationId) -> Result<Seq, StoreError> {
        if let Some(seq) = self.seqs.get(&conversation) {
            return Ok(*seq);
        }
        let seq = self.registry.context.store.last_seq(conversation)?;
        self.seqs.insert(conversation, seq);
        Ok(seq)
    }
}

fn ack(message: &Message, duplicate: bool) -> SendAck {
    SendAck {
        conversation: message.conversation,
        seq: message.seq,
        offset: message.offset,
        at: message.at,
        duplicate,
    }
}
