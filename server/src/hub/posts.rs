//! The hub's post writes (`create_post`, `edit_post`): like every write of
//! the team, one atomic log entry through the hub's write path (`append`):
//! the post as it now is, logged whole as `post_changed`, with the
//! request's receipt when it was sent with a key. The answer and the
//! event leave once it is durable.
//!
//! The hub is the only writer of its team's posts, so the post it reads
//! before an edit is current, and a new post's id is taken here. A keyed
//! request already carried out is answered with its original post,
//! marked `duplicate`, and writes nothing (see `idempotency`).

use super::actor::Hub;
use super::append::Answer;
use super::ReplyTo;
use crate::store::{Entry, Receipt, StoreError};
use crate::time::now;
use switchboard_protocol::content::{PostDraft, PostInfo, PostPatch};
use switchboard_protocol::ids::{PostId, UserId};
use switchboard_protocol::server::{Event, Reply};
use switchboard_protocol::ErrorCode;

/// A post to write, as the session validated it.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) enum PostSave {
    /// A new post.
    Create(PostDraft),
    /// Changes to a post of the team.
    Edit { post: PostId, changes: PostPatch },
}

impl Hub<'_> {
    pub(super) fn save_post(
        &mut self,
        to: ReplyTo,
        save: PostSave,
        by: UserId,
        key: Option<String>,
    ) -> Result<(), StoreError> {
        if self.answer_retry(&to, by, key.as_deref())? {
            return Ok(());
        }
        let store = &self.registry.context.store;
        let at = now();
        let post = match save {
            PostSave::Create(draft) => {
                let id = match store.next_id() {
                    Ok(id) => PostId(id),
                    Err(e) => {
                        to.refuse(ErrorCode::Internal, "could not create the post");
                        return Err(e);
                    }
                };
                PostInfo {
                    id,
                    team: self.team,
                    kind: draft.kind,
                    title: draft.title,
                    body: draft.body,
                    link: draft.link,
                    location: draft.location,
                    status: draft.status,
                    created_by: by,
                    created_at: at,
                    updated_at: at,
                }
            }
            PostSave::Edit { post, changes } => {
                let current = match store.post(post) {
                    Ok(found) => found.filter(|p| p.team == self.team),
                    Err(e) => {
                        to.refuse(ErrorCode::Internal, "could not edit the post");
                        return Err(e);
                    }
                };
                let Some(mut current) = current else {
                    to.refuse(ErrorCode::NotFound, &format!("no post {post}"));
                    return Ok(());
                };
                apply(&mut current, changes);
                // Never before its last change, whatever the clock did.
                current.updated_at = at.max(current.updated_at);
                current
            }
        };
        let reply = Reply::Post(post.clone());
        let entry = Entry::PostSaved {
            post: &post,
            receipt: key.as_deref().map(|key| Receipt {
                user: by,
                key,
                reply: &reply,
            }),
        };
        let answer = Answer {
            to,
            reply: reply.clone(),
            failure: "could not save the post",
        };
        self.append(entry, vec![Event::PostChanged(post.clone())], Some(answer))
    }
}

/// Applies a patch the session validated: an empty link or location
/// clears it.
fn apply(post: &mut PostInfo, changes: PostPatch) {
    let PostPatch {
        kind,
        title,
        body,
        link,
        location,
        status,
    } = changes;
    if let Some(kind) = kind {
        post.kind = kind;
    }
    if let Some(title) = title {
        post.title = title;
    }
    if let Some(body) = body {
        post.body = body;
    }
    if let Some(link) = link {
        post.link = (!link.is_empty()).then_some(link);
    }
    if let Some(location) = location {
        post.location = (!location.is_empty()).then_some(location);
    }
    if let Some(status) = status {
        post.status = status;
    }
}
