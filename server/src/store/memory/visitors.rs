//! The in-memory store's web chat visitors: one ordered map by id.

use super::MemoryStore;
use crate::store::{StoreResult, VisitorRecord, Visitors};
use switchboard_protocol::ids::{TeamId, UserId};

impl Visitors for MemoryStore {
    fn put_visitor(&self, visitor: &VisitorRecord) -> StoreResult<()> {
        self.lock().visitors.insert(visitor.id, visitor.clone());
        Ok(())
    }

    fn visitor(&self, id: UserId) -> StoreResult<Option<VisitorRecord>> {
        Ok(self.lock().visitors.get(&id).cloned())
    }

    fn team_by_handle(&self, handle: &str) -> StoreResult<Option<TeamId>> {
        let found = (self.lock().teams.values())
            .find(|t| t.handle.eq_ignore_ascii_case(handle))
            .map(|t| t.id);
        Ok(found)
    }
}
