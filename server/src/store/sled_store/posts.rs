//! The sled store's posts: `posts` (post, the `PostInfo`) and its index
//! `team_posts` (team ++ post, one byte: the post's status, 0 open and 1
//! closed), written together with the `post_changed` log record and the
//! request's receipt in one transaction, so that a listing filtered by
//! status reads the index alone and opens only the records it returns.

use super::commit::receipt_entry;
use super::{tx_error, SledStore};
use crate::store::keys;
use crate::store::records::{from_bytes, to_bytes};
use crate::store::*;
use sled::transaction::Transactional;
use sled::{Db, Tree};
use switchboard_protocol::content::{PostInfo, PostStatus};
use switchboard_protocol::ids::PostId;

/// The post trees.
pub(super) struct PostTrees {
    posts: Tree,
    team_posts: Tree,
}

impl PostTrees {
    pub(super) fn open(db: &Db) -> StoreResult<PostTrees> {
        Ok(PostTrees {
            posts: db.open_tree("posts")?,
            team_posts: db.open_tree("team_posts")?,
        })
    }
}

/// A status as `team_posts` holds it.
fn status_byte(status: PostStatus) -> u8 {
    match status {
        PostStatus::Open => 0,
        PostStatus::Closed => 1,
    }
}

impl SledStore {
    /// Commits an `Entry::PostSaved` at `log_key`: the record, its index
    /// entry, the log record and the receipt, all or nothing.
    pub(super) fn commit_post(
        &self,
        team: TeamId,
        log_key: [u8; 16],
        post: &PostInfo,
        receipt: Option<Receipt<'_>>,
    ) -> StoreResult<()> {
        let record = to_bytes(post);
        let logged = to_bytes(&LogRecord::PostChanged { post: post.clone() });
        // A request outside any conversation: its receipt's position is 0.
        let receipt = receipt.map(|r| receipt_entry(team, &[0; 16], r));
        let listed = keys::two(post.team.0, post.id.0);
        let status = [status_byte(post.status)];
        (
            &self.posts.posts,
            &self.posts.team_posts,
            &self.team_log,
            &self.client_msg_ids,
        )
            .transaction(|(posts, listing, log, ids)| {
                posts.insert(&keys::one(post.id.0), record.as_slice())?;
                listing.insert(&listed, &status)?;
                log.insert(&log_key, logged.as_slice())?;
                if let Some((key, value)) = &receipt {
                    ids.insert(key.as_slice(), value.as_slice())?;
                }
                Ok(())
            })
            .map_err(tx_error)
    }
}

impl Posts for SledStore {
    fn post(&self, id: PostId) -> StoreResult<Option<PostInfo>> {
        Self::get(&self.posts.posts, "post", &keys::one(id.0))
    }

    fn team_posts(
        &self,
        team: TeamId,
        status: Option<PostStatus>,
        after: Option<PostId>,
        limit: usize,
    ) -> StoreResult<Vec<PostInfo>> {
        let Some(first) = after.map_or(Some(0), |a| a.0.checked_add(1)) else {
            return Ok(Vec::new());
        };
        let wanted = status.map(status_byte);
        let mut out = Vec::new();
        let range = keys::two(team.0, first)..=keys::two(team.0, u64::MAX);
        for item in self.posts.team_posts.range(range) {
            if out.len() >= limit {
                break;
            }
            let (key, value) = item?;
            if wanted.is_some_and(|w| value.first() != Some(&w)) {
                continue;
            }
            let id = keys::second(&key);
            let Some(raw) = self.posts.posts.get(keys::one(id))? else {
                return Err(StoreError::Inconsistent(format!(
                    "team {team} lists post {id}, which is missing"
                )));
            };
            out.push(from_bytes("post", &raw)?);
        }
        Ok(out)
    }
}
