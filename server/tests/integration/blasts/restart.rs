//! A blast survives a server killed with SIGKILL in the middle: started
//! again on the same folder, the server resumes it by itself and finishes
//! it, and no contact has two of its messages.

use super::support::*;
use super::tagged;
use crate::child::ChildServer;
use crate::util::{connect, seed_closed};
use std::time::Duration;
use switchboard_protocol::blast::BlastStatus;

#[tokio::test]
async fn a_blast_killed_midway_finishes_after_a_restart_with_nobody_messaged_twice() {
    let dir = tempfile::tempdir().unwrap();
    let world = seed_closed(dir.path());
    let server = ChildServer::start(dir.path(), &[]);
    let team = world.team_a;
    let (alice, _events) = connect(&server.url, &world.alice.token).await;
    let contacts = make_contacts(&alice, team, "k", 300).await;
    set_rate(&alice, team, 60).await;
    let blast = alice
        .create_blast(team, "Killed", tagged("k"), "Hi {{first_name}}")
        .await
        .unwrap();
    let before = wait_for(&alice, team, blast.id, Duration::from_secs(60), |i| {
        i.sent >= 40
    })
    .await;
    assert_eq!(
        before.status,
        BlastStatus::Running,
        "too quick to be killed midway"
    );
    drop(alice);
    server.kill_9();

    let server = ChildServer::start(dir.path(), &[]);
    let (alice, _events) = connect(&server.url, &world.alice.token).await;
    let done = finished(&alice, team, blast.id, Duration::from_secs(120)).await;
    assert_eq!((done.sent, done.skipped, done.failed), (300, 0, 0));
    let stored = stored_messages(&alice, team, blast.id).await;
    for contact in &contacts {
        let got = stored.get(contact).map_or(0, Vec::len);
        assert_eq!(got, 1, "contact {contact} got {got} messages");
    }
    assert_eq!(stored.len(), 300);
    eprintln!(
        "killed after {} sent; finished after the restart",
        before.sent
    );
}
