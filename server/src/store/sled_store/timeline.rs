//! The timeline half of the sled store: contacts, conversations, the team
//! logs and their indexes.

use super::SledStore;
use crate::store::keys;
use crate::store::records::from_bytes;
use crate::store::*;
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
        self.commit_entry(team, offset, entry)
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
