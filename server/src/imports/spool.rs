//! An upload written to a file as it arrives (the spool), so that a CSV of
//! any size up to the cap passes through a buffer of one chunk and never
//! sits in memory whole. The file is synced before the job that reads it
//! is recorded: a job that survives a crash finds its whole file.
//!
//! Files live in `<data>/imports/`, named after the team and the job; the
//! job deletes its file when it finishes.

use axum::body::Body;
use futures::StreamExt;
use std::path::{Path, PathBuf};
use switchboard_protocol::ids::TeamId;
use tokio::io::AsyncWriteExt;

/// Why an upload was not spooled.
#[derive(Debug)]
pub(crate) enum SpoolError {
    /// The body passed the cap (the partial file is removed).
    TooLarge(u64),
    /// The body could not be read from the client.
    Body(String),
    /// The file could not be written.
    Io(std::io::Error),
}

/// The folder of spooled uploads in a data folder.
pub(crate) fn folder(data_dir: &Path) -> PathBuf {
    data_dir.join("imports")
}

/// The spool file of a job.
pub(crate) fn path(data_dir: &Path, team: TeamId, job: u64) -> PathBuf {
    folder(data_dir).join(format!("{}-{job}.csv", team.0))
}

/// Writes `body` to `path`, refusing past `cap` bytes; returns its size.
pub(crate) async fn write(path: &Path, body: Body, cap: u64) -> Result<u64, SpoolError> {
    if let Some(parent) = path.parent() {
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(SpoolError::Io)?;
    }
    let written = copy(path, body, cap).await;
    if written.is_err() {
        // Best effort: a leftover is removed by the next start's sweep.
        let _ = tokio::fs::remove_file(path).await;
    }
    written
}

async fn copy(path: &Path, body: Body, cap: u64) -> Result<u64, SpoolError> {
    let mut file = tokio::fs::File::create(path)
        .await
        .map_err(SpoolError::Io)?;
    let mut stream = body.into_data_stream();
    let mut size = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| SpoolError::Body(e.to_string()))?;
        size += chunk.len() as u64;
        if size > cap {
            return Err(SpoolError::TooLarge(cap));
        }
        file.write_all(&chunk).await.map_err(SpoolError::Io)?;
    }
    file.sync_all().await.map_err(SpoolError::Io)?;
    Ok(size)
}
