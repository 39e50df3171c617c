//! Strategies for posts: the records, the requests (one arm choosing
//! among them by a drawn number, as `command_frame` does) and replies.

use super::*;
use switchboard_protocol::content::{
    CreatePost, EditPost, PostCard, PostDraft, PostInfo, PostPage, PostPatch, PostStatus, Posts,
};
use switchboard_protocol::deliver::ByPost;
use switchboard_protocol::ids::PostId;

pub fn post_id() -> impl Strategy<Value = PostId> {
    raw_id().prop_map(PostId)
}

pub fn post_status() -> impl Strategy<Value = PostStatus> {
    prop_oneof![Just(PostStatus::Open), Just(PostStatus::Closed)]
}

prop_compose! {
    pub fn post_info()(
        (id, team, kind, title, body) in (post_id(), team_id(), text(), text(), text()),
        (link, location, status) in (option::of(text()), option::of(text()), post_status()),
        (created_by, created_at, updated_at) in (user_id(), millis(), millis()),
    ) -> PostInfo {
        PostInfo {
            id, team, kind, title, body, link, location, status, created_by, created_at,
            updated_at,
        }
    }
}

prop_compose! {
    pub fn post_card()(
        id in post_id(),
        title in text(),
        location in option::of(text()),
        link in option::of(text()),
        status in post_status(),
    ) -> PostCard {
        PostCard { id, title, location, link, status }
    }
}

prop_compose! {
    pub fn post_draft()(
        (kind, title, body) in (text(), text(), text()),
        (link, location, status) in (option::of(text()), option::of(text()), post_status()),
    ) -> PostDraft {
        PostDraft { kind, title, body, link, location, status }
    }
}

prop_compose! {
    pub fn post_patch()(
        (kind, title, body) in (option::of(text()), option::of(text()), option::of(text())),
        (link, location) in (option::of(text()), option::of(text())),
        status in option::of(post_status()),
    ) -> PostPatch {
        PostPatch { kind, title, body, link, location, status }
    }
}

prop_compose! {
    pub fn by_post()(
        post in post_id(),
        title in text(),
        count in any::<u64>(),
        by_status in small_vec((option::of(text()), any::<u64>())
            .prop_map(|(status, count)| ByStatus { status, count })),
    ) -> ByPost {
        ByPost { post, title, count, by_status }
    }
}

/// `posts`, `create_post` and `edit_post`.
pub fn post_frame() -> BoxedStrategy<ClientFrame> {
    (
        0..3u8,
        (request_id(), team_id(), post_id(), option::of(text())),
        (
            option::of(post_status()),
            option::of(post_id()),
            option::of(any::<u32>()),
        ),
        (post_draft(), post_patch()),
    )
        .prop_map(
            |(which, (id, team, post, key), (status, after, limit), (draft, changes))| match which {
                0 => ClientFrame::Posts(Posts {
                    id,
                    team,
                    status,
                    after,
                    limit,
                }),
                1 => ClientFrame::CreatePost(CreatePost {
                    id,
                    team,
                    key,
                    post: draft,
                }),
                _ => ClientFrame::EditPost(EditPost {
                    id,
                    team,
                    post,
                    key,
                    changes,
                }),
            },
        )
        .boxed()
}

/// `posts` and `post` replies.
pub fn post_reply() -> BoxedStrategy<Reply> {
    prop_oneof![
        (small_vec(post_info()), option::of(post_id()))
            .prop_map(|(posts, next)| Reply::Posts(PostPage { posts, next })),
        post_info().prop_map(Reply::Post),
    ]
    .boxed()
}
