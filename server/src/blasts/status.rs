//! A blast's record as its runner and its controls change it: the status
//! (`set_status`), the counts read again from the recipients after a
//! crash (`recount`), the replies counted when read (`with_replies`), and
//! the progress event that tells the team (`tell`).
//!
//! Invariant: every read-modify-write of a record here is done under the
//! blast's lock (see the parent module), by the caller.

use super::engine::PAGE;
use crate::hub::HubCommand;
use crate::server::ServerState;
use crate::store::{BlastRecord, StoreError};
use std::sync::Arc;
use switchboard_protocol::blast::{BlastInfo, BlastStatus, RecipientState};
use switchboard_protocol::ids::{BlastId, TeamId};

/// The blast's counts read again from its recipients, stored if they
/// differ: a crash may have stored a recipient without the counts, or
/// the other way round (the caller holds the blast's lock).
pub(crate) fn recount(
    state: &ServerState,
    team: TeamId,
    blast: BlastId,
) -> Result<Option<BlastRecord>, StoreError> {
    let store = &state.store;
    let Some(mut record) = store.blast(team, blast)? else {
        return Ok(None);
    };
    let (mut sent, mut skipped, mut failed) = (0, 0, 0);
    let mut after = None;
    loop {
        let page = store.blast_recipients(team, blast, after, PAGE)?;
        let Some(last) = page.last() else {
            break;
        };
        after = Some(last.contact);
        for r in &page {
            match r.state {
                RecipientState::Sent => sent += 1,
                RecipientState::Skipped => skipped += 1,
                RecipientState::Failed => failed += 1,
                RecipientState::Pending => {}
            }
        }
    }
    let info = &mut record.info;
    if (info.sent, info.skipped, info.failed) != (sent, skipped, failed) {
        (info.sent, info.skipped, info.failed) = (sent, skipped, failed);
        store.put_blast(&record)?;
    }
    Ok(Some(record))
}

/// Changes a blast's status (the caller holds its lock) and tells the
/// team; the record as it now is.
pub(crate) async fn set_status(
    state: &Arc<ServerState>,
    team: TeamId,
    blast: BlastId,
    status: BlastStatus,
) -> Result<Option<BlastInfo>, StoreError> {
    let Some(mut record) = state.store.blast(team, blast)? else {
        return Ok(None);
    };
    if status == BlastStatus::Running {
        // Resumed at the team's rate as it now is.
        if let Some(team) = state.store.team(team)? {
            record.info.rate = team.blast_rate();
        }
    }
    record.info.status = status;
    state.store.put_blast(&record)?;
    let info = with_replies(state, record.info)?;
    tell(state, info.clone()).await;
    Ok(Some(info))
}

/// The blast with its replies counted.
pub(crate) fn with_replies(
    state: &ServerState,
    mut info: BlastInfo,
) -> Result<BlastInfo, StoreError> {
    info.replies = state.store.blast_reply_count(info.team, info.id)?;
    Ok(info)
}

/// Hands a progress event to the team's hub (dropped if the server is
/// stopping: the record has the counts).
pub(crate) async fn tell(state: &Arc<ServerState>, info: BlastInfo) {
    let command = HubCommand::BlastProgress(Box::new(info.clone()));
    let request = crate::hub::HubRequest::internal(command);
    let _ = state.registry.dispatch(info.team, request).await;
}
