//! Running an import: a dry run reads the whole spooled file and stores
//! its report (see `dry`); a real one reads the file a batch at a time
//! from the job's cursor and each batch is handed to the team's hub, which merges
//! it into the book and writes it, with the job's new cursor and counts, as
//! one entry (see `hub/imports.rs`). The hub takes a batch only if it
//! starts at the cursor the store holds, so a batch sent twice (a retry, a
//! second runner) is written once.
//!
//! Invariants:
//! - At most [`RUNNING`] imports read at once on a server; the others
//!   wait for a slot, so imports cannot crowd out the teams' traffic.
//! - A job still `running` in the store when the server starts is resumed
//!   from its stored cursor ([`resume`]); a job whose spooled file is gone
//!   is marked failed, with its counts as far as it got.
//! - The spooled file is deleted once the job is done or failed.

use super::mapping::Columns;
use super::{reader, spool, Imports};
use crate::hub::{HubCommand, HubRequest};
use crate::server::ServerState;
use crate::store::{ImportCursor, Rejection, TransferRecord, TransferStatus};
use std::sync::Arc;
use std::time::Duration;
use switchboard_protocol::ids::TeamId;
use switchboard_protocol::transfer::ImportProgress;
use tokio::sync::oneshot;

/// Rows per batch: one hub write each. Small enough that a batch holds
/// the team's hub (and the runtime thread it runs on) a few milliseconds.
pub(crate) const BATCH_ROWS: usize = 200;
/// Imports reading at once on one server.
pub(crate) const RUNNING: usize = 2;
/// How long a batch the hub refused (busy, writer changing) waits.
const RETRY: Duration = Duration::from_millis(200);
/// Refusals in a row after which the job pauses until the next start.
const PATIENCE: u32 = 300;

/// One batch of an import, as the hub receives it.
pub(crate) struct ImportBatch {
    pub(crate) job: u64,
    /// The cursor the batch starts at: the hub writes it only if the
    /// stored job is there.
    pub(crate) from: ImportCursor,
    /// The cursor after it.
    pub(crate) next: ImportCursor,
    pub(crate) rows: Vec<(u64, super::mapping::RowDraft)>,
    pub(crate) rejects: Vec<Rejection>,
    /// Whether the file ends with this batch.
    pub(crate) end: bool,
}

/// What the hub answers a batch with.
pub(crate) type BatchResult = Result<ImportProgress, BatchRefused>;

/// Why the hub did not write a batch.
#[derive(Debug)]
pub(crate) enum BatchRefused {
    /// Not now (the store is behind, the writer is changing): retry.
    Busy,
    /// The job is not running (removed, finished): stop.
    Stopped(String),
}

/// Starts the import `job` of `team` in the background.
pub(crate) fn start(state: &Arc<ServerState>, team: TeamId, job: u64) {
    let state = Arc::clone(state);
    tokio::spawn(async move {
        let imports: &Imports = &state.edge.imports;
        if !imports.claim(job) {
            return; // Already running here.
        }
        // A slot, or the server stops first: a job waiting here must not
        // hold the server's state past its stop (it resumes at the next
        // start).
        let mut stop = state.stop.clone();
        let slot = tokio::select! {
            slot = imports.slots.clone().acquire_owned() => slot.ok(),
            _ = stop.wait_for(|stopped| *stopped) => None,
        };
        let Some(_slot) = slot else {
            imports.release(job);
            return;
        };
        if let Err(why) = run(&state, team, job).await {
            tracing::warn!(%team, job, error = %why, "import stopped");
        }
        state.edge.imports.release(job);
    });
}

/// Resumes every import a stop left running.
pub(crate) fn resume(state: &Arc<ServerState>) {
    match state.store.running_imports() {
        Ok(jobs) => {
            for job in jobs {
                tracing::info!(team = %job.team, job = job.id, "resuming an import");
                start(state, job.team, job.id);
            }
        }
        Err(e) => tracing::error!(error = %e, "cannot read the imports to resume"),
    }
}

async fn run(state: &Arc<ServerState>, team: TeamId, job: u64) -> Result<(), String> {
    let path = spool::path(&state.config.data_dir, team, job);
    let Some(record) = state.store.transfer(team, job).map_err(|e| e.to_string())? else {
        return Err("no such import".into());
    };
    let Some(import) = record.import.clone() else {
        return Err("not an import".into());
    };
    if record.status != TransferStatus::Running {
        return Ok(());
    }
    let columns = match prepare(state, team, &path, &import.mapping).await {
        Ok(columns) => columns,
        Err(why) => return fail(state, record, why, &path).await,
    };
    if import.dry_run {
        return dry_run(state, record, &path, columns).await;
    }
    let mut cursor = import.cursor;
    let mut refusals = 0;
    loop {
        if *state.stop.borrow() {
            return Ok(());
        }
        let started = std::time::Instant::now();
        let read = {
            let (path, columns) = (path.clone(), columns.clone());
            tokio::task::spawn_blocking(move || reader::batch(&path, cursor, &columns, BATCH_ROWS))
                .await
                .map_err(|e| e.to_string())?
        };
        let batch = match read {
            Ok(batch) => batch,
            Err(why) => {
                let record = current(state, team, job)?;
                return fail(state, record, why, &path).await;
            }
        };
        let next = batch.next;
        let (done, answer) = oneshot::channel();
        let command = HubCommand::ImportBatch {
            batch: Box::new(ImportBatch {
                job,
                from: cursor,
                next,
                rows: batch.rows,
                rejects: batch.rejects,
                end: batch.end,
            }),
            done,
        };
        if state
            .registry
            .dispatch(team, HubRequest::internal(command))
            .await
            .is_err()
        {
            return Ok(()); // The server is stopping: resumed at the next start.
        }
        match answer.await {
            Ok(Ok(progress)) => {
                refusals = 0;
                cursor = next;
                if progress.done {
                    let _ = tokio::fs::remove_file(&path).await;
                    return Ok(());
                }
                // As long again as the batch took (reading it, then the
                // hub writing it): an import takes about half of a core at
                // most, and the other teams (and this team's people) get
                // the rest.
                tokio::time::sleep(started.elapsed()).await;
            }
            Ok(Err(BatchRefused::Stopped(why))) => return Err(why),
            // Refused, or dropped unanswered (the hub stopped): the same
            // batch again, from the stored cursor.
            Ok(Err(BatchRefused::Busy)) | Err(_) => {
                refusals += 1;
                if refusals >= PATIENCE {
                    return Err("the team's hub refused the import for too long".into());
                }
                // The same batch again: the hub writes it once, whether
                // the first try was written or not.
                tokio::time::sleep(RETRY).await;
            }
        }
    }
}

/// A dry run, read whole on the blocking pool (started again from the
/// first row if a stop cut it short: it writes nothing but its report).
async fn dry_run(
    state: &Arc<ServerState>,
    mut record: TransferRecord,
    path: &std::path::Path,
    columns: Columns,
) -> Result<(), String> {
    let Some(import) = record.import.as_mut() else {
        return Err("not an import".into());
    };
    let report = {
        let (store, path) = (Arc::clone(&state.store), path.to_path_buf());
        let (team, job, from) = (record.team, record.id, import.cursor);
        tokio::task::spawn_blocking(move || {
            super::dry::run(store.as_ref(), team, job, &path, from, &columns)
        })
        .await
        .map_err(|e| e.to_string())?
    };
    let report = match report {
        Ok(report) => report,
        Err(why) => return fail(state, record, why, path).await,
    };
    import.progress = report.progress;
    record.status = TransferStatus::Done;
    record.finished_at = Some(crate::time::now());
    let store = state.store.as_ref();
    store
        .put_import_rejects(record.team, record.id, &report.rejects)
        .map_err(|e| e.to_string())?;
    store.put_transfer(&record).map_err(|e| e.to_string())?;
    let _ = tokio::fs::remove_file(path).await;
    Ok(())
}

/// The file's columns under the job's mapping and the team's fields.
async fn prepare(
    state: &Arc<ServerState>,
    team: TeamId,
    path: &std::path::Path,
    mapping: &crate::store::ImportMapping,
) -> Result<Columns, String> {
    let fields = super::book::fields(state.store.as_ref(), team)?;
    let path = path.to_path_buf();
    let (headers, _) = tokio::task::spawn_blocking(move || reader::headers(&path))
        .await
        .map_err(|e| e.to_string())??;
    Columns::new(mapping, &headers, fields)
}

fn current(state: &ServerState, team: TeamId, job: u64) -> Result<TransferRecord, String> {
    (state.store.transfer(team, job).map_err(|e| e.to_string())?).ok_or("no such import".into())
}

/// Marks a job failed for good and removes its file.
async fn fail(
    state: &Arc<ServerState>,
    mut record: TransferRecord,
    why: String,
    path: &std::path::Path,
) -> Result<(), String> {
    record.status = TransferStatus::Failed;
    record.failure = Some(why.clone());
    record.finished_at = Some(crate::time::now());
    state
        .store
        .put_transfer(&record)
        .map_err(|e| e.to_string())?;
    let _ = tokio::fs::remove_file(path).await;
    Err(why)
}
