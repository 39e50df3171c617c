//! A team's content: job posts and the other kinds of post a team names.
//!
//! A post is a team record (title, body, link, location, status) that the
//! team's Managers, Members and `read_write` bots create and edit; its
//! `kind` is a free word the team chooses (`job` when absent). A message
//! may carry a post: the sender names it by id (`send.post`, or
//! `^post ID [text]`) and the server attaches a [`PostCard`], a snapshot
//! taken when the message was sent, so that whoever reads the message
//! sees the card without reading the team's posts (a Restricted Member
//! may not). Every change to a post is a `post_changed` event carrying the
//! whole post, for the team's people and bots only.
//!
//! Requests: `posts` lists a team's posts a page at a time (by id
//! ascending, optionally of one status), `create_post` and `edit_post`
//! write one (both keyed: a retry with the same `key` is answered with the
//! original result, marked `duplicate`).

use crate::ids::{Millis, PostId, RequestId, TeamId, UserId};
use serde::{Deserialize, Serialize};

/// The kind a post has when none is given.
pub const DEFAULT_KIND: &str = "job";

/// Whether a post is still offered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostStatus {
    /// Offered: the default for a new post.
    #[default]
    Open,
    /// No longer offered. A closed post may still be sent in a message
    /// (the card shows it closed); it stays listed with its status.
    Closed,
}

/// A post as the team sees it (`posts`, `create_post`, `edit_post`,
/// `post_changed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostInfo {
    /// Its id.
    pub id: PostId,
    /// The team it belongs to.
    pub team: TeamId,
    /// What kind of content it is: `job`, or a word the team chose.
    pub kind: String,
    /// Its title; never empty.
    pub title: String,
    /// Its text.
    pub body: String,
    /// A link to more (an application page), if any.
    pub link: Option<String>,
    /// Where it is, if it says.
    pub location: Option<String>,
    /// Whether it is still offered.
    pub status: PostStatus,
    /// Who created it.
    pub created_by: UserId,
    /// When it was created.
    pub created_at: Millis,
    /// When it last changed.
    pub updated_at: Millis,
}

impl PostInfo {
    /// The card a message carries: a snapshot of the post as it is now.
    pub fn card(&self) -> PostCard {
        PostCard {
            id: self.id,
            title: self.title.clone(),
            location: self.location.clone(),
            link: self.link.clone(),
            status: self.status,
        }
    }
}

/// A new post's fields, as a client supplies them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostDraft {
    /// What kind of content (default `job`).
    #[serde(default = "default_kind")]
    pub kind: String,
    /// The title; must not be empty.
    pub title: String,
    /// The text.
    #[serde(default)]
    pub body: String,
    /// A link to more.
    #[serde(default)]
    pub link: Option<String>,
    /// Where it is.
    #[serde(default)]
    pub location: Option<String>,
    /// Open (the default) or closed.
    #[serde(default)]
    pub status: PostStatus,
}

fn default_kind() -> String {
    DEFAULT_KIND.to_string()
}

/// The fields of a post to change: `None` leaves one as it is; an empty
/// `link` or `location` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostPatch {
    /// A new kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// A new title (not empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// A new text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// A new link; empty clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// A new location; empty clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// A new status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<PostStatus>,
}

/// What a message shows of the post it carries: a snapshot taken when the
/// message was sent, never updated afterwards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostCard {
    /// The post.
    pub id: PostId,
    /// Its title, as it was then.
    pub title: String,
    /// Its location, as it was then.
    pub location: Option<String>,
    /// Its link, as it was then.
    pub link: Option<String>,
    /// Its status, as it was then.
    pub status: PostStatus,
}

/// Lists a team's posts, by id ascending, a page at a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posts {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
    /// Only posts of this status; absent: all.
    #[serde(default)]
    pub status: Option<PostStatus>,
    /// Continue after this post (the `next` of the previous page).
    #[serde(default)]
    pub after: Option<PostId>,
    /// The most posts to return (default 50, at most 200).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Creates a post in a team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatePost {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
    /// An idempotency key of the client's choosing (1 to 64 bytes): a
    /// retry with the same key returns the original post marked
    /// `duplicate` and creates nothing again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The post.
    pub post: PostDraft,
}

/// Changes a post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditPost {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
    /// The post.
    pub post: PostId,
    /// An idempotency key of the client's choosing (1 to 64 bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// What to change.
    pub changes: PostPatch,
}

/// A page of a team's posts (the answer to `posts`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostPage {
    /// The posts, by id ascending.
    pub posts: Vec<PostInfo>,
    /// Pass as `after` to get the next page; absent on the last page.
    pub next: Option<PostId>,
}
