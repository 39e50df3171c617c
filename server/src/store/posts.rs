//! The storage contract for a team's posts (see
//! `switchboard_protocol::content`).
//!
//! Posts are written only by their team's hub, as [`Entry::PostSaved`]
//! through [`Timeline::commit`], so that a post and its `post_changed`
//! log record (and the request's receipt) land in one atomic write, and
//! so that a cluster's nodes all apply the same writes from the team's
//! stream. This trait is their read side.
//!
//! Invariants every implementation keeps:
//! - A post is listed under its team exactly once, with its current
//!   status (a status filter never misses nor repeats a post).
//! - Pages are in ascending post id; `after` is exclusive.
//!
//! [`Entry::PostSaved`]: super::Entry::PostSaved
//! [`Timeline::commit`]: super::Timeline::commit

use super::StoreResult;
use switchboard_protocol::content::{PostInfo, PostStatus};
use switchboard_protocol::ids::{PostId, TeamId};

/// A team's posts: `posts` (post, the record) and its index `team_posts`
/// (team ++ post, the post's status).
pub trait Posts {
    /// A post by id, whatever its team.
    fn post(&self, id: PostId) -> StoreResult<Option<PostInfo>>;
    /// Up to `limit` posts of a team with an id above `after` (from the
    /// first without it), of `status` if given, by id ascending.
    fn team_posts(
        &self,
        team: TeamId,
        status: Option<PostStatus>,
        after: Option<PostId>,
        limit: usize,
    ) -> StoreResult<Vec<PostInfo>>;
}
