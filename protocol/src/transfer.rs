//! What clients hear of a team's imports: the `import_progress` event,
//! sent to the team's Managers, Members and bots (never to Restricted
//! Members) after every batch an import writes and once when it ends. The
//! imports themselves are HTTP endpoints (PROTOCOL.md, "HTTP: imports and
//! exports"); this event is how a screen shows their progress live.

use serde::{Deserialize, Serialize};

/// How far an import has gone. Counts are cumulative over the whole job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportProgress {
    /// The import job's id (as in `/api/teams/{team}/imports/{job}`).
    pub job: u64,
    /// Data rows read so far (the header line not counted).
    pub lines: u64,
    /// Rows that made a new contact.
    pub created: u64,
    /// Rows merged into a contact that already had one of their phone
    /// numbers or emails (in the book, or earlier in the file).
    pub merged: u64,
    /// Rows refused, each with its line and reason in the job's report.
    pub rejected: u64,
    /// Whether the import has finished.
    pub done: bool,
}
