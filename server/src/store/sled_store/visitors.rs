//! The visitors part of the sled store: `visitors` holds each record
//! under its id; a team is found by handle through `team_handles`.

use super::SledStore;
use crate::store::keys;
use crate::store::records::to_bytes;
use crate::store::*;

impl Visitors for SledStore {
    fn put_visitor(&self, visitor: &VisitorRecord) -> StoreResult<()> {
        self.visitors
            .insert(keys::one(visitor.id.0), to_bytes(visitor))?;
        Ok(())
    }

    fn visitor(&self, id: UserId) -> StoreResult<Option<VisitorRecord>> {
        Self::get(&self.visitors, "visitor", &keys::one(id.0))
    }

    fn team_by_handle(&self, handle: &str) -> StoreResult<Option<TeamId>> {
        let found = self.team_handles.get(handle.to_lowercase().as_bytes())?;
        Ok(found.and_then(|id| keys::read_u64(&id)).map(TeamId))
    }
}
