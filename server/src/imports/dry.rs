//! A dry run: the whole spooled file read as the real run would read it,
//! each row classed as would-create, would-merge or rejected, and nothing
//! written but the run's own record and its rejected rows.
//!
//! Duplicates inside the file are found with a set of the phones and
//! emails seen so far: memory grows with the file's distinct identifiers
//! (a few tens of bytes each), never with the file itself. The real run
//! needs no such set: the book, written batch by batch, is its memory.
//!
//! Blocking (file and store reads): called from `spawn_blocking`.

use super::mapping::Columns;
use super::{book, job::BATCH_ROWS, reader};
use crate::store::{ImportCursor, Rejection, Store};
use std::collections::HashSet;
use std::path::Path;
use switchboard_protocol::ids::TeamId;
use switchboard_protocol::transfer::ImportProgress;

/// Rejected rows a dry run keeps for its report (all are counted).
pub(crate) const KEPT_REJECTS: usize = 1000;

/// What a dry run found.
pub(crate) struct DryRun {
    pub(crate) progress: ImportProgress,
    /// The first [`KEPT_REJECTS`] rejected rows.
    pub(crate) rejects: Vec<Rejection>,
}

/// Reads the file from `from` to its end.
pub(crate) fn run(
    store: &dyn Store,
    team: TeamId,
    job: u64,
    path: &Path,
    from: ImportCursor,
    columns: &Columns,
) -> Result<DryRun, String> {
    let mut seen: HashSet<String> = HashSet::new();
    let mut report = DryRun {
        progress: ImportProgress {
            job,
            lines: 0,
            created: 0,
            merged: 0,
            rejected: 0,
            done: false,
        },
        rejects: Vec::new(),
    };
    let mut cursor = from;
    loop {
        let batch = reader::batch(path, cursor, columns, BATCH_ROWS)?;
        report.progress.lines += batch.lines();
        report.progress.rejected += batch.rejects.len() as u64;
        let room = KEPT_REJECTS.saturating_sub(report.rejects.len());
        report.rejects.extend(batch.rejects.into_iter().take(room));
        for (_, draft) in &batch.rows {
            let identifiers = draft.phones.iter().chain(&draft.emails);
            let mut known = false;
            for id in identifiers {
                known |= seen.contains(id.as_str())
                    || book::holder(store, team, id)
                        .map_err(|e| e.to_string())?
                        .is_some();
                seen.insert(id.clone());
            }
            if known {
                report.progress.merged += 1;
            } else {
                report.progress.created += 1;
            }
        }
        cursor = batch.next;
        if batch.end {
            report.progress.done = true;
            return Ok(report);
        }
    }
}
