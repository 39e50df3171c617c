//! Contact imports and exports over HTTP: a dry run that changes nothing,
//! exact counts over a generated 200,000-row file with bad rows and
//! duplicates while the server's memory stays flat, an import killed with
//! SIGKILL and resumed without a row twice, the export -> import round
//! trip, and who may (Members yes; Restricted Members, bots and outsiders
//! no).

use crate::api_client::{http, HttpAnswer};
use crate::util::{
    restricted_member, seed_closed, seeded, start_conversation, ChildServer, PATIENCE,
};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use switchboard_client::{Client, ClientConfig, ClientEvent};
use switchboard_protocol::ids::TeamId;
use switchboard_protocol::server::{Event, EventFrame};

/// A request with a bearer token.
pub async fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: &str,
    body: &[u8],
) -> HttpAnswer {
    let auth = format!("Bearer {token}");
    http(addr, method, path, &[("Authorization", &auth)], body).await
}

/// POSTs a CSV as an import of `team` (`query` after `?`).
pub async fn upload(
    addr: SocketAddr,
    team: TeamId,
    token: &str,
    query: &str,
    csv: &[u8],
) -> HttpAnswer {
    let path = format!("/api/teams/{}/imports?{query}", team.0);
    call(addr, "POST", &path, token, csv).await
}

/// Waits until the import `job` is done; its answer.
pub async fn finished(
    addr: SocketAddr,
    team: TeamId,
    token: &str,
    job: u64,
    bound: Duration,
) -> serde_json::Value {
    let deadline = Instant::now() + bound;
    loop {
        let path = format!("/api/teams/{}/imports/{job}", team.0);
        let answer = call(addr, "GET", &path, token, b"").await;
        assert_eq!(
            answer.status,
            200,
            "{:?}",
            String::from_utf8_lossy(&answer.body)
        );
        let json = answer.json();
        if json["job"]["status"] != "running" {
            return json;
        }
        assert!(
            Instant::now() < deadline,
            "the import did not finish in {bound:?}: {json}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The counts of an import's answer: (lines, created, merged, rejected).
fn counts(job: &serde_json::Value) -> (u64, u64, u64, u64) {
    let import = &job["import"];
    let n = |k: &str| import[k].as_u64().unwrap_or_else(|| panic!("{k} in {job}"));
    (n("lines"), n("created"), n("merged"), n("rejected"))
}

/// A generated file of `rows` data rows and what importing it into an
/// empty book must give: every 100 rows, one bad phone, one bad email,
/// one without a name (rejected), one repeating the previous row's email
/// and one repeating an earlier row's phone under another email (merged);
/// every row carries `pad` bytes in an ignored column.
pub struct Generated {
    pub csv: Vec<u8>,
    pub created: u64,
    pub merged: u64,
    pub rejected: u64,
}

pub fn generate(rows: u64, pad: usize) -> Generated {
    let mut csv = b"Full Name,Mobile,E-mail,Labels,Padding\n".to_vec();
    let padding = "x".repeat(pad);
    let (mut created, mut merged, mut rejected) = (0, 0, 0);
    for i in 0..rows {
        let phone = |n: u64| format!("+1 212 {:03} {:04}", 200 + n / 10_000 % 800, n % 10_000);
        let line = match i % 100 {
            7 => {
                rejected += 1;
                format!("Bad Phone {i},12,bad{i}@example.com,,{padding}\n")
            }
            13 => {
                rejected += 1;
                format!("Bad Email {i},,not-an-email,,{padding}\n")
            }
            21 => {
                rejected += 1;
                format!(",{},noname{i}@example.com,,{padding}\n", phone(i))
            }
            51 => {
                merged += 1;
                format!("Again {i},,person{}@example.com,again,{padding}\n", i - 1)
            }
            77 => {
                merged += 1;
                format!(
                    "Same Phone {i},{},other{i}@example.com,,{padding}\n",
                    phone(i - 75)
                )
            }
            _ => {
                created += 1;
                format!(
                    "Person {i},{},person{i}@example.com,lead;vip,{padding}\n",
                    phone(i)
                )
            }
        };
        csv.extend_from_slice(line.as_bytes());
    }
    Generated {
        csv,
        created,
        merged,
        rejected,
    }
}

/// `mapping=` and a mapping, percent-encoded for a query.
pub fn mapping_query(mapping: serde_json::Value) -> String {
    let encoded: String = (mapping.to_string().bytes())
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("mapping={encoded}")
}

/// The mapping for [`generate`]'s header, as a query.
pub fn generated_mapping() -> String {
    mapping_query(serde_json::json!({"columns": {
        "Full Name": "name", "Mobile": "phone", "E-mail": "email",
        "Labels": "tags", "Padding": "ignore"
    }}))
}

/// A process's resident memory (`VmRSS`) or its peak (`VmHWM`), in KiB.
fn memory_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_dry_run_reports_every_row_and_changes_nothing() {
    let (_dir, server, world) = seeded().await;
    let file = generate(300, 0);
    let query = format!("dry_run=1&{}", generated_mapping());
    let answer = upload(
        server.addr,
        world.team_a,
        &world.bob.token,
        &query,
        &file.csv,
    )
    .await;
    // Answered once spooled; followed like any job.
    assert_eq!(
        answer.status,
        202,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let job = answer.json()["job"]["id"].as_u64().unwrap();
    let json = finished(server.addr, world.team_a, &world.bob.token, job, PATIENCE).await;
    assert_eq!(json["job"]["status"], "done");
    assert_eq!(json["job"]["import"]["dry_run"], true);
    assert_eq!(
        counts(&json["job"]),
        (300, file.created, file.merged, file.rejected)
    );
    let rejected = json["rejected"].as_array().unwrap();
    assert_eq!(rejected.len() as u64, file.rejected);
    // Line 1 is the header: row i is on line i + 2.
    assert_eq!(rejected[0]["line"], 9);
    assert!(
        rejected[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("bad phone: \"12\" is not a valid phone number"),
        "{json}"
    );
    assert!(
        rejected[1]["reason"]
            .as_str()
            .unwrap()
            .contains("bad email"),
        "{json}"
    );
    assert_eq!(rejected[2]["reason"], "missing name");
    // Nothing reached the book.
    let path = format!("/api/teams/{}/export/contacts.csv", world.team_a.0);
    let export = call(server.addr, "GET", &path, &world.bob.token, b"").await;
    assert_eq!(export.status, 200);
    let text = String::from_utf8(export.body).unwrap();
    assert_eq!(text.lines().count(), 1, "only the header: {text}");
}

#[tokio::test]
async fn a_column_without_a_mapping_refuses_the_file_and_leaves_nothing() {
    let (dir, server, world) = seeded().await;
    let csv = b"name,shoe size\nAda,38\n";
    let answer = upload(server.addr, world.team_a, &world.alice.token, "", csv).await;
    assert_eq!(answer.status, 400);
    assert!(
        answer.error_message().contains("\"shoe size\""),
        "{}",
        answer.error_message()
    );
    let spool = dir.path().join("imports");
    let left = std::fs::read_dir(&spool).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "no spooled file left behind");
    // The same file with the column ignored goes through.
    let query = mapping_query(serde_json::json!({"columns": {"shoe size": "ignore"}}));
    let answer = upload(server.addr, world.team_a, &world.alice.token, &query, csv).await;
    assert_eq!(
        answer.status,
        202,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
}

#[tokio::test]
async fn only_the_teams_managers_and_members_may_import_and_export() {
    let (_dir, server, world) = seeded().await;
    let csv = b"name\nAda\n";
    let team = world.team_a;
    // An outsider is told exactly what a team that does not exist tells.
    let outsider = upload(server.addr, team, &world.carol.token, "dry_run=1", csv).await;
    let missing = upload(
        server.addr,
        TeamId(999_999),
        &world.carol.token,
        "dry_run=1",
        csv,
    )
    .await;
    assert_eq!(outsider.status, 404);
    assert_eq!(outsider.body, missing.body);
    let export = format!("/api/teams/{}/export/contacts.csv", team.0);
    let outsider = call(server.addr, "GET", &export, &world.carol.token, b"").await;
    assert_eq!(outsider.status, 404);
    // A Restricted Member of one of the team's conversations is refused.
    let (alice, _events) = Client::connect(ClientConfig::new(server.url(), &world.alice.token))
        .await
        .unwrap();
    let conversation = start_conversation(&alice, team, "Dana").await;
    let guest = restricted_member(
        &server,
        conversation,
        "guest@x.test",
        "Guest",
        world.alice.user,
    );
    let refused = upload(server.addr, team, &guest.token, "dry_run=1", csv).await;
    assert_eq!(
        refused.status,
        403,
        "{}",
        String::from_utf8_lossy(&refused.body)
    );
    let refused = call(server.addr, "GET", &export, &guest.token, b"").await;
    assert_eq!(refused.status, 403);
    // A Member imports and exports, but the record is for Managers.
    let answer = upload(server.addr, team, &world.bob.token, "dry_run=1", csv).await;
    assert_eq!(answer.status, 202);
    let list = format!("/api/teams/{}/imports", team.0);
    assert_eq!(
        call(server.addr, "GET", &list, &world.bob.token, b"")
            .await
            .status,
        403
    );
    let record = call(server.addr, "GET", &list, &world.alice.token, b"").await;
    assert_eq!(record.status, 200);
    let transfers = record.json()["transfers"].as_array().unwrap().clone();
    assert_eq!(transfers.len(), 1, "{transfers:?}");
    assert_eq!(transfers[0]["by"], world.bob.user.0);
    assert_eq!(transfers[0]["kind"], "import");
    // Nothing without a token at all.
    let anonymous = http(server.addr, "GET", &export, &[], b"").await;
    assert_eq!(anonymous.status, 401);
}

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

#[tokio::test]
async fn import_progress_reaches_the_team_and_never_a_restricted_member() {
    let (_dir, server, world) = seeded().await;
    let team = world.team_a;
    let (alice, _alice_events) =
        Client::connect(ClientConfig::new(server.url(), &world.alice.token))
            .await
            .unwrap();
    let conversation = start_conversation(&alice, team, "Dana").await;
    let guest = restricted_member(
        &server,
        conversation,
        "guest@x.test",
        "Guest",
        world.alice.user,
    );
    let (bob, mut bob_events) = Client::connect(ClientConfig::new(server.url(), &world.bob.token))
        .await
        .unwrap();
    bob.subscribe(team).await.unwrap();
    let (guest, mut guest_events) = Client::connect(ClientConfig::new(server.url(), &guest.token))
        .await
        .unwrap();
    guest.subscribe(team).await.unwrap();
    let file = generate(1_200, 0);
    let answer = upload(
        server.addr,
        team,
        &world.bob.token,
        &generated_mapping(),
        &file.csv,
    )
    .await;
    assert_eq!(answer.status, 202);
    // Bob sees each batch, the last one done, with the final counts.
    let last = loop {
        match tokio::time::timeout(crate::util::PATIENCE, bob_events.next()).await {
            Ok(Some(ClientEvent::Event(EventFrame {
                event: Event::ImportProgress(progress),
                ..
            }))) if progress.done => break progress,
            Ok(Some(_)) => continue,
            other => panic!("no import_progress done for a Member: {other:?}"),
        }
    };
    assert_eq!(
        (last.lines, last.created, last.merged, last.rejected),
        (1_200, file.created, file.merged, file.rejected)
    );
    // The guest hears a message in their conversation, and nothing of it.
    alice.send(conversation, "after the import").await.unwrap();
    loop {
        match tokio::time::timeout(crate::util::PATIENCE, guest_events.next()).await {
            Ok(Some(ClientEvent::Event(EventFrame { event, .. }))) => match event {
                Event::ImportProgress(_) => panic!("a Restricted Member heard an import"),
                Event::Message(m) if m.body == "after the import" => break,
                _ => continue,
            },
            Ok(Some(_)) => continue,
            other => panic!("no message for the guest: {other:?}"),
        }
    }
}
