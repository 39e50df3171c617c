//! The in-memory store's imports and exports: ordered maps under their own
//! lock (taken after the main one when both are needed, never before).

use super::MemoryStore;
use crate::store::*;
use std::collections::BTreeMap;
use switchboard_protocol::ids::TeamId;

/// Transfers by (team, id), rejected rows by (team, job, line), mappings.
#[derive(Default)]
pub(super) struct TransferMaps {
    pub(super) records: BTreeMap<(TeamId, u64), TransferRecord>,
    pub(super) rejects: BTreeMap<(TeamId, u64, u64), String>,
    mappings: BTreeMap<TeamId, ImportMapping>,
}

impl MemoryStore {
    pub(super) fn transfer_maps(&self) -> std::sync::MutexGuard<'_, TransferMaps> {
        // As `lock`: a panic while holding it already failed its test.
        self.transfers.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Transfers for MemoryStore {
    fn put_transfer(&self, record: &TransferRecord) -> StoreResult<()> {
        let mut maps = self.transfer_maps();
        maps.records
            .insert((record.team, record.id), record.clone());
        Ok(())
    }

    fn transfer(&self, team: TeamId, id: u64) -> StoreResult<Option<TransferRecord>> {
        Ok(self.transfer_maps().records.get(&(team, id)).cloned())
    }

    fn transfers(
        &self,
        team: TeamId,
        before: Option<u64>,
        limit: usize,
    ) -> StoreResult<Vec<TransferRecord>> {
        let maps = self.transfer_maps();
        let range = (team, 0)..(team, before.unwrap_or(u64::MAX));
        Ok(maps
            .records
            .range(range)
            .rev()
            .take(limit)
            .map(|(_, r)| r.clone())
            .collect())
    }

    fn running_imports(&self) -> StoreResult<Vec<TransferRecord>> {
        Ok((self.transfer_maps().records.values())
            .filter(|r| r.kind == TransferKind::Import && r.status == TransferStatus::Running)
            .cloned()
            .collect())
    }

    fn put_import_rejects(&self, team: TeamId, job: u64, rows: &[Rejection]) -> StoreResult<()> {
        let mut maps = self.transfer_maps();
        for row in rows {
            maps.rejects
                .insert((team, job, row.line), row.reason.clone());
        }
        Ok(())
    }

    fn import_rejects(
        &self,
        team: TeamId,
        job: u64,
        after: u64,
        limit: usize,
    ) -> StoreResult<Vec<Rejection>> {
        let maps = self.transfer_maps();
        let range = (team, job, after.saturating_add(1))..=(team, job, u64::MAX);
        Ok((maps.rejects.range(range).take(limit))
            .map(|((_, _, line), reason)| Rejection {
                line: *line,
                reason: reason.clone(),
            })
            .collect())
    }

    fn put_import_mapping(&self, team: TeamId, mapping: &ImportMapping) -> StoreResult<()> {
        self.transfer_maps().mappings.insert(team, mapping.clone());
        Ok(())
    }

    fn import_mapping(&self, team: TeamId) -> StoreResult<Option<ImportMapping>> {
        Ok(self.transfer_maps().mappings.get(&team).cloned())
    }
}
