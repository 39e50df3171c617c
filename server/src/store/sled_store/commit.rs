//! How each entry of a team's log is written: the log record and the
//! indexes it keeps up to date (see [`Timeline::commit`]).

use super::{book, tx_error, SledStore};
use crate::store::keys;
use crate::store::records::to_bytes;
use crate::store::*;
use sled::transaction::Transactional;

impl SledStore {
    /// Writes one entry of a team's log at `offset`, with its indexes (see
    /// [`Timeline::commit`]).
    pub(super) fn commit_entry(
        &self,
        team: TeamId,
        offset: Offset,
        entry: Entry<'_>,
    ) -> StoreResult<()> {
        let log_key = keys::two(team.0, offset.0);
        match entry {
            Entry::Message {
                message,
                idempotency,
            } => {
                // The log record first: see `sled_store`'s docs for why no
                // transaction is needed.
                let record = to_bytes(&LogRecord::Message(message.clone()));
                self.team_log.insert(log_key, record)?;
                debug_assert!(idempotency.is_none_or(|(user, id)| {
                    user.0 == message.sender.id && Some(id) == message.client_msg_id.as_deref()
                }));
                self.index_message(team, offset, message, false)?;
                Ok(())
            }
            Entry::Command { message, receipt } => {
                // One transaction: the system message (log record and seq
                // index) and the command's receipt, all or nothing, so that
                // a retry finds the key exactly when the command is done.
                let record = to_bytes(&LogRecord::Message(message.clone()));
                let position = keys::two(message.conversation.0, message.seq.0);
                let (key, value) = receipt_entry(team, &position, receipt);
                (
                    &self.team_log,
                    &self.conversation_messages,
                    &self.client_msg_ids,
                )
                    .transaction(|(log, messages, ids)| {
                        log.insert(&log_key, record.as_slice())?;
                        messages.insert(&position, &log_key)?;
                        ids.insert(key.as_slice(), value.as_slice())?;
                        Ok(())
                    })
                    .map_err(tx_error)?;
                if message.status.is_some() {
                    // The conversation's status, derived like an index.
                    self.index_message(team, offset, message, false)?;
                }
                Ok(())
            }
            Entry::ConversationStarted {
                contact,
                conversation,
            } => {
                let info = conversation.info(contact, Seq(0));
                let record = to_bytes(&LogRecord::ConversationStarted(info));
                let mut trees = vec![
                    &self.contacts,
                    &self.conversations,
                    &self.team_conversations,
                    &self.team_log,
                ];
                trees.extend(self.book.all());
                trees
                    .as_slice()
                    .transaction(|v| {
                        // The book's indexes first: they read the old record.
                        Self::index_started(&v[0], &v[4..], contact, conversation.id)?;
                        v[0].insert(&keys::one(contact.id.0), to_bytes(contact))?;
                        v[1].insert(&keys::one(conversation.id.0), to_bytes(conversation))?;
                        v[2].insert(&keys::two(team.0, conversation.id.0), &[])?;
                        v[3].insert(&log_key, record.as_slice())?;
                        Ok(())
                    })
                    .map_err(tx_error)
            }
            Entry::Read(marker) => {
                let record = to_bytes(&LogRecord::Read(marker.clone()));
                let key = keys::two(marker.conversation.0, marker.user.0);
                (&self.read_markers, &self.team_log)
                    .transaction(|(markers, log)| {
                        markers.insert(&key, &keys::one(marker.seq.0))?;
                        log.insert(&log_key, record.as_slice())?;
                        Ok(())
                    })
                    .map_err(tx_error)
            }
            Entry::ContactUpdated { contact, update } => {
                let record = to_bytes(&LogRecord::ContactUpdated(update.clone()));
                let mut trees = vec![&self.contacts, &self.team_log];
                trees.extend(self.book.all());
                trees
                    .as_slice()
                    .transaction(|v| {
                        let old = book::read_contact(&v[0], contact.id)?;
                        book::BookTx::new(&v[2..]).reindex(old.as_ref(), Some(contact))?;
                        v[0].insert(&keys::one(contact.id.0), to_bytes(contact))?;
                        v[1].insert(&log_key, record.as_slice())?;
                        Ok(())
                    })
                    .map_err(tx_error)
            }
            Entry::ContactsImported {
                change,
                record,
                rejects,
            } => self.commit_import(team, offset, change, record, rejects),
            Entry::ContactBook { change, receipt } => {
                self.commit_book(team, offset, change, receipt)
            }
            Entry::Assignees {
                message,
                update,
                receipt,
            } => {
                // One transaction: the conversation's new assignees, the
                // system message (log record and its seq index), the
                // `assignees` record at the next offset and the command's
                // receipt, all or nothing.
                let message_record = to_bytes(&LogRecord::Message(message.clone()));
                let update_record = to_bytes(&LogRecord::Assignees(update.clone()));
                let update_key = keys::two(team.0, offset.next().0);
                let position = keys::two(message.conversation.0, message.seq.0);
                let list = to_bytes(&update.assignees);
                let receipt = receipt.map(|r| receipt_entry(team, &position, r));
                (
                    &self.conversation_assignees,
                    &self.team_log,
                    &self.conversation_messages,
                    &self.client_msg_ids,
                )
                    .transaction(|(assignees, log, messages, ids)| {
                        assignees.insert(&keys::one(update.conversation.0), list.as_slice())?;
                        log.insert(&log_key, message_record.as_slice())?;
                        log.insert(&update_key, update_record.as_slice())?;
                        messages.insert(&position, &log_key)?;
                        if let Some((key, value)) = &receipt {
                            ids.insert(key.as_slice(), value.as_slice())?;
                        }
                        Ok(())
                    })
                    .map_err(tx_error)
            }
            Entry::Delivered {
                message,
                assignees,
                outcome,
                conversation,
                handoff,
                receipt,
            } => {
                // One transaction: the system message (log record and seq
                // index), the assignees (list and record), the `delivered`
                // record, the conversation record, the pending handoff and
                // the command's receipt.
                let message_record = to_bytes(&LogRecord::Message(message.clone()));
                let position = keys::two(message.conversation.0, message.seq.0);
                let mut next = offset.next();
                let assignees = assignees.map(|update| {
                    let key = keys::two(team.0, next.0);
                    next = next.next();
                    (
                        key,
                        to_bytes(&LogRecord::Assignees(update.clone())),
                        to_bytes(&update.assignees),
                    )
                });
                let delivered_key = keys::two(team.0, next.0);
                let delivered_record = to_bytes(&LogRecord::Delivered(outcome.clone()));
                let conversation_record = to_bytes(conversation);
                let handoff =
                    handoff.map(|h| (keys::two(h.to_team.0, h.conversation.0), to_bytes(h)));
                let receipt = receipt.map(|r| receipt_entry(team, &position, r));
                (
                    &self.team_log,
                    &self.conversation_messages,
                    &self.conversation_assignees,
                    &self.conversations,
                    &self.handoffs,
                    &self.client_msg_ids,
                )
                    .transaction(|(log, messages, lists, conversations, handoffs, ids)| {
                        log.insert(&log_key, message_record.as_slice())?;
                        messages.insert(&position, &log_key)?;
                        if let Some((key, record, list)) = &assignees {
                            log.insert(key, record.as_slice())?;
                            lists.insert(&keys::one(conversation.id.0), list.as_slice())?;
                        }
                        log.insert(&delivered_key, delivered_record.as_slice())?;
                        conversations.insert(
                            &keys::one(conversation.id.0),
                            conversation_record.as_slice(),
                        )?;
                        if let Some((key, record)) = &handoff {
                            handoffs.insert(key, record.as_slice())?;
                        }
                        if let Some((key, value)) = &receipt {
                            ids.insert(key.as_slice(), value.as_slice())?;
                        }
                        Ok(())
                    })
                    .map_err(tx_error)
            }
            Entry::HandoffImported {
                handoff,
                contact,
                conversation,
                messages,
            } => {
                // One transaction: the new contact and conversation, every
                // copied message (log record and seq index), and the pending
                // handoff gone, so that it is imported once or not at all.
                let info = conversation.info(contact, Seq(0));
                let started = to_bytes(&LogRecord::ConversationStarted(info));
                let copies: Vec<_> = messages
                    .iter()
                    .map(|m| {
                        (
                            keys::two(team.0, m.offset.0),
                            keys::two(m.conversation.0, m.seq.0),
                            to_bytes(&LogRecord::Message(m.clone())),
                        )
                    })
                    .collect();
                let pending = keys::two(handoff.to_team.0, handoff.conversation.0);
                let mut trees = vec![
                    &self.contacts,
                    &self.conversations,
                    &self.team_conversations,
                    &self.team_log,
                    &self.conversation_messages,
                    &self.handoffs,
                ];
                trees.extend(self.book.all());
                trees
                    .as_slice()
                    .transaction(|v| {
                        let [contacts, conversations, listing, log, index, handoffs] =
                            [&v[0], &v[1], &v[2], &v[3], &v[4], &v[5]];
                        Self::index_started(contacts, &v[6..], contact, conversation.id)?;
                        contacts.insert(&keys::one(contact.id.0), to_bytes(contact))?;
                        conversations
                            .insert(&keys::one(conversation.id.0), to_bytes(conversation))?;
                        listing.insert(&keys::two(team.0, conversation.id.0), &[])?;
                        log.insert(&log_key, started.as_slice())?;
                        for (log_at, position, record) in &copies {
                            log.insert(log_at, record.as_slice())?;
                            index.insert(position, log_at)?;
                        }
                        handoffs.remove(&pending)?;
                        Ok(())
                    })
                    .map_err(tx_error)
            }
            Entry::PostSaved { post, receipt } => self.commit_post(team, log_key, post, receipt),
            Entry::Delivery { message, report } => {
                // The message's own log record (which its seq index points
                // at) is rewritten in place: history then shows the delivery.
                let at = keys::two(team.0, message.offset.0);
                let updated = to_bytes(&LogRecord::Message((*message).clone()));
                let record = to_bytes(&LogRecord::Receipt((*report).clone()));
                self.team_log
                    .transaction(|log| {
                        log.insert(&at, updated.as_slice())?;
                        log.insert(&log_key, record.as_slice())?;
                        Ok(())
                    })
                    .map_err(tx_error)
            }
        }
    }
}

/// A receipt as `client_msg_ids` holds it: under the key a message's id
/// would take, the recording message's position followed by the reply,
/// so that its value is always longer than a message's 16 bytes.
pub(super) fn receipt_entry(
    team: TeamId,
    position: &[u8; 16],
    receipt: Receipt<'_>,
) -> (Vec<u8>, Vec<u8>) {
    let key = keys::two_and_str(team.0, receipt.user.0, receipt.key);
    let mut value = position.to_vec();
    value.extend_from_slice(&to_bytes(receipt.reply));
    (key, value)
}
