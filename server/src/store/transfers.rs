//! The record of a team's imports and exports ([`TransferRecord`]: who,
//! when, how many), an import's resumable state ([`ImportState`]: its
//! cursor in the spooled file and its counts), the rows it refused
//! ([`Rejection`]), and the column mapping a team saved
//! ([`ImportMapping`]).
//!
//! Invariants:
//! - A real import's cursor, counts and rejected rows change only in the
//!   same atomic write as the contacts of the batch they describe
//!   ([`Entry::ContactsImported`](super::Entry::ContactsImported)): after a
//!   crash the cursor names exactly the rows already in the book, so a
//!   resumed import starts after them and imports no row twice.
//! - A dry run writes its record and its rejected rows only, never a
//!   contact.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use switchboard_protocol::ids::{Millis, TeamId, UserId};
use switchboard_protocol::transfer::ImportProgress;

use super::StoreResult;

/// What a transfer moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferKind {
    /// A CSV of contacts brought in (or, dry, checked).
    Import,
    /// The contact book taken out as CSV.
    ExportContacts,
    /// The conversations and their messages taken out as JSON lines.
    ExportConversations,
}

/// Where a transfer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferStatus {
    /// Started and not finished: an import in this state resumes when the
    /// server starts.
    Running,
    /// Finished.
    Done,
    /// Stopped for good (the spooled file is gone, the team was removed).
    Failed,
}

/// One import or export of a team (`transfers`, team ++ id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferRecord {
    /// Its id, from the store's counter (an import's job id).
    pub id: u64,
    /// The team.
    pub team: TeamId,
    /// What it moved.
    pub kind: TransferKind,
    /// Who started it.
    pub by: UserId,
    /// Their name, as it was then.
    pub by_name: String,
    /// When it started.
    pub at: Millis,
    /// When it finished, once it has.
    pub finished_at: Option<Millis>,
    /// Where it stands.
    pub status: TransferStatus,
    /// How many rows (contacts, conversations) it exported, or for an
    /// import the rows it created or merged.
    pub count: u64,
    /// Why it failed, if it did.
    pub failure: Option<String>,
    /// An import's state; `None` for an export.
    pub import: Option<ImportState>,
}

/// An import's resumable state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportState {
    /// A dry run: counts what would happen and changes nothing.
    pub dry_run: bool,
    /// The mapping it runs with (copied: a later change to the team's
    /// saved mapping does not reach a running import).
    pub mapping: ImportMapping,
    /// The spooled file's size in bytes.
    pub bytes: u64,
    /// Where the next batch starts.
    pub cursor: ImportCursor,
    /// The counts so far (and `done` once finished).
    pub progress: ImportProgress,
}

/// A position in a spooled CSV file: the next row's first byte and line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ImportCursor {
    /// Byte offset of the next unread row (0: the header is still unread).
    pub byte: u64,
    /// Its line number (1-based, as an editor shows it).
    pub line: u64,
}

/// A row an import refused, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// Its line in the file (1-based; the header is line 1).
    pub line: u64,
    /// Why, for people: "bad phone \"12\": ...".
    pub reason: String,
}

/// How a CSV's columns map onto a contact: header -> `name`, `phone`,
/// `email`, `tag`, `tags`, `notes`, `field:<key>` or `ignore`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ImportMapping {
    /// Header (as in the file, trimmed) -> what it holds.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
}

/// Teams' imports and exports, in `transfers` (team ++ id), their rejected
/// rows in `import_rejects` (team ++ job ++ line), and each team's saved
/// mapping in `import_mappings` (team).
pub trait Transfers {
    /// Stores a transfer record (replacing the one of that id).
    fn put_transfer(&self, record: &TransferRecord) -> StoreResult<()>;
    /// A team's transfer by id.
    fn transfer(&self, team: TeamId, id: u64) -> StoreResult<Option<TransferRecord>>;
    /// Up to `limit` of a team's transfers with ids below `before`, newest
    /// first.
    fn transfers(
        &self,
        team: TeamId,
        before: Option<u64>,
        limit: usize,
    ) -> StoreResult<Vec<TransferRecord>>;
    /// Every import still running, of every team, by team then id: what a
    /// starting server resumes.
    fn running_imports(&self) -> StoreResult<Vec<TransferRecord>>;
    /// Stores rows a dry run refused (a real run's go with their batch).
    fn put_import_rejects(&self, team: TeamId, job: u64, rows: &[Rejection]) -> StoreResult<()>;
    /// Up to `limit` rows an import refused, with lines above `after`, by
    /// line.
    fn import_rejects(
        &self,
        team: TeamId,
        job: u64,
        after: u64,
        limit: usize,
    ) -> StoreResult<Vec<Rejection>>;
    /// Saves a team's mapping.
    fn put_import_mapping(&self, team: TeamId, mapping: &ImportMapping) -> StoreResult<()>;
    /// A team's saved mapping, if it saved one.
    fn import_mapping(&self, team: TeamId) -> StoreResult<Option<ImportMapping>>;
}
