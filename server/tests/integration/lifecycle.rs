//! A connection's life at its edges: who may open one (the origin
//! allow-list), how long the handshake and the hello may take, keepalive
//! against dead peers, and a graceful stop on SIGTERM that loses no
//! acknowledged write.

use crate::child::*;
use crate::util::*;
use futures::StreamExt;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use switchboard_protocol::client::{ClientFrame, Hello, Ping, SendMessage};
use switchboard_protocol::codec::{encode, Encoding};
use switchboard_protocol::ids::{ConversationId, RequestId, Seq};
use switchboard_protocol::server::{Reply, ServerFrame};
use switchboard_protocol::{close, PROTOCOL_VERSION};
use switchboard_server::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;

fn config_in(dir: &std::path::Path) -> Config {
    Config::new("127.0.0.1:0".parse().unwrap(), dir)
}

/// Opens a TCP connection and sends a WebSocket handshake for the JSON
/// encoding, with `origin` if given; returns the stream and the response's
/// status code.
async fn handshake(addr: SocketAddr, origin: Option<&str>) -> (TcpStream, u16) {
    let mut tcp = TcpStream::connect(addr).await.expect("connects");
    let origin = origin
        .map(|o| format!("Origin: {o}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "GET /ws HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Protocol: {}\r\n{origin}\r\n",
        Encoding::Json.subprotocol()
    );
    tcp.write_all(request.as_bytes()).await.unwrap();
    // The response head, byte by byte so that nothing after it is consumed.
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let byte = tokio::time::timeout(PATIENCE, tcp.read_u8())
            .await
            .expect("a response in time")
            .expect("a response head");
        head.push(byte);
        assert!(head.len() < 4096, "an endless response head");
    }
    let head = String::from_utf8(head).expect("an ASCII head");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a status line in {head:?}"));
    (tcp, status)
}

/// Writes one masked client frame.
async fn write_frame(tcp: &mut TcpStream, opcode: u8, payload: &[u8]) {
    let mask = [0x12, 0x34, 0x56, 0x78];
    let mut frame = vec![0x80 | opcode];
    match payload.len() {
        n if n < 126 => frame.push(0x80 | n as u8),
        n if n < 65536 => {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            frame.push(0x80 | 127);
            frame.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    frame.extend_from_slice(&mask);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    tcp.write_all(&frame).await.unwrap();
}

/// Splits server bytes (unmasked frames) into (opcode, payload) pairs;
/// a truncated last frame is left out.
fn frames(mut bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    while bytes.len() >= 2 {
        let opcode = bytes[0] & 0x0f;
        let (len, header) = match bytes[1] & 0x7f {
            126 if bytes.len() >= 4 => (u16::from_be_bytes([bytes[2], bytes[3]]) as usize, 4),
            127 if bytes.len() >= 10 => {
                let mut n = [0u8; 8];
                n.copy_from_slice(&bytes[2..10]);
                (u64::from_be_bytes(n) as usize, 10)
            }
            126 | 127 => break,
            n => (n as usize, 2),
        };
        if bytes.len() < header + len {
            break;
        }
        out.push((opcode, bytes[header..header + len].to_vec()));
        bytes = &bytes[header + len..];
    }
    out
}

/// Everything the server sends until it closes the connection.
async fn read_to_close(tcp: &mut TcpStream) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match tokio::time::timeout(PATIENCE, tcp.read(&mut chunk)).await {
            Err(_) => panic!("the server did not close the connection in time"),
            Ok(Ok(0)) | Ok(Err(_)) => return bytes,
            Ok(Ok(n)) => bytes.extend_from_slice(&chunk[..n]),
        }
    }
}

fn close_code_in(frames: &[(u8, Vec<u8>)]) -> Option<u16> {
    frames
        .iter()
        .find(|(opcode, payload)| *opcode == 0x8 && payload.len() >= 2)
        .map(|(_, payload)| u16::from_be_bytes([payload[0], payload[1]]))
}

#[tokio::test]
async fn a_browser_handshake_from_a_foreign_origin_is_refused_before_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config_in(dir.path());
    config.allowed_origins = vec!["https://app.example.test".into()];
    let server = TestServer::start_with(config).await;
    let addr = server.addr;

    let (_foreign, status) = handshake(addr, Some("https://evil.example.test")).await;
    assert_eq!(status, 403, "a foreign origin is refused");
    let (_other_port, status) = handshake(addr, Some("http://127.0.0.1:1")).await;
    assert_eq!(status, 403, "another port is another origin");

    let (_own, status) = handshake(addr, Some(&format!("http://{addr}"))).await;
    assert_eq!(status, 101, "the server's own origin is accepted");
    let (_listed, status) = handshake(addr, Some("https://app.example.test")).await;
    assert_eq!(status, 101, "a configured origin is accepted");
    let (_program, status) = handshake(addr, None).await;
    assert_eq!(status, 101, "no Origin: a program, accepted");

    // `*` allows any origin.
    let dir = tempfile::tempdir().unwrap();
    let mut config = config_in(dir.path());
    config.allowed_origins = vec!["*".into()];
    let open = TestServer::start_with(config).await;
    let (_any, status) = handshake(open.addr, Some("https://evil.example.test")).await;
    assert_eq!(status, 101);
}

#[tokio::test]
async fn a_connection_that_never_completes_the_handshake_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config_in(dir.path());
    config.handshake_timeout = Duration::from_millis(300);
    config.hello_timeout = Duration::from_secs(30);
    let server = TestServer::start_with(config).await;
    let world = seed(server.server.store().as_ref());

    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    let answer = read_to_close(&mut silent).await;
    assert!(!answer.starts_with(b"HTTP/1.1 101"), "no upgrade");

    let mut partial = TcpStream::connect(server.addr).await.unwrap();
    partial
        .write_all(b"GET /ws HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let answer = read_to_close(&mut partial).await;
    assert!(!answer.starts_with(b"HTTP/1.1 101"), "no upgrade");

    // An upgraded connection is past the handshake bound: it may say hello
    // later than that.
    let (mut upgraded, status) = handshake(server.addr, None).await;
    assert_eq!(status, 101);
    tokio::time::sleep(Duration::from_millis(900)).await;
    let hello = ClientFrame::Hello(Hello {
        version: PROTOCOL_VERSION,
        token: world.alice.token.clone(),
    });
    write_frame(&mut upgraded, 0x1, &encode(Encoding::Json, &hello).unwrap()).await;
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    let welcomed = loop {
        let n = tokio::time::timeout(PATIENCE, upgraded.read(&mut chunk))
            .await
            .expect("a welcome in time")
            .unwrap();
        assert!(n > 0, "closed instead of welcomed");
        bytes.extend_from_slice(&chunk[..n]);
        if let Some((_, text)) = frames(&bytes).into_iter().find(|(op, _)| *op == 0x1) {
            break String::from_utf8(text).unwrap();
        }
    };
    assert!(welcomed.contains("\"welcome\""), "{welcomed}");
}

#[tokio::test]
async fn a_silent_socket_after_the_upgrade_is_closed_with_4003() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config_in(dir.path());
    config.hello_timeout = Duration::from_millis(500);
    // Keepalive is busy meanwhile and must not pre-empt the hello timeout.
    config.ping_interval = Duration::from_millis(100);
    let server = TestServer::start_with(config).await;
    let (mut silent, status) = handshake(server.addr, None).await;
    assert_eq!(status, 101);
    let started = Instant::now();
    let frames = frames(&read_to_close(&mut silent).await);
    assert_eq!(close_code_in(&frames), Some(close::HELLO_TIMEOUT));
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "not closed before the hello timeout"
    );
}

#[tokio::test]
async fn keepalive_closes_a_dead_peer_and_keeps_a_live_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config_in(dir.path());
    config.hello_timeout = Duration::from_secs(30);
    // A timeout generous enough for a loaded test machine to answer in.
    config.ping_interval = Duration::from_millis(200);
    config.ping_timeout = Duration::from_millis(1000);
    let server = TestServer::start_with(config).await;
    let world = seed(server.server.store().as_ref());

    // Alive: reads (tungstenite answers pings) but sends nothing itself,
    // for several times ping_interval + ping_timeout.
    let mut alive = Raw::login(&server.url(), &world.bob.token).await;
    let mut pings = 0;
    let until = tokio::time::Instant::now() + Duration::from_millis(3000);
    while let Ok(message) = tokio::time::timeout_at(until, alive.ws.next()).await {
        match message {
            Some(Ok(WsMessage::Ping(_))) => pings += 1,
            Some(Ok(WsMessage::Close(frame))) => panic!("a live peer was closed: {frame:?}"),
            Some(Ok(_)) => {}
            other => panic!("a live peer lost its connection: {other:?}"),
        }
    }
    assert!(pings >= 3, "the server pings ({pings} pings)");
    let pong = alive
        .request(ClientFrame::Ping(Ping { id: RequestId(1) }))
        .await;
    assert!(matches!(pong, ServerFrame::Result(r) if r.result == Reply::Pong));

    // Dead: said hello, then reads nothing and answers no ping.
    let (mut dead, status) = handshake(server.addr, None).await;
    assert_eq!(status, 101);
    let hello = ClientFrame::Hello(Hello {
        version: PROTOCOL_VERSION,
        token: world.alice.token.clone(),
    });
    write_frame(&mut dead, 0x1, &encode(Encoding::Json, &hello).unwrap()).await;
    let frames = frames(&read_to_close(&mut dead).await);
    assert!(
        frames.iter().any(|(op, _)| *op == 0x9),
        "pinged before being closed"
    );
    let welcome = frames
        .iter()
        .find(|(op, p)| *op == 0x1 && p.starts_with(b"{\"type\":\"welcome\""))
        .expect("welcomed first");
    // The welcome tells the client the keepalive's timing it was held to.
    let welcome: serde_json::Value = serde_json::from_slice(&welcome.1).unwrap();
    assert_eq!(welcome["limits"]["ping_interval_ms"], 200);
    assert_eq!(welcome["limits"]["ping_timeout_ms"], 1000);
    assert_eq!(close_code_in(&frames), Some(close::PING_TIMEOUT));
}

/// Sends messages one after another until the connection closes; reports
/// each acknowledgement, and returns the close code.
async fn send_until_closed(
    mut raw: Raw,
    sender: usize,
    conversation: ConversationId,
    acked: tokio::sync::mpsc::UnboundedSender<(String, Seq)>,
) -> Option<u16> {
    for i in 0..100_000u64 {
        let client_msg_id = format!("s{sender}-{i}");
        let id = RequestId(i + 1);
        raw.send(&ClientFrame::Send(SendMessage {
            id,
            conversation,
            client_msg_id: client_msg_id.clone(),
            body: format!("body {client_msg_id}"),
            as_contact: false,
            post: None,
        }))
        .await;
        loop {
            let message = tokio::time::timeout(PATIENCE, raw.ws.next())
                .await
                .expect("a reply or a close in time");
            let frame = match message {
                Some(Ok(WsMessage::Binary(bytes))) => switchboard_protocol::codec::decode::<
                    ServerFrame,
                >(
                    raw.encoding, &bytes, 1 << 24
                )
                .expect("a frame"),
                Some(Ok(WsMessage::Close(frame))) => return frame.map(|f| f.code.into()),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            };
            match frame {
                ServerFrame::Result(r) if r.id == id => {
                    let Reply::Sent(ack) = r.result else {
                        panic!("a send answered with {:?}", r.result)
                    };
                    let _ = acked.send((client_msg_id, ack.seq));
                    break;
                }
                // Refused during the stop: answered, not stored.
                ServerFrame::Error(e) if e.id == Some(id) => break,
                _ => continue,
            }
        }
    }
    panic!("sender {sender} was never closed");
}

#[tokio::test]
async fn sigterm_during_sends_answers_every_write_loses_none_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let world = seed_closed(dir.path());
    let server = ChildServer::start(dir.path(), &["--shutdown-timeout", "10s"]);
    let (alice, _events) = connect(&server.url, &world.alice.token).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    alice.close().await;

    let (acked_tx, mut acked_rx) = tokio::sync::mpsc::unbounded_channel();
    let mut senders = Vec::new();
    for sender in 0..4 {
        let raw = Raw::login(&server.url, &world.alice.token).await;
        senders.push(tokio::spawn(send_until_closed(
            raw,
            sender,
            conversation,
            acked_tx.clone(),
        )));
    }
    drop(acked_tx);
    let mut acked = BTreeMap::new();
    while acked.len() < 200 {
        let (id, seq) = tokio::time::timeout(PATIENCE, acked_rx.recv())
            .await
            .expect("acks keep coming")
            .expect("senders are running");
        acked.insert(id, seq);
    }

    server.terminate();
    for sender in senders {
        let code = sender.await.expect("the sender finished");
        assert_eq!(code, Some(close::RESTART), "clients are told to come back");
    }
    while let Some((id, seq)) = acked_rx.recv().await {
        acked.insert(id, seq);
    }
    let status = server
        .wait_exit(Duration::from_secs(15))
        .expect("the server exits within the shutdown bound");
    assert!(status.success(), "exit status {status}");

    let server = ChildServer::start(dir.path(), &[]);
    let (reader, _events) = connect(&server.url, &world.bob.token).await;
    let mut stored = Vec::new();
    let mut after = Seq(0);
    loop {
        let page = reader
            .history(conversation, switchboard_client::HistoryQuery::after(after))
            .await
            .expect("history");
        stored.extend(page.messages.iter().cloned());
        match page.messages.last() {
            Some(last) if page.more => after = last.seq,
            _ => break,
        }
    }
    let mut by_id = BTreeMap::new();
    for message in &stored {
        let id = message.client_msg_id.clone().expect("sent by a client");
        assert!(
            by_id.insert(id.clone(), message.seq).is_none(),
            "{id} stored twice"
        );
    }
    // Every acknowledged message is there at its seq, and every stored one
    // was acknowledged: no write taken before the stop went unanswered.
    let lost: Vec<_> = acked
        .iter()
        .filter(|(id, seq)| by_id.get(*id) != Some(*seq))
        .collect();
    assert!(
        lost.is_empty(),
        "acknowledged but not stored at their seq: {lost:?}"
    );
    let unanswered: Vec<_> = by_id.keys().filter(|id| !acked.contains_key(*id)).collect();
    assert!(
        unanswered.is_empty(),
        "stored but never acknowledged: {unanswered:?}"
    );
    assert!(acked.len() >= 200);
    reader.close().await;
    server.kill_9();
}
