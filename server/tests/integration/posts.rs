//! A team's posts through the SDK against a real server: creating,
//! editing, listing a page at a time and by status, each change a
//! `post_changed` event; a keyed request retried is carried out once;
//! bad fields are refused with what is wrong ([`records`]). Messages that
//! carry a post's card, live and in history, typed or as `^post`; what a
//! Restricted Member may and may not see; the report by post ([`cards`]).

mod cards;
mod records;

use crate::util::*;
use switchboard_client::{ClientEvent, Events, PostDraft, PostStatus};
use switchboard_protocol::content::PostInfo;
use switchboard_protocol::ids::TeamId;
use switchboard_protocol::server::Event;

/// A job post titled `title`, open, with a link.
fn draft(title: &str) -> PostDraft {
    PostDraft {
        kind: "job".into(),
        title: title.into(),
        body: format!("All about {title}"),
        link: Some("https://jobs.example.com/apply".into()),
        location: Some("Leeds".into()),
        status: PostStatus::Open,
    }
}

/// The next `post_changed` event of `team`, skipping other items.
async fn next_post_changed(events: &mut Events, team: TeamId) -> PostInfo {
    loop {
        let event = tokio::time::timeout(PATIENCE, events.next())
            .await
            .expect("a post_changed event in time")
            .expect("the event stream is open");
        if let ClientEvent::Event(frame) = event {
            if let (true, Event::PostChanged(post)) = (frame.team == team, frame.event) {
                return post;
            }
        }
    }
}
