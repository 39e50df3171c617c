//! The contact book across nodes: creates of one phone number sent at once
//! from every node reach the team's writer back to back, before the first
//! is applied anywhere; the book's rule (one contact per normalised phone)
//! still holds: one contact made, every other create merged into it.

use crate::util::connect;
use crate::world::ClusterWorld;
use switchboard_client::{ContactDraft, ContactQuery};

#[tokio::test(flavor = "multi_thread")]
async fn creates_of_one_phone_sent_at_once_on_every_node_make_one_contact() {
    let Some(cluster) = ClusterWorld::start().await else {
        return;
    };
    let world = &cluster.world;
    let team = world.team_a;
    let mut clients = Vec::new();
    for node in 0..3 {
        let (client, events) = connect(&cluster.url(node), &world.alice.token).await;
        clients.push((client, events));
    }
    // The same number, written three ways.
    let phones = ["+1 415 555 0142", "(415) 555-0142", "+14155550142"];
    let creates = (0..12).map(|n| {
        let (client, _) = &clients[n % 3];
        let draft = ContactDraft {
            name: format!("Caller {n}"),
            phones: vec![phones[n % 3].to_string()],
            emails: Vec::new(),
            tags: Vec::new(),
            fields: Default::default(),
            notes: String::new(),
        };
        client.create_contact(team, draft)
    });
    let saved: Vec<_> = futures::future::join_all(creates)
        .await
        .into_iter()
        .map(|r| r.expect("every create is answered"))
        .collect();

    let first = saved[0].contact.id;
    assert!(
        saved.iter().all(|s| s.contact.id == first),
        "every create lands on one contact: {saved:?}"
    );
    let made = saved.iter().filter(|s| !s.merged).count();
    assert_eq!(made, 1, "one create makes the contact, the others merge");

    // Every node's book lists that one contact for the number.
    for (client, _) in &clients {
        let query = ContactQuery {
            text: Some("+14155550142".into()),
            ..ContactQuery::default()
        };
        let mut found = Vec::new();
        for _ in 0..100 {
            found = client.contacts(team, query.clone()).await.unwrap().contacts;
            if found.iter().any(|c| c.id == first) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(
            found.iter().map(|c| c.id).collect::<Vec<_>>(),
            vec![first],
            "{found:?}"
        );
    }
}
