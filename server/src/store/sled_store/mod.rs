//! The sled implementation of [`Store`].
//!
//! Trees, named after what they map (`a ++ b` is the big-endian
//! concatenation of the parts, see `keys`):
//!
//! | tree | key | value |
//! |---|---|---|
//! | `accounts` | account | `AccountRecord` |
//! | `user_accounts` | owner ++ account | empty |
//! | `teams` | team | `TeamRecord` |
//! | `account_teams` | account ++ team | empty |
//! | `team_handles` | lowercase handle | team |
//! | `team_streams` | team | epoch |
//! | `users` | user | `UserRecord` |
//! | `user_emails` | lowercase email | user |
//! | `user_teams` | user ++ team | `Role` |
//! | `team_users` | team ++ user | `Role` |
//! | `conversation_grants` | conversation ++ user | `GrantRecord` |
//! | `user_grants` | user ++ conversation | empty |
//! | `team_grants` | team ++ conversation ++ user, for grants not revoked | empty |
//! | `bots` | bot | `BotRecord` |
//! | `team_bots` | team ++ bot | empty |
//! | `visitors` | visitor | `VisitorRecord` |
//! | `webhook_bridges` | bot | (empty) |
//! | `dead_letters` | team ++ id | `DeadLetter` |
//! | `tokens` | SHA-256 of the secret | `TokenRecord` |
//! | `invitations` | SHA-256 of the one-time token | `InvitationRecord` |
//! | `mail_outbox` | mail id | `MailRecord` |
//! | `signup_tokens` | SHA-256 of the confirmation token | `SignupRecord` |
//! | `signup_emails` | lowercase email | SHA-256 of its sign-up's token |
//! | `team_usage` | team | `UsageCheckpoint` |
//! | `contacts` | contact | `ContactRecord` |
//! | `conversations` | conversation | `ConversationRecord` |
//! | `team_conversations` | team ++ conversation | empty |
//! | `team_log` | team ++ offset | `LogRecord` (messages whole) |
//! | `conversation_messages` | conversation ++ seq | team ++ offset |
//! | `client_msg_ids` | team ++ user ++ key | conversation ++ seq (a message); its recording message's position (zero for a request outside any stream) ++ `Reply` (a command or request, see `Receipt`) |
//! | `read_markers` | conversation ++ user | seq |
//! | `conversation_assignees` | conversation | its assignees, `[UserId]` |
//! | `handoffs` | receiving team ++ its new conversation | `HandoffRecord` |
//! | `transfers` | team ++ transfer | `TransferRecord` (imports, exports) |
//! | `import_rejects` | team ++ job ++ line | the reason, UTF-8 |
//! | `import_mappings` | team | `ImportMapping` |
//! | `blasts`, `blast_*` | blasts and their recipients, see `blasts` | |
//! | `posts` | post | `PostInfo` |
//! | `team_posts` | team ++ post | the post's status (0 open, 1 closed) |
//! | `contact_*`, `team_contacts` | the contact book's indexes, see `book` | |
//! | `meta` | `next_id` | the last id handed out |
//! | `meta` | `store_id` | the store's identity (see `identity`) |
//! | `meta` | `team_grants` | present once `team_grants` indexes every grant |
//! | `meta` | `contact_book` | present once the book's indexes hold every contact |
//! | `meta` | `applied`, `source` | a projection's log position and log (see `streams`) |
//!
//! A removed team leaves the directory (`teams`, `team_handles`,
//! `account_teams`, both membership indexes) but its `team_streams`,
//! conversations and log stay: nothing reaches them without a team.
//!
//! A message costs three plain inserts, not a multi-tree transaction
//! (sled's transactions are several times slower): first the log record,
//! then its two index entries (and, when the message changed the
//! conversation's status, the conversation record, derived from the
//! message like an index). sled recovers a prefix of its writes after a
//! crash, so the only damage a crash can do is a log record whose index
//! entries are missing; [`SledStore::open`] repairs those before anything
//! reads them. Indexes are derived data; the log is the record of truth.

use crate::store::keys;
use crate::store::records::{from_bytes, to_bytes};
use crate::store::*;

mod backup;
mod book;
mod bots;
mod check;
mod commit;
mod disk;
mod identity;
mod keyed;
mod visitors;
mod webhooks;
pub use backup::BackupReport;
pub use check::CheckReport;
mod blasts;
mod directory;
mod grants;
mod posts;
mod signups;
mod streams;
mod timeline;
mod transfers;
use sled::transaction::TransactionError;
use sled::{Db, Tree};
use std::path::Path;
use switchboard_protocol::model::SenderKind;

/// The `meta` key of the id counter.
const NEXT_ID: &[u8] = b"next_id";

/// A [`Store`] on a sled database in one folder.
pub struct SledStore {
    db: Db,
    accounts: Tree,
    user_accounts: Tree,
    teams: Tree,
    account_teams: Tree,
    team_handles: Tree,
    team_streams: Tree,
    users: Tree,
    user_emails: Tree,
    user_teams: Tree,
    team_users: Tree,
    conversation_grants: Tree,
    user_grants: Tree,
    team_grants: Tree,
    bots: Tree,
    team_bots: Tree,
    visitors: Tree,
    webhook_bridges: Tree,
    dead_letters: Tree,
    tokens: Tree,
    invitations: Tree,
    mail_outbox: Tree,
    team_usage: Tree,
    contacts: Tree,
    conversations: Tree,
    team_conversations: Tree,
    conversation_messages: Tree,
    team_log: Tree,
    client_msg_ids: Tree,
    read_markers: Tree,
    conversation_assignees: Tree,
    handoffs: Tree,
    meta: Tree,
    /// `signup_tokens` and `signup_emails`.
    signups: signups::SignupTrees,
    /// `transfers`, `import_rejects` and `import_mappings`.
    transfers: transfers::TransferTrees,
    /// `blasts` and its `blast_*` trees.
    blasts: blasts::BlastTrees,
    /// `posts` and `team_posts`.
    posts: posts::PostTrees,
    /// The contact book's indexes (see `book`).
    book: book::BookTrees,
    /// The folder's files, synced at every flush (see `disk`).
    files: disk::Files,
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
        let files = disk::Files::open(dir).map_err(|e| sync_error(dir, e))?;
        let tree = |name: &str| db.open_tree(name);
        let store = SledStore {
            accounts: tree("accounts")?,
            user_accounts: tree("user_accounts")?,
            teams: tree("teams")?,
            account_teams: tree("account_teams")?,
            team_handles: tree("team_handles")?,
            team_streams: tree("team_streams")?,
            users: tree("users")?,
            user_emails: tree("user_emails")?,
            user_teams: tree("user_teams")?,
            team_users: tree("team_users")?,
            conversation_grants: tree("conversation_grants")?,
            user_grants: tree("user_grants")?,
            team_grants: tree("team_grants")?,
            bots: tree("bots")?,
            team_bots: tree("team_bots")?,
            visitors: tree("visitors")?,
            webhook_bridges: tree("webhook_bridges")?,
            dead_letters: tree("dead_letters")?,
            tokens: tree("tokens")?,
            invitations: tree("invitations")?,
            mail_outbox: tree("mail_outbox")?,
            team_usage: tree("team_usage")?,
            contacts: tree("contacts")?,
            conversations: tree("conversations")?,
            team_conversations: tree("team_conversations")?,
            conversation_messages: tree("conversation_messages")?,
            team_log: tree("team_log")?,
            client_msg_ids: tree("client_msg_ids")?,
            read_markers: tree("read_markers")?,
            conversation_assignees: tree("conversation_assignees")?,
            handoffs: tree("handoffs")?,
            meta: tree("meta")?,
            signups: signups::SignupTrees::open(&db)?,
            transfers: transfers::TransferTrees::open(&db)?,
            blasts: blasts::BlastTrees::open(&db)?,
            posts: posts::PostTrees::open(&db)?,
            book: book::BookTrees::open(&db)?,
            db,
            files,
        };
        store.check_identity(dir)?;
        store.repair()?;
        store.index_team_grants()?;
        store.index_contact_book()?;
        // The identity file and the repairs, durable before anything reads
        // them.
        store.flush()?;
        let report = store.check()?;
        tracing::info!(dir = %dir.display(), %report, "store checked");
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
            // Users (agents and bots) send with client message ids, and
            // bridging bots relay contacts' messages under the contact's id.
            .filter(|_| {
                matches!(
                    message.sender.kind,
                    SenderKind::Agent | SenderKind::Bot | SenderKind::Contact
                )
            })
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
        if let Some(reader) = reader(message) {
            let key = keys::two(message.conversation.0, reader.0);
            let marker = self
                .read_markers
                .get(key)?
                .and_then(|raw| keys::read_u64(&raw));
            // Markers never move back (a repair may see an older message).
            if marker.is_none_or(|seq| seq < message.seq.0) {
                self.read_markers.insert(key, &keys::one(message.seq.0))?;
                wrote = true;
            }
        }
        if message.status.is_some() {
            // The conversation's status follows the newest message that
            // changed it; an older one (seen again by a repair) changes
            // nothing.
            let key = keys::one(message.conversation.0);
            if let Some(mut conversation) =
                Self::get::<ConversationRecord>(&self.conversations, "conversation", &key)?
            {
                if conversation.observe(message) {
                    self.conversations.insert(key, to_bytes(&conversation))?;
                    wrote = true;
                }
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

fn sync_error(dir: &Path, e: std::io::Error) -> StoreError {
    StoreError::Io(format!(
        "cannot sync the store's files in {}: {e}",
        dir.display()
    ))
}

/// sled's errors, as the engine-neutral [`StoreError::Backend`]: the only
/// place that converts them.
impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> StoreError {
        StoreError::Backend {
            engine: "sled",
            source: Box::new(e),
        }
    }
}

pub(super) fn tx_error(e: TransactionError<StoreError>) -> StoreError {
    match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => e.into(),
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
        // sled hands its buffers to the kernel and waits for the writeback
        // of the log's pages; only the sync after it reaches the medium
        // (see `disk`). Every acknowledgement waits for both.
        self.db.flush()?;
        self.files
            .sync()
            .map_err(|e| sync_error(self.files.dir(), e))
    }

    fn backup(&self, file: &Path) -> StoreResult<BackupReport> {
        SledStore::backup(self, file)
    }

    fn check(&self) -> StoreResult<CheckReport> {
        SledStore::check(self)
    }
}
