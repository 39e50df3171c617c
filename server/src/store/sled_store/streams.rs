//! What a projection of a replicated log needs of the sled store beyond
//! the storage contract: a team's stream epoch read without creating one,
//! and set from the log rather than drawn at random, so that every node
//! replaying the same log keeps the same epoch; the log's position the
//! projection has applied, and which log it is a projection of, so that a
//! restarted node resumes where it got to.
//!
//! Invariant: the applied position never runs ahead of the writes of the
//! ops it covers. It is written after each op's writes, and sled recovers
//! a prefix of its writes in order after a crash (its own crash tests,
//! `tests/test_crash_recovery.rs` in sled 0.34, check that the recovered
//! tree is a prefix of what was written, a batch or a transaction whole
//! or not at all); so at most the op after it is applied again, on top of
//! part of its own writes.

use super::{SledStore, NEXT_ID};
use crate::store::{keys, StoreError, StoreResult};
use sled::transaction::{ConflictableTransactionError, TransactionError};
use switchboard_protocol::ids::{Epoch, TeamId};

/// A tree's records, keys and values, in order.
#[cfg(test)]
pub(crate) type Records = Vec<(Vec<u8>, Vec<u8>)>;

/// The `meta` key of the log position applied.
const APPLIED: &[u8] = b"applied";
/// The `meta` key naming the log the projection was made from.
const SOURCE: &[u8] = b"source";

impl SledStore {
    /// A team's stream epoch, if it has one (never creates one, unlike
    /// `stream_head`).
    pub(crate) fn stream_epoch(&self, team: TeamId) -> StoreResult<Option<Epoch>> {
        self.team_streams
            .get(keys::one(team.0))?
            .map(|raw| {
                keys::read_u64(&raw)
                    .map(Epoch)
                    .ok_or_else(|| StoreError::Corrupt {
                        what: "team stream",
                        detail: format!("epoch of {} bytes", raw.len()),
                    })
            })
            .transpose()
    }

    /// Gives a team's stream `epoch` unless it already has one: the first
    /// epoch the log names wins, on every node alike.
    pub(crate) fn keep_epoch(&self, team: TeamId, epoch: Epoch) -> StoreResult<()> {
        // A failed swap means an epoch is there already, which is kept.
        let _kept = self.team_streams.compare_and_swap(
            keys::one(team.0),
            None as Option<&[u8]>,
            Some(&keys::one(epoch.0)[..]),
        )?;
        Ok(())
    }

    /// The log position applied last, if any.
    pub(crate) fn applied_position(&self) -> StoreResult<Option<u64>> {
        self.meta
            .get(APPLIED)?
            .map(|raw| {
                keys::read_u64(&raw).ok_or_else(|| StoreError::Corrupt {
                    what: "applied position",
                    detail: format!("{} bytes", raw.len()),
                })
            })
            .transpose()
    }

    /// Records that the op at `position` is applied: written after the
    /// op's own writes (see the module docs).
    pub(crate) fn keep_applied(&self, position: u64) -> StoreResult<()> {
        self.meta.insert(APPLIED, &keys::one(position))?;
        Ok(())
    }

    /// Which log the projection was made from, as [`keep_source`] named it.
    ///
    /// [`keep_source`]: SledStore::keep_source
    pub(crate) fn source(&self) -> StoreResult<Option<Vec<u8>>> {
        Ok(self.meta.get(SOURCE)?.map(|raw| raw.to_vec()))
    }

    /// Names the log the projection is made from, before any of its ops
    /// is applied.
    pub(crate) fn keep_source(&self, source: &[u8]) -> StoreResult<()> {
        self.meta.insert(SOURCE, source)?;
        Ok(())
    }

    /// Reserves `count` ids for the op at `position` and returns the first:
    /// the counter and the applied position move in one transaction, so
    /// that a reservation is never applied twice (a counter moved again
    /// would hand a block some other node already holds).
    pub(crate) fn reserve_ids(&self, count: u64, position: u64) -> StoreResult<u64> {
        self.meta
            .transaction(|meta| {
                let last = match meta.get(NEXT_ID)? {
                    Some(raw) => keys::read_u64(&raw).ok_or_else(|| {
                        ConflictableTransactionError::Abort(StoreError::Corrupt {
                            what: "id counter",
                            detail: "not an 8-byte number".into(),
                        })
                    })?,
                    None => 0,
                };
                if meta.get(APPLIED)?.as_deref() == Some(&keys::one(position)[..]) {
                    // Applied already, and the newest op applied: the block
                    // ends at the counter.
                    return Ok(last + 1 - count);
                }
                meta.insert(NEXT_ID, &keys::one(last + count))?;
                meta.insert(APPLIED, &keys::one(position))?;
                Ok(last + 1)
            })
            .map_err(|e: TransactionError<StoreError>| super::tx_error(e))
    }

    /// Every tree's records but the store's identity, for tests comparing
    /// two projections.
    #[cfg(test)]
    pub(crate) fn contents(&self) -> Vec<(Vec<u8>, Records)> {
        let mut trees = Vec::new();
        for name in self.db.tree_names() {
            let tree = self.db.open_tree(&name).expect("a listed tree opens");
            let records = tree
                .iter()
                .map(|item| item.expect("a record reads"))
                .filter(|(key, _)| !(&*name == b"meta" && &**key == b"store_id"))
                .map(|(key, value)| (key.to_vec(), value.to_vec()))
                .collect();
            trees.push((name.to_vec(), records));
        }
        trees
    }
}
