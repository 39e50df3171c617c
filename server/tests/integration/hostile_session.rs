//! A logged-in session fed arbitrary frames through a raw WebSocket: real
//! requests with random fields, damaged requests, random bytes, messages of
//! the wrong kind and a second hello, in random order and either encoding.
//!
//! The property (the stable mirror of the `fuzz/` session target): every
//! message that carries a readable request id gets exactly one answer
//! (`result` or `error`) with that id, and afterwards the connection still
//! answers a ping; or it closed with a documented close code, having
//! answered nothing twice. Bounded: 64 cases of at most 12 messages on one
//! shared server.

use crate::util::{seeded, PATIENCE};
use futures::{SinkExt, StreamExt};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestCaseError, TestRunner};
use serde_json::{json, Value};
use std::collections::HashMap;
use switchboard_protocol::client::{ClientFrame, Hello, Ping};
use switchboard_protocol::codec::{decode, encode, probe_request_id, Encoding};
use switchboard_protocol::codes::close;
use switchboard_protocol::server::ServerFrame;
use switchboard_protocol::{RequestId, PROTOCOL_VERSION};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// Request ids of the generated messages start here, far from anything
/// random bytes are likely to spell.
const FIRST_ID: u64 = 7_000_000;
/// The server's default `max_frame_bytes`, for probing ids as it does.
const LIMIT: usize = 64 * 1024;
/// Close codes a hostile session may end with (PROTOCOL.md): a broken
/// WebSocket frame, or a message over the limit.
const DOCUMENTED: [u16; 2] = [close::PROTOCOL_ERROR, close::TOO_BIG];

/// One message the test sends.
#[derive(Debug, Clone)]
enum Piece {
    /// A request (its `id` filled in when sent).
    Request(Value),
    /// A request with one byte of its encoding replaced.
    Damaged(Value, prop::sample::Index, u8),
    /// Random bytes, as the connection's message kind.
    Bytes(Vec<u8>),
    /// Random bytes as the other message kind (text on a MessagePack
    /// connection, binary on a JSON one).
    WrongKind(Vec<u8>),
    /// A second hello: it has no id and must not disturb the session.
    Hello,
}

fn request() -> impl Strategy<Value = Value> {
    let team = 0u64..5;
    let conversation = 0u64..8;
    prop_oneof![
        Just(json!({"type": "ping"})),
        team.clone()
            .prop_map(|t| json!({"type": "subscribe", "team": t})),
        team.clone()
            .prop_map(|t| json!({"type": "unsubscribe", "team": t})),
        (team.clone(), 0u64..300)
            .prop_map(|(t, l)| json!({"type": "conversations", "team": t, "limit": l})),
        team.clone()
            .prop_map(|t| json!({"type": "members", "team": t})),
        (team.clone(), "[a-zA-Z ]{0,12}").prop_map(
            |(t, n)| json!({"type": "start_conversation", "team": t, "contact": {"name": n}})
        ),
        (conversation.clone(), 0u64..300)
            .prop_map(|(c, l)| json!({"type": "history", "conversation": c, "limit": l})),
        (conversation.clone(), "(?s).{0,40}", "[a-z0-9-]{1,8}").prop_map(
            |(c, b, m)| json!({"type": "send", "conversation": c, "client_msg_id": m, "body": b})
        ),
        (conversation, 0u64..10)
            .prop_map(|(c, s)| json!({"type": "mark_read", "conversation": c, "seq": s})),
        "[a-z_]{1,12}".prop_map(|t| json!({"type": t})),
    ]
}

fn piece() -> impl Strategy<Value = Piece> {
    prop_oneof![
        4 => request().prop_map(Piece::Request),
        2 => (request(), any::<prop::sample::Index>(), any::<u8>())
            .prop_map(|(v, at, b)| Piece::Damaged(v, at, b)),
        1 => vec(any::<u8>(), 0..64).prop_map(Piece::Bytes),
        1 => vec(any::<u8>(), 0..16).prop_map(Piece::WrongKind),
        1 => Just(Piece::Hello),
    ]
}

fn encoding() -> impl Strategy<Value = Encoding> {
    prop_oneof![Just(Encoding::MsgPack), Just(Encoding::Json)]
}

/// The bytes of a JSON value in `encoding`.
fn bytes_of(encoding: Encoding, value: &Value) -> Vec<u8> {
    match encoding {
        Encoding::MsgPack => rmp_serde::to_vec_named(value).expect("a value encodes"),
        Encoding::Json => serde_json::to_vec(value).expect("a value encodes"),
    }
}

/// A WebSocket message of the connection's kind (or the other kind).
fn message(encoding: Encoding, bytes: Vec<u8>, wrong_kind: bool) -> WsMessage {
    let text = (encoding == Encoding::Json) != wrong_kind;
    if text {
        WsMessage::Text(String::from_utf8_lossy(&bytes).into_owned().into())
    } else {
        WsMessage::Binary(bytes.into())
    }
}

/// What the connection did next.
enum Next {
    Frame(Box<ServerFrame>),
    Closed(Option<u16>),
}

async fn next(ws: &mut Socket, encoding: Encoding) -> Next {
    loop {
        let message = tokio::time::timeout(PATIENCE, ws.next())
            .await
            .expect("the server answers in time");
        let bytes = match message {
            Some(Ok(WsMessage::Binary(bytes))) => bytes.to_vec(),
            Some(Ok(WsMessage::Text(text))) => text.as_bytes().to_vec(),
            Some(Ok(WsMessage::Close(frame))) => return Next::Closed(frame.map(|f| f.code.into())),
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return Next::Closed(None),
        };
        let frame = decode(encoding, &bytes, 1 << 24).expect("the server sends valid frames");
        return Next::Frame(Box::new(frame));
    }
}

/// The request id a frame answers, if it answers one.
fn answered(frame: &ServerFrame) -> Option<RequestId> {
    match frame {
        ServerFrame::Result(result) => Some(result.id),
        ServerFrame::Error(error) => error.id,
        _ => None,
    }
}

async fn connect(url: &str, token: &str, encoding: Encoding) -> Socket {
    let mut ws = crate::util::Raw::connect(url, encoding).await.ws;
    let hello = ClientFrame::Hello(Hello {
        version: PROTOCOL_VERSION,
        token: token.to_string(),
    });
    let bytes = encode(encoding, &hello).expect("hello encodes");
    ws.send(message(encoding, bytes, false))
        .await
        .expect("sends");
    match next(&mut ws, encoding).await {
        Next::Frame(frame) => match *frame {
            ServerFrame::Welcome(_) => ws,
            other => panic!("expected welcome, got {other:?}"),
        },
        Next::Closed(code) => panic!("closed before welcome: {code:?}"),
    }
}

/// Sends the pieces, then a ping; checks the property. Returns a failure
/// message instead of panicking so that proptest can shrink the case.
async fn run_case(
    url: &str,
    token: &str,
    encoding: Encoding,
    pieces: Vec<Piece>,
) -> Result<(), TestCaseError> {
    let mut ws = connect(url, token, encoding).await;
    // Ids the server can read, with how often each has been answered.
    let mut expected: HashMap<RequestId, usize> = HashMap::new();
    for (n, piece) in pieces.into_iter().enumerate() {
        let id = FIRST_ID + n as u64;
        let with_id = |mut value: Value| {
            value["id"] = json!(id);
            value
        };
        let (bytes, wrong_kind) = match piece {
            Piece::Request(value) => (bytes_of(encoding, &with_id(value)), false),
            Piece::Damaged(value, at, byte) => {
                let mut bytes = bytes_of(encoding, &with_id(value));
                let at = at.index(bytes.len());
                bytes[at] = byte;
                (bytes, false)
            }
            Piece::Bytes(bytes) => (bytes, false),
            Piece::WrongKind(bytes) => (bytes, true),
            Piece::Hello => {
                let hello = ClientFrame::Hello(Hello {
                    version: PROTOCOL_VERSION,
                    token: token.to_string(),
                });
                (encode(encoding, &hello).expect("hello encodes"), false)
            }
        };
        let message = message(encoding, bytes, wrong_kind);
        // What the server will read: text turned lossy above, so probe the
        // payload actually sent. A message of the wrong kind is refused
        // without reading it.
        let sent: &[u8] = match &message {
            WsMessage::Text(text) => text.as_bytes(),
            WsMessage::Binary(bytes) => bytes,
            _ => &[],
        };
        if !wrong_kind {
            if let Some(probed) = probe_request_id(encoding, sent, LIMIT) {
                prop_assume!(!expected.contains_key(&probed));
                expected.insert(probed, 0);
            }
        }
        if ws.send(message).await.is_err() {
            break;
        }
    }
    let ping = RequestId(FIRST_ID - 1);
    expected.insert(ping, 0);
    let _ = ws
        .send(message(
            encoding,
            encode(encoding, &ClientFrame::Ping(Ping { id: ping })).expect("ping encodes"),
            false,
        ))
        .await;

    // Read until every id is answered, then once more past a second ping,
    // so that a late duplicate answer shows.
    let last = RequestId(FIRST_ID - 2);
    let mut last_sent = false;
    loop {
        match next(&mut ws, encoding).await {
            Next::Frame(frame) => {
                let Some(id) = answered(&frame) else { continue };
                if id == last {
                    break;
                }
                let count = expected.get_mut(&id).ok_or_else(|| {
                    TestCaseError::fail(format!("an answer to {id:?}, never asked: {frame:?}"))
                })?;
                *count += 1;
                prop_assert_eq!(*count, 1, "{:?} answered twice, last with {:?}", id, frame);
            }
            Next::Closed(code) => {
                let documented = code.is_some_and(|c| DOCUMENTED.contains(&c));
                prop_assert!(documented, "closed with {:?}", code);
                return Ok(());
            }
        }
        if !last_sent && expected.values().all(|&n| n == 1) {
            let frame = ClientFrame::Ping(Ping { id: last });
            let bytes = encode(encoding, &frame).expect("ping encodes");
            // A send can fail when the server has just closed after the
            // last piece (a frame it closes for, answered by nothing): the
            // close is then the next thing read, and its code is checked.
            let _ = ws.send(message(encoding, bytes, false)).await;
            last_sent = true;
        }
    }
    let unanswered: Vec<_> = expected.iter().filter(|(_, &n)| n != 1).collect();
    prop_assert!(unanswered.is_empty(), "unanswered: {:?}", unanswered);
    let _ = ws.close(None).await;
    Ok(())
}

#[test]
fn a_session_fed_arbitrary_frames_answers_each_request_exactly_once() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let (_dir, server, world) = rt.block_on(seeded());
    let url = server.url();
    let config = ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&(encoding(), vec(piece(), 1..12)), |(encoding, pieces)| {
        rt.block_on(run_case(&url, &world.alice.token, encoding, pieces))
    });
    rt.block_on(server.server.shutdown());
    if let Err(e) = result {
        panic!("{e}");
    }
}
