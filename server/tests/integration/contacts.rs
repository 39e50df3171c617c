//! The team's contact book through the SDK against a real server: CRUD, a
//! duplicate phone or email merged on create, an edit taking another
//! contact's phone refused, a manual merge keeping both conversations'
//! histories, search, filters and paging, and a keyed write done once;
//! who sees and edits which contact is in [`access`].

mod access;

use crate::util::*;
use std::collections::BTreeMap;
use switchboard_client::{
    Client, ClientEvent, ContactDraft, ContactPatch, ContactQuery, Events, FieldDef, FieldFilter,
    FieldKind, HistoryQuery, NewContact,
};
use switchboard_protocol::client::ClientFrame;
use switchboard_protocol::contacts::MergeContacts;
use switchboard_protocol::ids::{ContactId, ConversationId, RequestId, TeamId};
use switchboard_protocol::server::{Event, ServerFrame};
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
    assert!(
        message.contains(&ana.id.to_string()),
        "names it to a Member: {message}"
    );
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

#[tokio::test]
async fn a_keyed_merge_retried_is_done_once_and_answered_as_first() {
    let (_dir, server, world) = seeded().await;
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let team = world.team_a;
    let into = alice
        .create_contact(team, draft("Rae", &["+14155550501"], &[]))
        .await
        .unwrap()
        .contact
        .id;
    let from = alice
        .create_contact(team, draft("Rae M", &["+14155550502"], &[]))
        .await
        .unwrap()
        .contact
        .id;
    let mut raw = Raw::login(&server.url(), &world.alice.token).await;
    let merge = |id: u64| {
        ClientFrame::MergeContacts(MergeContacts {
            id: RequestId(id),
            team,
            into,
            from,
            key: Some("merge-rae".into()),
        })
    };
    let ServerFrame::Result(first) = raw.request(merge(1)).await else {
        panic!("the merge is done");
    };
    assert!(!first.duplicate);
    // `from` is gone: only the receipt can answer the retry.
    let ServerFrame::Result(again) = raw.request(merge(2)).await else {
        panic!("the retry is answered with the first result");
    };
    assert!(again.duplicate);
    assert_eq!(again.result, first.result);
    let book = alice.contacts(team, ContactQuery::default()).await.unwrap();
    assert_eq!(book.contacts.len(), 1);
}
