//! Bringing contacts in from CSV and taking the team's records out, over
//! HTTP (PROTOCOL.md, "HTTP: imports and exports"; the endpoints are in
//! `http/imports.rs` and `http/exports.rs`, the work is here).
//!
//! The flow of an import: the body is spooled to a file ([`spool`]) under
//! a byte cap; its header line is checked against the mapping
//! ([`mapping`]); a dry run reads the whole file and reports what would
//! happen ([`dry`]); a real run is a job ([`job`]) that reads the file a
//! batch at a time ([`reader`]) and hands each batch to the team's hub,
//! which merges it into the book ([`book`]) and writes contacts, cursor,
//! counts and rejected rows as one entry. Exports ([`export`]) stream the
//! book and the conversations a page at a time.
//!
//! Invariants:
//! - No file is held in memory whole: uploads go to disk a chunk at a
//!   time, and are read back a batch at a time; exports are written a page
//!   at a time through a bounded channel.
//! - A row is imported at most once, even across a crash (the cursor is
//!   written with the batch), and a contact is never doubled: a row whose
//!   phone or email is already in the book, or earlier in the file, is
//!   merged into that contact.
//! - Who may: a team's Owner, Managers and Members; not Restricted
//!   Members, not bots (a bot's token is meant for a channel's traffic,
//!   not for taking the whole book out). Someone outside the team is
//!   answered as for a team that does not exist.
//!
//! On several nodes, the spooled file lives on the node that took the
//! upload, and its job runs there: its batches are written by the team's
//! hub on that node when that node writes the team. A batch is not
//! forwarded to another node (it would carry the rows, not the file); one
//! that reaches a hub which does not write the team is dropped and sent
//! again, and after a minute of that the job waits, still `running`,
//! for the node's next start.

pub(crate) mod book;
pub(crate) mod dry;
pub(crate) mod export;
pub(crate) mod job;
pub(crate) mod mapping;
pub(crate) mod reader;
pub(crate) mod spool;

#[cfg(test)]
mod reader_tests;

pub(crate) use job::resume;

use dashmap::DashSet;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// The imports running on this server.
pub(crate) struct Imports {
    /// Jobs being run here: a job is run by one task at a time.
    running: DashSet<u64>,
    /// One permit per import allowed to read at once.
    slots: Arc<Semaphore>,
}

impl Default for Imports {
    fn default() -> Imports {
        Imports {
            running: DashSet::new(),
            slots: Arc::new(Semaphore::new(job::RUNNING)),
        }
    }
}

impl Imports {
    /// Takes `job` for this task; false if another runs it.
    pub(crate) fn claim(&self, job: u64) -> bool {
        self.running.insert(job)
    }

    pub(crate) fn release(&self, job: u64) {
        self.running.remove(&job);
    }
}
