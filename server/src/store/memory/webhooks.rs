//! The in-memory store's webhook bridges and dead letters: ordered maps.

use super::MemoryStore;
use crate::store::{StoreResult, Webhooks};
use switchboard_protocol::ids::{TeamId, UserId};
use switchboard_protocol::webhook::DeadLetter;

impl Webhooks for MemoryStore {
    fn put_webhook_bridge(&self, bridge: UserId) -> StoreResult<()> {
        self.lock().webhook_bridges.insert(bridge);
        Ok(())
    }

    fn webhook_bridges(&self) -> StoreResult<Vec<UserId>> {
        Ok(self.lock().webhook_bridges.iter().copied().collect())
    }

    fn put_dead_letter(&self, team: TeamId, letter: &DeadLetter) -> StoreResult<()> {
        (self.lock().dead_letters).insert((team, letter.id), letter.clone());
        Ok(())
    }

    fn dead_letter(&self, team: TeamId, id: u64) -> StoreResult<Option<DeadLetter>> {
        Ok(self.lock().dead_letters.get(&(team, id)).cloned())
    }

    fn team_dead_letters(&self, team: TeamId) -> StoreResult<Vec<DeadLetter>> {
        let inner = self.lock();
        let range = inner.dead_letters.range((team, 0)..=(team, u64::MAX));
        Ok(range.map(|(_, letter)| letter.clone()).collect())
    }

    fn remove_dead_letter(&self, team: TeamId, id: u64) -> StoreResult<bool> {
        Ok(self.lock().dead_letters.remove(&(team, id)).is_some())
    }
}
