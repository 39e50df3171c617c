//! The in-memory store's timeline: each team's log keyed by (team,
//! offset), and the maps the sled store keeps as indexes (messages,
//! conversations, contacts, client message ids, read markers, assignees,
//! handoffs). A commit updates the log and every map under one lock, so
//! readers never see a log record without its index entries.

use super::MemoryStore;
use crate::store::*;
use switchboard_protocol::ids::ContactId;

impl Timeline for MemoryStore {
    fn contact(&self, id: ContactId) -> StoreResult<Option<ContactRecord>> {
        Ok(self.lock().contacts.get(&id).cloned())
    }

    fn conversation(&self, id: ConversationId) -> StoreResult<Option<ConversationRecord>> {
        Ok(self
            .lock()
            .conversations
            .values()
            .find(|c| c.id == id)
            .cloned())
    }

    fn team_conversations(
        &self,
        team: TeamId,
        before: Option<ConversationId>,
        limit: usize,
    ) -> StoreResult<Vec<ConversationRecord>> {
        let end = before.unwrap_or(ConversationId(u64::MAX));
        Ok(self
            .lock()
            .conversations
            .range((team, ConversationId(0))..(team, end))
            .rev()
            .take(limit)
            .map(|(_, c)| c.clone())
            .collect())
    }

    fn stream_head(&self, team: TeamId) -> StoreResult<StreamHead> {
        let mut inner = self.lock();
        let epoch = *inner.streams.entry(team).or_insert_with(new_epoch);
        let last = inner
            .log
            .range((team, Offset(0))..=(team, Offset(u64::MAX)))
            .next_back()
            .map_or(Offset(0), |(&(_, offset), _)| offset);
        Ok(StreamHead { epoch, last })
    }

    fn commit(&self, team: TeamId, offset: Offset, entry: Entry<'_>) -> StoreResult<()> {
        let mut inner = self.lock();
        let record = match entry {
            Entry::Message {
                message,
                idempotency,
            } => {
                inner
                    .messages
                    .insert((message.conversation, message.seq), message.clone());
                if let Some((user, id)) = idempotency {
                    inner.client_ids.insert(
                        (team, user, id.to_string()),
                        KeyUse::Message {
                            conversation: message.conversation,
                            seq: message.seq,
                        },
                    );
                }
                if let Some(reader) = reader(message) {
                    let marker = inner
                        .markers
                        .entry((message.conversation, reader))
                        .or_default();
                    *marker = (*marker).max(message.seq);
                }
                if let Some(conversation) =
                    inner.conversations.get_mut(&(team, message.conversation))
                {
                    conversation.observe(message);
                }
                LogRecord::Message(message.clone())
            }
            Entry::Command { message, receipt } => {
                inner
                    .messages
                    .insert((message.conversation, message.seq), message.clone());
                keep(&mut inner, team, Some(receipt));
                if let Some(conversation) =
                    inner.conversations.get_mut(&(team, message.conversation))
                {
                    conversation.observe(message);
                }
                LogRecord::Message(message.clone())
            }
            Entry::ConversationStarted {
                contact,
                conversation,
            } => {
                super::book::put(&mut inner, contact);
                inner
                    .conversations
                    .insert((team, conversation.id), conversation.clone());
                LogRecord::ConversationStarted(conversation.info(contact, Seq(0)))
            }
            Entry::Delivery { message, report } => {
                // The message where it stands, and its log record, as sled
                // rewrites it.
                inner
                    .messages
                    .insert((message.conversation, message.seq), (*message).clone());
                inner.log.insert(
                    (team, message.offset),
                    LogRecord::Message((*message).clone()),
                );
                LogRecord::Receipt((*report).clone())
            }
            Entry::Read(marker) => {
                inner
                    .markers
                    .insert((marker.conversation, marker.user), marker.seq);
                LogRecord::Read(marker.clone())
            }
            Entry::ContactUpdated { contact, update } => {
                super::book::put(&mut inner, contact);
                LogRecord::ContactUpdated(update.clone())
            }
            Entry::ContactBook { change, receipt } => {
                keep(&mut inner, team, receipt);
                super::book::apply(&mut inner, team, offset, change);
                return Ok(());
            }
            Entry::ContactsImported {
                change,
                record,
                rejects,
            } => {
                super::book::apply(&mut inner, team, offset, change);
                // The transfers' lock after the main one, as everywhere.
                self.put_transfer(record)?;
                self.put_import_rejects(team, record.id, rejects)?;
                return Ok(());
            }
            Entry::Assignees {
                message,
                update,
                receipt,
            } => {
                keep(&mut inner, team, receipt);
                inner
                    .assignees
                    .insert(update.conversation, update.assignees.clone());
                inner
                    .messages
                    .insert((message.conversation, message.seq), message.clone());
                inner
                    .log
                    .insert((team, offset), LogRecord::Message(message.clone()));
                inner
                    .log
                    .insert((team, offset.next()), LogRecord::Assignees(update.clone()));
                return Ok(());
            }
            Entry::Delivered {
                message,
                assignees,
                outcome,
                conversation,
                handoff,
                receipt,
            } => {
                // One lock: all or nothing, like the sled transaction.
                keep(&mut inner, team, receipt);
                inner
                    .messages
                    .insert((message.conversation, message.seq), message.clone());
                inner
                    .log
                    .insert((team, offset), LogRecord::Message(message.clone()));
                let mut next = offset.next();
                if let Some(update) = assignees {
                    inner
                        .assignees
                        .insert(update.conversation, update.assignees.clone());
                    inner
                        .log
                        .insert((team, next), LogRecord::Assignees(update.clone()));
                    next = next.next();
                }
                inner
                    .log
                    .insert((team, next), LogRecord::Delivered(outcome.clone()));
                inner
                    .conversations
                    .insert((conversation.team, conversation.id), conversation.clone());
                if let Some(handoff) = handoff {
                    inner
                        .handoffs
                        .insert((handoff.to_team, handoff.conversation), handoff.clone());
                }
                return Ok(());
            }
            Entry::HandoffImported {
                handoff,
                contact,
                conversation,
                messages,
            } => {
                super::book::put(&mut inner, contact);
                inner
                    .conversations
                    .insert((team, conversation.id), conversation.clone());
                inner.log.insert(
                    (team, offset),
                    LogRecord::ConversationStarted(conversation.info(contact, Seq(0))),
                );
                for message in messages {
                    inner
                        .messages
                        .insert((message.conversation, message.seq), message.clone());
                    inner
                        .log
                        .insert((team, message.offset), LogRecord::Message(message.clone()));
                }
                inner
                    .handoffs
                    .remove(&(handoff.to_team, handoff.conversation));
                return Ok(());
            }
            Entry::PostSaved { post, receipt } => {
                keep(&mut inner, team, receipt);
                inner.posts.insert((post.team, post.id), post.clone());
                LogRecord::PostChanged { post: post.clone() }
            }
        };
        inner.log.insert((team, offset), record);
        Ok(())
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
        Ok(self
            .lock()
            .log
            .range((team, after.next())..=(team, upto))
            .take(limit)
            .map(|(&(_, offset), record)| (offset, record.clone()))
            .collect())
    }

    fn message(&self, conversation: ConversationId, seq: Seq) -> StoreResult<Option<Message>> {
        Ok(self.lock().messages.get(&(conversation, seq)).cloned())
    }

    fn messages(
        &self,
        conversation: ConversationId,
        page: Page,
        limit: usize,
    ) -> StoreResult<(Vec<Message>, bool)> {
        let inner = self.lock();
        let c = conversation;
        let (mut messages, more): (Vec<Message>, bool) = match page {
            Page::After(seq) => {
                let mut all = inner
                    .messages
                    .range((c, seq.next())..=(c, Seq(u64::MAX)))
                    .map(|(_, m)| m.clone())
                    .take(limit + 1)
                    .collect::<Vec<_>>();
                let more = all.len() > limit;
                all.truncate(limit);
                (all, more)
            }
            Page::Latest | Page::Before(_) => {
                let end = match page {
                    Page::Before(seq) => seq,
                    _ => Seq(u64::MAX),
                };
                let mut newest_first = inner
                    .messages
                    .range((c, Seq(0))..(c, end))
                    .rev()
                    .map(|(_, m)| m.clone())
                    .take(limit + 1)
                    .collect::<Vec<_>>();
                let more = newest_first.len() > limit;
                newest_first.truncate(limit);
                newest_first.reverse();
                (newest_first, more)
            }
        };
        messages.shrink_to_fit();
        Ok((messages, more))
    }

    fn last_seq(&self, conversation: ConversationId) -> StoreResult<Seq> {
        Ok(self
            .lock()
            .messages
            .range((conversation, Seq(0))..=(conversation, Seq(u64::MAX)))
            .next_back()
            .map_or(Seq(0), |(&(_, seq), _)| seq))
    }

    fn client_msg(
        &self,
        team: TeamId,
        user: UserId,
        client_msg_id: &str,
    ) -> StoreResult<Option<KeyUse>> {
        Ok(self
            .lock()
            .client_ids
            .get(&(team, user, client_msg_id.to_string()))
            .cloned())
    }

    fn read_marker(&self, conversation: ConversationId, user: UserId) -> StoreResult<Seq> {
        Ok(self
            .lock()
            .markers
            .get(&(conversation, user))
            .copied()
            .unwrap_or(Seq(0)))
    }

    fn read_markers(&self, conversation: ConversationId) -> StoreResult<Vec<(UserId, Seq)>> {
        let mut markers: Vec<(UserId, Seq)> = self
            .lock()
            .markers
            .iter()
            .filter(|((c, _), _)| *c == conversation)
            .map(|(&(_, user), &seq)| (user, seq))
            .collect();
        markers.sort_unstable_by_key(|&(user, _)| user);
        Ok(markers)
    }

    fn assignees(&self, conversation: ConversationId) -> StoreResult<Vec<UserId>> {
        Ok(self
            .lock()
            .assignees
            .get(&conversation)
            .cloned()
            .unwrap_or_default())
    }

    fn handoffs(&self, team: TeamId) -> StoreResult<Vec<HandoffRecord>> {
        Ok(self
            .lock()
            .handoffs
            .range((team, ConversationId(0))..=(team, ConversationId(u64::MAX)))
            .map(|(_, h)| h.clone())
            .collect())
    }

    fn handoff_teams(&self) -> StoreResult<Vec<TeamId>> {
        let mut teams: Vec<TeamId> = self.lock().handoffs.keys().map(|(t, _)| *t).collect();
        teams.dedup();
        Ok(teams)
    }
}

/// Keeps a command's receipt under its key.
pub(super) fn keep(inner: &mut super::Inner, team: TeamId, receipt: Option<Receipt<'_>>) {
    if let Some(receipt) = receipt {
        inner.client_ids.insert(
            (team, receipt.user, receipt.key.to_string()),
            KeyUse::Reply(Box::new(receipt.reply.clone())),
        );
    }
}
