//! The `switchboard-peer` binary as `switchboard-bench` runs it: a child
//! process that prints its address, relays a room's messages to that
//! room's subscribers only (text and binary alike, in order), refuses a
//! handshake without a room and a role, and exits once its stdin closes.
//!
//! The clients are plain tokio-tungstenite: the bench's `PeerConnection`
//! lives in a binary crate, which an integration test cannot import (the
//! bench's own unit tests drive the same servers through it).

use futures::{SinkExt, StreamExt};
use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a start, a connect or a delivery may take.
const WAIT: Duration = Duration::from_secs(10);
/// How long a connection that should get nothing is watched.
const QUIET: Duration = Duration::from_millis(300);
/// Messages the sender sends.
const COUNT: usize = 50;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A running `switchboard-peer`; killed when dropped.
struct Peer {
    child: Child,
    addr: String,
    // Kept open so that the peer never writes to a closed pipe.
    _stdout: BufReader<ChildStdout>,
}

impl Peer {
    fn start(mode: &str) -> Peer {
        let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard-peer"))
            .args(["--mode", mode, "--listen", "127.0.0.1:0"])
            .arg("--exit-on-stdin-close")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("starting switchboard-peer");
        let stdout = child.stdout.take().expect("stdout is piped");
        // Read on a thread so that a peer that never prints fails the test
        // instead of hanging it.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let read = reader.read_line(&mut line).map(|_| line);
            let _ = tx.send((read, reader));
        });
        let (line, reader) = rx.recv_timeout(WAIT).expect("no address line in time");
        let line = line.expect("reading the peer's stdout");
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        Peer {
            child,
            addr,
            _stdout: reader,
        }
    }

    async fn connect(&self, room: u32, role: &str) -> Socket {
        let url = format!("ws://{}/?room={room}&role={role}", self.addr);
        match timeout(WAIT, tokio_tungstenite::connect_async(url)).await {
            Ok(Ok((socket, _response))) => socket,
            Ok(Err(e)) => panic!("connecting as a {role}: {e}"),
            Err(_) => panic!("connecting as a {role} timed out"),
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        // An error means it has exited already; reaping is still right.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Message `i`: text, except every tenth, which is binary.
fn message(i: usize) -> Message {
    if i % 10 == 9 {
        Message::binary(vec![i as u8, 0xff, 0x00])
    } else {
        Message::text(format!("{i:04} a message about as long as a chat line"))
    }
}

async fn check_fan_out(mode: &str) {
    let peer = Peer::start(mode);
    let mut subscribers = Vec::new();
    for _ in 0..3 {
        subscribers.push(peer.connect(1, "subscriber").await);
    }
    let mut elsewhere = peer.connect(2, "subscriber").await;
    let mut sender = peer.connect(1, "sender").await;
    for i in 0..COUNT {
        sender.send(message(i)).await.expect("sending");
    }
    for (n, subscriber) in subscribers.iter_mut().enumerate() {
        for i in 0..COUNT {
            let got = timeout(WAIT, subscriber.next())
                .await
                .unwrap_or_else(|_| panic!("{mode}: subscriber {n} waited for message {i}"));
            let got = got
                .expect("the peer closed the connection")
                .expect("a readable message");
            assert_eq!(got, message(i), "{mode}: subscriber {n}, message {i}");
        }
    }
    assert!(
        timeout(QUIET, elsewhere.next()).await.is_err(),
        "{mode}: room 2 got a message"
    );
    assert!(
        timeout(QUIET, sender.next()).await.is_err(),
        "{mode}: the sender got a message"
    );
    for query in ["", "?room=1", "?role=sender", "?room=x&role=subscriber"] {
        let url = format!("ws://{}/{query}", peer.addr);
        let refused = timeout(WAIT, tokio_tungstenite::connect_async(url)).await;
        assert!(
            matches!(refused, Ok(Err(_))),
            "{mode}: {query:?} was not refused"
        );
    }
}

#[tokio::test]
async fn naive_fans_a_room_out_to_its_subscribers_only() {
    check_fan_out("naive").await;
}

#[tokio::test]
async fn batched_fans_a_room_out_to_its_subscribers_only() {
    check_fan_out("batched").await;
}

#[test]
fn a_peer_exits_once_its_stdin_closes() {
    for mode in ["naive", "batched"] {
        let mut peer = Peer::start(mode);
        drop(peer.child.stdin.take());
        let end = Instant::now() + WAIT;
        let status = loop {
            if let Some(status) = peer.child.try_wait().expect("waiting for the peer") {
                break status;
            }
            assert!(
                Instant::now() < end,
                "{mode}: still running after stdin closed"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(status.success(), "{mode}: exited with {status}");
    }
}
