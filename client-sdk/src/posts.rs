//! A team's posts (job posts and the other kinds a team names): listing,
//! creating and editing them, and sending a message that carries one.
//!
//! Creating and editing carry a `key` the client draws for each call and
//! are resent with it after a dropped connection until answered, so a
//! post is created once however often the connection drops (the resend
//! gets the original post). A message that carries a post is a message
//! like any other: resent with its `client_msg_id` until acknowledged.

use crate::client::{unexpected, Client};
use crate::error::Error;
use crate::request::{new_key, Call, Outgoing};
use switchboard_protocol::client::ClientFrame;
use switchboard_protocol::content::{self, PostDraft, PostInfo, PostPage, PostPatch, PostStatus};
use switchboard_protocol::ids::PostId;
use switchboard_protocol::server::{Reply, SendAck};
use switchboard_protocol::{ConversationId, RequestId, TeamId};

/// Which posts [`Client::posts`] lists. The default (all `None`) is the
/// first page of every post, 50 at most.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PostQuery {
    /// Only posts of this status.
    pub status: Option<PostStatus>,
    /// Continue after this post (the `next` of the previous page).
    pub after: Option<PostId>,
    /// The most posts to return (the server's default 50, at most 200).
    pub limit: Option<u32>,
}

/// A request about posts.
#[derive(Debug, Clone)]
pub(crate) enum PostRequest {
    List {
        team: TeamId,
        query: PostQuery,
    },
    Create {
        team: TeamId,
        key: String,
        post: PostDraft,
    },
    Edit {
        team: TeamId,
        post: PostId,
        key: String,
        changes: PostPatch,
    },
}

impl PostRequest {
    /// The frame that carries this request under `id`.
    pub(crate) fn into_frame(self, id: RequestId) -> ClientFrame {
        match self {
            PostRequest::List { team, query } => ClientFrame::Posts(content::Posts {
                id,
                team,
                status: query.status,
                after: query.after,
                limit: query.limit,
            }),
            PostRequest::Create { team, key, post } => {
                ClientFrame::CreatePost(content::CreatePost {
                    id,
                    team,
                    key: Some(key),
                    post,
                })
            }
            PostRequest::Edit {
                team,
                post,
                key,
                changes,
            } => ClientFrame::EditPost(content::EditPost {
                id,
                team,
                post,
                key: Some(key),
                changes,
            }),
        }
    }
}

impl Client {
    /// A page of a team's posts, by id ascending (the team's Managers,
    /// Members and bots; a Restricted Member gets `not_found`).
    pub async fn posts(&self, team: TeamId, query: PostQuery) -> Result<PostPage, Error> {
        match self
            .call(Call::Posts(PostRequest::List { team, query }))
            .await?
        {
            Reply::Posts(page) => Ok(page),
            other => Err(unexpected("posts", &other)),
        }
    }

    /// Creates a post (Managers, Members, `read_write` bots). Subscribers
    /// of the team who are its people or bots receive a `post_changed`
    /// event. Created once, however often the connection drops.
    pub async fn create_post(&self, team: TeamId, post: PostDraft) -> Result<PostInfo, Error> {
        let request = PostRequest::Create {
            team,
            key: new_key(),
            post,
        };
        match self.keyed(Call::Posts(request)).await? {
            Reply::Post(post) => Ok(post),
            other => Err(unexpected("post", &other)),
        }
    }

    /// Changes a post: the fields of `changes` that are set (an empty link
    /// or location clears it). A `post_changed` event follows.
    pub async fn edit_post(
        &self,
        team: TeamId,
        post: PostId,
        changes: PostPatch,
    ) -> Result<PostInfo, Error> {
        let request = PostRequest::Edit {
            team,
            post,
            key: new_key(),
            changes,
        };
        match self.keyed(Call::Posts(request)).await? {
            Reply::Post(post) => Ok(post),
            other => Err(unexpected("post", &other)),
        }
    }

    /// Sends a message carrying a post of the conversation's team: the
    /// stored message holds the post's card as it is now (its `post`
    /// field), and `body` as its text, which may be empty. The same as
    /// sending `^post ID text`. A post of another team is `not_found`.
    pub async fn send_post(
        &self,
        conversation: ConversationId,
        post: PostId,
        body: impl Into<String>,
    ) -> Result<SendAck, Error> {
        let message = Outgoing {
            as_ack: true,
            post: Some(post),
            ..Outgoing::typed(conversation, new_key(), body.into())
        };
        match self.send_frame(message).await? {
            Reply::Sent(ack) => Ok(ack),
            other => Err(unexpected("sent", &other)),
        }
    }
}
