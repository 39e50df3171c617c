//! The memory store's posts: one map by team then id, so that a team's
//! posts are one range in id order, as the sled store's `team_posts`.

use super::MemoryStore;
use crate::store::*;
use switchboard_protocol::content::{PostInfo, PostStatus};
use switchboard_protocol::ids::PostId;

impl Posts for MemoryStore {
    fn post(&self, id: PostId) -> StoreResult<Option<PostInfo>> {
        let inner = self.lock();
        Ok(inner.posts.values().find(|p| p.id == id).cloned())
    }

    fn team_posts(
        &self,
        team: TeamId,
        status: Option<PostStatus>,
        after: Option<PostId>,
        limit: usize,
    ) -> StoreResult<Vec<PostInfo>> {
        let inner = self.lock();
        let Some(first) = after.map_or(Some(0), |a| a.0.checked_add(1)) else {
            return Ok(Vec::new());
        };
        Ok(inner
            .posts
            .range((team, PostId(first))..=(team, PostId(u64::MAX)))
            .map(|(_, post)| post)
            .filter(|post| status.is_none_or(|s| post.status == s))
            .take(limit)
            .cloned()
            .collect())
    }
}
