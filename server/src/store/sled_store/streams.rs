//! What a projection of a replicated log needs of the sled store beyond
//! the storage contract: a team's stream epoch read without creating one,
//! and set from the log rather than drawn at random, so that every node
//! replaying the same log keeps the same epoch.

use super::SledStore;
use crate::store::{keys, StoreError, StoreResult};
use switchboard_protocol::ids::{Epoch, TeamId};

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
}
