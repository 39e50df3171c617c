//! An account's usage counters, for billing: seats, messages and blasts.
//!
//! Messages are counted from the teams' logs, not on the send path (which
//! stays one write per message): each team keeps a checkpoint in
//! `team_usage` (the last offset counted and the count so far), and a read
//! scans only the log written since, then moves the checkpoint. A
//! checkpoint of another stream epoch is ignored and the count starts over.
//! Only durable records are counted, so the count never includes a message
//! a crash could still take back.

use crate::hub::Registry;
use crate::store::{LogRecord, Store, StoreResult, UsageCheckpoint};
use std::collections::BTreeSet;
use switchboard_protocol::ids::{AccountId, Offset, TeamId};
use switchboard_protocol::manage::UsageInfo;

/// Log records read per scan step.
const SCAN_CHUNK: usize = 1024;

/// Reads an account's usage. Seats are the distinct users holding a role in
/// any team of the account, plus the owner; blasts are those created in
/// its teams (cancelled ones included).
pub(crate) fn account_usage(
    store: &dyn Store,
    registry: &Registry,
    account: AccountId,
) -> StoreResult<Option<UsageInfo>> {
    let Some(record) = store.account(account)? else {
        return Ok(None);
    };
    let mut seats = BTreeSet::from([record.owner]);
    let mut messages = 0u64;
    let mut blasts = 0u64;
    for team in store.account_teams(account)? {
        blasts += store.blast_count(team)?;
        seats.extend(store.team_members(team)?.into_iter().map(|(user, _)| user));
        messages += team_messages(store, registry.durable(team), team)?;
    }
    Ok(Some(UsageInfo {
        account,
        seats: u32::try_from(seats.len()).unwrap_or(u32::MAX),
        messages,
        blasts,
    }))
}

/// The number of message records in a team's log up to its durable offset
/// (`durable`, when a running hub knows it; else everything stored was
/// flushed by an earlier hub or server).
pub(crate) fn team_messages(
    store: &dyn Store,
    durable: Option<Offset>,
    team: TeamId,
) -> StoreResult<u64> {
    let head = store.stream_head(team)?;
    let upto = durable.map_or(head.last, |d| d.min(head.last));
    let start = store
        .usage_checkpoint(team)?
        .filter(|c| c.epoch == head.epoch && c.offset <= upto)
        .unwrap_or(UsageCheckpoint {
            epoch: head.epoch,
            offset: Offset(0),
            messages: 0,
        });
    let mut checkpoint = start;
    let mut pacer = crate::scans::Pacer::new();
    loop {
        pacer.step();
        let records = store.log_range(team, checkpoint.offset, upto, SCAN_CHUNK)?;
        let Some((last, _)) = records.last() else {
            break;
        };
        checkpoint.offset = *last;
        checkpoint.messages += records
            .iter()
            .filter(|(_, r)| matches!(r, LogRecord::Message(_)))
            .count() as u64;
    }
    if checkpoint != start {
        store.put_usage_checkpoint(team, &checkpoint)?;
    }
    Ok(checkpoint.messages)
}
