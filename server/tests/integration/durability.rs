//! What is acknowledged survives: a clean restart, and a kill -9 in the
//! middle of continuous sends; and a restore from a backup starts every
//! stream's new epoch, so that no client trusts offsets it no longer has.

use crate::child::*;
use crate::util::*;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;
use switchboard_client::{Client, ClientConfig};
use switchboard_protocol::ids::Seq;
use switchboard_protocol::model::Position;
use switchboard_protocol::server::Resume;
use switchboard_server::store::SledStore;

#[tokio::test]
async fn history_seqs_and_idempotent_retries_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let world = seed(server.server.store().as_ref());
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    let mut acks = Vec::new();
    for i in 1..=5 {
        acks.push(
            alice
                .send_with_id(conversation, format!("m{i}"), format!("message {i}"))
                .await
                .unwrap(),
        );
    }
    alice.close().await;
    server.server.shutdown().await;

    let server = TestServer::start(dir.path()).await;
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let messages = all_messages(&alice, conversation).await;
    let seqs: Vec<u64> = messages.iter().map(|m| m.seq.0).collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5]);
    assert_eq!(messages[2].body, "message 3");

    let retry = alice
        .send_with_id(conversation, "m3", "message 3")
        .await
        .unwrap();
    assert!(retry.duplicate);
    assert_eq!(
        (retry.seq, retry.offset, retry.at),
        (acks[2].seq, acks[2].offset, acks[2].at)
    );
    assert_eq!(
        all_messages(&alice, conversation).await.len(),
        5,
        "the retry stored nothing"
    );

    let next = alice.send(conversation, "after the restart").await.unwrap();
    assert_eq!(next.seq, Seq(6));
    assert!(next.offset > acks[4].offset);
    server.server.shutdown().await;
}

#[tokio::test]
async fn kill_9_during_continuous_sends_loses_no_acknowledged_message() {
    let dir = tempfile::tempdir().unwrap();
    // Seeded before the server starts, which then owns the folder alone.
    let world = seed_closed(dir.path());
    let server = ChildServer::start(dir.path(), &[]);
    let (alice, _events) = connect(&server.url, &world.alice.token).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;

    // Eight senders in parallel, each sending until the kill; every ack is
    // recorded with the client_msg_id it answered.
    let (acked_tx, mut acked_rx) = tokio::sync::mpsc::channel::<(String, Seq)>(100_000);
    let mut senders = Vec::new();
    for sender in 0..8 {
        let mut config = ClientConfig::new(server.url.clone(), world.alice.token.clone());
        config.request_timeout = Duration::from_secs(3);
        let (client, _events) = Client::connect(config).await.unwrap();
        let acked = acked_tx.clone();
        senders.push(tokio::spawn(async move {
            for i in 0..100_000u32 {
                let id = format!("s{sender}-{i}");
                match client
                    .send_with_id(conversation, id.clone(), format!("body {id}"))
                    .await
                {
                    Ok(ack) => {
                        if acked.send((id, ack.seq)).await.is_err() {
                            break;
                        }
                    }
                    Err(_) => break,
                }
            }
            client.close().await;
        }));
    }
    drop(acked_tx);
    // Let a few hundred acknowledgements through, then pull the plug.
    let mut acked = HashMap::new();
    while acked.len() < 300 {
        let (id, seq) = tokio::time::timeout(PATIENCE, acked_rx.recv())
            .await
            .expect("acks keep coming")
            .expect("senders are running");
        acked.insert(id, seq);
    }
    server.kill_9();
    for sender in senders {
        sender.await.unwrap();
    }
    // Acks that were in the channel when the server died were acknowledged too.
    while let Ok((id, seq)) = acked_rx.try_recv() {
        acked.insert(id, seq);
    }
    alice.close().await;

    let server = ChildServer::start(dir.path(), &[]);
    let (reader, _events) = connect(&server.url, &world.bob.token).await;
    let stored = all_messages(&reader, conversation).await;
    let seqs: Vec<u64> = stored.iter().map(|m| m.seq.0).collect();
    let expected: Vec<u64> = (1..=stored.len() as u64).collect();
    assert_eq!(seqs, expected, "seqs are contiguous from 1");
    let mut by_id: BTreeMap<String, Seq> = BTreeMap::new();
    for message in &stored {
        let id = message.client_msg_id.clone().expect("sent by a client");
        assert!(
            by_id.insert(id.clone(), message.seq).is_none(),
            "{id} stored twice"
        );
    }
    for (id, seq) in &acked {
        assert_eq!(
            by_id.get(id),
            Some(seq),
            "acknowledged {id} is present at its seq"
        );
    }
    assert!(stored.len() >= acked.len());
    reader.close().await;
    server.kill_9();
}

#[tokio::test]
async fn a_client_resuming_against_a_restored_folder_is_told_its_epoch_changed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = TestServer::start(&data).await;
    let world = seed(server.server.store().as_ref());
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let subscribed = alice.subscribe(world.team_a).await.unwrap();
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    let mut last = None;
    for i in 0..3 {
        last = Some(alice.send(conversation, format!("m{i}")).await.unwrap());
    }
    let seen = Position {
        epoch: subscribed.epoch,
        offset: last.unwrap().offset,
    };
    let backup = dir.path().join("store.backup");
    server.server.store().backup(&backup).unwrap();
    alice.close().await;
    server.server.shutdown().await;

    // The folder itself, restarted: the client is where it was.
    let server = TestServer::start(&data).await;
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let resumed = alice.subscribe_from(world.team_a, seen).await.unwrap();
    assert_eq!(resumed.resume, Resume::Recovered);
    alice.close().await;
    server.server.shutdown().await;

    // The backup, restored the way `switchboard admin restore` does.
    let restored = dir.path().join("restored");
    SledStore::restore(&backup, &restored, false).unwrap();
    let server = TestServer::start(&restored).await;
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let resumed = alice.subscribe_from(world.team_a, seen).await.unwrap();
    assert_eq!(resumed.resume, Resume::EpochChanged);
    assert_ne!(resumed.epoch, seen.epoch);
    assert_eq!(resumed.replayed, 0, "nothing replayed against a new epoch");
    // The restored history is all there, under the new epoch.
    let bodies: Vec<String> = all_messages(&alice, conversation)
        .await
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert_eq!(bodies, ["m0", "m1", "m2"]);
    alice.close().await;
    server.server.shutdown().await;
}
