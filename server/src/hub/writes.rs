//! The hub's writes: each assigns the next offset (and, for messages, the
//! next seq), commits one atomic entry, and queues its answer and event
//! behind the group commit. A failed commit advances nothing.

use super::actor::{error_frame, result_frame, Hub};
use crate::access::Principal;
use crate::idempotency;
use crate::outlet::Outlet;
use crate::store::{ContactRecord, ConversationRecord, Entry, StoreError};
use crate::time::now;
use switchboard_protocol::ids::{ConversationId, RequestId, Seq, UserId};
use switchboard_protocol::model::{Message, NewContact, ReadMarker, Sender};
use switchboard_protocol::server::{Event, Reply, SendAck};
use switchboard_protocol::ErrorCode;

impl Hub<'_> {
    pub(super) fn send(
        &mut self,
        outlet: Outlet,
        request: RequestId,
        conversation: ConversationId,
        client_msg_id: String,
        body: String,
        sender: Sender,
    ) -> Result<(), StoreError> {
        let store = &self.registry.context.store;
        // The key a client_msg_id is unique under: the user's, or the
        // contact's when a bot relays it.
        let user = UserId(sender.id);
        // A retry of a stored send gets the original acknowledgement, once the
        // flush that covers the original has happened.
        if self.answer_retry(&outlet, request, user, Some(&client_msg_id))? {
            return Ok(());
        }
        let seq = self.last_seq(conversation)?.next();
        let offset = self.head.next();
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
        };
        let idempotency = message.client_msg_id.as_deref().map(|id| (user, id));
        if let Err(e) = store.commit(
            self.team,
            offset,
            Entry::Message {
                message: &message,
                idempotency,
            },
        ) {
            outlet.send(&error_frame(request, ErrorCode::Internal, "send failed"));
            return Err(e);
        }
        self.head = offset;
        self.seqs.insert(conversation, seq);
        let reply = result_frame(request, Reply::Sent(ack(&message, false)));
        self.wait_for_flush(Some((outlet, reply)), Some(Event::Message(message)));
        Ok(())
    }

    pub(super) fn start_conversation(
        &mut self,
        outlet: Outlet,
        request: RequestId,
        contact: NewContact,
    ) -> Result<(), StoreError> {
        let store = &self.registry.context.store;
        let at = now();
        let contact = ContactRecord {
            id: store.next_id()?.into(),
            team: self.team,
            name: contact.name,
            email: contact.email,
            phone: contact.phone,
            created_at: at,
        };
        let conversation =
            ConversationRecord::new(store.next_id()?.into(), self.team, contact.id, at);
        let offset = self.head.next();
        if let Err(e) = store.commit(
            self.team,
            offset,
            Entry::ConversationStarted {
                contact: &contact,
                conversation: &conversation,
            },
        ) {
            outlet.send(&error_frame(
                request,
                ErrorCode::Internal,
                "could not start the conversation",
            ));
            return Err(e);
        }
        self.head = offset;
        self.seqs.insert(conversation.id, Seq(0));
        let info = conversation.info(&contact, Seq(0));
        let reply = result_frame(request, Reply::Conversation(info.clone()));
        self.wait_for_flush(
            Some((outlet, reply)),
            Some(Event::ConversationStarted(info)),
        );
        Ok(())
    }

    pub(super) fn mark_read(
        &mut self,
        outlet: Outlet,
        principal: &Principal,
        request: RequestId,
        conversation: ConversationId,
        seq: Seq,
    ) -> Result<(), StoreError> {
        let last = self.last_seq(conversation)?;
        if seq > last {
            let message = format!("seq {seq} is beyond the conversation's last message ({last})");
            outlet.send(&error_frame(request, ErrorCode::BadRequest, &message));
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
            self.wait_for_flush(
                Some((outlet, result_frame(request, Reply::Read(marker)))),
                None,
            );
            return Ok(());
        }
        let marker = ReadMarker {
            conversation,
            user,
            seq,
        };
        let offset = self.head.next();
        if let Err(e) = self
            .registry
            .context
            .store
            .commit(self.team, offset, Entry::Read(&marker))
        {
            outlet.send(&error_frame(
                request,
                ErrorCode::Internal,
                "could not mark as read",
            ));
            return Err(e);
        }
        self.head = offset;
        let reply = result_frame(request, Reply::Read(marker.clone()));
        self.wait_for_flush(Some((outlet, reply)), Some(Event::Read(marker)));
        Ok(())
    }

    /// Answers a retry: if `user` used `key` in this team before, with the
    /// original result marked `duplicate`, behind the flush that covers
    /// the original. Says whether it did.
    pub(super) fn answer_retry(
        &mut self,
        outlet: &Outlet,
        request: RequestId,
        user: UserId,
        key: Option<&str>,
    ) -> Result<bool, StoreError> {
        let Some(key) = key else {
            return Ok(false);
        };
        let store = self.registry.context.store.as_ref();
        match idempotency::original(store, self.team, user, key) {
            Ok(Some(original)) => {
                let reply = idempotency::duplicate(request, original);
                self.wait_for_flush(Some((outlet.clone(), reply)), None);
                Ok(true)
            }
            Ok(None) => Ok(false),
            Err(e) => {
                outlet.send(&error_frame(request, ErrorCode::Internal, "internal error"));
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
