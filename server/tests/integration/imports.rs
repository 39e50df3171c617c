//! Contact imports and exports over HTTP: a dry run that changes nothing,
//! exact counts over a generated 200,000-row file with bad rows and
//! duplicates while the server's memory stays flat, an import killed with
//! SIGKILL and resumed without a row twice, the export -> import round
//! trip, and who may (Members yes; Restricted Members, bots and outsiders
//! no).

mod large;
mod support;

pub use support::{call, finished, mapping_query, upload};

use crate::api_client::http;
use crate::util::{restricted_member, seeded, start_conversation, PATIENCE};
use support::{counts, generate, generated_mapping};
use switchboard_client::{Client, ClientConfig, ClientEvent};
use switchboard_protocol::ids::TeamId;
use switchboard_protocol::server::{Event, EventFrame};

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
