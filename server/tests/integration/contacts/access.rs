//! Who sees and edits which contact: a Restricted Member edits only
//! their conversation's contact (any other is `not_found`, as one that
//! does not exist), and an edit reaches whoever views the conversation
//! live, and nobody who may not read it; a version-1 client is never sent
//! the book's events.

use super::{conversation_with, draft, next_book_event};
use crate::util::*;
use switchboard_client::{Client, ContactChanges, ContactPatch, ContactQuery};
use switchboard_protocol::client::{ClientFrame, Hello, Subscribe};
use switchboard_protocol::ids::{ContactId, ConversationId, RequestId, TeamId};
use switchboard_protocol::server::{Event, ServerFrame};
use switchboard_protocol::{Encoding, ErrorCode, OLDEST_PROTOCOL_VERSION};

/// Two conversations of a team, each with a contact of its own: the
/// first is the one a Restricted Member will be let into.
struct TwoContacts {
    theirs: ConversationId,
    /// The first conversation's contact.
    guests: ContactId,
    /// The second's.
    other: ContactId,
}

async fn two_contacts(
    alice: &Client,
    team: TeamId,
    first: (&str, &str),
    second: (&str, &str),
) -> TwoContacts {
    let theirs = conversation_with(alice, team, first.0, first.1).await;
    let other = conversation_with(alice, team, second.0, second.1).await;
    let contact_of = |conversation| async move {
        alice
            .conversation(conversation)
            .await
            .unwrap()
            .conversation
            .contact
            .id
    };
    TwoContacts {
        theirs,
        guests: contact_of(theirs).await,
        other: contact_of(other).await,
    }
}

#[tokio::test]
async fn a_restricted_member_edits_only_their_conversations_contact() {
    let (_dir, server, world) = seeded().await;
    let team = world.team_a;
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let pair = two_contacts(
        &alice,
        team,
        ("Jordan", "+14155550301"),
        ("Sam", "+14155550302"),
    )
    .await;
    let (jordan, sam) = (pair.guests, pair.other);
    let guest = restricted_member(
        &server,
        pair.theirs,
        "dana@guest.test",
        "Dana",
        world.alice.user,
    );
    let (dana, _dana_events) = connect(&server.url(), &guest.token).await;

    let page = dana.contact(team, jordan).await.unwrap();
    assert_eq!(page.conversations.len(), 1);
    let note = ContactPatch {
        notes: Some("called back".into()),
        ..ContactPatch::default()
    };
    let saved = dana.edit_contact(team, jordan, note.clone()).await.unwrap();
    assert_eq!(saved.contact.notes, "called back");
    // Sam's phone is another contact's: refused, without naming Sam.
    let taken = ContactPatch {
        phones: Some(vec!["+14155550302".into()]),
        ..ContactPatch::default()
    };
    let (why, message) = refusal(dana.edit_contact(team, jordan, taken).await);
    assert_eq!(why, ErrorCode::Conflict);
    assert_eq!(message, "+14155550302 belongs to another contact");

    // Another contact, or one that does not exist: the same not_found.
    let missing = ContactId(999_999);
    let (code_other, other) = refusal(dana.edit_contact(team, sam, note.clone()).await);
    let (code_missing, none) = refusal(dana.edit_contact(team, missing, note).await);
    assert_eq!(
        (code_other, code_missing),
        (ErrorCode::NotFound, ErrorCode::NotFound)
    );
    assert_eq!(
        other.replace(&sam.to_string(), "ID"),
        none.replace(&missing.to_string(), "ID")
    );
    let (code_read, read) = refusal(dana.contact(team, sam).await);
    assert_eq!(code_read, ErrorCode::NotFound);
    assert_eq!(
        read.replace(&sam.to_string(), "ID"),
        none.replace(&missing.to_string(), "ID")
    );
    // Nothing else of the book.
    assert_eq!(
        code(dana.contacts(team, ContactQuery::default()).await),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(dana.create_contact(team, draft("X", &[], &[])).await),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(dana.merge_contacts(team, jordan, sam).await),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(dana.delete_contact(team, sam).await),
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn an_edit_reaches_whoever_views_the_conversation_live() {
    let (_dir, server, world) = seeded().await;
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let team = world.team_a;
    let pair = two_contacts(
        &alice,
        team,
        ("Lee", "+14155550401"),
        ("Max", "+14155550402"),
    )
    .await;
    let (theirs, lee, max) = (pair.theirs, pair.guests, pair.other);
    let guest = restricted_member(&server, theirs, "eve@guest.test", "Eve", world.alice.user);
    let (eve, mut eve_events) = connect(&server.url(), &guest.token).await;
    eve.subscribe(team).await.unwrap();
    let (bob, mut bob_events) = connect(&server.url(), &world.bob.token).await;
    bob.subscribe(team).await.unwrap();

    // An edit of another contact reaches Bob but not Eve.
    let rename = |name: &str| ContactPatch {
        name: Some(name.into()),
        ..ContactPatch::default()
    };
    alice
        .edit_contact(team, max, rename("Max Power"))
        .await
        .unwrap();
    let Event::ContactChanged(seen) = next_book_event(&mut bob_events).await else {
        panic!("a contact_changed");
    };
    assert_eq!(seen.contact.name, "Max Power");
    alice
        .edit_contact(team, lee, rename("Lee Chen"))
        .await
        .unwrap();
    for events in [&mut eve_events, &mut bob_events] {
        match next_book_event(events).await {
            Event::ContactChanged(change) => {
                assert_eq!(
                    change.contact.name, "Lee Chen",
                    "the first Eve sees is Lee's"
                );
                assert_eq!(change.conversations, [theirs]);
            }
            other => panic!("expected contact_changed, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_version_1_client_hears_the_conversations_contact_update_but_not_the_books_events() {
    let (_dir, server, world) = seeded().await;
    let (alice, mut alice_events) = connect(&server.url(), &world.alice.token).await;
    let team = world.team_a;
    alice.subscribe(team).await.unwrap();
    let mut old = Raw::connect(&server.url(), Encoding::MsgPack).await;
    old.send(&ClientFrame::Hello(Hello {
        version: OLDEST_PROTOCOL_VERSION,
        token: world.bob.token.clone(),
    }))
    .await;
    assert!(matches!(old.recv().await, Some(ServerFrame::Welcome(_))));
    let subscribe = ClientFrame::Subscribe(Subscribe {
        id: RequestId(1),
        team,
        after: None,
    });
    assert!(matches!(
        old.request(subscribe).await,
        ServerFrame::Result(_)
    ));

    let conversation = conversation_with(&alice, team, "Noa", "+14155550601").await;
    let changes = ContactChanges {
        name: Some("Noa Levi".into()),
        ..ContactChanges::default()
    };
    alice.update_contact(conversation, changes).await.unwrap();
    alice.send(conversation, "after the edit").await.unwrap();

    // The SDK speaks version 2: the book's event follows the update.
    let Event::ContactChanged(change) = next_book_event(&mut alice_events).await else {
        panic!("a contact_changed");
    };
    assert_eq!(change.contact.name, "Noa Levi");
    // Version 1: the conversation's contact_updated, never the book's.
    let mut seen = Vec::new();
    loop {
        match old.recv().await {
            Some(ServerFrame::Event(frame)) => {
                let last = matches!(&frame.event, Event::Message(m) if m.body == "after the edit");
                seen.push(frame.event);
                if last {
                    break;
                }
            }
            Some(_) => continue,
            None => panic!("closed; saw {seen:?}"),
        }
    }
    assert!(
        seen.iter().any(|e| matches!(e, Event::ContactUpdated(_))),
        "{seen:?}"
    );
    let book = |e: &Event| {
        matches!(
            e,
            Event::ContactChanged(_)
                | Event::ContactDeleted(_)
                | Event::ContactsMerged(_)
                | Event::ContactFields(_)
        )
    };
    assert!(!seen.iter().any(book), "{seen:?}");
}
