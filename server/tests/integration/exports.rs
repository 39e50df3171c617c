//! Exports: the contact book as CSV imports back into an empty team to
//! the very same book (phones, emails, tags, notes with commas, quotes and
//! line breaks, custom fields of every kind), and the conversations come
//! out as JSON lines with their messages. Each export is recorded.

use crate::imports::{call, finished, upload};
use crate::util::{seed, start_conversation, TestServer};
use std::time::Duration;
use switchboard_client::{Client, ClientConfig};
use switchboard_protocol::contacts::{ContactFields, FieldDef, FieldKind};
use switchboard_protocol::ids::TeamId;
use switchboard_server::store::{BookChange, Entry, LogRecord, SledStore, Store};

/// Defines the same custom fields in `teams`, through the store, before
/// the server starts.
fn define_fields(store: &dyn Store, teams: &[TeamId]) {
    let def = |key: &str, kind: FieldKind, options: &[&str]| FieldDef {
        key: key.into(),
        label: key.into(),
        kind,
        options: options.iter().map(|o| o.to_string()).collect(),
    };
    let fields = vec![
        def("stage", FieldKind::Choice, &["new", "hired"]),
        def("salary", FieldKind::Number, &[]),
        def("start", FieldKind::Date, &[]),
        def("source", FieldKind::Text, &[]),
    ];
    for team in teams {
        let change = BookChange {
            fields: Some(fields.clone()),
            log: vec![LogRecord::ContactFields(ContactFields {
                fields: fields.clone(),
            })],
            ..BookChange::default()
        };
        let offset = store.stream_head(*team).unwrap().last.next();
        let entry = Entry::ContactBook {
            change: &change,
            receipt: None,
        };
        store.commit(*team, offset, entry).unwrap();
    }
    store.flush().unwrap();
}

const RICH: &str = "\
Name,Phone,Email,Tags,Notes,Stage,Salary,Start,Where\n\
Ada Lovelace,+44 20 7946 0018; +1 212 555 0100,ada@example.com,lead;VIP,\"Met at \"\"the\"\" fair, twice\nthen called\",hired,120000.50,2024-02-29,referral\n\
Grace Hopper,+1 212 555 0101,grace@example.com; g.hopper@example.org,lead,,new,,,\n\
Alan Turing,,alan@example.com,,\"comma, and; semicolon\",,99,,web\n\
Bad Stage,,bad.stage@example.com,,,fired,,,\n\
Bad Date,,bad.date@example.com,,,,,2023-02-29,\n";

#[tokio::test]
async fn an_export_imports_into_an_empty_team_as_the_same_book() {
    let dir = tempfile::tempdir().unwrap();
    let world = {
        let store = SledStore::open(dir.path()).unwrap();
        let world = seed(&store);
        define_fields(&store, &[world.team_a, world.team_sales]);
        world
    };
    let server = TestServer::start(dir.path()).await;
    let (addr, token) = (server.addr, &world.alice.token);
    let mapping = crate::imports::mapping_query(serde_json::json!({"columns": {
        "Stage": "field:stage", "Salary": "field:salary", "Start": "field:start",
        "Where": "field:source"
    }}));
    let answer = upload(addr, world.team_a, token, &mapping, RICH.as_bytes()).await;
    assert_eq!(
        answer.status,
        202,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let job = answer.json()["job"]["id"].as_u64().unwrap();
    let done = finished(addr, world.team_a, token, job, Duration::from_secs(30)).await;
    assert_eq!(done["job"]["import"]["created"], 3, "{done}");
    let reasons: Vec<&str> = (done["rejected"].as_array().unwrap().iter())
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(reasons[0].contains("the field \"stage\""), "{reasons:?}");
    assert!(reasons[1].contains("the field \"start\""), "{reasons:?}");

    let path = |team: TeamId| format!("/api/teams/{}/export/contacts.csv", team.0);
    let first = call(addr, "GET", &path(world.team_a), token, b"").await;
    assert_eq!(first.status, 200);
    assert_eq!(
        first.header("content-type"),
        Some("text/csv; charset=utf-8")
    );
    let text = String::from_utf8(first.body.clone()).unwrap();
    assert!(
        text.starts_with("name,phones,emails,tags,notes,stage,salary,start,source\n"),
        "{text}"
    );
    assert!(text.contains("+442079460018; +12125550100"), "{text}");
    // Into the empty team, with no mapping at all: the export's own columns.
    let answer = upload(addr, world.team_sales, token, "", &first.body).await;
    assert_eq!(
        answer.status,
        202,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let job = answer.json()["job"]["id"].as_u64().unwrap();
    let done = finished(addr, world.team_sales, token, job, Duration::from_secs(30)).await;
    assert_eq!(done["job"]["import"]["created"], 3, "{done}");
    assert_eq!(done["job"]["import"]["rejected"], 0, "{done}");
    let second = call(addr, "GET", &path(world.team_sales), token, b"").await;
    assert_eq!(
        String::from_utf8(second.body).unwrap(),
        text,
        "the same book"
    );

    // Each export is in the record, with how many rows it wrote.
    let list = format!("/api/teams/{}/imports", world.team_a.0);
    let record = call(addr, "GET", &list, token, b"").await.json();
    let export = (record["transfers"].as_array().unwrap().iter())
        .find(|t| t["kind"] == "export_contacts")
        .expect("the export is recorded")
        .clone();
    assert_eq!(export["count"], 3, "{export}");
    assert_eq!(export["status"], "done", "{export}");
    assert_eq!(export["by"], world.alice.user.0);
}

#[tokio::test]
async fn conversations_export_as_json_lines_with_their_messages() {
    let (_dir, server, world) = crate::util::seeded().await;
    let (alice, _events) = Client::connect(ClientConfig::new(server.url(), &world.alice.token))
        .await
        .unwrap();
    let first = start_conversation(&alice, world.team_a, "Dana").await;
    alice.send(first, "hello Dana").await.unwrap();
    alice.send(first, "still there?").await.unwrap();
    let second = start_conversation(&alice, world.team_a, "Eve").await;
    let path = format!("/api/teams/{}/export/conversations.jsonl", world.team_a.0);
    let answer = call(server.addr, "GET", &path, &world.bob.token, b"").await;
    assert_eq!(answer.status, 200);
    let text = String::from_utf8(answer.body).unwrap();
    let lines: Vec<serde_json::Value> = (text.lines())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    // Newest first.
    assert_eq!(lines[0]["conversation"]["id"], second.0);
    assert_eq!(lines[1]["conversation"]["id"], first.0);
    assert_eq!(lines[1]["conversation"]["contact"]["name"], "Dana");
    let bodies: Vec<&str> = (lines[1]["messages"].as_array().unwrap().iter())
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["hello Dana", "still there?"]);
}
