//! Imports of a large generated file into a server in a child process:
//! 200,000 rows with exact counts and flat memory, and an import killed
//! with SIGKILL and resumed without a row twice.

use super::support::*;
use crate::child::ChildServer;
use crate::util::seed_closed;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use switchboard_protocol::ids::TeamId;

/// A dry run of `file` (as `token`) and its answer, once read whole.
async fn dry_run(
    addr: SocketAddr,
    team: TeamId,
    token: &str,
    file: &Generated,
) -> serde_json::Value {
    let query = format!("dry_run=1&{}", generated_mapping());
    let answer = upload(addr, team, token, &query, &file.csv).await;
    assert_eq!(
        answer.status,
        202,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let job = answer.json()["job"]["id"].as_u64().unwrap();
    finished(addr, team, token, job, Duration::from_secs(300)).await
}

#[tokio::test]
async fn an_import_of_200000_rows_is_exact_and_memory_stays_flat() {
    let dir = tempfile::tempdir().unwrap();
    let world = seed_closed(dir.path());
    let server = ChildServer::start(dir.path(), &[]);
    let (addr, team, token) = (server.addr(), world.team_a, &world.alice.token);
    let rows = 200_000;
    let small = generate(rows, 0);
    // The same rows with 400 more bytes each in an ignored column: some
    // 80 MB more to spool and read.
    let large = generate(rows, 400);
    let more_kib = (large.csv.len() - small.csv.len()) as u64 / 1024;
    // Memory: both files go through the spool and the reader whole (a dry
    // run reads every row and writes nothing to the book, so the book's
    // own growth does not blur the figure). Holding a file would cost its
    // size; reading it a batch at a time costs the same for both, give or
    // take the allocator's keeping (the dry run's set of phones and emails
    // is built twice).
    let before = memory_kib(server.pid(), "VmRSS");
    let json = dry_run(addr, team, token, &small).await;
    assert_eq!(
        counts(&json["job"]),
        (rows, small.created, small.merged, small.rejected)
    );
    let after_small = memory_kib(server.pid(), "VmHWM");
    let json = dry_run(addr, team, token, &large).await;
    assert_eq!(
        counts(&json["job"]),
        (rows, large.created, large.merged, large.rejected)
    );
    let after_large = memory_kib(server.pid(), "VmHWM");
    eprintln!(
        "dry runs: RSS {before} KiB before, peak {after_small} KiB after {} KiB, \
         {after_large} KiB after {} KiB",
        small.csv.len() / 1024,
        large.csv.len() / 1024
    );
    assert!(
        after_large - after_small < more_kib / 2,
        "{more_kib} KiB more file cost {} KiB more memory",
        after_large - after_small
    );
    // The real run: exact counts, every rejected row with its line, each
    // contact once.
    let answer = upload(addr, team, token, &generated_mapping(), &small.csv).await;
    assert_eq!(
        answer.status,
        202,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let job = answer.json()["job"]["id"].as_u64().unwrap();
    let started = Instant::now();
    let done = finished(addr, team, token, job, Duration::from_secs(900)).await;
    assert_eq!(done["job"]["status"], "done", "{done}");
    assert_eq!(
        counts(&done["job"]),
        (rows, small.created, small.merged, small.rejected)
    );
    eprintln!(
        "imported {rows} rows in {:?}; peak RSS {} KiB",
        started.elapsed(),
        memory_kib(server.pid(), "VmHWM")
    );
    let path = format!("/api/teams/{}/imports/{job}?limit=500", team.0);
    let page = call(addr, "GET", &path, token, b"").await.json();
    assert_eq!(page["rejected"].as_array().unwrap().len(), 500);
    assert_eq!(page["rejected"][0]["line"], 9);
    let reason = page["rejected"][0]["reason"].as_str().unwrap();
    assert!(reason.starts_with("bad phone: \"12\" is not"), "{reason}");
    let export = format!("/api/teams/{}/export/contacts.csv", team.0);
    let csv = call(addr, "GET", &export, token, b"").await;
    assert_eq!(csv.status, 200);
    let lines = csv
        .body
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .count() as u64;
    assert_eq!(
        lines,
        small.created + 1,
        "one row per contact, and the header"
    );
}

#[tokio::test]
async fn an_import_killed_midway_resumes_at_its_cursor_and_imports_no_row_twice() {
    let dir = tempfile::tempdir().unwrap();
    let world = seed_closed(dir.path());
    let server = ChildServer::start(dir.path(), &[]);
    let file = generate(100_000, 0);
    let token = &world.alice.token;
    let answer = upload(
        server.addr(),
        world.team_a,
        token,
        &generated_mapping(),
        &file.csv,
    )
    .await;
    assert_eq!(
        answer.status,
        202,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let job = answer.json()["job"]["id"].as_u64().unwrap();
    // Killed once some batches are written and before the last.
    let path = format!("/api/teams/{}/imports/{job}", world.team_a.0);
    let deadline = Instant::now() + Duration::from_secs(60);
    let seen = loop {
        let json = call(server.addr(), "GET", &path, token, b"").await.json();
        let lines = json["job"]["import"]["lines"].as_u64().unwrap();
        if lines > 0 {
            assert_eq!(
                json["job"]["status"], "running",
                "too quick to be killed midway"
            );
            break lines;
        }
        assert!(Instant::now() < deadline, "no batch written in time");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    server.kill_9();
    // Started again on the same folder, the job goes on by itself.
    let server = ChildServer::start(dir.path(), &[]);
    let done = finished(
        server.addr(),
        world.team_a,
        token,
        job,
        Duration::from_secs(300),
    )
    .await;
    assert_eq!(done["job"]["status"], "done", "{done}");
    assert_eq!(
        counts(&done["job"]),
        (100_000, file.created, file.merged, file.rejected)
    );
    eprintln!("killed after {seen} lines; resumed to the end");
    let export = format!("/api/teams/{}/export/contacts.csv", world.team_a.0);
    let csv = call(server.addr(), "GET", &export, token, b"").await;
    let rows = csv
        .body
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .count() as u64;
    assert_eq!(rows, file.created + 1, "each contact once, and the header");
    // Its rejected rows are each reported once, in order.
    let mut after = 0;
    let mut reported = 0;
    loop {
        let page = format!("{path}?after={after}&limit=500");
        let json = call(server.addr(), "GET", &page, token, b"").await.json();
        let rows = json["rejected"].as_array().unwrap();
        for row in rows {
            let line = row["line"].as_u64().unwrap();
            assert!(line > after, "lines ascend without repeats");
            after = line;
        }
        reported += rows.len() as u64;
        if json["next"].is_null() {
            break;
        }
    }
    assert_eq!(reported, file.rejected);
}
