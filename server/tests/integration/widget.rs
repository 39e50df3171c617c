//! Web chat end to end: visitors created over HTTP (`POST
//! /api/widget/{handle}/visitors`) talk to a real server over a raw
//! WebSocket, agents through the SDK. What a contact and an agent would
//! notice: messages both ways live, nothing missed across a reconnect,
//! nothing of anyone else's, no internal message, pause, limits, the
//! page's framing, and the contact's presence and typing on the agent's
//! side.

mod fixture;
mod limits;
mod signals;

use crate::util::*;
use fixture::*;
use switchboard_protocol::client::ClientFrame;
use switchboard_protocol::ids::{Offset, RequestId};
use switchboard_protocol::model::{Channel, Position, SenderKind};
use switchboard_protocol::server::{Reply, ServerFrame};
use switchboard_protocol::widget::{Identify, SetWidget, WidgetSettings};
use switchboard_protocol::ErrorCode;

#[tokio::test]
async fn a_visitor_and_an_agent_chat_both_ways_live_and_a_reconnect_misses_nothing() {
    let (_dir, server, world) = seeded().await;
    let visitor = create_visitor(&server, "team-a", Some("Vera")).await;
    let (agent, mut agent_events) = connect(&server.url(), &world.bob.token).await;
    agent.subscribe(world.team_a).await.unwrap();

    let mut page = VisitorPage::open(&server, &visitor).await;
    assert_eq!(page.welcome.conversation, visitor.conversation);
    assert_eq!(page.welcome.name, "Vera");
    // Agents see where the conversation comes from.
    let details = agent.conversation(visitor.conversation).await.unwrap();
    let web = Channel::Web { visitor: page.user };
    assert_eq!(details.conversation.channel, Some(web));
    page.subscribe(None).await;
    page.send("hello, is the job still open?").await;
    let echo = page.next_message().await;
    assert_eq!(
        echo.body, "hello, is the job still open?",
        "its own message, live"
    );
    let heard = next_message(&mut agent_events).await;
    assert_eq!(heard.body, "hello, is the job still open?");
    assert_eq!(heard.sender.kind, SenderKind::Contact);
    assert_eq!(heard.sender.name, "Vera");

    agent.send(visitor.conversation, "yes it is").await.unwrap();
    let reply = page.next_message().await;
    assert_eq!(reply.body, "yes it is");
    assert_eq!(reply.sender.kind, SenderKind::Agent);

    // The page goes away (a closed laptop); the agent writes meanwhile.
    let seen = page.position.expect("an event was seen");
    page.close().await;
    agent
        .send(visitor.conversation, "are you there?")
        .await
        .unwrap();
    agent
        .send(visitor.conversation, "call us any time")
        .await
        .unwrap();
    let mut page = VisitorPage::open(&server, &visitor).await;
    page.subscribe(Some(seen)).await;
    let missed = [page.next_message().await, page.next_message().await];
    assert_eq!(missed[0].body, "are you there?");
    assert_eq!(missed[1].body, "call us any time");
    page.send("I am back").await;
    let mut from_contact = Vec::new();
    while from_contact.is_empty() {
        let message = next_message(&mut agent_events).await;
        if message.sender.kind == SenderKind::Contact {
            from_contact.push(message.body);
        }
    }
    assert_eq!(from_contact, ["I am back"]);
}

#[tokio::test]
async fn two_visitors_never_see_each_other_and_reach_nothing_else() {
    let (_dir, server, world) = seeded().await;
    let one = create_visitor(&server, "team-a", None).await;
    let two = create_visitor(&server, "team-a", None).await;
    let (agent, _events) = connect(&server.url(), &world.bob.token).await;
    let other = start_conversation(&agent, world.team_a, "Someone else").await;

    let mut page_one = VisitorPage::open(&server, &one).await;
    let mut page_two = VisitorPage::open(&server, &two).await;
    page_one.subscribe(None).await;
    page_two.subscribe(None).await;
    page_two.typing(two.conversation).await;
    page_two.send("two's secret").await;
    agent.send(two.conversation, "for two only").await.unwrap();
    agent.send(other, "for someone else").await.unwrap();
    agent.send(one.conversation, "for one").await.unwrap();
    // One's first frame after subscribing is its own agent's message:
    // nothing of two's conversation, of the other one, nor any signal.
    let first = page_one.next_message().await;
    assert_eq!(first.body, "for one");
    assert_eq!(page_one.seen_others, 0, "one received another's frame");

    for conversation in [two.conversation, other] {
        let code = page_one.refused(history(conversation)).await;
        assert_eq!(code, ErrorCode::NotFound);
        let code = page_one.refused(send_frame(conversation, "x")).await;
        assert_eq!(code, ErrorCode::NotFound);
    }
    let code = page_one.refused(subscribe_frame(world.team_b)).await;
    assert_eq!(code, ErrorCode::NotFound);
    let code = page_one.refused(conversations(world.team_a)).await;
    assert_eq!(code, ErrorCode::NotFound);
    let history = page_one.history().await;
    let bodies: Vec<&str> = history.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["for one"]);
}

#[tokio::test]
async fn system_messages_never_reach_the_visitor_live_or_in_history() {
    let (_dir, server, world) = seeded().await;
    let visitor = create_visitor(&server, "team-a", None).await;
    let (agent, _events) = connect(&server.url(), &world.bob.token).await;
    let mut page = VisitorPage::open(&server, &visitor).await;
    page.subscribe(None).await;
    page.send("hi").await;
    assert_eq!(page.next_message().await.body, "hi");
    agent
        .send(visitor.conversation, "^assign me")
        .await
        .unwrap();
    agent.send(visitor.conversation, "Bob here").await.unwrap();
    let next = page.next_message().await;
    assert_eq!(
        next.body, "Bob here",
        "the ^assign's system message came first"
    );
    let all = all_messages(&agent, visitor.conversation).await;
    assert!(all.iter().any(|m| m.sender.kind == SenderKind::System));
    let seen = page.history().await;
    let kinds: Vec<SenderKind> = seen.iter().map(|m| m.sender.kind).collect();
    assert_eq!(kinds, [SenderKind::Contact, SenderKind::Agent]);

    // Nor in a replay of the whole stream (a page resuming from afar).
    let start = Position {
        offset: Offset(0),
        ..page.position.expect("events were seen")
    };
    let mut again = VisitorPage::open(&server, &visitor).await;
    again.subscribe(Some(start)).await;
    assert_eq!(again.next_message().await.body, "hi");
    assert_eq!(again.next_message().await.body, "Bob here");
    assert_eq!(again.seen_others, 0, "a replay sent an internal event");
}

#[tokio::test]
async fn identifying_by_an_existing_contact_s_email_merges_into_it() {
    let (_dir, server, world) = seeded().await;
    let (agent, _events) = connect(&server.url(), &world.bob.token).await;
    let known = agent
        .start_conversation(
            world.team_a,
            switchboard_protocol::model::NewContact {
                name: "Nadia Known".into(),
                email: Some("nadia@example.com".into()),
                phone: None,
            },
        )
        .await
        .unwrap();
    let visitor = create_visitor(&server, "team-a", None).await;
    let mut page = VisitorPage::open(&server, &visitor).await;
    page.subscribe(None).await;
    page.send("it's me again").await;
    let frame = ClientFrame::Identify(Identify {
        id: RequestId(900),
        name: Some("Nadia".into()),
        email: Some("Nadia@Example.com".into()),
        phone: None,
        key: None,
    });
    let Reply::Identified(identified) = page.result(frame).await else {
        panic!("identified expected");
    };
    assert!(identified.merged);
    assert_eq!(identified.contact, known.contact.id);
    // The visitor's conversation now belongs to the known contact, its
    // history kept; the visitor writes on as that contact.
    let details = agent.conversation(visitor.conversation).await.unwrap();
    assert_eq!(details.conversation.contact.id, known.contact.id);
    page.send("still me").await;
    let all = all_messages(&agent, visitor.conversation).await;
    let last = all.last().unwrap();
    assert_eq!(last.body, "still me");
    assert_eq!(last.sender.id, known.contact.id.0);
    assert!(all.iter().any(|m| m.body == "it's me again"));

    // An email nobody holds only sets the visitor's own contact's.
    let fresh = create_visitor(&server, "team-a", None).await;
    let mut page = VisitorPage::open(&server, &fresh).await;
    let frame = ClientFrame::Identify(Identify {
        id: RequestId(901),
        name: Some("Omar".into()),
        email: Some("omar@example.com".into()),
        phone: None,
        key: None,
    });
    let Reply::Identified(identified) = page.result(frame).await else {
        panic!("identified expected");
    };
    assert!(!identified.merged);
    assert_eq!(identified.contact, fresh.contact);
}

#[tokio::test]
async fn pausing_refuses_new_visitors_and_their_sends_and_unpausing_restores() {
    let (_dir, server, world) = seeded().await;
    let visitor = create_visitor(&server, "team-a", None).await;
    let mut page = VisitorPage::open(&server, &visitor).await;
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let mut manager = Raw::login(&server.url(), &world.alice.token).await;
    let set = |paused: bool| {
        ClientFrame::SetWidget(SetWidget {
            id: RequestId(u64::from(paused) + 10),
            team: world.team_a,
            settings: WidgetSettings {
                paused,
                greeting: "Hi! Ask us anything.".into(),
                allowed_origins: Vec::new(),
            },
            key: None,
        })
    };
    let answer = manager.request(set(true)).await;
    assert!(matches!(answer, ServerFrame::Result(_)), "{answer:?}");
    let info = widget_info(&server, "team-a").await;
    assert_eq!(info["paused"], true);
    assert_eq!(info["greeting"], "Hi! Ask us anything.");

    let refused = post_visitor(&server, "team-a", None).await;
    assert_eq!(refused.status, 403);
    assert_eq!(refused.error_code(), "widget_paused");
    let code = page
        .refused(send_frame(visitor.conversation, "anyone?"))
        .await;
    assert_eq!(code, ErrorCode::WidgetPaused);

    manager.request(set(false)).await;
    assert_eq!(post_visitor(&server, "team-a", None).await.status, 201);
    page.send("anyone?").await;
    let all = all_messages(&alice, visitor.conversation).await;
    let bodies: Vec<&str> = all.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["anyone?"], "the refused send stored nothing");
}

#[tokio::test]
async fn the_chat_page_may_be_framed_by_the_team_s_allowed_origins_only() {
    let (_dir, server, world) = seeded().await;
    let mut manager = Raw::login(&server.url(), &world.alice.token).await;
    let page = crate::api_client::http(server.addr, "GET", "/chat/team-a", &[], b"").await;
    assert_eq!(page.status, 200);
    let policy = page.header("content-security-policy").unwrap().to_string();
    assert!(policy.contains("frame-ancestors 'self';"), "{policy}");
    assert!(page.header("x-frame-options").is_none());

    let bad = ClientFrame::SetWidget(SetWidget {
        id: RequestId(1),
        team: world.team_a,
        settings: WidgetSettings {
            allowed_origins: vec!["https://x.test; script-src *".into()],
            ..WidgetSettings::default()
        },
        key: None,
    });
    let ServerFrame::Error(error) = manager.request(bad).await else {
        panic!("a bad origin must be refused");
    };
    assert_eq!(error.code, ErrorCode::BadRequest);
    let good = ClientFrame::SetWidget(SetWidget {
        id: RequestId(2),
        team: world.team_a,
        settings: WidgetSettings {
            allowed_origins: vec![
                "https://Jobs.Example.com/".into(),
                "http://localhost:8080".into(),
            ],
            ..WidgetSettings::default()
        },
        key: None,
    });
    manager.request(good).await;
    let page = crate::api_client::http(server.addr, "GET", "/chat/team-a", &[], b"").await;
    let policy = page.header("content-security-policy").unwrap();
    assert!(
        policy.contains("frame-ancestors 'self' https://jobs.example.com http://localhost:8080;"),
        "{policy}"
    );
    // Every other page still refuses to be framed.
    let app = crate::api_client::http(server.addr, "GET", "/", &[], b"").await;
    let policy = app.header("content-security-policy").unwrap();
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert_eq!(app.header("x-frame-options"), Some("DENY"));
    let unknown = crate::api_client::http(server.addr, "GET", "/chat/nobody", &[], b"").await;
    assert_eq!(unknown.status, 404);
}
