//! The sled store's imports and exports: `transfers` (team ++ id, the
//! `TransferRecord`), `import_rejects` (team ++ job ++ line, the reason)
//! and `import_mappings` (team, the `ImportMapping`). A real import's
//! batch writes its contacts, its record and its rejected rows in one
//! transaction (see `timeline`, `Entry::ContactsImported`).

use super::SledStore;
use crate::store::keys;
use crate::store::records::{from_bytes, to_bytes};
use crate::store::*;
use sled::{Db, Tree};
use switchboard_protocol::ids::TeamId;

/// The trees of imports and exports.
pub(super) struct TransferTrees {
    pub(super) records: Tree,
    pub(super) rejects: Tree,
    mappings: Tree,
}

impl TransferTrees {
    pub(super) fn open(db: &Db) -> StoreResult<TransferTrees> {
        Ok(TransferTrees {
            records: db.open_tree("transfers")?,
            rejects: db.open_tree("import_rejects")?,
            mappings: db.open_tree("import_mappings")?,
        })
    }
}

/// The `import_rejects` key and value of a rejected row.
pub(super) fn reject_entry(team: TeamId, job: u64, row: &Rejection) -> ([u8; 24], Vec<u8>) {
    (
        keys::three(team.0, job, row.line),
        row.reason.as_bytes().to_vec(),
    )
}

impl Transfers for SledStore {
    fn put_transfer(&self, record: &TransferRecord) -> StoreResult<()> {
        let key = keys::two(record.team.0, record.id);
        self.transfers.records.insert(key, to_bytes(record))?;
        Ok(())
    }

    fn transfer(&self, team: TeamId, id: u64) -> StoreResult<Option<TransferRecord>> {
        Self::get(&self.transfers.records, "transfer", &keys::two(team.0, id))
    }

    fn transfers(
        &self,
        team: TeamId,
        before: Option<u64>,
        limit: usize,
    ) -> StoreResult<Vec<TransferRecord>> {
        let start = keys::two(team.0, 0);
        let end = keys::two(team.0, before.unwrap_or(u64::MAX));
        let mut found = Vec::new();
        for item in self.transfers.records.range(start..end).rev().take(limit) {
            let (_, bytes) = item?;
            found.push(from_bytes("transfer", &bytes)?);
        }
        Ok(found)
    }

    fn running_imports(&self) -> StoreResult<Vec<TransferRecord>> {
        // Every transfer ever made is read: a start-up cost in the
        // thousands at most, against a scan of an index to keep in step.
        let mut found = Vec::new();
        for item in self.transfers.records.iter() {
            let (_, bytes) = item?;
            let record: TransferRecord = from_bytes("transfer", &bytes)?;
            if record.kind == TransferKind::Import && record.status == TransferStatus::Running {
                found.push(record);
            }
        }
        Ok(found)
    }

    fn put_import_rejects(&self, team: TeamId, job: u64, rows: &[Rejection]) -> StoreResult<()> {
        let mut batch = sled::Batch::default();
        for row in rows {
            let (key, value) = reject_entry(team, job, row);
            batch.insert(&key, value);
        }
        self.transfers.rejects.apply_batch(batch)?;
        Ok(())
    }

    fn import_rejects(
        &self,
        team: TeamId,
        job: u64,
        after: u64,
        limit: usize,
    ) -> StoreResult<Vec<Rejection>> {
        let start = keys::three(team.0, job, after.saturating_add(1));
        let end = keys::three(team.0, job.saturating_add(1), 0);
        let mut found = Vec::new();
        for item in self.transfers.rejects.range(start..end).take(limit) {
            let (key, reason) = item?;
            found.push(Rejection {
                line: keys::third(&key),
                reason: String::from_utf8_lossy(&reason).into_owned(),
            });
        }
        Ok(found)
    }

    fn put_import_mapping(&self, team: TeamId, mapping: &ImportMapping) -> StoreResult<()> {
        (self.transfers.mappings).insert(keys::one(team.0), to_bytes(mapping))?;
        Ok(())
    }

    fn import_mapping(&self, team: TeamId) -> StoreResult<Option<ImportMapping>> {
        Self::get(
            &self.transfers.mappings,
            "import mapping",
            &keys::one(team.0),
        )
    }
}

impl SledStore {
    /// Commits a batch of an import: the book write (contacts with their
    /// indexes, the log record), the job's record and its rejected rows,
    /// in one transaction.
    pub(super) fn commit_import(
        &self,
        team: TeamId,
        offset: switchboard_protocol::ids::Offset,
        change: &BookChange,
        record: &TransferRecord,
        rejects: &[Rejection],
    ) -> StoreResult<()> {
        use super::book::{read_contact, BookTx};
        use sled::transaction::Transactional;
        let puts: Vec<_> = change.put.iter().map(|c| (c, to_bytes(c))).collect();
        let log: Vec<_> = (0..)
            .zip(&change.log)
            .map(|(i, r)| (keys::two(team.0, offset.0 + i), to_bytes(r)))
            .collect();
        let job = (keys::two(team.0, record.id), to_bytes(record));
        let rejects: Vec<_> = rejects
            .iter()
            .map(|row| reject_entry(team, record.id, row))
            .collect();
        let mut trees = vec![
            &self.contacts,
            &self.team_log,
            &self.transfers.records,
            &self.transfers.rejects,
        ];
        trees.extend(self.book.all());
        trees
            .as_slice()
            .transaction(|v| {
                let book = BookTx::new(&v[4..]);
                for (contact, bytes) in &puts {
                    let old = read_contact(&v[0], contact.id)?;
                    book.reindex(old.as_ref(), Some(contact))?;
                    v[0].insert(&keys::one(contact.id.0), bytes.as_slice())?;
                }
                for (key, bytes) in &log {
                    v[1].insert(key, bytes.as_slice())?;
                }
                v[2].insert(&job.0, job.1.as_slice())?;
                for (key, reason) in &rejects {
                    v[3].insert(key, reason.as_slice())?;
                }
                Ok(())
            })
            .map_err(super::tx_error)
    }
}
