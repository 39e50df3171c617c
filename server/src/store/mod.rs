//! Storage: the narrow contract the rest of the server needs, with a sled
//! implementation for production and an in-memory one for unit tests.
//!
//! The engine is chosen in one place, [`open`]; everything else holds an
//! `Arc<dyn Store>` and sees engine failures only as
//! [`StoreError::Backend`], which names the engine but not its types.
//! What only one engine can do (sled's offline backup and restore, its
//! deep check) is reached through this module's API, never by naming the
//! engine's type.
//!
//! Invariants every implementation keeps:
//! - [`Timeline::commit`] is atomic: after a crash, an entry is either wholly
//!   present (log record, message, idempotency key) or wholly absent.
//! - Writes become durable only when a later [`Store::flush`] returns, and
//!   then durable against a power cut, not only a crash of the process;
//!   reads see writes at once, flushed or not.
//! - A team's log offsets and a conversation's seqs are assigned by the
//!   team's hub, the only writer of both, so the store never has to
//!   arbitrate between writers.

mod blasts;
mod book;
mod entry;
mod gate;
mod keys;
mod memory;
mod posts;
mod records;
mod signups;
mod sled_store;
mod transfers;
mod visitors;
mod webhooks;

pub use blasts::{BlastRecord, BlastSend, Blasts};
pub use book::{name_words, BookChange, ContactSearch, Contacts};
pub use entry::{Entry, KeyUse, Page, Receipt};
pub use gate::FlushGate;
pub use memory::MemoryStore;
pub use posts::Posts;
pub use records::{
    AccountRecord, BotRecord, ContactRecord, ConversationRecord, GrantRecord, GrantState,
    HandoffRecord, InvitationRecord, LogRecord, MailRecord, StreamHead, TeamRecord, TokenKind,
    TokenRecord, UsageCheckpoint, UserRecord,
};
pub use signups::{Confirmation, SignupConfirmed, SignupRecord, Signups};
pub use sled_store::{BackupReport, CheckReport, SledStore};
pub use transfers::{
    ImportCursor, ImportMapping, ImportState, Rejection, TransferKind, TransferRecord,
    TransferStatus, Transfers,
};
pub use visitors::{VisitorRecord, Visitors};
pub use webhooks::{Webhook, Webhooks};

use switchboard_protocol::ids::{AccountId, ConversationId, Epoch, Offset, Seq, TeamId, UserId};
use switchboard_protocol::model::{Message, Role, SenderKind};

/// What went wrong in the store. Every variant is an internal failure: the
/// caller logs it and answers the user generically.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The storage engine failed (I/O, corruption, a lock held).
    #[error("{engine} failed: {source}")]
    Backend {
        /// Which engine (`sled`, ...).
        engine: &'static str,
        /// The engine's own error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A stored value could not be decoded: the store is corrupt or was
    /// written by an incompatible version.
    #[error("stored {what} could not be decoded: {detail}")]
    Corrupt {
        /// Which kind of record.
        what: &'static str,
        /// The decoder's complaint.
        detail: String,
    },
    /// A uniqueness rule would be broken (an email or handle already taken).
    #[error("{0} is already taken")]
    Taken(String),
    /// A file outside the database (a backup) could not be used.
    #[error("{0}")]
    Io(String),
    /// Records decode but disagree (an index pointing at a missing or
    /// different record): damage a repair cannot undo.
    #[error("the store is inconsistent: {0}")]
    Inconsistent(String),
}

/// The result type of store operations.
pub type StoreResult<T> = Result<T, StoreError>;

/// The storage contract. Object safe: the server holds an `Arc<dyn Store>`.
/// Its parts are [`Directory`] (who is who), [`Grants`] (who was let into
/// which conversation), [`Bots`] (teams' automated clients),
/// [`KeyedWrites`] (creations written with their idempotency receipt),
/// [`Timeline`] (what was said), [`Contacts`] (the teams' contact books),
/// [`Signups`] (sign-ups awaiting their confirmation) and [`Transfers`]
/// (imports and exports), [`Posts`] and [`Blasts`]; bring them into scope to call their methods.
pub trait Store:
    Directory
    + Grants
    + Bots
    + KeyedWrites
    + Timeline
    + Contacts
    + Signups
    + Transfers
    + Posts
    + Blasts
    + Visitors
    + Webhooks
    + Send
    + Sync
    + 'static
{
    /// A fresh id, unique within this store across restarts.
    fn next_id(&self) -> StoreResult<u64>;
    /// Makes every write so far durable, down to the medium (synced, not
    /// only handed to the kernel). Blocking: call it off the runtime.
    fn flush(&self) -> StoreResult<()>;
    /// Writes a consistent copy of the store, while it is in use, to
    /// `file` (which must not exist). Stores that cannot refuse.
    fn backup(&self, file: &std::path::Path) -> StoreResult<BackupReport> {
        Err(StoreError::Io(format!(
            "this store cannot be backed up to {}",
            file.display()
        )))
    }
    /// Reads every record and index and checks that they agree, without
    /// changing anything. Stores that cannot refuse.
    fn check(&self) -> StoreResult<CheckReport> {
        Err(StoreError::Io("this store cannot be checked".into()))
    }
}

/// Opens the store of a data folder: the one place that chooses the
/// storage engine (today sled, repaired and verified on open).
pub fn open(data_dir: &std::path::Path) -> StoreResult<std::sync::Arc<dyn Store>> {
    Ok(std::sync::Arc::new(SledStore::open(data_dir)?))
}

/// Restores the backup `file` into the data folder `dir` (see
/// [`Store::backup`]); `force` replaces a store already there.
pub fn restore(
    file: &std::path::Path,
    dir: &std::path::Path,
    force: bool,
) -> StoreResult<BackupReport> {
    SledStore::restore(file, dir, force)
}

/// Accounts, teams, users, their roles and tokens.
pub trait Directory {
    /// Stores an account (and indexes it under its owner).
    fn put_account(&self, account: &AccountRecord) -> StoreResult<()>;
    /// An account by id.
    fn account(&self, id: AccountId) -> StoreResult<Option<AccountRecord>>;
    /// The accounts a user owns, by id.
    fn accounts_owned(&self, user: UserId) -> StoreResult<Vec<AccountRecord>>;
    /// Stores a team and, the first time, its stream head; indexes it under
    /// its account. Fails with `Taken` if the handle is another team's.
    fn put_team(&self, team: &TeamRecord) -> StoreResult<()>;
    /// A team by id.
    fn team(&self, id: TeamId) -> StoreResult<Option<TeamRecord>>;
    /// The teams of an account, by id.
    fn account_teams(&self, account: AccountId) -> StoreResult<Vec<TeamId>>;
    /// Removes a team from the directory: its record, handle, memberships
    /// (both indexes) and its place in its account; returns what it was.
    /// Its conversations, contacts and log stay on disk but nothing reaches
    /// them any more: every path to a conversation checks its team's access,
    /// and a removed team grants none. The handle may be taken again.
    fn remove_team(&self, id: TeamId) -> StoreResult<Option<TeamRecord>>;
    /// Stores a user; fails with `Taken` if the email or handle is another's.
    fn put_user(&self, user: &UserRecord) -> StoreResult<()>;
    /// A user by id.
    fn user(&self, id: UserId) -> StoreResult<Option<UserRecord>>;
    /// A user by email (case-insensitive).
    fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>>;
    /// Gives a user a role in a team (replacing any previous role), in both
    /// indexes (`user_teams` and `team_users`).
    fn put_membership(&self, team: TeamId, user: UserId, role: Role) -> StoreResult<()>;
    /// Takes a user's role in a team away; returns the role they held.
    fn remove_membership(&self, team: TeamId, user: UserId) -> StoreResult<Option<Role>>;
    /// The teams a user belongs to, with their role in each.
    fn memberships(&self, user: UserId) -> StoreResult<Vec<(TeamId, Role)>>;
    /// The users holding a role in a team, by user id.
    fn team_members(&self, team: TeamId) -> StoreResult<Vec<(UserId, Role)>>;
    /// Stores a token under the hash of its secret.
    fn put_token(&self, hash: &[u8; 32], token: &TokenRecord) -> StoreResult<()>;
    /// A token by the hash of its secret.
    fn token(&self, hash: &[u8; 32]) -> StoreResult<Option<TokenRecord>>;
    /// Deletes a token by the hash of its secret; returns what it was.
    fn delete_token(&self, hash: &[u8; 32]) -> StoreResult<Option<TokenRecord>>;
    /// Stores an invitation under the hash of its one-time token.
    fn put_invitation(&self, hash: &[u8; 32], invitation: &InvitationRecord) -> StoreResult<()>;
    /// Deletes an invitation by the hash of its token; returns what it was.
    /// Taking it is how it is used: two accepts of one token cannot both win.
    fn take_invitation(&self, hash: &[u8; 32]) -> StoreResult<Option<InvitationRecord>>;
    /// Queues a mail in the outbox (`mail_outbox`).
    fn put_mail(&self, mail: &MailRecord) -> StoreResult<()>;
    /// Every mail in the outbox, oldest first.
    fn mails(&self) -> StoreResult<Vec<MailRecord>>;
    /// Up to `limit` tokens whose hash sorts after `after` (from the first
    /// without it), in hash order: how the sweep and a password change walk
    /// every token a page at a time.
    fn tokens_after(
        &self,
        after: Option<&[u8; 32]>,
        limit: usize,
    ) -> StoreResult<Vec<([u8; 32], TokenRecord)>>;
    /// Up to `limit` invitations whose hash sorts after `after`, in hash
    /// order (see [`Directory::tokens_after`]).
    fn invitations_after(
        &self,
        after: Option<&[u8; 32]>,
        limit: usize,
    ) -> StoreResult<Vec<([u8; 32], InvitationRecord)>>;
    /// Up to `limit` mails of the outbox with an id above `after`, oldest
    /// first.
    fn mails_after(&self, after: Option<u64>, limit: usize) -> StoreResult<Vec<MailRecord>>;
    /// Deletes a mail from the outbox; whether it was there.
    fn delete_mail(&self, id: u64) -> StoreResult<bool>;
    /// A team's usage checkpoint (`team_usage`), if one was stored.
    fn usage_checkpoint(&self, team: TeamId) -> StoreResult<Option<UsageCheckpoint>>;
    /// Stores a team's usage checkpoint.
    fn put_usage_checkpoint(&self, team: TeamId, checkpoint: &UsageCheckpoint) -> StoreResult<()>;
}

/// Restricted Members' per-conversation grants, in `conversation_grants`
/// (conversation ++ user, the record) and its index `user_grants`
/// (user ++ conversation); both always list the same grants. A third
/// index, `team_grants` (team ++ conversation ++ user), lists the grants
/// that are not revoked, so that a team's invitations are read a page at
/// a time without visiting its conversations.
pub trait Grants {
    /// Stores a grant (replacing the previous one of that conversation and
    /// user) in both trees at once.
    fn put_grant(&self, grant: &GrantRecord) -> StoreResult<()>;
    /// A user's grant in a conversation, whatever its state.
    fn grant(&self, conversation: ConversationId, user: UserId)
        -> StoreResult<Option<GrantRecord>>;
    /// Every grant of a user, whatever its state, by conversation id.
    fn user_grants(&self, user: UserId) -> StoreResult<Vec<GrantRecord>>;
    /// Every grant of a conversation, whatever its state, by user id.
    fn conversation_grants(&self, conversation: ConversationId) -> StoreResult<Vec<GrantRecord>>;
    /// Up to `limit` of a team's pending and accepted grants, ordered by
    /// conversation then user, from the first after `after`.
    fn team_grants(
        &self,
        team: TeamId,
        after: Option<(ConversationId, UserId)>,
        limit: usize,
    ) -> StoreResult<Vec<GrantRecord>>;
}

/// Teams' bots, in `bots` (bot, the record) and its index `team_bots`
/// (team ++ bot); both always list the same bots. A revoked bot stays,
/// marked `revoked`, so that its messages' sender is still known.
pub trait Bots {
    /// Stores a bot (replacing its previous record) in both trees at once.
    fn put_bot(&self, bot: &BotRecord) -> StoreResult<()>;
    /// A bot by id.
    fn bot(&self, id: UserId) -> StoreResult<Option<BotRecord>>;
    /// Every bot of a team, revoked ones included, by id.
    fn team_bots(&self, team: TeamId) -> StoreResult<Vec<BotRecord>>;
}

/// The requests made outside any team's stream that a client may retry
/// (`create_team`, `add_member`, `create_bot`): each writes what it makes
/// and the [`Receipt`] of the key it was sent with, if any, in one atomic
/// write, so that a crash never leaves the effect without its receipt (a
/// retry would act again) nor a receipt without its effect. The receipt
/// is found by [`Timeline::client_msg`] in the request's scope: the team,
/// or for a team created, its account (`TeamId(account)`; ids of every
/// kind come from one counter, so they never clash).
pub trait KeyedWrites {
    /// Stores a new team as [`Directory::put_team`] does (failing with
    /// `Taken` if the handle is another team's), gives `owner` the Manager
    /// role in it, and keeps `receipt` in the team's account's scope.
    fn create_team(
        &self,
        team: &TeamRecord,
        owner: UserId,
        receipt: Option<Receipt<'_>>,
    ) -> StoreResult<()>;
    /// Gives a user a role in a team as [`Directory::put_membership`]
    /// does, and keeps `receipt` in the team's scope.
    fn add_member(
        &self,
        team: TeamId,
        user: UserId,
        role: Role,
        receipt: Option<Receipt<'_>>,
    ) -> StoreResult<()>;
    /// Stores a new bot as [`Bots::put_bot`] does, and keeps `receipt` in
    /// its team's scope.
    fn create_bot(&self, bot: &BotRecord, receipt: Option<Receipt<'_>>) -> StoreResult<()>;
}

/// Contacts, conversations, and each team's stream of events.
pub trait Timeline {
    /// A contact by id.
    fn contact(
        &self,
        id: switchboard_protocol::ids::ContactId,
    ) -> StoreResult<Option<ContactRecord>>;
    /// A conversation by id.
    fn conversation(&self, id: ConversationId) -> StoreResult<Option<ConversationRecord>>;
    /// A team's conversations, newest first, starting below `before`.
    fn team_conversations(
        &self,
        team: TeamId,
        before: Option<ConversationId>,
        limit: usize,
    ) -> StoreResult<Vec<ConversationRecord>>;

    /// A team's stream epoch and newest offset.
    fn stream_head(&self, team: TeamId) -> StoreResult<StreamHead>;
    /// Writes one entry of a team's stream at `offset`, atomically.
    fn commit(&self, team: TeamId, offset: Offset, entry: Entry<'_>) -> StoreResult<()>;
    /// Up to `limit` log records of a team with offsets in `(after, upto]`.
    fn log_range(
        &self,
        team: TeamId,
        after: Offset,
        upto: Offset,
        limit: usize,
    ) -> StoreResult<Vec<(Offset, LogRecord)>>;
    /// One message.
    fn message(&self, conversation: ConversationId, seq: Seq) -> StoreResult<Option<Message>>;
    /// A page of messages in ascending seq, and whether more lie beyond it.
    fn messages(
        &self,
        conversation: ConversationId,
        page: Page,
        limit: usize,
    ) -> StoreResult<(Vec<Message>, bool)>;
    /// The seq of a conversation's newest message (0 when it has none).
    fn last_seq(&self, conversation: ConversationId) -> StoreResult<Seq>;
    /// What an idempotency key (a `client_msg_id`, a request's `key`) of a
    /// user in a team was first used for, if it was.
    fn client_msg(
        &self,
        team: TeamId,
        user: UserId,
        client_msg_id: &str,
    ) -> StoreResult<Option<KeyUse>>;
    /// A user's read marker in a conversation (0 when unread). A user's
    /// own message moves it too (see [`reader`]).
    fn read_marker(&self, conversation: ConversationId, user: UserId) -> StoreResult<Seq>;
    /// Every read marker in a conversation, by user id: those who have
    /// read nothing have none.
    fn read_markers(&self, conversation: ConversationId) -> StoreResult<Vec<(UserId, Seq)>>;
    /// A conversation's assignees, in the order they were assigned (none
    /// until an `Entry::Assignees` is committed).
    fn assignees(&self, conversation: ConversationId) -> StoreResult<Vec<UserId>>;
    /// The handoffs waiting for a team to import them, by new conversation
    /// id (see [`Entry::Delivered`] and [`Entry::HandoffImported`]).
    fn handoffs(&self, team: TeamId) -> StoreResult<Vec<HandoffRecord>>;
    /// The teams with handoffs waiting, by id.
    fn handoff_teams(&self) -> StoreResult<Vec<TeamId>>;
}

/// The user whose read marker a committed message moves to its seq, if
/// it is further on: its sender, when a person or a bot speaks as
/// itself. Whoever answered has read what they answered, and their own
/// message never counts as unread for them. The move is part of the
/// message's commit (derived data, like its index entries), with no
/// `read` event of its own: the message says it.
pub(crate) fn reader(message: &Message) -> Option<UserId> {
    matches!(message.sender.kind, SenderKind::Agent | SenderKind::Bot)
        .then_some(UserId(message.sender.id))
}

/// Creates a new random stream epoch.
pub(crate) fn new_epoch() -> Epoch {
    // Zero is kept for "no epoch known" on the client side.
    Epoch(rand::random::<u64>() >> 12 | 1)
}

#[cfg(test)]
mod blast_tests;
#[cfg(test)]
mod book_tests;
#[cfg(test)]
mod bot_tests;
#[cfg(test)]
mod contact_tests;
#[cfg(test)]
mod contract_tests;
#[cfg(test)]
mod deliver_tests;
#[cfg(test)]
mod delivery_tests;
#[cfg(test)]
mod grant_tests;
#[cfg(test)]
mod marker_tests;
#[cfg(test)]
mod post_tests;
#[cfg(test)]
mod receipt_tests;
#[cfg(test)]
mod signup_tests;
#[cfg(test)]
mod team_grant_tests;
#[cfg(test)]
mod visitor_tests;
#[cfg(test)]
mod webhook_tests;
