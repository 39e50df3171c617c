//! [`NatsStore`]'s posts: written only as `Entry::PostSaved` in a team's
//! batch (through the team log, like every team write), read from this
//! node's projection. A post looked up by id and not found here first
//! catches up with the stream (a post another node's hub created a moment
//! ago is then found); a listing catches up first, as a history read
//! does, so that a post acknowledged on another node is listed here.

use super::store::NatsStore;
use crate::store::*;
use switchboard_protocol::content::{PostInfo, PostStatus};
use switchboard_protocol::ids::{PostId, TeamId};

impl Posts for NatsStore {
    fn post(&self, id: PostId) -> StoreResult<Option<PostInfo>> {
        self.found(|p| p.post(id))
    }

    fn team_posts(
        &self,
        team: TeamId,
        status: Option<PostStatus>,
        after: Option<PostId>,
        limit: usize,
    ) -> StoreResult<Vec<PostInfo>> {
        if let Err(e) = self.node.block(self.node.catch_up()) {
            // What this node holds, rather than nothing, while NATS cannot
            // say what it holds.
            tracing::warn!(error = %e, "a posts listing without catching up");
        }
        self.projection().team_posts(team, status, after, limit)
    }
}
