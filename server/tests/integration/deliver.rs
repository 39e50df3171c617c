//! `^deliver`, typed into a send and as its own frame: delivering to a
//! user and to another team (what each side sees, live and in history),
//! what is refused without a trace, reports, and atomicity across kill -9.

use crate::restricted::outsider;
use crate::util::*;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use switchboard_client::{
    Client, ClientConfig, ClientEvent, Error, Events, HistoryQuery, ReportQuery, Target,
    TeamChanges,
};
use switchboard_protocol::deliver::{DeliveredTo, Destination, Outcome, StatusCount};
use switchboard_protocol::ids::{ConversationId, Seq, TeamId};
use switchboard_protocol::model::{
    ConversationInfo, ConversationStatus, Message, Role, SenderKind,
};
use switchboard_protocol::server::{Event, EventFrame};
use switchboard_protocol::ErrorCode;
use switchboard_server::admin::{self, NewUser};
use switchboard_server::store::{SledStore, Timeline};

/// The next `n` events of `team`, skipping other items.
async fn next_events(events: &mut Events, team: TeamId, n: usize) -> Vec<EventFrame> {
    let mut out = Vec::new();
    while out.len() < n {
        let event = tokio::time::timeout(PATIENCE, events.next())
            .await
            .expect("an event in time")
            .expect("the event stream is open");
        if let ClientEvent::Event(frame) = event {
            if frame.team == team {
                out.push(frame);
            }
        }
    }
    out
}

/// Every conversation of a team, page by page.
async fn all_conversations(client: &Client, team: TeamId) -> Vec<ConversationInfo> {
    let mut out = Vec::new();
    let mut before = None;
    loop {
        let page = client.conversations(team, before, None).await.unwrap();
        out.extend(page.conversations);
        match page.next {
            Some(next) => before = Some(next),
            None => return out,
        }
    }
}

/// Every message of a conversation, oldest first.
async fn all_messages(client: &Client, conversation: ConversationId) -> Vec<Message> {
    let mut out = Vec::new();
    let mut after = Seq(0);
    loop {
        let page = client
            .history(conversation, HistoryQuery::after(after))
            .await
            .expect("history");
        out.extend(page.messages.iter().cloned());
        match page.messages.last() {
            Some(last) if page.more => after = last.seq,
            _ => return out,
        }
    }
}

fn refusal<T: std::fmt::Debug>(outcome: Result<T, Error>) -> (ErrorCode, String) {
    match outcome {
        Err(Error::Server { code, message }) => (code, message),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn statuses(list: &[&str]) -> TeamChanges {
    TeamChanges {
        statuses: Some(list.iter().map(|s| s.to_string()).collect()),
        ..TeamChanges::default()
    }
}

#[tokio::test]
async fn delivering_to_a_user_assigns_them_and_a_teammate_sees_it_live() {
    let (_dir, server, world) = seeded().await;
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let (bob, mut bob_events) = connect(&server.url(), &world.bob.token).await;
    alice
        .update_team(world.team_a, statuses(&["Hired", "Rejected"]))
        .await
        .unwrap();
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    alice.send(conversation, "Hi Jordan").await.unwrap();
    bob.subscribe(world.team_a).await.unwrap();

    // Typed as text; the status matches whatever its case.
    let outcome = alice
        .send_deliver(conversation, "cmd-1", "^deliver @bob hired  call Monday ")
        .await
        .unwrap();
    assert_eq!(outcome.conversation, conversation);
    assert_eq!(outcome.team, world.team_a);
    assert_eq!(outcome.seq, Seq(2), "the system message takes the next seq");
    assert_eq!(outcome.by, world.alice.user);
    assert_eq!(outcome.by_name, "Alice");
    assert_eq!(
        outcome.to,
        DeliveredTo::User {
            user: world.bob.user,
            name: "Bob".into()
        }
    );
    assert_eq!(
        outcome.status.as_deref(),
        Some("Hired"),
        "the team's spelling"
    );
    assert_eq!(outcome.note.as_deref(), Some("call Monday"));

    // Bob sees the system message, the assignees and the outcome, in order.
    let frames = next_events(&mut bob_events, world.team_a, 3).await;
    let offsets: Vec<u64> = frames.iter().map(|f| f.offset.0).collect();
    assert_eq!(offsets[1], offsets[0] + 1);
    assert_eq!(offsets[2], offsets[1] + 1);
    match &frames[0].event {
        Event::Message(m) => {
            assert_eq!(m.sender.kind, SenderKind::System);
            assert_eq!(m.seq, Seq(2));
            assert_eq!(
                m.body,
                "Alice delivered to Bob — status Hired — note: call Monday"
            );
        }
        other => panic!("expected the system message, got {other:?}"),
    }
    match &frames[1].event {
        Event::Assignees(a) => assert_eq!(a.assignees, vec![world.bob.user]),
        other => panic!("expected assignees, got {other:?}"),
    }
    assert_eq!(frames[2].event, Event::Delivered(outcome.clone()));

    let page = bob.conversations(world.team_a, None, None).await.unwrap();
    let listed = &page.conversations[0];
    assert_eq!(listed.status, ConversationStatus::Delivered);
    assert_eq!(listed.assignees, vec![world.bob.user]);

    // Delivered again (typed frame): a new outcome, Alice the only assignee.
    let again = bob
        .deliver(
            conversation,
            Target::User("alice".into()),
            Some("Rejected".into()),
            None,
        )
        .await
        .unwrap();
    assert_eq!(again.seq, Seq(3));
    let page = bob.conversations(world.team_a, None, None).await.unwrap();
    assert_eq!(page.conversations[0].assignees, vec![world.alice.user]);
    let report = alice
        .report(ReportQuery {
            team: Some(world.team_a),
            ..ReportQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(report.outcomes.total, 2);
    assert_eq!(report.outcomes.by_user.len(), 2);
    assert_eq!(
        report.conversations,
        [StatusCount {
            status: ConversationStatus::Delivered,
            count: 1
        }]
    );
}

#[tokio::test]
async fn delivering_to_a_team_copies_the_history_to_its_members_live_and_in_history() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let store = server.server.store();
    let world = seed(store.as_ref());
    let dana = outsider(store.as_ref(), "dana@one.test", "Dana");
    admin::add_member(store.as_ref(), world.team_sales, dana.user, Role::Member).unwrap();
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let (dana_client, mut dana_events) = connect(&server.url(), &dana.token).await;
    dana_client.subscribe(world.team_sales).await.unwrap();

    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    let first = alice.send(conversation, "Hi Jordan").await.unwrap();
    alice.send(conversation, "Second").await.unwrap();
    let outcome = alice
        .deliver(
            conversation,
            Target::Team("SALES".into()),
            Some("qualified".into()),
            Some("over to you".into()),
        )
        .await
        .unwrap();
    let DeliveredTo::Team {
        team,
        ref name,
        conversation: received,
    } = outcome.to
    else {
        panic!("delivered to a team: {outcome:?}");
    };
    assert_eq!((team, name.as_str()), (world.team_sales, "Team Sales"));

    // Live: the new conversation, the two messages, the handoff message.
    let frames = next_events(&mut dana_events, world.team_sales, 4).await;
    match &frames[0].event {
        Event::ConversationStarted(info) => {
            assert_eq!(info.id, received);
            assert_eq!(info.team, world.team_sales);
            assert_eq!(info.contact.name, "Jordan");
            // Handed over, the contact waits for the receiving team.
            assert_eq!(info.status, ConversationStatus::Waiting);
        }
        other => panic!("expected the new conversation, got {other:?}"),
    }
    let live: Vec<Message> = frames[1..]
        .iter()
        .map(|f| match &f.event {
            Event::Message(m) => m.clone(),
            other => panic!("expected a message, got {other:?}"),
        })
        .collect();
    let history = all_messages(&dana_client, received).await;
    assert_eq!(history, live, "history holds what was seen live");
    let bodies: Vec<&str> = history.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(
        bodies,
        [
            "Hi Jordan",
            "Second",
            "Alice handed this conversation over from Team A — status qualified — note: over to you"
        ]
    );
    let seqs: Vec<u64> = history.iter().map(|m| m.seq.0).collect();
    assert_eq!(seqs, [1, 2, 3]);
    assert_eq!(
        history[0].sender.id, world.alice.user.0,
        "the sender is kept"
    );
    assert_eq!(history[0].sender.kind, SenderKind::Agent);
    assert_eq!(history[0].at, first.at, "the time is kept");
    assert_eq!(history[2].sender.kind, SenderKind::System);
    assert_eq!(
        history.iter().map(|m| m.status).collect::<Vec<_>>(),
        [None, None, Some(ConversationStatus::Waiting)],
        "copies carry no status; the handoff sets waiting"
    );
    // The receiving team's queue offers it: waiting since the handoff.
    let next = dana_client.next(world.team_sales).await.unwrap();
    let row = next.row.expect("the handed-over conversation waits");
    assert_eq!(row.conversation, received);
    assert_eq!(row.waiting_since, Some(history[2].at));

    // The delivering side: delivered, its own system message.
    let source = all_messages(&alice, conversation).await;
    assert_eq!(
        source.last().map(|m| m.body.as_str()),
        Some("Alice delivered to Team Sales — status qualified — note: over to you")
    );
    let page = alice.conversations(world.team_a, None, None).await.unwrap();
    assert_eq!(page.conversations[0].status, ConversationStatus::Delivered);
    assert_eq!(
        source.last().and_then(|m| m.status),
        Some(ConversationStatus::Delivered),
        "the delivery's message carries the status it set"
    );

    // The report of the delivering team counts the outcome.
    let report = alice
        .report(ReportQuery {
            team: Some(world.team_a),
            ..ReportQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(report.teams, [world.team_a]);
    assert_eq!(report.outcomes.total, 1);
    assert_eq!(report.outcomes.by_team[0].team, world.team_a);
    assert_eq!(
        report.outcomes.by_destination[0].to,
        Destination::Team {
            team: world.team_sales
        }
    );
    assert_eq!(
        report.outcomes.by_status[0].status.as_deref(),
        Some("qualified")
    );
    // Every team Alice manages: both of account 1, the receiving one's
    // conversation waiting.
    let all = alice.report(ReportQuery::default()).await.unwrap();
    assert_eq!(
        all.teams.iter().collect::<BTreeSet<_>>(),
        [world.team_a, world.team_sales].iter().collect()
    );
    assert_eq!(all.outcomes.total, 1);
    assert_eq!(
        all.conversations,
        [
            StatusCount {
                status: ConversationStatus::Delivered,
                count: 1
            },
            StatusCount {
                status: ConversationStatus::Waiting,
                count: 1
            },
        ]
    );
    // Members may not read reports; outsiders learn nothing.
    let (bob, _bob_events) = connect(&server.url(), &world.bob.token).await;
    let query = ReportQuery {
        team: Some(world.team_a),
        ..ReportQuery::default()
    };
    assert_eq!(refusal(bob.report(query).await).0, ErrorCode::Forbidden);
    assert_eq!(
        refusal(bob.report(ReportQuery::default()).await).0,
        ErrorCode::Forbidden
    );
    let (carol, _carol_events) = connect(&server.url(), &world.carol.token).await;
    assert_eq!(refusal(carol.report(query).await).0, ErrorCode::NotFound);
}

#[tokio::test]
async fn refused_deliveries_answer_precisely_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let store = server.server.store();
    let world = seed(store.as_ref());
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    alice.send(conversation, "Hi Jordan").await.unwrap();
    // Pat: a Member of the sibling team, not of team A.
    let pat = admin::create_user(
        store.as_ref(),
        &NewUser {
            email: "pat@one.test".into(),
            name: "Pat".into(),
            handle: Some("pat".into()),
        },
    )
    .unwrap();
    admin::add_member(store.as_ref(), world.team_sales, pat.id, Role::Member).unwrap();
    // Dave: a Restricted Member of the conversation.
    let dave = restricted_member(
        &server,
        conversation,
        "dave@guest.test",
        "Dave",
        world.alice.user,
    );

    let typed = |n: &str, body: &str| {
        let alice = alice.clone();
        let (id, body) = (format!("cmd-{n}"), body.to_string());
        async move { refusal(alice.send_deliver(conversation, id, body).await) }
    };
    // No statuses configured: only a delivery without one passes.
    alice
        .update_team(world.team_a, statuses(&[]))
        .await
        .unwrap();
    assert_eq!(
        typed("none", "^deliver @bob hired").await,
        (
            ErrorCode::BadCommand,
            "status hired is not allowed: this team has no outcome statuses, deliver without one"
                .into()
        )
    );
    alice
        .update_team(world.team_a, statuses(&["Hired", "Rejected"]))
        .await
        .unwrap();
    let cases = [
        ("syntax", "^deliver bob", None),
        (
            "unknown",
            "^deliver @nobody",
            Some("no member @nobody in this team"),
        ),
        (
            "outsider",
            "^deliver @pat",
            Some("@pat is not a member of this team: invite them into this conversation with ^invite EMAIL"),
        ),
        (
            "team",
            "^deliver #nope",
            Some("no team #nope in this account"),
        ),
        (
            "other-account",
            "^deliver #team-b",
            Some("no team #team-b in this account"),
        ),
        (
            "own",
            "^deliver #team-a",
            Some("#team-a is this conversation's own team: deliver to a @member or to another team"),
        ),
        (
            "status",
            "^deliver @bob maybe",
            Some("status maybe is not one of this team's: Hired, Rejected"),
        ),
    ];
    for (name, body, expected) in cases {
        let (code, message) = typed(name, body).await;
        assert_eq!(code, ErrorCode::BadCommand, "{body}: {message}");
        match expected {
            Some(expected) => assert_eq!(message, expected, "{body}"),
            None => assert!(
                message.contains("^deliver @user|#team [status] [note]"),
                "{message}"
            ),
        }
    }
    // The typed frame is refused the same way.
    let (code, message) = refusal(
        alice
            .deliver(conversation, Target::Team("team-b".into()), None, None)
            .await,
    );
    assert_eq!(
        (code, message.as_str()),
        (ErrorCode::BadCommand, "no team #team-b in this account")
    );
    // A Restricted Member sees the conversation but may not deliver it.
    let (dave_client, _dave_events) = connect(&server.url(), &dave.token).await;
    let (code, _) = refusal(
        dave_client
            .send_deliver(conversation, "cmd-dave", "^deliver @bob")
            .await,
    );
    assert_eq!(code, ErrorCode::Forbidden);
    let (code, _) = refusal(
        dave_client
            .deliver(conversation, Target::User("bob".into()), None, None)
            .await,
    );
    assert_eq!(code, ErrorCode::Forbidden);

    // Nothing changed.
    let bodies: Vec<String> = all_messages(&alice, conversation)
        .await
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert_eq!(bodies, ["Hi Jordan"]);
    let page = alice.conversations(world.team_a, None, None).await.unwrap();
    assert_eq!(page.conversations[0].status, ConversationStatus::Open);
    assert!(page.conversations[0].assignees.is_empty());
    let sales = alice
        .conversations(world.team_sales, None, None)
        .await
        .unwrap();
    assert!(sales.conversations.is_empty());
}

#[tokio::test]
async fn kill_9_during_deliveries_leaves_each_whole_or_absent_and_no_handoff_twice() {
    const CONVERSATIONS: usize = 240;
    let dir = tempfile::tempdir().unwrap();
    let world = {
        let store = SledStore::open(dir.path()).unwrap();
        seed(&store)
    };
    let server = ChildServer::start(dir.path(), &[]);
    let (alice, _events) = connect(&server.url, &world.alice.token).await;
    // Started in parallel, two messages each.
    let mut starters = Vec::new();
    for part in 0..8 {
        let client = alice.clone();
        let team = world.team_a;
        starters.push(tokio::spawn(async move {
            let mut started = Vec::new();
            for i in (part..CONVERSATIONS).step_by(8) {
                let conversation = start_conversation(&client, team, &format!("C{i}")).await;
                client
                    .send(conversation, format!("{i} first"))
                    .await
                    .unwrap();
                client
                    .send(conversation, format!("{i} second"))
                    .await
                    .unwrap();
                started.push((i, conversation));
            }
            started
        }));
    }
    let mut sources = vec![ConversationId(0); CONVERSATIONS];
    for starter in starters {
        for (i, conversation) in starter.await.unwrap() {
            sources[i] = conversation;
        }
    }
    // Every delivery in flight at once, half to Bob, half to #sales; the
    // server dies after a few are acknowledged.
    let (acked_tx, mut acked_rx) = tokio::sync::mpsc::channel::<Outcome>(CONVERSATIONS);
    let mut config = ClientConfig::new(server.url.clone(), world.alice.token.clone());
    config.request_timeout = Duration::from_secs(3);
    let (deliverer, _deliverer_events) = Client::connect(config).await.unwrap();
    let mut tasks = Vec::new();
    for (i, conversation) in sources.iter().copied().enumerate() {
        let client = deliverer.clone();
        let acked = acked_tx.clone();
        tasks.push(tokio::spawn(async move {
            let to = if i % 2 == 0 {
                Target::User("bob".into())
            } else {
                Target::Team("sales".into())
            };
            let note = Some(format!("note {i}"));
            if let Ok(outcome) = client.deliver(conversation, to, None, note).await {
                let _ = acked.send(outcome).await;
            }
        }));
    }
    drop(acked_tx);
    let mut acked = Vec::new();
    while acked.is_empty() {
        let outcome = tokio::time::timeout(PATIENCE, acked_rx.recv())
            .await
            .expect("deliveries are acknowledged")
            .expect("deliverers are running");
        acked.push(outcome);
    }
    server.kill_9();
    for task in tasks {
        task.await.unwrap();
    }
    while let Ok(outcome) = acked_rx.try_recv() {
        acked.push(outcome);
    }
    deliverer.close().await;
    alice.close().await;

    // After the restart: subscribing to #sales starts its hub, which
    // imports what was left pending before it answers.
    let server = ChildServer::start(dir.path(), &[]);
    let (alice, _events) = connect(&server.url, &world.alice.token).await;
    alice.subscribe(world.team_sales).await.unwrap();
    let mut delivered = 0;
    let mut to_sales = BTreeMap::new();
    for (i, conversation) in sources.iter().copied().enumerate() {
        let messages = all_messages(&alice, conversation).await;
        let system: Vec<&Message> = messages
            .iter()
            .filter(|m| m.sender.kind == SenderKind::System)
            .collect();
        assert!(system.len() <= 1, "{conversation} delivered once at most");
        let was_acked = acked.iter().find(|o| o.conversation == conversation);
        if system.is_empty() {
            assert!(was_acked.is_none(), "acknowledged {conversation} is kept");
            assert_eq!(messages.len(), 2, "{conversation} untouched");
            continue;
        }
        delivered += 1;
        assert_eq!(system[0].seq, Seq(3));
        let expected = if i % 2 == 0 {
            format!("Alice delivered to Bob — note: note {i}")
        } else {
            format!("Alice delivered to Team Sales — note: note {i}")
        };
        assert_eq!(system[0].body, expected);
        if i % 2 == 1 {
            to_sales.insert(format!("C{i}"), i);
        }
    }
    assert!(delivered >= acked.len());
    // Each source conversation's status matches its system message.
    let listed = all_conversations(&alice, world.team_a).await;
    assert_eq!(listed.len(), CONVERSATIONS);
    let delivered_listed = listed
        .iter()
        .filter(|c| c.status == ConversationStatus::Delivered)
        .count();
    assert_eq!(delivered_listed, delivered);
    for info in &listed {
        let expected = if info.status == ConversationStatus::Delivered && info.last_seq == Seq(3) {
            let i: usize = info.contact.name[1..].parse().unwrap();
            if i % 2 == 0 {
                vec![world.bob.user]
            } else {
                Vec::new()
            }
        } else {
            Vec::new()
        };
        assert_eq!(info.assignees, expected, "{}", info.contact.name);
    }
    // Every delivery to #sales arrived once, whole.
    let received = all_conversations(&alice, world.team_sales).await;
    let names: Vec<&str> = received.iter().map(|c| c.contact.name.as_str()).collect();
    assert_eq!(
        names.iter().collect::<BTreeSet<_>>().len(),
        names.len(),
        "no handoff imported twice: {names:?}"
    );
    assert_eq!(
        names.iter().copied().collect::<BTreeSet<_>>(),
        to_sales.keys().map(String::as_str).collect(),
        "every delivery to #sales was imported"
    );
    for info in &received {
        let i = to_sales[&info.contact.name];
        let bodies: Vec<String> = all_messages(&alice, info.id)
            .await
            .into_iter()
            .map(|m| m.body)
            .collect();
        assert_eq!(
            bodies,
            [
                format!("{i} first"),
                format!("{i} second"),
                format!("Alice handed this conversation over from Team A — note: note {i}"),
            ]
        );
    }
    for outcome in acked.iter() {
        if let DeliveredTo::Team { conversation, .. } = outcome.to {
            assert!(
                received.iter().any(|c| c.id == conversation),
                "the acknowledged handoff's conversation {conversation} exists"
            );
        }
    }
    // The outcomes are on the conversations and nothing is left pending.
    alice.close().await;
    server.kill_9();
    let store = SledStore::open(dir.path()).unwrap();
    assert!(store.handoffs(world.team_sales).unwrap().is_empty());
    for conversation in sources {
        let record = store.conversation(conversation).unwrap().unwrap();
        assert_eq!(
            record.outcome.is_some(),
            record.status == ConversationStatus::Delivered,
            "{conversation}: status and outcome are written together"
        );
        if let Some(outcome) = record.outcome {
            assert_eq!(outcome.seq, Seq(3));
        }
    }
}
