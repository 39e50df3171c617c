//! The in-memory store's bots: one ordered map by id; a team's bots are
//! found by scanning it, which is fine for test-sized data.

use super::MemoryStore;
use crate::store::{BotRecord, Bots, StoreResult};
use switchboard_protocol::ids::{TeamId, UserId};

impl Bots for MemoryStore {
    fn put_bot(&self, bot: &BotRecord) -> StoreResult<()> {
        self.lock().bots.insert(bot.id, bot.clone());
        Ok(())
    }

    fn bot(&self, id: UserId) -> StoreResult<Option<BotRecord>> {
        Ok(self.lock().bots.get(&id).cloned())
    }

    fn team_bots(&self, team: TeamId) -> StoreResult<Vec<BotRecord>> {
        // Keys sort by id, so this is in id order.
        Ok((self.lock().bots.values())
            .filter(|b| b.team == team)
            .cloned()
            .collect())
    }
}
