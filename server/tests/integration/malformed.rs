//! Bad input gets a clear error or a documented close code, and the server
//! keeps serving everyone else.

use crate::util::*;
use switchboard_protocol::client::{ClientFrame, Hello, Ping, SendMessage};
use switchboard_protocol::codec::Encoding;
use switchboard_protocol::ids::RequestId;
use switchboard_protocol::server::{Reply, ServerFrame};
use switchboard_protocol::{close, ErrorCode, PROTOCOL_VERSION};
use switchboard_server::Config;
use tokio_tungstenite::tungstenite::Message;

fn hello(token: &str, version: u32) -> ClientFrame {
    ClientFrame::Hello(Hello {
        version,
        token: token.to_string(),
    })
}

fn ping(id: u64) -> ClientFrame {
    ClientFrame::Ping(Ping { id: RequestId(id) })
}

async fn assert_pong(client: &mut Raw, id: u64) {
    match client.request(ping(id)).await {
        ServerFrame::Result(r) => assert_eq!(r.result, Reply::Pong),
        other => panic!("expected pong, got {other:?}"),
    }
}

#[tokio::test]
async fn garbage_after_hello_gets_bad_frame_and_the_connection_lives_on() {
    let (_dir, server, world) = seeded().await;
    let mut client = Raw::login(&server.url(), &world.alice.token).await;

    client
        .send_raw(Message::Binary(vec![0xc1, 0xff, 0x00, 0x13].into()))
        .await;
    match client.recv().await {
        Some(ServerFrame::Error(e)) => {
            assert_eq!(e.code, ErrorCode::BadFrame);
            assert_eq!(e.id, None);
            assert!(!e.message.is_empty());
        }
        other => panic!("expected bad_frame, got {other:?}"),
    }

    // A frame of a known type with a field of the wrong type: the error
    // names the request, so a client waiting on it is not left hanging.
    let wrong = serde_json::json!({"type": "send", "id": 42, "conversation": "seven", "client_msg_id": "x", "body": "hi"});
    let bytes = rmp_serde::to_vec_named(&wrong).unwrap();
    client.send_raw(Message::Binary(bytes.into())).await;
    match client.recv().await {
        Some(ServerFrame::Error(e)) => {
            assert_eq!(e.code, ErrorCode::BadFrame);
            assert_eq!(e.id, Some(RequestId(42)));
        }
        other => panic!("expected bad_frame for request 42, got {other:?}"),
    }

    // Text on a msgpack connection is refused the same way.
    client
        .send_raw(Message::Text("{\"type\":\"ping\",\"id\":1}".into()))
        .await;
    match client.recv().await {
        Some(ServerFrame::Error(e)) => assert_eq!(e.code, ErrorCode::BadFrame),
        other => panic!("expected bad_frame, got {other:?}"),
    }

    assert_pong(&mut client, 7).await;
}

#[tokio::test]
async fn an_oversized_frame_closes_with_1009_and_others_keep_chatting() {
    let (_dir, server, world) = seeded().await;
    let mut offender = Raw::login(&server.url(), &world.alice.token).await;
    let mut bystander = Raw::login(&server.url(), &world.bob.token).await;

    let huge = ClientFrame::Send(SendMessage {
        id: RequestId(1),
        conversation: 1.into(),
        client_msg_id: "big".into(),
        body: "x".repeat(200 * 1024),
        as_contact: false,
        post: None,
    });
    offender.send(&huge).await;
    assert_eq!(offender.close_code().await, Some(close::TOO_BIG));

    assert_pong(&mut bystander, 1).await;
}

#[tokio::test]
async fn the_first_frame_must_be_a_good_hello() {
    let (_dir, server, world) = seeded().await;

    let mut not_hello = Raw::connect(&server.url(), Encoding::MsgPack).await;
    not_hello.send(&ping(1)).await;
    assert_eq!(not_hello.close_code().await, Some(close::HELLO_REQUIRED));

    let mut garbage = Raw::connect(&server.url(), Encoding::MsgPack).await;
    garbage
        .send_raw(Message::Binary(vec![1, 2, 3].into()))
        .await;
    assert_eq!(garbage.close_code().await, Some(close::HELLO_REQUIRED));

    let mut bad_token = Raw::connect(&server.url(), Encoding::MsgPack).await;
    bad_token
        .send(&hello("sb_not-a-token", PROTOCOL_VERSION))
        .await;
    assert_eq!(bad_token.close_code().await, Some(close::UNAUTHORIZED));

    let mut old = Raw::connect(&server.url(), Encoding::MsgPack).await;
    old.send(&hello(&world.alice.token, PROTOCOL_VERSION + 1))
        .await;
    assert_eq!(old.close_code().await, Some(close::UNSUPPORTED_VERSION));

    // A second hello on a good session is an error, not a close.
    let mut twice = Raw::login(&server.url(), &world.alice.token).await;
    twice
        .send(&hello(&world.alice.token, PROTOCOL_VERSION))
        .await;
    match twice.recv().await {
        Some(ServerFrame::Error(e)) => assert_eq!(e.code, ErrorCode::BadState),
        other => panic!("expected bad_state, got {other:?}"),
    }
    assert_pong(&mut twice, 2).await;
}

#[tokio::test]
async fn a_silent_connection_is_closed_after_the_hello_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), dir.path());
    config.hello_timeout = std::time::Duration::from_millis(300);
    let server = TestServer::start_with(config).await;
    let mut silent = Raw::connect(&server.url(), Encoding::MsgPack).await;
    assert_eq!(silent.close_code().await, Some(close::HELLO_TIMEOUT));
}

#[tokio::test]
async fn json_connections_speak_the_same_frames_as_text() {
    let (_dir, server, world) = seeded().await;
    let mut client = Raw::connect(&server.url(), Encoding::Json).await;
    client
        .send(&hello(&world.bob.token, PROTOCOL_VERSION))
        .await;
    match client.recv().await {
        Some(ServerFrame::Welcome(w)) => {
            assert_eq!(w.user.id, world.bob.user);
            assert_eq!(w.teams.len(), 1);
            assert_eq!(w.teams[0].id, world.team_a);
        }
        other => panic!("expected welcome, got {other:?}"),
    }
    client
        .send_raw(Message::Text("{\"type\":\"ping\",\"id\":9}".into()))
        .await;
    match client.recv().await {
        Some(ServerFrame::Result(r)) => assert_eq!(r.result, Reply::Pong),
        other => panic!("expected pong, got {other:?}"),
    }
}
