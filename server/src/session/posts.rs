//! A team's posts: `posts` (a page, optionally of one status), and
//! `create_post` / `edit_post`, validated here and written by the team's
//! hub, which answers once the change is durable.
//!
//! Access goes through `Principal::allows`: `ReadPosts` to list (the
//! team's Managers, Members and bots), `WritePosts` to write (Managers,
//! Members, `read_write` bots). A Restricted Member is answered
//! `not_found` for the team, as an outsider is: a message's card is all
//! they see of a post, and they may not attach one to a message. A post
//! of another team reads as missing.
//!
//! Fields are checked before anything is written, each refusal naming the
//! field and the rule: a title of 1 to 200 bytes (trimmed), a body of at
//! most 8,000 bytes, a location of at most 200, a kind of 1 to 32
//! lowercase letters, digits, `-` or `_`, and a link that is an `http` or
//! `https` URL of at most 2,048 bytes (clients render it as a link: no
//! other scheme may reach them).

use super::keys::Retry;
use super::{Refusal, Session};
use crate::access::{Action, Resource};
use crate::hub::{HubCommand, PostSave};
use switchboard_protocol::content::{CreatePost, EditPost, PostCard, PostPage, Posts};
use switchboard_protocol::ids::{PostId, RequestId, TeamId};
use switchboard_protocol::server::Reply;
use switchboard_protocol::ErrorCode;

/// Posts in a page when the request gives no limit.
const DEFAULT_PAGE: usize = 50;
/// The most posts in one page.
const MAX_PAGE: usize = 200;
const MAX_TITLE: usize = 200;
const MAX_BODY: usize = 8_000;
const MAX_LOCATION: usize = 200;
const MAX_LINK: usize = 2_048;
const MAX_KIND: usize = 32;

impl Session {
    pub(super) fn posts(&self, request: Posts) -> Result<Reply, Refusal> {
        self.team_for(Action::ReadPosts, request.team)?;
        let limit = request
            .limit
            .map_or(DEFAULT_PAGE, |l| (l as usize).clamp(1, MAX_PAGE));
        let mut posts =
            self.state
                .store
                .team_posts(request.team, request.status, request.after, limit + 1)?;
        let next = (posts.len() > limit).then(|| {
            posts.truncate(limit);
            posts.last().map(|p| p.id)
        });
        Ok(Reply::Posts(PostPage {
            posts,
            next: next.flatten(),
        }))
    }

    pub(super) async fn create_post(
        &self,
        request: RequestId,
        create: CreatePost,
    ) -> Result<Option<Reply>, Refusal> {
        self.team_for(Action::WritePosts, create.team)?;
        let mut draft = create.post;
        draft.title = draft.title.trim().to_string();
        draft.kind = kind(&draft.kind)?;
        title(&draft.title)?;
        checked("body", &draft.body, MAX_BODY)?;
        if let Some(location) = &mut draft.location {
            *location = location.trim().to_string();
            checked("location", location, MAX_LOCATION)?;
        }
        draft.location = draft.location.filter(|l| !l.is_empty());
        if let Some(link) = &mut draft.link {
            *link = link.trim().to_string();
            if !link.is_empty() {
                self::link(link)?;
            }
        }
        draft.link = draft.link.filter(|l| !l.is_empty());
        self.save_post(request, create.team, PostSave::Create(draft), create.key)
            .await
    }

    pub(super) async fn edit_post(
        &self,
        request: RequestId,
        edit: EditPost,
    ) -> Result<Option<Reply>, Refusal> {
        self.team_for(Action::WritePosts, edit.team)?;
        // A post of another team is as missing as one that never was.
        if self
            .state
            .store
            .post(edit.post)?
            .is_none_or(|p| p.team != edit.team)
        {
            return Err(no_post(edit.post));
        }
        let mut changes = edit.changes;
        if let Some(t) = &mut changes.title {
            *t = t.trim().to_string();
            title(t)?;
        }
        if let Some(k) = &changes.kind {
            changes.kind = Some(kind(k)?);
        }
        if let Some(body) = &changes.body {
            checked("body", body, MAX_BODY)?;
        }
        if let Some(location) = &mut changes.location {
            *location = location.trim().to_string();
            checked("location", location, MAX_LOCATION)?;
        }
        if let Some(l) = &mut changes.link {
            *l = l.trim().to_string();
            if !l.is_empty() {
                link(l)?;
            }
        }
        let save = PostSave::Edit {
            post: edit.post,
            changes,
        };
        self.save_post(request, edit.team, save, edit.key).await
    }

    /// Hands a validated write to the team's hub; a keyed retry already
    /// carried out is answered here.
    async fn save_post(
        &self,
        request: RequestId,
        team: TeamId,
        save: PostSave,
        key: Option<String>,
    ) -> Result<Option<Reply>, Refusal> {
        if let Retry::Answered = self.retry(request, team, "key", key.as_deref()).await? {
            return Ok(None);
        }
        let command = HubCommand::SavePost {
            save,
            by: self.principal.user.id,
            key,
        };
        self.dispatch(team, request, command).await
    }

    /// The card of the post a message carries, if any (see `post_card`).
    pub(super) fn card_for(
        &self,
        team: TeamId,
        post: Option<PostId>,
    ) -> Result<Option<PostCard>, Refusal> {
        post.map(|post| self.post_card(team, post)).transpose()
    }

    /// The card of a post of `team`, for a message that carries it. A
    /// closed post may still be sent (its card says closed). Only who may
    /// list the team's posts may send one: to a Restricted Member every
    /// post id reads as missing, as the posts list does.
    fn post_card(&self, team: TeamId, post: PostId) -> Result<PostCard, Refusal> {
        if !self
            .principal
            .allows(Action::ReadPosts, Resource::Team(team))
        {
            return Err(no_post(post));
        }
        match self.state.store.post(post)? {
            Some(found) if found.team == team => Ok(found.card()),
            _ => Err(no_post(post)),
        }
    }
}

/// The body and post of a `^post ID [text]` typed into a `send`, whose
/// frame may name the same post (not another).
pub(super) fn typed_post(
    frame: Option<PostId>,
    post: PostId,
    text: Option<String>,
) -> Result<(String, Option<PostId>), Refusal> {
    if frame.is_some_and(|p| p != post) {
        return Err(bad(format!(
            "^post {post} names another post than the frame's post field"
        )));
    }
    Ok((text.unwrap_or_default(), Some(post)))
}

fn no_post(post: PostId) -> Refusal {
    Refusal::new(ErrorCode::NotFound, format!("no post {post}"))
}

fn bad(message: String) -> Refusal {
    Refusal::new(ErrorCode::BadRequest, message)
}

fn checked(field: &str, value: &str, max: usize) -> Result<(), Refusal> {
    if value.len() > max {
        return Err(bad(format!(
            "a post's {field} holds at most {max} bytes (this one has {})",
            value.len()
        )));
    }
    Ok(())
}

fn title(title: &str) -> Result<(), Refusal> {
    if title.is_empty() {
        return Err(bad("a post needs a title".into()));
    }
    checked("title", title, MAX_TITLE)
}

/// The kind, lowercased, if it is a word of the allowed shape.
fn kind(kind: &str) -> Result<String, Refusal> {
    let kind = kind.trim().to_ascii_lowercase();
    let shaped = kind
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
    if kind.is_empty() || kind.len() > MAX_KIND || !shaped {
        return Err(bad(format!(
            "a post's kind is 1 to {MAX_KIND} letters, digits, - or _ (got {kind:?})"
        )));
    }
    Ok(kind)
}

fn link(link: &str) -> Result<(), Refusal> {
    checked("link", link, MAX_LINK)?;
    let lower = link.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    if rest.is_none_or(|r| r.is_empty() || r.contains(char::is_whitespace)) {
        return Err(bad(format!(
            "a post's link must be an http:// or https:// address without spaces (got {link:?})"
        )));
    }
    Ok(())
}
