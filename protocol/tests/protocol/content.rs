//! Posts on the wire: frames of clients that predate posts still decode
//! (no `post` on a `send`, none on a `message`, no `by_post` in a report),
//! a message without a post is written without the field, and a draft
//! takes its defaults. And the `^post ID [text]` command's refusals.

use crate::command::{assert_names_usage, error_of};
use proptest::prelude::*;
use switchboard_protocol::client::ClientFrame;
use switchboard_protocol::codec::{decode, encode};
use switchboard_protocol::command::{parse, Command, CommandError};
use switchboard_protocol::content::{PostDraft, PostStatus};
use switchboard_protocol::ids::PostId;
use switchboard_protocol::server::{Event, ServerFrame};
use switchboard_protocol::Encoding;

const USAGE_POST: &str = "^post ID [text]";

const LIMIT: usize = 1 << 16;

#[test]
fn a_send_and_a_message_without_a_post_still_decode_and_say_nothing_of_posts() {
    let send = r#"{"type":"send","id":1,"conversation":5,"client_msg_id":"m-1","body":"hi"}"#;
    let ClientFrame::Send(send) = decode(Encoding::Json, send.as_bytes(), LIMIT).unwrap() else {
        panic!("a send");
    };
    assert_eq!(send.post, None);
    let event = concat!(
        r#"{"type":"event","team":1,"offset":5,"event":{"type":"message","conversation":2,"#,
        r#""seq":4,"offset":5,"sender":{"kind":"agent","id":9,"name":"Ada"},"body":"hi","#,
        r#""client_msg_id":"m-1","at":1767225600000}}"#
    );
    let frame: ServerFrame = decode(Encoding::Json, event.as_bytes(), LIMIT).unwrap();
    let ServerFrame::Event(ref inner) = frame else {
        panic!("an event");
    };
    let Event::Message(message) = &inner.event else {
        panic!("a message");
    };
    assert_eq!(message.post, None);
    // Written back, byte for byte: no `post` field for an old client.
    let written = encode(Encoding::Json, &frame).unwrap();
    assert_eq!(std::str::from_utf8(&written).unwrap(), event);
}

#[test]
fn a_draft_takes_the_job_kind_and_the_open_status_when_not_given() {
    let draft: PostDraft = serde_json::from_str(r#"{"title":"Welder"}"#).unwrap();
    assert_eq!(draft.kind, "job");
    assert_eq!(draft.status, PostStatus::Open);
    assert_eq!(draft.body, "");
    assert_eq!((draft.link, draft.location), (None, None));
}

// ---- ^post ----

proptest! {
    #[test]
    fn a_post_id_that_is_not_a_positive_number_is_refused(word in "[^0-9\\s][^\\s]{0,12}") {
        let error = error_of(&format!("^post {word} hello"));
        prop_assert_eq!(
            error,
            CommandError::Invalid {
                command: "post",
                found: word,
                expected: "a post id (a number)",
                usage: USAGE_POST,
            }
        );
    }
}

#[test]
fn post_without_an_id() {
    let error = error_of("^post");
    assert_eq!(
        error,
        CommandError::Missing {
            command: "post",
            expected: "a post id",
            usage: USAGE_POST,
        }
    );
    assert_names_usage(&error, USAGE_POST);
}

#[test]
fn post_ids_are_plain_positive_numbers() {
    for word in ["0", "+5", "-5", "5a", "99999999999999999999", "0x10"] {
        let error = error_of(&format!("^post {word}"));
        assert!(
            matches!(&error, CommandError::Invalid { command: "post", found, .. } if found == word),
            "{word}: {error:?}"
        );
        assert_names_usage(&error, USAGE_POST);
    }
}

#[test]
fn post_with_and_without_text() {
    assert_eq!(
        parse("^post 42"),
        Ok(Command::Post {
            post: PostId(42),
            text: None,
        })
    );
    assert_eq!(
        parse("^POST 7   Here is the job\nApply today  "),
        Ok(Command::Post {
            post: PostId(7),
            text: Some("Here is the job\nApply today".into()),
        })
    );
}
