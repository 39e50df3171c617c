//! Deliveries in flight when the server is killed with -9: after the
//! restart each is whole or absent, and no handoff is imported twice.

use crate::child::*;
use crate::util::*;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use switchboard_client::{Client, ClientConfig, Target};
use switchboard_protocol::deliver::{DeliveredTo, Outcome};
use switchboard_protocol::ids::{ConversationId, Seq, TeamId};
use switchboard_protocol::model::{ConversationInfo, ConversationStatus, Message, SenderKind};
use switchboard_server::store::{SledStore, Timeline};

/// Every conversation of a team, page by page.
async fn all_conversations(client: &Client, team: TeamId) -> Vec<ConversationInfo> {
    let mut out = Vec::new();
    let mut before = None;
    loop {
        let page = client.conversations(team, before, None).await.unwrap();
        out.extend(page.conversations);
        match page.next {
            Some(next) => before = Some(next),
            None => return out,
        }
    }
}

#[tokio::test]
async fn kill_9_during_deliveries_leaves_each_whole_or_absent_and_no_handoff_twice() {
    const CONVERSATIONS: usize = 240;
    let dir = tempfile::tempdir().unwrap();
    let world = seed_closed(dir.path());
    let server = ChildServer::start(dir.path(), &[]);
    let (alice, _events) = connect(&server.url, &world.alice.token).await;
    // Started in parallel, two messages each.
    let mut starters = Vec::new();
    for part in 0..8 {
        let client = alice.clone();
        let team = world.team_a;
        starters.push(tokio::spawn(async move {
            let mut started = Vec::new();
            for i in (part..CONVERSATIONS).step_by(8) {
                let conversation = start_conversation(&client, team, &format!("C{i}")).await;
                client
                    .send(conversation, format!("{i} first"))
                    .await
                    .unwrap();
                client
                    .send(conversation, format!("{i} second"))
                    .await
                    .unwrap();
                started.push((i, conversation));
            }
            started
        }));
    }
    let mut sources = vec![ConversationId(0); CONVERSATIONS];
    for starter in starters {
        for (i, conversation) in starter.await.unwrap() {
            sources[i] = conversation;
        }
    }
    // Every delivery in flight at once, half to Bob, half to #sales; the
    // server dies after a few are acknowledged.
    let (acked_tx, mut acked_rx) = tokio::sync::mpsc::channel::<Outcome>(CONVERSATIONS);
    let mut config = ClientConfig::new(server.url.clone(), world.alice.token.clone());
    config.request_timeout = Duration::from_secs(3);
    let (deliverer, _deliverer_events) = Client::connect(config).await.unwrap();
    let mut tasks = Vec::new();
    for (i, conversation) in sources.iter().copied().enumerate() {
        let client = deliverer.clone();
        let acked = acked_tx.clone();
        tasks.push(tokio::spawn(async move {
            let to = if i % 2 == 0 {
                Target::User("bob".into())
            } else {
                Target::Team("sales".into())
            };
            let note = Some(format!("note {i}"));
            if let Ok(outcome) = client.deliver(conversation, to, None, note).await {
                let _ = acked.send(outcome).await;
            }
        }));
    }
    drop(acked_tx);
    let mut acked = Vec::new();
    while acked.is_empty() {
        let outcome = tokio::time::timeout(PATIENCE, acked_rx.recv())
            .await
            .expect("deliveries are acknowledged")
            .expect("deliverers are running");
        acked.push(outcome);
    }
    server.kill_9();
    for task in tasks {
        task.await.unwrap();
    }
    while let Ok(outcome) = acked_rx.try_recv() {
        acked.push(outcome);
    }
    deliverer.close().await;
    alice.close().await;

    // After the restart: subscribing to #sales starts its hub, which
    // imports what was left pending before it answers.
    let server = ChildServer::start(dir.path(), &[]);
    let (alice, _events) = connect(&server.url, &world.alice.token).await;
    alice.subscribe(world.team_sales).await.unwrap();
    let mut delivered = 0;
    let mut to_sales = BTreeMap::new();
    for (i, conversation) in sources.iter().copied().enumerate() {
        let messages = all_messages(&alice, conversation).await;
        let system: Vec<&Message> = messages
            .iter()
            .filter(|m| m.sender.kind == SenderKind::System)
            .collect();
        assert!(system.len() <= 1, "{conversation} delivered once at most");
        let was_acked = acked.iter().find(|o| o.conversation == conversation);
        if system.is_empty() {
            assert!(was_acked.is_none(), "acknowledged {conversation} is kept");
            assert_eq!(messages.len(), 2, "{conversation} untouched");
            continue;
        }
        delivered += 1;
        assert_eq!(system[0].seq, Seq(3));
        let expected = if i % 2 == 0 {
            format!("Alice delivered to Bob — note: note {i}")
        } else {
            format!("Alice delivered to Team Sales — note: note {i}")
        };
        assert_eq!(system[0].body, expected);
        if i % 2 == 1 {
            to_sales.insert(format!("C{i}"), i);
        }
    }
    assert!(delivered >= acked.len());
    // Each source conversation's status matches its system message.
    let listed = all_conversations(&alice, world.team_a).await;
    assert_eq!(listed.len(), CONVERSATIONS);
    let delivered_listed = listed
        .iter()
        .filter(|c| c.status == ConversationStatus::Delivered)
        .count();
    assert_eq!(delivered_listed, delivered);
    for info in &listed {
        let expected = if info.status == ConversationStatus::Delivered && info.last_seq == Seq(3) {
            let i: usize = info.contact.name[1..].parse().unwrap();
            if i % 2 == 0 {
                vec![world.bob.user]
            } else {
                Vec::new()
            }
        } else {
            Vec::new()
        };
        assert_eq!(info.assignees, expected, "{}", info.contact.name);
    }
    // Every delivery to #sales arrived once, whole.
    let received = all_conversations(&alice, world.team_sales).await;
    let names: Vec<&str> = received.iter().map(|c| c.contact.name.as_str()).collect();
    assert_eq!(
        names.iter().collect::<BTreeSet<_>>().len(),
        names.len(),
        "no handoff imported twice: {names:?}"
    );
    assert_eq!(
        names.iter().copied().collect::<BTreeSet<_>>(),
        to_sales.keys().map(String::as_str).collect(),
        "every delivery to #sales was imported"
    );
    for info in &received {
        let i = to_sales[&info.contact.name];
        let bodies: Vec<String> = all_messages(&alice, info.id)
            .await
            .into_iter()
            .map(|m| m.body)
            .collect();
        assert_eq!(
            bodies,
            [
                format!("{i} first"),
                format!("{i} second"),
                format!("Alice handed this conversation over from Team A — note: note {i}"),
            ]
        );
    }
    for outcome in acked.iter() {
        if let DeliveredTo::Team { conversation, .. } = outcome.to {
            assert!(
                received.iter().any(|c| c.id == conversation),
                "the acknowledged handoff's conversation {conversation} exists"
            );
        }
    }
    // The outcomes are on the conversations and nothing is left pending.
    alice.close().await;
    server.kill_9();
    let store = SledStore::open(dir.path()).unwrap();
    assert!(store.handoffs(world.team_sales).unwrap().is_empty());
    for conversation in sources {
        let record = store.conversation(conversation).unwrap().unwrap();
        assert_eq!(
            record.outcome.is_some(),
            record.status == ConversationStatus::Delivered,
            "{conversation}: status and outcome are written together"
        );
        if let Some(outcome) = record.outcome {
            assert_eq!(outcome.seq, Seq(3));
        }
    }
}
