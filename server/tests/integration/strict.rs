//! The protocol, strictly: a frame is a map with named fields (the array
//! forms serde would take are refused, never acted on), and a message over
//! `max_frame_bytes` closes with 1009 wherever it comes, first message or
//! in fragments, with the close frame reaching the client.

use crate::util::*;
use futures::SinkExt;
use switchboard_client::HistoryQuery;
use switchboard_protocol::client::{ClientFrame, Hello};
use switchboard_protocol::codec::Encoding;
use switchboard_protocol::ids::RequestId;
use switchboard_protocol::server::ServerFrame;
use switchboard_protocol::{close, ErrorCode, PROTOCOL_VERSION};
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::Message;

/// The server's default `max_frame_bytes`.
const MAX_FRAME: usize = 64 * 1024;

/// Asserts the next frame is a `bad_frame` error for request `id`.
async fn assert_bad_frame(raw: &mut Raw, id: Option<u64>) {
    match raw.recv().await {
        Some(ServerFrame::Error(e)) => {
            assert_eq!(e.code, ErrorCode::BadFrame, "{e:?}");
            assert_eq!(e.id, id.map(RequestId));
        }
        other => panic!("expected bad_frame, got {other:?}"),
    }
}

#[tokio::test]
async fn frames_written_as_arrays_are_refused_with_bad_frame_and_never_acted_on() {
    let (_dir, server, world) = seeded().await;
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;

    // JSON: a ping as an array, and a subscribe whose position is one.
    let mut json = Raw::connect(&server.url(), Encoding::Json).await;
    json.send(&ClientFrame::Hello(Hello {
        version: PROTOCOL_VERSION,
        token: world.bob.token.clone(),
    }))
    .await;
    assert!(matches!(json.recv().await, Some(ServerFrame::Welcome(_))));
    json.send_raw(Message::Text(r#"["ping",119]"#.into())).await;
    assert_bad_frame(&mut json, None).await;
    let nested = format!(
        r#"{{"type":"subscribe","id":5,"team":{},"after":[1,0]}}"#,
        world.team_a
    );
    json.send_raw(Message::Text(nested.into())).await;
    assert_bad_frame(&mut json, Some(5)).await;

    // MessagePack: a send and a subscribe as arrays.
    let mut msgpack = Raw::login(&server.url(), &world.bob.token).await;
    let send = serde_json::json!(["send", 7, conversation.0, "array-1", "as an array", false]);
    msgpack
        .send_raw(Message::Binary(rmp_serde::to_vec(&send).unwrap().into()))
        .await;
    assert_bad_frame(&mut msgpack, None).await;
    let subscribe = serde_json::json!([1, 2, world.team_a.0]);
    msgpack
        .send_raw(Message::Binary(
            rmp_serde::to_vec(&subscribe).unwrap().into(),
        ))
        .await;
    assert_bad_frame(&mut msgpack, None).await;
    let page = alice
        .history(conversation, HistoryQuery::default())
        .await
        .unwrap();
    assert!(
        page.messages.iter().all(|m| m.body != "as an array"),
        "nothing was stored"
    );

    // Before the hello, an array hello closes with 4000.
    let mut early = Raw::connect(&server.url(), Encoding::MsgPack).await;
    let hello = serde_json::json!(["hello", PROTOCOL_VERSION, world.bob.token]);
    early
        .send_raw(Message::Binary(rmp_serde::to_vec(&hello).unwrap().into()))
        .await;
    assert_eq!(early.close_code().await, Some(close::HELLO_REQUIRED));
}

#[tokio::test]
async fn an_oversized_first_message_closes_with_1009() {
    let (_dir, server, _world) = seeded().await;
    let mut raw = Raw::connect(&server.url(), Encoding::MsgPack).await;
    raw.send_raw(Message::Binary(vec![0x80; MAX_FRAME + 1].into()))
        .await;
    assert_eq!(raw.close_code().await, Some(close::TOO_BIG));
}

#[tokio::test]
async fn an_oversized_message_in_fragments_gets_its_1009_close_frame() {
    let (_dir, server, world) = seeded().await;
    // Before and after the hello: both read the same way.
    for hello_first in [true, false] {
        let mut raw = if hello_first {
            Raw::login(&server.url(), &world.bob.token).await
        } else {
            Raw::connect(&server.url(), Encoding::MsgPack).await
        };
        // 256 frames of 16 KiB (4 MiB): the server refuses the message
        // after 64 KiB, while the client is still sending the rest, more
        // than the sockets' buffers hold. The server reads the rest and
        // discards it: a socket dropped with unread input would be reset,
        // failing the client's writes and losing the close frame.
        let piece = vec![0u8; 16 * 1024];
        let count = 256;
        for n in 0..count {
            let opcode = if n == 0 { Data::Binary } else { Data::Continue };
            let frame = Frame::message(piece.clone(), OpCode::Data(opcode), n == count - 1);
            raw.ws
                .feed(Message::Frame(frame))
                .await
                .unwrap_or_else(|e| panic!("frame {n} is taken, not reset: {e}"));
        }
        raw.ws.flush().await.expect("the last frames are taken");
        assert_eq!(
            raw.close_code().await,
            Some(close::TOO_BIG),
            "hello first: {hello_first}"
        );
    }
}
