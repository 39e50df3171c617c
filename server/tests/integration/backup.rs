//! Backup and restore through the real binary: a live backup taken over
//! HTTP while a client keeps sending restores to the same history, and an
//! offline backup never overwrites a file; `admin check` reports a sound
//! store.

use crate::child::*;
use crate::util::*;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use switchboard_protocol::ids::{ConversationId, Seq, TeamId};
use switchboard_server::store::{Page, SledStore, Store};

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

/// Runs `switchboard admin --data DATA ARGS...` to its end.
fn admin(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["admin", "--data"])
        .arg(data)
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs")
}

fn admin_ok(data: &Path, args: &[&str]) -> String {
    let output = admin(data, args);
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
    let output = admin(&restored, &["restore", "--from", quiet.to_str().unwrap()]);
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
    seed_closed(&data);
    let out = admin_ok(&data, &["check"]);
    assert!(out.contains("is sound"), "{out}");
    let backups = dir.path().join("backups");
    std::fs::create_dir_all(&backups).unwrap();
    let out = admin_ok(&data, &["backup", "--to", backups.to_str().unwrap()]);
    assert!(out.contains("backup written to"), "{out}");
    let written: Vec<_> = std::fs::read_dir(&backups).unwrap().collect();
    assert_eq!(written.len(), 1);
    let file = written[0].as_ref().unwrap().path();
    let output = admin(&data, &["backup", "--to", file.to_str().unwrap()]);
    assert!(
        !output.status.success(),
        "an existing file is never overwritten"
    );
}
