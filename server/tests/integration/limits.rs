//! Limits: frame size, rate per connection and per user, connections per
//! user and overall, and slow consumers. Each test sets short limits
//! through `Config` so that it runs fast.

use crate::util::*;
use futures::StreamExt;
use std::time::Duration;
use switchboard_client::HistoryQuery;
use switchboard_protocol::client::{ClientFrame, Hello, Ping, SendMessage, Subscribe};
use switchboard_protocol::codec::{decode, Encoding};
use switchboard_protocol::ids::{ConversationId, RequestId};
use switchboard_protocol::model::Position;
use switchboard_protocol::server::{Event, Reply, ServerFrame};
use switchboard_protocol::{close, ErrorCode, PROTOCOL_VERSION};
use tokio_tungstenite::tungstenite::Message as WsMessage;

fn ping(id: u64) -> ClientFrame {
    ClientFrame::Ping(Ping { id: RequestId(id) })
}

fn send(id: u64, conversation: ConversationId, body: &str) -> ClientFrame {
    ClientFrame::Send(SendMessage {
        id: RequestId(id),
        conversation,
        client_msg_id: format!("m{id}"),
        body: body.to_string(),
        as_contact: false,
        post: None,
    })
}

/// The replies to requests `ids`, in the order they came, as
/// (id, refused for rate); other frames are skipped.
async fn replies(raw: &mut Raw, ids: std::ops::RangeInclusive<u64>) -> Vec<(u64, bool)> {
    let mut out = Vec::new();
    while out.len() < ids.clone().count() {
        match raw.recv().await.expect("a reply before close") {
            ServerFrame::Result(r) if ids.contains(&r.id.0) => out.push((r.id.0, false)),
            ServerFrame::Error(e) if e.id.is_some_and(|id| ids.contains(&id.0)) => {
                assert_eq!(e.code, ErrorCode::RateLimited, "{e:?}");
                out.push((e.id.unwrap().0, true));
            }
            _ => continue,
        }
    }
    out
}

#[tokio::test]
async fn welcome_advertises_the_limits_and_a_frame_over_64_kib_closes_with_1009() {
    let (_dir, server, world) = seeded().await;
    let mut raw = Raw::connect(&server.url(), Encoding::MsgPack).await;
    raw.send(&ClientFrame::Hello(Hello {
        version: PROTOCOL_VERSION,
        token: world.alice.token.clone(),
    }))
    .await;
    let limits = match raw.recv().await {
        Some(ServerFrame::Welcome(w)) => w.limits,
        other => panic!("expected welcome, got {other:?}"),
    };
    assert_eq!(limits.max_frame_bytes, 64 * 1024);
    assert_eq!(limits.outbound_queue_bytes, 4 * 1024 * 1024);
    assert!(limits.rate_per_connection > 0 && limits.rate_per_user > 0);
    assert!(limits.max_connections_per_user > 0 && limits.max_connections > 0);

    let mut bystander = Raw::login(&server.url(), &world.bob.token).await;
    // Just over the advertised size (not far over: the edge is what counts).
    let body = "x".repeat(64 * 1024);
    raw.send(&send(1, ConversationId(1), &body)).await;
    assert_eq!(raw.close_code().await, Some(close::TOO_BIG));
    assert!(matches!(
        bystander.request(ping(2)).await,
        ServerFrame::Result(_)
    ));
}

#[tokio::test]
async fn a_flood_is_refused_with_rate_limited_and_nothing_refused_is_stored() {
    let (_dir, server, world) = seeded_with(|c| {
        c.limits.rate_per_connection = 1;
        c.limits.burst_per_connection = 10;
        c.limits.rate_refusals_to_close = 1000;
    })
    .await;
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;

    let mut flooder = Raw::login(&server.url(), &world.bob.token).await;
    for id in 1..=40 {
        flooder
            .send(&send(id, conversation, &format!("flood {id}")))
            .await;
    }
    let answered = replies(&mut flooder, 1..=40).await;
    let accepted: Vec<u64> = answered.iter().filter(|a| !a.1).map(|a| a.0).collect();
    let refused = answered.len() - accepted.len();
    assert!(refused >= 20, "only {refused} of 40 refused");
    assert!(accepted.len() >= 10, "the burst goes through: {accepted:?}");

    // The store holds exactly the accepted messages.
    let page = alice
        .history(conversation, HistoryQuery::default())
        .await
        .unwrap();
    let mut stored: Vec<String> = page
        .messages
        .iter()
        .filter(|m| m.body.starts_with("flood "))
        .map(|m| m.body.clone())
        .collect();
    stored.sort();
    let mut expected: Vec<String> = accepted.iter().map(|id| format!("flood {id}")).collect();
    expected.sort();
    assert_eq!(stored, expected);
}

#[tokio::test]
async fn a_connection_that_keeps_flooding_is_closed_with_4029_and_others_keep_working() {
    let (_dir, server, world) = seeded_with(|c| {
        c.limits.rate_per_connection = 1;
        c.limits.burst_per_connection = 5;
        c.limits.rate_refusals_to_close = 10;
    })
    .await;
    let mut flooder = Raw::login(&server.url(), &world.alice.token).await;
    let mut other = Raw::login(&server.url(), &world.bob.token).await;
    for id in 1..=100 {
        // The server may close before all are sent: stop at the first error.
        let frame = switchboard_protocol::codec::encode(Encoding::MsgPack, &ping(id)).unwrap();
        if futures::SinkExt::send(&mut flooder.ws, WsMessage::Binary(frame.into()))
            .await
            .is_err()
        {
            break;
        }
    }
    let mut limited = 0;
    let code = loop {
        let message = tokio::time::timeout(PATIENCE, flooder.ws.next())
            .await
            .expect("a frame or the close in time");
        match message {
            Some(Ok(WsMessage::Binary(bytes))) => {
                if let Ok(ServerFrame::Error(e)) = decode(Encoding::MsgPack, &bytes, 1 << 20) {
                    assert_eq!(e.code, ErrorCode::RateLimited);
                    limited += 1;
                }
            }
            Some(Ok(WsMessage::Close(frame))) => break frame.map(|f| u16::from(f.code)),
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => break None,
        }
    };
    assert_eq!(code, Some(close::RATE_LIMITED));
    assert_eq!(limited, 11, "refused 10 times, closed at the 11th");
    // Another user, and the same user on a new connection, carry on.
    assert!(matches!(
        other.request(ping(1)).await,
        ServerFrame::Result(_)
    ));
    let mut again = Raw::login(&server.url(), &world.alice.token).await;
    assert!(matches!(
        again.request(ping(1)).await,
        ServerFrame::Result(_)
    ));
}

#[tokio::test]
async fn the_rate_per_user_applies_across_the_users_connections() {
    let (_dir, server, world) = seeded_with(|c| {
        // No limit per connection: only the user's bucket can refuse.
        c.limits.rate_per_connection = 0;
        c.limits.rate_per_user = 1;
        c.limits.burst_per_user = 6;
        c.limits.rate_refusals_to_close = 1000;
    })
    .await;
    let mut one = Raw::login(&server.url(), &world.alice.token).await;
    let mut two = Raw::login(&server.url(), &world.alice.token).await;
    let mut bob = Raw::login(&server.url(), &world.bob.token).await;
    for id in 1..=6 {
        one.send(&ping(id)).await;
    }
    let first = replies(&mut one, 1..=6).await;
    assert!(first.iter().all(|(_, refused)| !refused), "{first:?}");
    // The burst is spent by the first connection: the second one is
    // refused too (at most one token a second comes back meanwhile).
    for id in 1..=5 {
        two.send(&ping(id)).await;
    }
    let second = replies(&mut two, 1..=5).await;
    let refused = second.iter().filter(|(_, refused)| *refused).count();
    assert!(refused >= 1, "{second:?}");
    // Another user has a bucket of their own.
    assert!(matches!(bob.request(ping(1)).await, ServerFrame::Result(_)));
}

#[tokio::test]
async fn connections_past_the_limits_are_refused_at_hello_with_4030() {
    let (_dir, server, world) = seeded_with(|c| {
        c.limits.max_connections_per_user = 2;
        c.limits.max_connections = 3;
    })
    .await;
    let hello = |token: &str| {
        ClientFrame::Hello(Hello {
            version: PROTOCOL_VERSION,
            token: token.to_string(),
        })
    };
    let first = Raw::login(&server.url(), &world.alice.token).await;
    let _second = Raw::login(&server.url(), &world.alice.token).await;
    let mut third = Raw::connect(&server.url(), Encoding::MsgPack).await;
    third.send(&hello(&world.alice.token)).await;
    assert_eq!(third.close_code().await, Some(close::TOO_MANY_CONNECTIONS));

    // Another user still gets in, up to the overall limit.
    let mut bob = Raw::login(&server.url(), &world.bob.token).await;
    let mut carol = Raw::connect(&server.url(), Encoding::MsgPack).await;
    carol.send(&hello(&world.carol.token)).await;
    assert_eq!(carol.close_code().await, Some(close::TOO_MANY_CONNECTIONS));
    assert!(matches!(bob.request(ping(1)).await, ServerFrame::Result(_)));

    // A connection that goes gives its place back.
    drop(first);
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let mut raw = Raw::connect(&server.url(), Encoding::MsgPack).await;
        raw.send(&hello(&world.alice.token)).await;
        match raw.recv().await {
            Some(ServerFrame::Welcome(_)) => break,
            other => assert!(
                tokio::time::Instant::now() < deadline,
                "still refused: {other:?}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// What a raw subscriber read before its connection closed.
struct Drained {
    bodies: Vec<String>,
    last: Position,
    code: Option<u16>,
}

/// Reads everything a subscriber of `epoch` was sent, until the close.
async fn drain(raw: &mut Raw, from: Position) -> Drained {
    let epoch = from.epoch;
    let mut drained = Drained {
        bodies: Vec::new(),
        last: from,
        code: None,
    };
    loop {
        let message = tokio::time::timeout(PATIENCE, raw.ws.next())
            .await
            .expect("frames or the close in time");
        match message {
            Some(Ok(WsMessage::Binary(bytes))) => {
                if let Ok(ServerFrame::Event(event)) = decode(Encoding::MsgPack, &bytes, 1 << 24) {
                    drained.last = Position {
                        epoch,
                        offset: event.offset,
                    };
                    if let Event::Message(m) = event.event {
                        drained.bodies.push(m.body);
                    }
                }
            }
            Some(Ok(WsMessage::Close(frame))) => {
                drained.code = frame.map(|f| u16::from(f.code));
                return drained;
            }
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return drained,
        }
    }
}

#[tokio::test]
async fn a_reader_that_stops_is_closed_with_4008_within_bounded_memory_and_resumes_without_loss() {
    const QUEUE_BYTES: usize = 256 * 1024;
    let (_dir, server, world) = seeded_with(|c| {
        c.limits.outbound_queue_bytes = QUEUE_BYTES;
        c.limits.max_body_bytes = 32 * 1024;
    })
    .await;
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;

    // Bob subscribes on a raw connection, then stops reading.
    let mut bob = Raw::login(&server.url(), &world.bob.token).await;
    let subscribed = match bob
        .request(ClientFrame::Subscribe(Subscribe {
            id: RequestId(1),
            team: world.team_a,
            after: None,
        }))
        .await
    {
        ServerFrame::Result(r) => match r.result {
            Reply::Subscribed(s) => s,
            other => panic!("expected subscribed, got {other:?}"),
        },
        other => panic!("expected subscribed, got {other:?}"),
    };
    // A bystander who reads keeps getting everything.
    let (watching, mut watcher) = connect(&server.url(), &world.alice.token).await;
    watching.subscribe(world.team_a).await.unwrap();

    // The conversation gets busy until the server lets bob go (his admission
    // ends the moment the close is asked for): bounded in count and time.
    let filler = "y".repeat(16 * 1024);
    let mut sent = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while server.server.connected_users() == 2 {
        assert!(sent.len() < 4000, "bob was never closed");
        assert!(
            tokio::time::Instant::now() < deadline,
            "bob was never closed"
        );
        let body = format!("busy {} {filler}", sent.len());
        alice.send(conversation, body.clone()).await.unwrap();
        sent.push(body);
    }
    // Bob reads again: what had reached his socket, then the close.
    let from = Position {
        epoch: subscribed.epoch,
        offset: subscribed.offset,
    };
    let drained = drain(&mut bob, from).await;
    assert_eq!(drained.code, Some(close::SLOW_CONSUMER));
    assert!(
        server.server.outbound_high_water() <= QUEUE_BYTES,
        "a queue held {} bytes",
        server.server.outbound_high_water()
    );

    // The reader kept up the whole time.
    let watched = next_messages(&mut watcher, sent.len()).await;
    assert!(watched.iter().map(|m| &m.body).eq(sent.iter()));

    // Bob resumes from his last offset with the SDK and has it all, once.
    let (bob_sdk, mut bob_events) = connect(&server.url(), &world.bob.token).await;
    bob_sdk
        .subscribe_from(world.team_a, drained.last)
        .await
        .unwrap();
    alice.send(conversation, "sentinel").await.unwrap();
    let mut bodies = drained.bodies;
    loop {
        let body = next_message(&mut bob_events).await.body;
        if body == "sentinel" {
            break;
        }
        bodies.push(body);
    }
    assert_eq!(bodies.len(), sent.len());
    assert!(bodies == sent, "bob's messages differ from what was sent");
}

#[tokio::test]
async fn messages_of_the_wrong_kind_count_against_the_rate() {
    let (_dir, server, world) = seeded_with(|c| {
        c.limits.rate_per_connection = 1;
        c.limits.burst_per_connection = 5;
        c.limits.rate_refusals_to_close = 1000;
    })
    .await;
    let mut flooder = Raw::login(&server.url(), &world.bob.token).await;
    // Text on a MessagePack connection: each is refused, by the rate
    // limiter first once the burst is spent.
    for _ in 0..20 {
        flooder
            .send_raw(WsMessage::Text(r#"{"type":"ping","id":1}"#.into()))
            .await;
    }
    let mut codes = Vec::new();
    while codes.len() < 20 {
        match flooder.recv().await.expect("a refusal before close") {
            ServerFrame::Error(e) => codes.push(e.code),
            other => panic!("expected an error, got {other:?}"),
        }
    }
    let limited = codes
        .iter()
        .filter(|c| **c == ErrorCode::RateLimited)
        .count();
    assert!(
        limited >= 10,
        "only {limited} of 20 rate limited: {codes:?}"
    );
    assert!(codes
        .iter()
        .all(|c| matches!(c, ErrorCode::RateLimited | ErrorCode::BadFrame)));
}
