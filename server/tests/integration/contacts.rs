//! The team's contact book through the SDK against a real server: CRUD, a
//! duplicate phone or email merged on create, an edit taking another
//! contact's phone refused, a manual merge keeping both conversations'
//! histories, a Restricted Member editing only their conversation's
//! contact, an edit reaching a subscriber live, and search, filters and
//! paging.

use crate::util::*;
use std::collections::BTreeMap;
use switchboard_client::{
    Client, ClientEvent, ContactDraft, ContactPatch, ContactQuery, Events, FieldDef, FieldFilter,
    FieldKind, HistoryQuery, NewContact,
};
use switchboard_protocol::ids::{ContactId, ConversationId, TeamId};
use switchboard_protocol::server::Event;
use switchboard_protocol::ErrorCode;

fn draft(name: &str, phones: &[&str], emails: &[&str]) -> ContactDraft {
    ContactDraft {
        name: name.into(),
        phones: phones.iter().map(|p| p.to_string()).collect(),
        emails: emails.iter().map(|e| e.to_string()).collect(),
        tags: Vec::new(),
        fields: BTreeMap::new(),
        notes: String::new(),
    }
}

/// A conversation with a contact reached by `phone`.
async fn conversation_with(
    client: &Client,
    team: TeamId,
    name: &str,
    phone: &str,
) -> ConversationId {
    let contact = NewContact {
        name: name.into(),
        email: None,
        phone: Some(phone.into()),
    };
    client.start_conversation(team, contact).await.unwrap().id
}

/// The next contact-book event, skipping others.
async fn next_book_event(events: &mut Events) -> Event {
    loop {
        let event = tokio::time::timeout(PATIENCE, events.next())
            .await
            .expect("an event in time")
            .expect("the event stream is open");
        if let ClientEvent::Event(frame) = event {
            if matches!(
                frame.event,
                Event::ContactChanged(_) | Event::ContactsMerged(_) | Event::ContactDeleted(_)
            ) {
                return frame.event;
            }
        }
    }
}

#[tokio::test]
async fn contacts_are_created_read_edited_and_deleted_and_duplicates_merge() {
    let (_dir, server, world) = seeded().await;
    let (bob, _events) = connect(&server.url(), &world.bob.token).await;
    let team = world.team_a;
    let created = bob
        .create_contact(
            team,
            draft("Ana Ruiz", &["(415) 555-0123"], &[" Ana@X.test "]),
        )
        .await
        .unwrap();
    assert!(!created.merged);
    let ana = created.contact;
    assert_eq!(ana.phones, ["+14155550123"], "normalised to E.164");
    assert_eq!(ana.emails, ["ana@x.test"]);

    // The same person again, by another spelling of the number: merged.
    let mut again = draft("A. Ruiz", &["+1 415 555 0123"], &["ana.work@x.test"]);
    again.tags = vec!["VIP".into()];
    again.notes = "met at the fair".into();
    let merged = bob.create_contact(team, again).await.unwrap();
    assert!(merged.merged);
    assert_eq!(merged.contact.id, ana.id);
    assert_eq!(merged.contact.name, "Ana Ruiz", "the first name stays");
    assert_eq!(merged.contact.emails, ["ana@x.test", "ana.work@x.test"]);
    assert_eq!(merged.contact.tags, ["vip"]);
    assert_eq!(merged.contact.notes, "met at the fair");
    let all = bob.contacts(team, ContactQuery::default()).await.unwrap();
    assert_eq!(all.contacts.len(), 1, "never doubled");

    // An edit taking another contact's phone is refused, naming why.
    let bo = bob
        .create_contact(team, draft("Bo", &["+14155550124"], &[]))
        .await
        .unwrap()
        .contact;
    let steal = ContactPatch {
        phones: Some(vec!["415-555-0123".into()]),
        ..ContactPatch::default()
    };
    let (why, message) = refusal(bob.edit_contact(team, bo.id, steal).await);
    assert_eq!(why, ErrorCode::Conflict);
    assert!(message.contains("+14155550123") && message.contains("another contact"));
    let bad = ContactPatch {
        emails: Some(vec!["not an email".into()]),
        ..ContactPatch::default()
    };
    let (why, message) = refusal(bob.edit_contact(team, bo.id, bad).await);
    assert_eq!(why, ErrorCode::BadRequest);
    assert!(message.contains("not an email"), "{message}");

    let rename = ContactPatch {
        name: Some("Bo Diaz".into()),
        notes: Some("prefers mornings".into()),
        ..ContactPatch::default()
    };
    let edited = bob.edit_contact(team, bo.id, rename).await.unwrap();
    assert_eq!(edited.contact.name, "Bo Diaz");
    let page = bob.contact(team, bo.id).await.unwrap();
    assert_eq!(page.contact, edited.contact);
    assert!(page.conversations.is_empty());

    bob.delete_contact(team, bo.id).await.unwrap();
    assert_eq!(code(bob.contact(team, bo.id).await), ErrorCode::NotFound);
    // A contact with a conversation keeps it: deleting is refused.
    let conversation = conversation_with(&bob, team, "Ana", "+14155550123").await;
    let page = bob.contact(team, ana.id).await.unwrap();
    assert_eq!(page.conversations.len(), 1, "the conversation joined Ana");
    assert_eq!(page.conversations[0].id, conversation);
    assert_eq!(
        code(bob.delete_contact(team, ana.id).await),
        ErrorCode::Conflict
    );
    // Another team's book does not hold it.
    let (carol, _carol_events) = connect(&server.url(), &world.carol.token).await;
    assert_eq!(code(carol.contact(team, ana.id).await), ErrorCode::NotFound);
}

#[tokio::test]
async fn a_merge_moves_the_conversations_and_keeps_both_histories() {
    let (_dir, server, world) = seeded().await;
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let team = world.team_a;
    let first = conversation_with(&alice, team, "Kim", "+14155550111").await;
    let second = conversation_with(&alice, team, "Kim (work)", "+14155550222").await;
    alice.send(first, "hello from the first").await.unwrap();
    alice.send(second, "hello from the second").await.unwrap();
    let into = alice
        .conversation(first)
        .await
        .unwrap()
        .conversation
        .contact
        .id;
    let from = alice
        .conversation(second)
        .await
        .unwrap()
        .conversation
        .contact
        .id;
    assert_ne!(into, from);

    let merged = alice.merge_contacts(team, into, from).await.unwrap();
    assert_eq!(merged.contact.phones, ["+14155550111", "+14155550222"]);
    assert_eq!(code(alice.contact(team, from).await), ErrorCode::NotFound);
    let page = alice.contact(team, into).await.unwrap();
    let listed: Vec<ConversationId> = page.conversations.iter().map(|c| c.id).collect();
    assert_eq!(listed, [first, second], "both, oldest first");
    for (conversation, body) in [
        (first, "hello from the first"),
        (second, "hello from the second"),
    ] {
        let history = alice
            .history(conversation, HistoryQuery::default())
            .await
            .unwrap();
        assert_eq!(history.messages.last().unwrap().body, body, "history kept");
        let details = alice.conversation(conversation).await.unwrap();
        assert_eq!(details.conversation.contact.id, into);
    }
    // The merged contact's phone now finds the one that stayed.
    let query = ContactQuery {
        text: Some("415 555 0222".into()),
        ..ContactQuery::default()
    };
    let found = alice.contacts(team, query).await.unwrap().contacts;
    assert_eq!(
        found.iter().map(|c| c.id).collect::<Vec<ContactId>>(),
        [into]
    );
}

#[tokio::test]
async fn a_restricted_member_edits_only_their_conversations_contact() {
    let (_dir, server, world) = seeded().await;
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let team = world.team_a;
    let theirs = conversation_with(&alice, team, "Jordan", "+14155550301").await;
    let _other = conversation_with(&alice, team, "Sam", "+14155550302").await;
    let jordan = alice
        .conversation(theirs)
        .await
        .unwrap()
        .conversation
        .contact
        .id;
    let sam = alice
        .contacts(
            team,
            ContactQuery {
                text: Some("sam".into()),
                ..ContactQuery::default()
            },
        )
        .await
        .unwrap()
        .contacts[0]
        .id;
    let guest = restricted_member(&server, theirs, "dana@guest.test", "Dana", world.alice.user);
    let (dana, _dana_events) = connect(&server.url(), &guest.token).await;

    let page = dana.contact(team, jordan).await.unwrap();
    assert_eq!(page.conversations.len(), 1);
    let note = ContactPatch {
        notes: Some("called back".into()),
        ..ContactPatch::default()
    };
    let saved = dana.edit_contact(team, jordan, note.clone()).await.unwrap();
    assert_eq!(saved.contact.notes, "called back");

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
    let theirs = conversation_with(&alice, team, "Lee", "+14155550401").await;
    let _other = conversation_with(&alice, team, "Max", "+14155550402").await;
    let lee = alice
        .conversation(theirs)
        .await
        .unwrap()
        .conversation
        .contact
        .id;
    let max = alice
        .contacts(
            team,
            ContactQuery {
                text: Some("max".into()),
                ..ContactQuery::default()
            },
        )
        .await
        .unwrap()
        .contacts[0]
        .id;
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
async fn search_filters_by_name_phone_email_tag_and_field_and_pages() {
    let (_dir, server, world) = seeded().await;
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let team = world.team_a;
    let stage = FieldDef {
        key: "stage".into(),
        label: "Stage".into(),
        kind: FieldKind::Choice,
        options: vec!["new".into(), "won".into()],
    };
    alice
        .define_contact_fields(team, vec![stage.clone()])
        .await
        .unwrap();
    assert_eq!(alice.contact_fields(team).await.unwrap(), [stage]);
    let (bob, _bob_events) = connect(&server.url(), &world.bob.token).await;
    assert_eq!(
        code(bob.define_contact_fields(team, vec![]).await),
        ErrorCode::Forbidden,
        "Managers define fields"
    );
    let mut ids = Vec::new();
    for i in 0..7 {
        let mut d = draft(
            &format!("Person {i}"),
            &[&format!("+1415555{:04}", 600 + i)],
            &[],
        );
        d.tags = vec![if i % 2 == 0 { "even" } else { "odd" }.into()];
        d.fields = BTreeMap::from([("stage".into(), if i < 2 { "won" } else { "new" }.into())]);
        ids.push(alice.create_contact(team, d).await.unwrap().contact.id);
    }
    let mut d = draft("Zed Quux", &[], &["zed@quux.test"]);
    d.fields = BTreeMap::from([("stage".into(), "lost".into())]);
    let (code_bad, why) = refusal(alice.create_contact(team, d.clone()).await);
    assert_eq!(code_bad, ErrorCode::BadRequest);
    assert!(why.contains("stage"), "{why}");
    d.fields.clear();
    let zed = alice.create_contact(team, d).await.unwrap().contact.id;

    let search = |q: ContactQuery| {
        let alice = alice.clone();
        async move {
            let page = alice.contacts(team, q).await.unwrap();
            (
                page.contacts.iter().map(|c| c.id).collect::<Vec<_>>(),
                page.next,
            )
        }
    };
    let text = |t: &str| ContactQuery {
        text: Some(t.into()),
        ..ContactQuery::default()
    };
    assert_eq!(search(text("zed")).await.0, [zed]);
    assert_eq!(search(text("ZED@quux.test")).await.0, [zed]);
    assert_eq!(search(text("(415) 555-0603")).await.0, [ids[3]]);
    let tagged = ContactQuery {
        tag: Some("Even".into()),
        limit: Some(2),
        ..ContactQuery::default()
    };
    let (first, next) = search(tagged.clone()).await;
    assert_eq!(first, [ids[0], ids[2]]);
    let (second, _) = search(ContactQuery {
        after: next,
        ..tagged
    })
    .await;
    assert_eq!(second, [ids[4], ids[6]]);
    let won = ContactQuery {
        field: Some(FieldFilter {
            key: "stage".into(),
            value: "won".into(),
        }),
        ..ContactQuery::default()
    };
    assert_eq!(search(won).await.0, [ids[0], ids[1]]);
    let (everyone, next) = search(ContactQuery {
        text: Some("person".into()),
        limit: Some(5),
        ..ContactQuery::default()
    })
    .await;
    assert_eq!(everyone, ids[..5]);
    assert_eq!(next, Some(ids[4]));
}
