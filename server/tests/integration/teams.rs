//! Teams, members and roles through the SDK against a real server: who may
//! manage what, and how a change of access reaches live connections (closed
//! with 4009, reconnected with a fresh welcome, nothing more of a team they
//! left).

use crate::api_client::*;
use crate::util::*;
use std::time::{Duration, Instant};
use switchboard_client::{Client, ClientEvent, Events, Role, TeamChanges};
use switchboard_protocol::ids::{AccountId, TeamId};
use switchboard_protocol::server::{Event, EventFrame, Welcome};
use switchboard_protocol::{close, ErrorCode};

const PASSWORD: &str = "correct horse battery";

/// Waits for the connection to be closed with `code`, then for the new
/// welcome; returns it and how long the close took to arrive.
async fn closed_then_welcomed(events: &mut Events, code: u16) -> (Welcome, Duration) {
    let started = Instant::now();
    let mut closed_after = None;
    loop {
        let event = tokio::time::timeout(PATIENCE, events.next())
            .await
            .expect("an event in time")
            .expect("the event stream is open");
        match event {
            ClientEvent::Disconnected { code: got, .. } if closed_after.is_none() => {
                assert_eq!(got, Some(code), "closed with the expected code");
                closed_after = Some(started.elapsed());
            }
            ClientEvent::Reconnected { welcome } => {
                let closed = closed_after.expect("a disconnect before the reconnect");
                return (welcome, closed);
            }
            ClientEvent::Closed { code, reason } => panic!("closed for good: {code:?} {reason}"),
            _ => continue,
        }
    }
}

fn lists(welcome: &Welcome, team: TeamId) -> Option<Role> {
    welcome.teams.iter().find(|t| t.id == team).map(|t| t.role)
}

/// A fresh connection's welcome.
async fn fresh_welcome(url: &str, token: &str) -> Welcome {
    let (client, _events) = connect(url, token).await;
    let welcome = client.welcome();
    client.close().await;
    welcome
}

#[tokio::test]
async fn the_owner_creates_renames_and_removes_a_team_and_fresh_welcomes_follow() {
    let (_dir, server, world) = seeded().await;
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let welcome = alice.welcome();
    assert_eq!(welcome.accounts.len(), 1, "alice owns one account");
    assert_eq!(welcome.accounts[0].id, world.account_1);

    let team = alice
        .create_team(world.account_1, "Team C", "team-c", "+1 555 0003")
        .await
        .unwrap();
    assert_eq!((team.name.as_str(), team.role), ("Team C", Role::Manager));
    assert_eq!(
        team.statuses.len(),
        4,
        "a new team offers the default statuses"
    );
    let welcome = fresh_welcome(&server.url(), &world.alice.token).await;
    assert_eq!(lists(&welcome, team.id), Some(Role::Manager));
    // The creating connection reaches the new team at once.
    alice.subscribe(team.id).await.unwrap();

    let taken = alice
        .create_team(world.account_1, "Again", "TEAM-C", "")
        .await;
    assert_eq!(refusal(taken).0, ErrorCode::Conflict);

    let changes = TeamChanges {
        name: Some("Team Sea".into()),
        statuses: Some(vec!["hired".into(), "later".into()]),
        ..TeamChanges::default()
    };
    let renamed = alice.update_team(team.id, changes).await.unwrap();
    assert_eq!(renamed.name, "Team Sea");
    assert_eq!(renamed.identity, "+1 555 0003", "absent fields stay");
    let welcome = fresh_welcome(&server.url(), &world.alice.token).await;
    let listed = welcome.teams.iter().find(|t| t.id == team.id).unwrap();
    assert_eq!(listed.name, "Team Sea");
    assert_eq!(listed.statuses, ["hired", "later"]);

    alice.remove_team(team.id).await.unwrap();
    let welcome = fresh_welcome(&server.url(), &world.alice.token).await;
    assert_eq!(lists(&welcome, team.id), None);
    assert_eq!(lists(&welcome, world.team_a), Some(Role::Manager));
    assert_eq!(
        refusal(alice.subscribe(team.id).await).0,
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn members_may_not_manage_and_outsiders_cannot_tell_a_team_exists() {
    let (_dir, server, world) = seeded().await;
    let (bob, _bob_events) = connect(&server.url(), &world.bob.token).await;
    let (carol, _carol_events) = connect(&server.url(), &world.carol.token).await;

    let add = bob
        .add_member(world.team_a, "x@one.test", Role::Member, None)
        .await;
    assert_eq!(refusal(add).0, ErrorCode::Forbidden);
    let rename = TeamChanges {
        name: Some("Mine".into()),
        ..TeamChanges::default()
    };
    let update = bob.update_team(world.team_a, rename.clone()).await;
    assert_eq!(refusal(update).0, ErrorCode::Forbidden);
    let remove = bob.remove_member(world.team_a, world.alice.user).await;
    assert_eq!(refusal(remove).0, ErrorCode::Forbidden);
    assert_eq!(
        refusal(bob.remove_team(world.team_a).await).0,
        ErrorCode::Forbidden
    );
    let create = bob.create_team(world.account_1, "B", "b-team", "").await;
    assert_eq!(refusal(create).0, ErrorCode::Forbidden);
    assert_eq!(
        refusal(bob.usage(world.account_1).await).0,
        ErrorCode::Forbidden
    );
    // A Member may list the members.
    let members = bob.members(world.team_a).await.unwrap();
    let roles: Vec<_> = members
        .members
        .iter()
        .map(|m| (m.user.id, m.role))
        .collect();
    assert_eq!(
        roles,
        [
            (world.alice.user, Role::Manager),
            (world.bob.user, Role::Member)
        ]
    );

    // An outsider: a team that exists and one that does not look the same.
    let missing = TeamId(world.team_a.0 + 1_000_000);
    for team in [world.team_a, missing] {
        let expected = (ErrorCode::NotFound, format!("no team {team}"));
        assert_eq!(
            refusal(carol.update_team(team, rename.clone()).await),
            expected
        );
        assert_eq!(refusal(carol.members(team).await), expected);
        let add = carol
            .add_member(team, "x@two.test", Role::Member, None)
            .await;
        assert_eq!(refusal(add), expected);
        assert_eq!(
            refusal(carol.set_role(team, world.bob.user, Role::Manager).await),
            expected
        );
        assert_eq!(refusal(carol.remove_team(team).await), expected);
    }
    let missing_account = AccountId(world.account_1.0 + 1_000_000);
    for account in [world.account_1, missing_account] {
        let expected = (ErrorCode::NotFound, format!("no account {account}"));
        assert_eq!(refusal(carol.usage(account).await), expected);
        assert_eq!(
            refusal(carol.create_team(account, "X", "x-team", "").await),
            expected
        );
    }
}

#[tokio::test]
async fn a_promoted_member_manages_and_adds_an_existing_user_who_sees_the_team_after_4009() {
    let (_dir, server, world) = seeded().await;
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let (bob, mut bob_events) = connect(&server.url(), &world.bob.token).await;
    let (carol, mut carol_events) = connect(&server.url(), &world.carol.token).await;

    let promoted = alice
        .set_role(world.team_a, world.bob.user, Role::Manager)
        .await
        .unwrap();
    assert_eq!(promoted.member.role, Role::Manager);
    let (welcome, _) = closed_then_welcomed(&mut bob_events, close::ACCESS_CHANGED).await;
    assert_eq!(lists(&welcome, world.team_a), Some(Role::Manager));

    let added = bob
        .add_member(world.team_a, "CAROL@two.test", Role::Member, None)
        .await
        .unwrap();
    assert!(!added.invited, "carol already has an account");
    assert_eq!(added.member.user.id, world.carol.user);
    let (welcome, _) = closed_then_welcomed(&mut carol_events, close::ACCESS_CHANGED).await;
    assert_eq!(lists(&welcome, world.team_a), Some(Role::Member));
    assert_eq!(lists(&welcome, world.team_b), Some(Role::Member));
    carol.subscribe(world.team_a).await.unwrap();
    let conversation = start_conversation(&bob, world.team_a, "Jordan").await;
    bob.send(conversation, "welcome, carol").await.unwrap();
    assert_eq!(next_message(&mut carol_events).await.body, "welcome, carol");

    // Demoted again, bob may no longer manage.
    alice
        .set_role(world.team_a, world.bob.user, Role::Member)
        .await
        .unwrap();
    closed_then_welcomed(&mut bob_events, close::ACCESS_CHANGED).await;
    let add = bob
        .add_member(world.team_a, "z@one.test", Role::Member, None)
        .await;
    assert_eq!(refusal(add).0, ErrorCode::Forbidden);
}

#[tokio::test]
async fn a_manager_limits_the_seats_and_adding_past_the_limit_is_refused_until_raised() {
    let (_dir, server, world) = seeded().await;
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let (bob, mut bob_events) = connect(&server.url(), &world.bob.token).await;
    alice
        .set_role(world.team_a, world.bob.user, Role::Manager)
        .await
        .unwrap();
    closed_then_welcomed(&mut bob_events, close::ACCESS_CHANGED).await;

    // Team A holds two members (alice, its owner, and bob): now full.
    let limit = |max_members| TeamChanges {
        max_members: Some(max_members),
        ..TeamChanges::default()
    };
    let team = bob.update_team(world.team_a, limit(2)).await.unwrap();
    assert_eq!(team.max_members, Some(2));
    let full = (
        ErrorCode::Forbidden,
        format!("team {} is at its limit of 2 members", world.team_a),
    );
    let carol = bob
        .add_member(world.team_a, "carol@two.test", Role::Member, None)
        .await;
    assert_eq!(refusal(carol), full);
    let stranger = bob
        .add_member(world.team_a, "new@one.test", Role::Member, None)
        .await;
    assert_eq!(refusal(stranger), full, "nobody is invited past the limit");
    // Someone who already holds a seat only changes role.
    let bob_again = bob
        .add_member(world.team_a, "bob@one.test", Role::Manager, None)
        .await
        .unwrap();
    assert_eq!(bob_again.member.role, Role::Manager);
    assert_eq!(bob.members(world.team_a).await.unwrap().members.len(), 2);

    // Raising the limit lets carol in; 0 removes it.
    bob.update_team(world.team_a, limit(3)).await.unwrap();
    let added = bob
        .add_member(world.team_a, "carol@two.test", Role::Member, None)
        .await
        .unwrap();
    assert_eq!(added.member.user.id, world.carol.user);
    let team = bob.update_team(world.team_a, limit(0)).await.unwrap();
    assert_eq!(team.max_members, None, "0 means unlimited");
    // The limit is a setting that survives a fresh welcome.
    bob.update_team(world.team_a, limit(5)).await.unwrap();
    let welcome = fresh_welcome(&server.url(), &world.alice.token).await;
    let listed = welcome.teams.iter().find(|t| t.id == world.team_a);
    assert_eq!(listed.and_then(|t| t.max_members), Some(5));
}

/// The invitation token in a mail body.
fn invitation_token(body: &str) -> String {
    let start = body.find("sbi_").expect("a token in the mail");
    body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

#[tokio::test]
async fn an_unknown_email_is_invited_and_the_accepted_invitation_logs_in_to_the_team() {
    let (_dir, server, world) = seeded().await;
    let store = server.server.store();
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;

    let added = alice
        .add_member(
            world.team_a,
            "dora@new.test",
            Role::Member,
            Some("Dora".into()),
        )
        .await
        .unwrap();
    assert!(added.invited);
    assert_eq!(added.member.user.name, "Dora");
    let mails = store.mails().unwrap();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, "dora@new.test");
    assert!(mails[0].body.contains("POST /api/invitations/accept"));
    let token = invitation_token(&mails[0].body);
    assert_eq!(token.len(), 4 + 64);
    // No password yet: logging in fails like a wrong password.
    assert_eq!(
        log_in(server.addr, "dora@new.test", PASSWORD).await.status,
        401
    );

    let body = serde_json::json!({"token": token, "password": PASSWORD});
    let accepted = post_json(server.addr, "/api/invitations/accept", &body).await;
    assert_eq!(
        accepted.status,
        200,
        "{}",
        String::from_utf8_lossy(&accepted.body)
    );
    let accepted = accepted.json();
    assert_eq!(
        accepted["user"]["id"].as_u64(),
        Some(added.member.user.id.0)
    );
    let session = accepted["token"].as_str().unwrap();
    let welcome = fresh_welcome(&server.url(), session).await;
    assert_eq!(lists(&welcome, world.team_a), Some(Role::Member));

    let again = post_json(server.addr, "/api/invitations/accept", &body).await;
    assert_eq!(
        (again.status, again.error_code().as_str()),
        (401, "unauthorized")
    );
    let login = token_by_login(server.addr, "dora@new.test", PASSWORD).await;
    assert!(!login.is_empty(), "the chosen password logs in");
}

/// Message events of `team` that arrive within `window`.
async fn messages_within(events: &mut Events, team: TeamId, window: Duration) -> Vec<String> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + window;
    while let Ok(Some(event)) = tokio::time::timeout_at(deadline, events.next()).await {
        if let ClientEvent::Event(EventFrame {
            team: t,
            event: Event::Message(m),
            ..
        }) = event
        {
            if t == team {
                seen.push(m.body);
            }
        }
    }
    seen
}

#[tokio::test]
async fn a_removed_user_is_closed_with_4009_within_a_second_and_gets_nothing_more() {
    let (_dir, server, world) = seeded().await;
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let (bob, mut bob_events) = connect(&server.url(), &world.bob.token).await;
    bob.subscribe(world.team_a).await.unwrap();
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    alice.send(conversation, "before").await.unwrap();
    assert_eq!(next_message(&mut bob_events).await.body, "before");

    alice
        .remove_member(world.team_a, world.bob.user)
        .await
        .unwrap();
    // Sent right after the removal: must not reach bob on any connection.
    let after = tokio::spawn({
        let alice: Client = alice.clone();
        async move {
            for i in 0..20 {
                alice
                    .send(conversation, format!("after {i}"))
                    .await
                    .unwrap();
            }
        }
    });
    let (welcome, closed) = closed_then_welcomed(&mut bob_events, close::ACCESS_CHANGED).await;
    assert!(closed < Duration::from_secs(1), "closed after {closed:?}");
    assert_eq!(lists(&welcome, world.team_a), None);
    after.await.unwrap();
    let leaked = messages_within(&mut bob_events, world.team_a, Duration::from_millis(500)).await;
    assert!(
        leaked.is_empty(),
        "bob received {leaked:?} after his removal"
    );
    assert_eq!(
        refusal(bob.subscribe(world.team_a).await).0,
        ErrorCode::NotFound
    );
    let history = bob.history(conversation, Default::default()).await;
    assert_eq!(refusal(history).0, ErrorCode::NotFound);
}

#[tokio::test]
async fn usage_counts_seats_and_messages_of_the_accounts_teams() {
    let (_dir, server, world) = seeded().await;
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let empty = alice.usage(world.account_1).await.unwrap();
    assert_eq!((empty.seats, empty.messages, empty.blasts), (2, 0, 0));

    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    for i in 0..5 {
        alice.send(conversation, format!("a{i}")).await.unwrap();
    }
    alice
        .mark_read(conversation, switchboard_protocol::Seq(5))
        .await
        .unwrap();
    let team_c = alice
        .create_team(world.account_1, "Team C", "team-c", "")
        .await
        .unwrap();
    let other = start_conversation(&alice, team_c.id, "Sam").await;
    alice.send(other, "c0").await.unwrap();
    alice
        .add_member(team_c.id, "carol@two.test", Role::Member, None)
        .await
        .unwrap();
    let usage = alice.usage(world.account_1).await.unwrap();
    assert_eq!(usage.seats, 3, "alice, bob and carol");
    assert_eq!(
        usage.messages, 6,
        "read markers and conversations are not messages"
    );

    // Counting goes on from the checkpoint.
    alice.send(conversation, "a5").await.unwrap();
    assert_eq!(alice.usage(world.account_1).await.unwrap().messages, 7);
    // Another account's messages are not counted here.
    let (owen, _owen_events) = connect(&server.url(), &world.owen.token).await;
    let theirs = start_conversation(&owen, world.team_b, "Kim").await;
    owen.send(theirs, "b0").await.unwrap();
    assert_eq!(alice.usage(world.account_1).await.unwrap().messages, 7);
    let b = owen.usage(world.account_2).await.unwrap();
    assert_eq!((b.seats, b.messages), (2, 1));
}
