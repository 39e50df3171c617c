//! The storage contract's imports and exports over the cluster's stream:
//! writes are published as ops like every directory write, reads are
//! served by this node's projection. A real import's batches travel inside
//! the team's log (`OwnedEntry::ContactsImported`), not here.

use super::ops::Op;
use super::store::NatsStore;
use crate::store::*;
use switchboard_protocol::ids::TeamId;

impl Transfers for NatsStore {
    fn put_transfer(&self, record: &TransferRecord) -> StoreResult<()> {
        self.done(Op::PutTransfer(record.clone()))
    }

    fn transfer(&self, team: TeamId, id: u64) -> StoreResult<Option<TransferRecord>> {
        self.found(|p| p.transfer(team, id))
    }

    fn transfers(
        &self,
        team: TeamId,
        before: Option<u64>,
        limit: usize,
    ) -> StoreResult<Vec<TransferRecord>> {
        self.projection().transfers(team, before, limit)
    }

    fn running_imports(&self) -> StoreResult<Vec<TransferRecord>> {
        self.projection().running_imports()
    }

    fn put_import_rejects(&self, team: TeamId, job: u64, rows: &[Rejection]) -> StoreResult<()> {
        self.done(Op::PutImportRejects {
            team,
            job,
            rows: rows.to_vec(),
        })
    }

    fn import_rejects(
        &self,
        team: TeamId,
        job: u64,
        after: u64,
        limit: usize,
    ) -> StoreResult<Vec<Rejection>> {
        self.projection().import_rejects(team, job, after, limit)
    }

    fn put_import_mapping(&self, team: TeamId, mapping: &ImportMapping) -> StoreResult<()> {
        self.done(Op::PutImportMapping {
            team,
            mapping: mapping.clone(),
        })
    }

    fn import_mapping(&self, team: TeamId) -> StoreResult<Option<ImportMapping>> {
        self.found(|p| p.import_mapping(team))
    }
}
