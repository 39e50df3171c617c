//! Operations: `/metrics` moving with traffic, `/readyz`, the integrity
//! check and seq rebuild at start, and a corrupt store refused with a
//! clear error. Backup and restore are in `backup`, the binary's
//! allocator and threads in `runtime`.

use crate::api_client::*;
use crate::child::*;
use crate::util::*;
use std::path::Path;
use switchboard_protocol::ids::{ContactId, ConversationId, Millis, Offset, Seq, TeamId, UserId};
use switchboard_protocol::model::{Message, Sender, SenderKind};
use switchboard_server::store::{ContactRecord, ConversationRecord, Entry, SledStore, Store};
use tokio_tungstenite::tungstenite::Message as WsMessage;

#[tokio::test]
async fn metrics_move_with_traffic_and_errors_are_counted_by_code() {
    let (_dir, server, world) = seeded().await;
    let before = scrape(server.addr).await;
    let (alice, mut events) = connect(&server.url(), &world.alice.token).await;
    alice.subscribe(world.team_a).await.expect("subscribes");
    let conversation = start_conversation(&alice, world.team_a, "Dana").await;
    for i in 0..5 {
        alice
            .send(conversation, format!("m{i}"))
            .await
            .expect("sent");
    }
    next_messages(&mut events, 5).await;
    let after = scrape(server.addr).await;
    for name in [
        "switchboard_frames_in_total",
        "switchboard_frames_out_total",
        "switchboard_event_deliveries_total",
        "switchboard_flush_seconds_count",
        "switchboard_connections_accepted_total",
    ] {
        assert!(
            sample(&after, name) > sample(&before, name),
            "{name} did not grow:\n{after}"
        );
    }
    assert!(sample(&after, "switchboard_connections_open") >= 1.0);
    assert!(sample(&after, "switchboard_hubs_alive") >= 1.0);

    let errors = "switchboard_errors_total{code=\"bad_frame\"}";
    let mut raw = Raw::login(&server.url(), &world.bob.token).await;
    raw.send_raw(WsMessage::Text("{not a frame".into())).await;
    let refusal = raw.recv().await;
    assert!(
        matches!(
            refusal,
            Some(switchboard_protocol::server::ServerFrame::Error(_))
        ),
        "{refusal:?}"
    );
    let last = scrape(server.addr).await;
    assert!(
        sample(&last, errors) > sample(&after, errors),
        "{errors} did not grow:\n{last}"
    );
}

#[tokio::test]
async fn readyz_answers_200_while_serving() {
    let (_dir, server, _world) = seeded().await;
    let ready = http(server.addr, "GET", "/readyz", &[], b"").await;
    assert_eq!(ready.status, 200);
    let alive = http(server.addr, "GET", "/healthz", &[], b"").await;
    assert_eq!(alive.status, 200);
}

/// Writes `count` conversations into `team` straight through the store,
/// the n-th holding `n % 3 + 1` messages; returns them with their last seq.
fn seed_conversations(
    store: &dyn Store,
    team: TeamId,
    author: UserId,
    count: usize,
) -> Vec<(ConversationId, u64)> {
    let mut offset = store.stream_head(team).unwrap().last.0;
    let mut made = Vec::with_capacity(count);
    for n in 0..count {
        let contact = ContactRecord::new(
            ContactId(store.next_id().unwrap()),
            team,
            format!("contact {n}"),
            None,
            None,
            Millis(1),
        );
        let id = ConversationId(store.next_id().unwrap());
        let conversation = ConversationRecord::new(id, team, contact.id, Millis(1));
        offset += 1;
        let entry = Entry::ConversationStarted {
            contact: &contact,
            conversation: &conversation,
        };
        store.commit(team, Offset(offset), entry).unwrap();
        let messages = (n % 3 + 1) as u64;
        for seq in 1..=messages {
            offset += 1;
            let message = Message {
                conversation: id,
                seq: Seq(seq),
                offset: Offset(offset),
                sender: Sender {
                    kind: SenderKind::Agent,
                    id: author.0,
                    name: "Alice".into(),
                },
                body: format!("seeded {seq}"),
                client_msg_id: None,
                at: Millis(2),
                status: None,
                post: None,
                delivery: None,
            };
            let entry = Entry::Message {
                message: &message,
                idempotency: None,
            };
            store.commit(team, Offset(offset), entry).unwrap();
        }
        made.push((id, messages));
    }
    store.flush().unwrap();
    made
}

#[tokio::test]
async fn a_restart_over_ten_thousand_conversations_continues_every_seq() {
    let dir = tempfile::tempdir().unwrap();
    let (world, made) = {
        let store = SledStore::open(dir.path()).unwrap();
        let world = seed(&store);
        let made = seed_conversations(&store, world.team_a, world.alice.user, 10_000);
        (world, made)
    };
    let server = TestServer::start(dir.path()).await;
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    // A sample spread over the id range, both ends included.
    let picks: Vec<usize> = (0..25).map(|i| i * (made.len() - 1) / 24).collect();
    for &pick in &picks {
        let (conversation, last) = made[pick];
        let ack = alice
            .send(conversation, "after restart")
            .await
            .expect("sent");
        assert_eq!(ack.seq, Seq(last + 1), "conversation #{pick}");
        let page = alice
            .history(conversation, switchboard_client::HistoryQuery::latest())
            .await
            .expect("history");
        let seqs: Vec<u64> = page.messages.iter().map(|m| m.seq.0).collect();
        assert_eq!(seqs, (1..=last + 1).collect::<Vec<_>>(), "#{pick}");
    }
}

fn assert_refused(data: &Path, what: &str) {
    let (status, stderr) = run_binary(&["serve", "--listen", "127.0.0.1:0"], data);
    assert!(!status.success(), "{what}: the server started");
    assert_eq!(status.code(), Some(1), "{what}: {stderr}");
    assert!(
        stderr.contains(&data.display().to_string()),
        "{what}: the error does not name the folder: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    eprintln!("{what}: {stderr}");
}

#[test]
fn a_corrupt_store_is_refused_with_an_error_naming_its_folder() {
    // Garbage over the database file: sled alone would open it empty.
    let dir = tempfile::tempdir().unwrap();
    seed_closed(dir.path());
    let garbage: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(dir.path().join("db"), &garbage).unwrap();
    assert_refused(dir.path(), "garbage db");

    // Garbage over sled's configuration file.
    let dir = tempfile::tempdir().unwrap();
    seed_closed(dir.path());
    std::fs::write(dir.path().join("conf"), &garbage[..100]).unwrap();
    assert_refused(dir.path(), "garbage conf");

    // A record that does not decode.
    let dir = tempfile::tempdir().unwrap();
    seed_closed(dir.path());
    {
        let db = reopen(|| sled::open(dir.path()));
        let conversations = db.open_tree("conversations").unwrap();
        conversations
            .insert(7u64.to_be_bytes(), &b"\xc1\xc1\xc1"[..])
            .unwrap();
        db.flush().unwrap();
    }
    assert_refused(dir.path(), "undecodable record");

    // A message index pointing at a log record that is not there.
    let dir = tempfile::tempdir().unwrap();
    seed_closed(dir.path());
    {
        let db = reopen(|| sled::open(dir.path()));
        let conversations = db.open_tree("conversations").unwrap();
        let record = ConversationRecord::new(ConversationId(7), TeamId(1), ContactId(8), Millis(0));
        conversations
            .insert(
                7u64.to_be_bytes(),
                rmp_serde::to_vec_named(&record).unwrap(),
            )
            .unwrap();
        let index = db.open_tree("conversation_messages").unwrap();
        let mut key = 7u64.to_be_bytes().to_vec();
        key.extend_from_slice(&3u64.to_be_bytes());
        let mut pointer = 1u64.to_be_bytes().to_vec();
        pointer.extend_from_slice(&999u64.to_be_bytes());
        index.insert(key, pointer).unwrap();
        db.flush().unwrap();
    }
    assert_refused(dir.path(), "dangling index");

    // A data path that is a file, not a folder.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, b"x").unwrap();
    assert_refused(&file, "a file");
}
