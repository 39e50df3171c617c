//! Contacts who opted out (a bridge's STOP) are counted by the preview,
//! skipped by the blast with no message, and listed as skipped.

use super::support::*;
use super::tagged;
use crate::util::{connect, seed, TestServer};
use std::time::Duration;
use switchboard_protocol::blast::RecipientState;
use switchboard_protocol::contacts::ContactChanged;
use switchboard_protocol::ids::{ContactId, Millis, TeamId};
use switchboard_server::store::{BookChange, ContactRecord, Entry, LogRecord, SledStore, Store};

/// Writes `n` contacts tagged `tag` into the book of `team`, the odd ones
/// opted out, as the book would have them after a STOP; their ids.
fn book_with_opt_outs(store: &dyn Store, team: TeamId, tag: &str, n: u64) -> Vec<ContactId> {
    let mut put = Vec::new();
    for i in 0..n {
        let id = ContactId(store.next_id().unwrap());
        let email = Some(format!("{tag}{i}@stop.test"));
        let mut contact =
            ContactRecord::new(id, team, format!("Stop{i} Person"), email, None, Millis(1));
        contact.tags = vec![tag.to_string()];
        contact.opted_out_at = (i % 2 == 1).then_some(Millis(2));
        put.push(contact);
    }
    let log = put
        .iter()
        .map(|c| {
            LogRecord::ContactChanged(ContactChanged {
                contact: c.card(),
                conversations: vec![],
            })
        })
        .collect();
    let ids = put.iter().map(|c| c.id).collect();
    let change = BookChange {
        put,
        log,
        ..BookChange::default()
    };
    let offset = store.stream_head(team).unwrap().last.next();
    let entry = Entry::ContactBook {
        change: &change,
        receipt: None,
    };
    store.commit(team, offset, entry).unwrap();
    store.flush().unwrap();
    ids
}

#[tokio::test]
async fn opted_out_contacts_are_counted_skipped_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    let (world, ids) = {
        let store = SledStore::open(dir.path()).unwrap();
        let world = seed(&store);
        let ids = book_with_opt_outs(&store, world.team_a, "s", 6);
        (world, ids)
    };
    let server = TestServer::start(dir.path()).await;
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let team = world.team_a;
    let preview = alice
        .preview_blast(team, tagged("s"), "Hi {{first_name}}")
        .await
        .unwrap();
    assert_eq!((preview.count, preview.opted_out), (6, 3));
    let sampled: Vec<ContactId> = preview.samples.iter().map(|s| s.contact).collect();
    assert_eq!(
        sampled,
        vec![ids[0], ids[2], ids[4]],
        "samples of who would get it"
    );
    set_rate(&alice, team, 100).await;
    let blast = alice
        .create_blast(team, "Opt", tagged("s"), "Hi {{first_name}}")
        .await
        .unwrap();
    let done = finished(&alice, team, blast.id, Duration::from_secs(20)).await;
    assert_eq!((done.total, done.sent, done.skipped), (6, 3, 3));
    let listed = recipients(&alice, team, blast.id).await;
    for (i, r) in listed.iter().enumerate() {
        let expected = if i % 2 == 1 {
            RecipientState::Skipped
        } else {
            RecipientState::Sent
        };
        assert_eq!((r.contact, r.state), (ids[i], expected));
    }
    let stored = stored_messages(&alice, team, blast.id).await;
    assert_eq!(stored.len(), 3);
    assert!(
        ids.iter()
            .skip(1)
            .step_by(2)
            .all(|id| !stored.contains_key(id)),
        "no message to who opted out"
    );
}
