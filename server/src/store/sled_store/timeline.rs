//! The timeline half of the sled store: contacts, conversations, the team
//! logs and their indexes.

use super::{book, tx_error, SledStore};
use crate::store::keys;
use crate::store::records::{from_bytes, to_bytes};
use crate::store::*;
use sled::transaction::Transactional;
use switchboard_protocol::ids::ContactId;

impl Timeline for SledStore {
    fn contact(&self, id: ContactId) -> StoreResult<Option<ContactRecord>> {
        Self::get(&self.contacts, "contact", &keys::one(id.0))
    }

    fn conversation(&self, id: ConversationId) -> StoreResult<Option<ConversationRecord>> {
        Self::get(&self.conversations, "conversation", &keys::one(id.0))
    }

    fn team_conversations(
        &self,
        team: TeamId,
        before: Option<ConversationId>,
        limit: usize,
    ) -> StoreResult<Vec<ConversationRecord>> {
        let start = keys::two(team.0, 0);
        let end = keys::two(team.0, before.map_or(u64::MAX, |c| c.0));
        let mut out = Vec::new();
        for item in self.team_conversations.range(start..end).rev().take(limit) {
            let (key, _) = item?;
            let id = ConversationId(keys::second(&key));
            if let Some(record) = self.conversation(id)? {
                out.push(record);
            }
        }
        Ok(out)
    }

    fn stream_head(&self, team: TeamId) -> StoreResult<StreamHead> {
        let epoch = match self.team_streams.get(keys::one(team.0))? {
            Some(raw) => Epoch(keys::read_u64(&raw).ok_or_else(|| StoreError::Corrupt {
                what: "team stream",
                detail: format!("epoch of {} bytes", raw.len()),
            })?),
            None => {
                // A team without a stream record has no trustworthy history:
                // a fresh epoch makes clients reload instead of trusting offsets.
                let epoch = new_epoch();
                self.team_streams
                    .insert(keys::one(team.0), &keys::one(epoch.0))?;
                epoch
            }
        };
        let last = match self.team_log.scan_prefix(keys::one(team.0)).next_back() {
            Some(item) => Offset(keys::second(&item?.0)),
            None => Offset(0),
        };
        Ok(StreamHead { epoch, last })
    }

    fn commit(&self, team: TeamId, offset: Offset, entry: Entry<'_>) -> StoreResult<()> {
        let log_key = keys::two(team.0, offset.0);
        match entry {
            Entry::Message {
                message,
                idempotency,
            } => {
                // The log record first: see the module docs for why no
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

    fn log_range(
        &self,
        team: TeamId,
        after: Offset,
        upto: Offset,
        limit: usize,
    ) -> StoreResult<Vec<(Offset, LogRecord)>> {
        if upto <= after {
            return Ok(Vec::new());
        }
        let start = keys::two(team.0, after.0 + 1);
        let end = keys::two(team.0, upto.0);
        self.team_log
            .range(start..=end)
            .take(limit)
            .map(|item| {
                let (key, value) = item?;
                Ok((
                    Offset(keys::second(&key)),
                    from_bytes("log record", &value)?,
                ))
            })
            .collect()
    }

    fn message(&self, conversation: ConversationId, seq: Seq) -> StoreResult<Option<Message>> {
        match self
            .conversation_messages
            .get(keys::two(conversation.0, seq.0))?
        {
            Some(pointer) => self.indexed_message(&pointer),
            None => Ok(None),
        }
    }

    fn messages(
        &self,
        conversation: ConversationId,
        page: Page,
        limit: usize,
    ) -> StoreResult<(Vec<Message>, bool)> {
        let c = conversation.0;
        let decode = |item: sled::Result<(sled::IVec, sled::IVec)>| -> StoreResult<Message> {
            let (key, pointer) = item?;
            self.indexed_message(&pointer)?
                .ok_or_else(|| StoreError::Corrupt {
                    what: "message index",
                    detail: format!(
                        "message {}/{} points at a missing log record",
                        keys::read_u64(&key[..8]).unwrap_or_default(),
                        keys::second(&key)
                    ),
                })
        };
        // Read one past the limit to learn whether more remain.
        let mut messages = match page {
            Page::After(seq) => self
                .conversation_messages
                .range(keys::two(c, seq.0.saturating_add(1))..=keys::two(c, u64::MAX))
                .take(limit + 1)
                .map(decode)
                .collect::<StoreResult<Vec<_>>>()?,
            Page::Latest | Page::Before(_) => {
                let end = match page {
                    Page::Before(seq) => seq.0,
                    _ => u64::MAX,
                };
                let mut newest_first = self
                    .conversation_messages
                    .range(keys::two(c, 0)..keys::two(c, end))
                    .rev()
                    .take(limit + 1)
                    .map(decode)
                    .collect::<StoreResult<Vec<_>>>()?;
                newest_first.reverse();
                newest_first
            }
        };
        let more = messages.len() > limit;
        if more {
            match page {
                Page::After(_) => {
                    messages.pop();
                }
                _ => {
                    messages.remove(0);
                }
            }
        }
        Ok((messages, more))
    }

    fn last_seq(&self, conversation: ConversationId) -> StoreResult<Seq> {
        Ok(
            match self
                .conversation_messages
                .scan_prefix(keys::one(conversation.0))
                .next_back()
            {
                Some(item) => Seq(keys::second(&item?.0)),
                None => Seq(0),
            },
        )
    }

    fn client_msg(
        &self,
        team: TeamId,
        user: UserId,
        client_msg_id: &str,
    ) -> StoreResult<Option<KeyUse>> {
        let key = keys::two_and_str(team.0, user.0, client_msg_id);
        match self.client_msg_ids.get(key)? {
            Some(raw) if raw.len() == 16 => Ok(Some(KeyUse::Message {
                conversation: ConversationId(keys::read_u64(&raw[..8]).unwrap_or_default()),
                seq: Seq(keys::second(&raw)),
            })),
            // A receipt: the recording message's position, then the reply.
            Some(raw) if raw.len() > 16 => Ok(Some(KeyUse::Reply(Box::new(from_bytes(
                "command receipt",
                &raw[16..],
            )?)))),
            Some(raw) => Err(StoreError::Corrupt {
                what: "client message id",
                detail: format!("value of {} bytes", raw.len()),
            }),
            None => Ok(None),
        }
    }

    fn read_marker(&self, conversation: ConversationId, user: UserId) -> StoreResult<Seq> {
        Ok(self
            .read_markers
            .get(keys::two(conversation.0, user.0))?
            .and_then(|raw| keys::read_u64(&raw))
            .map_or(Seq(0), Seq))
    }

    fn read_markers(&self, conversation: ConversationId) -> StoreResult<Vec<(UserId, Seq)>> {
        // Keyed conversation ++ user (big-endian): a prefix scan yields
        // them by user id.
        self.read_markers
            .scan_prefix(keys::one(conversation.0))
            .map(|item| {
                let (key, raw) = item?;
                let seq = keys::read_u64(&raw).ok_or_else(|| StoreError::Corrupt {
                    what: "read marker",
                    detail: format!("value of {} bytes", raw.len()),
                })?;
                Ok((UserId(keys::second(&key)), Seq(seq)))
            })
            .collect()
    }

    fn assignees(&self, conversation: ConversationId) -> StoreResult<Vec<UserId>> {
        Ok(Self::get(
            &self.conversation_assignees,
            "conversation assignees",
            &keys::one(conversation.0),
        )?
        .unwrap_or_default())
    }

    fn handoffs(&self, team: TeamId) -> StoreResult<Vec<HandoffRecord>> {
        self.handoffs
            .scan_prefix(keys::one(team.0))
            .map(|item| from_bytes("handoff", &item?.1))
            .collect()
    }

    fn handoff_teams(&self) -> StoreResult<Vec<TeamId>> {
        let mut teams = Vec::new();
        for item in self.handoffs.iter() {
            let (key, _) = item?;
            let team = TeamId(keys::read_u64(&key[..8.min(key.len())]).unwrap_or_default());
            if teams.last() != Some(&team) {
                teams.push(team);
            }
        }
        Ok(teams)
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
