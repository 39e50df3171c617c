//! The sled implementation of [`Store`].
//!
//! Trees, named after what they map (`a ++ b` is the big-endian
//! concatenation of the parts, see `keys`):
//!
//! | tree | key | value |
//! |---|---|---|
//! | `accounts` | account | `AccountRecord` |
//! | `teams` | team | `TeamRecord` |
//! | `team_handles` | lowercase handle | team |
//! | `team_streams` | team | epoch |
//! | `users` | user | `UserRecord` |
//! | `user_emails` | lowercase email | user |
//! | `user_teams` | user ++ team | `Role` |
//! | `tokens` | SHA-256 of the secret | `TokenRecord` |
//! | `contacts` | contact | `ContactRecord` |
//! | `conversations` | conversation | `ConversationRecord` |
//! | `team_conversations` | team ++ conversation | empty |
//! | `team_log` | team ++ offset | `LogRecord` (messages whole) |
//! | `conversation_messages` | conversation ++ seq | team ++ offset |
//! | `client_msg_ids` | team ++ user ++ client_msg_id | conversation ++ seq |
//! | `read_markers` | conversation ++ user | seq |
//! | `meta` | `next_id` | the last id handed out |
//!
//! A message costs three plain inserts, not a multi-tree transaction
//! (sled's transactions are several times slower): first the log record,
//! then its two index entries. sled recovers a prefix of its writes after a
//! crash, so the only damage a crash can do is a log record whose index
//! entries are missing; [`SledStore::open`] repairs those before anything
//! reads them. Indexes are derived data; the log is the record of truth.

use super::keys;
use super::records::{from_bytes, to_bytes};
use super::*;
use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional};
use sled::{Db, Tree};
use std::path::Path;
use switchboard_protocol::ids::ContactId;
use switchboard_protocol::model::SenderKind;

/// The `meta` key of the id counter.
const NEXT_ID: &[u8] = b"next_id";

/// A [`Store`] on a sled database in one folder.
pub struct SledStore {
    db: Db,
    accounts: Tree,
    teams: Tree,
    team_handles: Tree,
    team_streams: Tree,
    users: Tree,
    user_emails: Tree,
    user_teams: Tree,
    tokens: Tree,
    contacts: Tree,
    conversations: Tree,
    team_conversations: Tree,
    conversation_messages: Tree,
    team_log: Tree,
    client_msg_ids: Tree,
    read_markers: Tree,
    meta: Tree,
}

impl SledStore {
    /// Opens (or creates) the store in `dir`.
    pub fn open(dir: &Path) -> StoreResult<SledStore> {
        // Our group committer flushes after every batch of writes; sled's own
        // periodic flush stays on as a second line.
        let db = sled::Config::new()
            .path(dir)
            .mode(sled::Mode::HighThroughput)
            .open()?;
        let tree = |name: &str| db.open_tree(name);
        let store = SledStore {
            accounts: tree("accounts")?,
            teams: tree("teams")?,
            team_handles: tree("team_handles")?,
            team_streams: tree("team_streams")?,
            users: tree("users")?,
            user_emails: tree("user_emails")?,
            user_teams: tree("user_teams")?,
            tokens: tree("tokens")?,
            contacts: tree("contacts")?,
            conversations: tree("conversations")?,
            team_conversations: tree("team_conversations")?,
            conversation_messages: tree("conversation_messages")?,
            team_log: tree("team_log")?,
            client_msg_ids: tree("client_msg_ids")?,
            read_markers: tree("read_markers")?,
            meta: tree("meta")?,
            db,
        };
        store.repair()?;
        Ok(store)
    }

    /// Restores index entries that a crash separated from their log
    /// records. Only a stream's newest records can be affected; the scan of
    /// each stream stops after a run of intact ones.
    fn repair(&self) -> StoreResult<()> {
        const INTACT_RUN: usize = 16;
        let mut repaired = 0usize;
        for item in self.team_streams.iter() {
            let (key, _) = item?;
            let team = keys::read_u64(&key).ok_or_else(|| StoreError::Corrupt {
                what: "team stream",
                detail: format!("key of {} bytes", key.len()),
            })?;
            let mut intact = 0;
            for item in self.team_log.scan_prefix(keys::one(team)).rev() {
                let (key, value) = item?;
                let LogRecord::Message(message) = from_bytes("log record", &value)? else {
                    intact += 1;
                    if intact >= INTACT_RUN {
                        break;
                    }
                    continue;
                };
                if self.index_message(TeamId(team), Offset(keys::second(&key)), &message, true)? {
                    repaired += 1;
                    intact = 0;
                } else {
                    intact += 1;
                    if intact >= INTACT_RUN {
                        break;
                    }
                }
            }
        }
        if repaired > 0 {
            tracing::warn!(
                repaired,
                "restored index entries lost in an unclean shutdown"
            );
        }
        Ok(())
    }

    /// Writes a message's index entries. With `only_missing`, writes nothing
    /// where they exist and says whether anything was written.
    fn index_message(
        &self,
        team: TeamId,
        offset: Offset,
        message: &Message,
        only_missing: bool,
    ) -> StoreResult<bool> {
        let position = keys::two(message.conversation.0, message.seq.0);
        let idempotency = message
            .client_msg_id
            .as_deref()
            // Only users (agents and bots) send with client message ids.
            .filter(|_| matches!(message.sender.kind, SenderKind::Agent | SenderKind::Bot))
            .map(|id| keys::two_and_str(team.0, message.sender.id, id));
        let mut wrote = false;
        if !only_missing || !self.conversation_messages.contains_key(position)? {
            self.conversation_messages
                .insert(position, &keys::two(team.0, offset.0))?;
            wrote = true;
        }
        if let Some(key) = idempotency {
            if !only_missing || !self.client_msg_ids.contains_key(&key)? {
                self.client_msg_ids.insert(key, &position)?;
                wrote = true;
            }
        }
        Ok(wrote)
    }

    /// The message an index entry points at.
    fn indexed_message(&self, pointer: &[u8]) -> StoreResult<Option<Message>> {
        if pointer.len() != 16 {
            return Err(StoreError::Corrupt {
                what: "message index",
                detail: format!("value of {} bytes", pointer.len()),
            });
        }
        match self.team_log.get(pointer)? {
            Some(bytes) => match from_bytes("log record", &bytes)? {
                LogRecord::Message(message) => Ok(Some(message)),
                _ => Err(StoreError::Corrupt {
                    what: "message index",
                    detail: "points at a log record that is not a message".into(),
                }),
            },
            None => Ok(None),
        }
    }

    fn get<T: serde::de::DeserializeOwned>(
        tree: &Tree,
        what: &'static str,
        key: &[u8],
    ) -> StoreResult<Option<T>> {
        tree.get(key)?
            .map(|bytes| from_bytes(what, &bytes))
            .transpose()
    }
}

fn tx_error(e: TransactionError<StoreError>) -> StoreError {
    match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => StoreError::Db(e),
    }
}

impl Store for SledStore {
    fn next_id(&self) -> StoreResult<u64> {
        // A counter of our own rather than sled's generate_id, which skips a
        // million ids at every reopen. The counter's write precedes the
        // write of any record using the id, so a crash can lose both or the
        // record alone, never hand out an id a surviving record holds.
        let next = self
            .meta
            .update_and_fetch(NEXT_ID, |old| {
                let last = old.and_then(keys::read_u64).unwrap_or(0);
                Some(keys::one(last + 1).to_vec())
            })?
            .and_then(|raw| keys::read_u64(&raw));
        next.ok_or_else(|| StoreError::Corrupt {
            what: "id counter",
            detail: "not an 8-byte number".into(),
        })
    }

    fn flush(&self) -> StoreResult<()> {
        self.db.flush()?;
        Ok(())
    }

    fn put_account(&self, account: &AccountRecord) -> StoreResult<()> {
        self.accounts
            .insert(keys::one(account.id.0), to_bytes(account))?;
        Ok(())
    }

    fn account(&self, id: AccountId) -> StoreResult<Option<AccountRecord>> {
        Self::get(&self.accounts, "account", &keys::one(id.0))
    }

    fn put_team(&self, team: &TeamRecord) -> StoreResult<()> {
        let handle = team.handle.to_lowercase();
        let epoch = new_epoch();
        (&self.teams, &self.team_handles, &self.team_streams)
            .transaction(|(teams, handles, streams)| {
                if let Some(owner) = handles.get(handle.as_bytes())? {
                    if keys::read_u64(&owner) != Some(team.id.0) {
                        return Err(ConflictableTransactionError::Abort(StoreError::Taken(
                            format!("team handle {}", team.handle),
                        )));
                    }
                }
                if let Some(old) = teams.get(keys::one(team.id.0))? {
                    let old: TeamRecord =
                        from_bytes("team", &old).map_err(ConflictableTransactionError::Abort)?;
                    handles.remove(old.handle.to_lowercase().as_bytes())?;
                }
                handles.insert(handle.as_bytes(), &keys::one(team.id.0))?;
                teams.insert(&keys::one(team.id.0), to_bytes(team))?;
                if streams.get(keys::one(team.id.0))?.is_none() {
                    streams.insert(&keys::one(team.id.0), &keys::one(epoch.0))?;
                }
                Ok(())
            })
            .map_err(tx_error)
    }

    fn team(&self, id: TeamId) -> StoreResult<Option<TeamRecord>> {
        Self::get(&self.teams, "team", &keys::one(id.0))
    }

    fn put_user(&self, user: &UserRecord) -> StoreResult<()> {
        let email = user.email.to_lowercase();
        (&self.users, &self.user_emails)
            .transaction(|(users, emails)| {
                if let Some(owner) = emails.get(email.as_bytes())? {
                    if keys::read_u64(&owner) != Some(user.id.0) {
                        return Err(ConflictableTransactionError::Abort(StoreError::Taken(
                            format!("email {}", user.email),
                        )));
                    }
                }
                if let Some(old) = users.get(keys::one(user.id.0))? {
                    let old: UserRecord =
                        from_bytes("user", &old).map_err(ConflictableTransactionError::Abort)?;
                    emails.remove(old.email.to_lowercase().as_bytes())?;
                }
                emails.insert(email.as_bytes(), &keys::one(user.id.0))?;
                users.insert(&keys::one(user.id.0), to_bytes(user))?;
                Ok(())
            })
            .map_err(tx_error)
    }

    fn user(&self, id: UserId) -> StoreResult<Option<UserRecord>> {
        Self::get(&self.users, "user", &keys::one(id.0))
    }

    fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        match self.user_emails.get(email.to_lowercase().as_bytes())? {
            Some(id) => match keys::read_u64(&id) {
                Some(id) => self.user(UserId(id)),
                None => Err(StoreError::Corrupt {
                    what: "user email index",
                    detail: format!("value of {} bytes", id.len()),
                }),
            },
            None => Ok(None),
        }
    }

    fn put_membership(&self, team: TeamId, user: UserId, role: Role) -> StoreResult<()> {
        self.user_teams
            .insert(keys::two(user.0, team.0), to_bytes(&role))?;
        Ok(())
    }

    fn memberships(&self, user: UserId) -> StoreResult<Vec<(TeamId, Role)>> {
        self.user_teams
            .scan_prefix(keys::one(user.0))
            .map(|item| {
                let (key, value) = item?;
                Ok((TeamId(keys::second(&key)), from_bytes("role", &value)?))
            })
            .collect()
    }

    fn put_token(&self, hash: &[u8; 32], token: &TokenRecord) -> StoreResult<()> {
        self.tokens.insert(hash, to_bytes(token))?;
        Ok(())
    }

    fn token(&self, hash: &[u8; 32]) -> StoreResult<Option<TokenRecord>> {
        Self::get(&self.tokens, "token", hash)
    }

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
            Entry::ConversationStarted {
                contact,
                conversation,
            } => {
                let info = conversation.info(contact, Seq(0));
                let record = to_bytes(&LogRecord::ConversationStarted(info));
                (
                    &self.contacts,
                    &self.conversations,
                    &self.team_conversations,
                    &self.team_log,
                )
                    .transaction(|(contacts, conversations, listing, log)| {
                        contacts.insert(&keys::one(contact.id.0), to_bytes(contact))?;
                        conversations
                            .insert(&keys::one(conversation.id.0), to_bytes(conversation))?;
                        listing.insert(&keys::two(team.0, conversation.id.0), &[])?;
                        log.insert(&log_key, record.as_slice())?;
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
    ) -> StoreResult<Option<(ConversationId, Seq)>> {
        let key = keys::two_and_str(team.0, user.0, client_msg_id);
        match self.client_msg_ids.get(key)? {
            Some(raw) if raw.len() == 16 => Ok(Some((
                ConversationId(keys::read_u64(&raw[..8]).unwrap_or_default()),
                Seq(keys::second(&raw)),
            ))),
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
}
