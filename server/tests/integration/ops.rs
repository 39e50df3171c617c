//! Operations: `/metrics` moving with traffic, `/readyz`, the integrity
//! check and seq rebuild at start, a corrupt store refused with a clear
//! error, and backup and restore through the real binary while a client
//! keeps sending.

use crate::api_client::*;
use crate::util::*;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use switchboard_protocol::ids::{ContactId, ConversationId, Millis, Offset, Seq, TeamId, UserId};
use switchboard_protocol::model::{Message, Sender, SenderKind};
use switchboard_server::store::{ContactRecord, ConversationRecord, Entry, Page, SledStore, Store};
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

/// Runs the binary with `args`; returns its exit status and stderr.
fn run(args: &[&str], data: &Path) -> (std::process::ExitStatus, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(args)
        .arg("--data")
        .arg(data)
        .env("RUST_BACKTRACE", "0")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("the binary runs");
    (
        output.status,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A data folder with a world in it, not open.
fn data_with_world(dir: &Path) {
    let store = reopen(|| SledStore::open(dir));
    seed(&store);
    store.flush().unwrap();
}

fn assert_refused(data: &Path, what: &str) {
    let (status, stderr) = run(&["serve", "--listen", "127.0.0.1:0"], data);
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
    data_with_world(dir.path());
    let garbage: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(dir.path().join("db"), &garbage).unwrap();
    assert_refused(dir.path(), "garbage db");

    // Garbage over sled's configuration file.
    let dir = tempfile::tempdir().unwrap();
    data_with_world(dir.path());
    std::fs::write(dir.path().join("conf"), &garbage[..100]).unwrap();
    assert_refused(dir.path(), "garbage conf");

    // A record that does not decode.
    let dir = tempfile::tempdir().unwrap();
    data_with_world(dir.path());
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
    data_with_world(dir.path());
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

/// Every conversation of `team` in `store`, with its messages' seqs.
fn timelines(store: &dyn Store, team: TeamId) -> Vec<(ConversationId, Vec<(u64, String)>)> {
    let mut all = Vec::new();
    for conversation in store.team_conversations(team, None, 100_000).unwrap() {
        let mut messages = Vec::new();
        let mut after = Seq(0);
        loop {
            let (page, more) = store
                .messages(conversation.id, Page::After(after), 500)
                .unwrap();
            if let Some(last) = page.last() {
                after = last.seq;
            }
            messages.extend(page.into_iter().map(|m| (m.seq.0, m.body)));
            if !more {
                break;
            }
        }
        all.push((conversation.id, messages));
    }
    all.sort();
    all
}

fn admin_ok(data: &Path, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["admin", "--data"])
        .arg(data)
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "admin {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn a_live_backup_is_consistent_and_a_restore_gives_the_same_history() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let backups = dir.path().join("backups");
    let world = {
        let store = reopen(|| SledStore::open(&data));
        seed(&store)
    };
    let server = ChildServer::start(&data, &["--backup-dir", backups.to_str().unwrap()]);
    let (alice, _events) = connect(&server.url, &world.alice.token).await;
    let mut conversations = Vec::new();
    for name in ["Dana", "Eve", "Finn"] {
        conversations.push(start_conversation(&alice, world.team_a, name).await);
    }
    // A client keeps sending while backups are taken.
    let sender = {
        let alice = alice.clone();
        let conversations = conversations.clone();
        tokio::spawn(async move {
            let deadline = Instant::now() + Duration::from_secs(20);
            let mut sent = 0usize;
            while sent < 3000 && Instant::now() < deadline {
                let conversation = conversations[sent % conversations.len()];
                if alice
                    .send(conversation, format!("live {sent}"))
                    .await
                    .is_err()
                {
                    break;
                }
                sent += 1;
            }
            sent
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut live_copies = Vec::new();
    for i in 0..3 {
        let to = dir.path().join(format!("live-{i}.backup"));
        let addr = server.addr().to_string();
        let data = data.clone();
        let to_arg = to.clone();
        tokio::task::spawn_blocking(move || {
            admin_ok(
                &data,
                &[
                    "backup",
                    "--server",
                    &addr,
                    "--to",
                    to_arg.to_str().unwrap(),
                ],
            )
        })
        .await
        .unwrap();
        assert!(to.is_file(), "{} written", to.display());
        live_copies.push(to);
    }
    let sent = tokio::time::timeout(Duration::from_secs(60), sender)
        .await
        .expect("the sender ends")
        .unwrap();
    assert!(sent > 0);
    eprintln!(
        "{sent} messages sent during {} live backups",
        live_copies.len()
    );
    // Each live copy restores to a store whose conversations have
    // contiguous seqs from 1.
    for (i, copy) in live_copies.iter().enumerate() {
        let restored = dir.path().join(format!("restored-{i}"));
        admin_ok(&restored, &["restore", "--from", copy.to_str().unwrap()]);
        let store = reopen(|| SledStore::open(&restored));
        for (conversation, messages) in timelines(&store, world.team_a) {
            let seqs: Vec<u64> = messages.iter().map(|(seq, _)| *seq).collect();
            assert_eq!(
                seqs,
                (1..=seqs.len() as u64).collect::<Vec<_>>(),
                "copy {i}, conversation {conversation:?}"
            );
        }
    }
    // A quiet backup restores to exactly the same history.
    let quiet = dir.path().join("quiet.backup");
    admin_ok(
        &data,
        &[
            "backup",
            "--server",
            &server.addr().to_string(),
            "--to",
            quiet.to_str().unwrap(),
        ],
    );
    alice.close().await;
    drop(server);
    let restored = dir.path().join("restored-quiet");
    std::fs::create_dir_all(&restored).unwrap();
    std::fs::write(restored.join("keep"), b"x").unwrap();
    // A non-empty folder is refused without --force.
    let output = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["admin", "--data"])
        .arg(&restored)
        .args(["restore", "--from", quiet.to_str().unwrap()])
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("--force"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(restored.join("keep").exists(), "nothing was touched");
    admin_ok(
        &restored,
        &["restore", "--from", quiet.to_str().unwrap(), "--force"],
    );
    let original = {
        let store = reopen(|| SledStore::open(&data));
        timelines(&store, world.team_a)
    };
    let copy = {
        let store = reopen(|| SledStore::open(&restored));
        timelines(&store, world.team_a)
    };
    assert_eq!(original.len(), 3);
    let live = original
        .iter()
        .flat_map(|(_, m)| m)
        .filter(|(_, body)| body.starts_with("live "))
        .count();
    assert_eq!(live, sent, "every acknowledged message is in the original");
    assert_eq!(copy, original);
    // The restored store serves.
    let server = TestServer::start(&restored).await;
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let ack = alice.send(conversations[0], "after restore").await.unwrap();
    let before = original
        .iter()
        .find(|(c, _)| *c == conversations[0])
        .map(|(_, m)| m.len() as u64)
        .unwrap();
    assert_eq!(ack.seq, Seq(before + 1));
}

#[test]
fn an_offline_backup_refuses_to_overwrite_and_admin_check_reports() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    data_with_world(&data);
    let out = admin_ok(&data, &["check"]);
    assert!(out.contains("is sound"), "{out}");
    let backups = dir.path().join("backups");
    std::fs::create_dir_all(&backups).unwrap();
    let out = admin_ok(&data, &["backup", "--to", backups.to_str().unwrap()]);
    assert!(out.contains("backup written to"), "{out}");
    let written: Vec<_> = std::fs::read_dir(&backups).unwrap().collect();
    assert_eq!(written.len(), 1);
    let file = written[0].as_ref().unwrap().path();
    let output = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["admin", "--data"])
        .arg(&data)
        .args(["backup", "--to", file.to_str().unwrap()])
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    assert!(
        !output.status.success(),
        "an existing file is never overwritten"
    );
}

/// The server allocates with jemalloc over two arenas (`main/alloc.rs`):
/// durable sends and idle memory per connection were measured with it.
/// jemalloc prints its options at exit when asked in the environment; the
/// C library's malloc would print nothing.
#[test]
fn the_binary_allocates_with_jemalloc_over_two_arenas() {
    let output = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("--version")
        .env("_RJEM_MALLOC_CONF", "stats_print:true")
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs");
    assert!(output.status.success());
    let stats = String::from_utf8_lossy(&output.stderr);
    assert!(
        stats.lines().any(|line| line.trim() == "opt.narenas: 2"),
        "jemalloc's statistics with two arenas, got: {}",
        stats.lines().take(20).collect::<Vec<_>>().join("\n")
    );
}

/// `--connection-threads` sizes the runtime that serves the connections,
/// and `/metrics` says how many threads it and the hubs' runtime have: one
/// per core each by default. Zero threads is refused before anything opens.
#[tokio::test]
async fn the_connections_threads_follow_the_flag_and_default_to_one_per_core() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let dir = tempfile::tempdir().unwrap();
    let threads = |scraped: &str| {
        (
            sample(scraped, "switchboard_connection_threads"),
            sample(scraped, "switchboard_hub_threads"),
        )
    };
    let server = ChildServer::start(&dir.path().join("default"), &[]);
    assert_eq!(threads(&scrape(server.addr()).await), (cores, cores));
    drop(server);
    let server = ChildServer::start(&dir.path().join("one"), &["--connection-threads", "1"]);
    assert_eq!(threads(&scrape(server.addr()).await), (1.0, cores));
    drop(server);
    let none = dir.path().join("none");
    let (status, stderr) = run(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--connection-threads",
            "0",
        ],
        &none,
    );
    assert_eq!(status.code(), Some(2), "clap's usage error: {stderr}");
    assert!(stderr.contains("--connection-threads"), "{stderr}");
    assert!(!none.exists(), "nothing was opened");
}
