//! Every peer against the same checks, through [`PeerConnection`] as the
//! bench drives them: a room's subscribers get everything in order, other
//! rooms and senders get nothing, a subscriber that stops reading is
//! dropped rather than waited for, and the server carries on.
//!
//! The Rust peers run in-process on the same `serve` that the
//! `switchboard-peer` binary runs (a unit-test binary cannot count on the
//! other binary being built; `tests/peers.rs` runs the binary itself);
//! Socket.IO runs as the child process the
//! bench starts, which needs Node and `npm ci`: without them the Socket.IO
//! tests are skipped, except under `CI=true`, where they fail.

use super::server::{self, Mode};
use super::{PeerChoice, PeerConnection, PeerKind, PeerRole, PeerServer};
use bytes::Bytes;
use std::net::{IpAddr, SocketAddr};
use std::process::Command;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::time::timeout;

/// How long one delivery may take before the test fails.
const WAIT: Duration = Duration::from_secs(10);
/// How long a connection that should get nothing is watched.
const QUIET: Duration = Duration::from_millis(300);

/// Starts a Rust peer on an ephemeral port; it lives as long as the
/// test's runtime.
async fn start_in_process(mode: Mode) -> SocketAddr {
    // Binding loopback port 0 fails only if the machine has no loopback.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("bound address");
    tokio::spawn(server::serve(listener, mode));
    addr
}

/// Starts the Socket.IO peer, or `None` when Node or npm is missing and
/// this is not CI.
async fn start_socketio() -> Option<PeerServer> {
    let missing: Vec<&str> = ["node", "npm"]
        .into_iter()
        .filter(|tool| {
            !Command::new(tool)
                .arg("--version")
                .output()
                .is_ok_and(|output| output.status.success())
        })
        .collect();
    if !missing.is_empty() {
        let message = format!("the socketio peer needs {} on PATH", missing.join(" and "));
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
        eprintln!("skipped: {message}");
        return None;
    }
    let dir = PeerServer::socketio_dir();
    // The binary path is unused for Socket.IO.
    let server = PeerServer::start(PeerKind::SocketIo, std::path::Path::new(""), &dir)
        .await
        .expect("starting the socketio peer");
    assert!(server.pid() > 0);
    Some(server)
}

async fn connect(
    kind: PeerKind,
    addr: SocketAddr,
    room: u32,
    role: PeerRole,
    from: Option<IpAddr>,
) -> PeerConnection {
    match timeout(WAIT, PeerConnection::connect(kind, addr, room, role, from)).await {
        Ok(Ok(connection)) => connection,
        Ok(Err(e)) => panic!("connecting to {kind}: {e:#}"),
        Err(_) => panic!("connecting to {kind} timed out"),
    }
}

/// Sends one payload in a write of its own, as a chat client would.
async fn send(connection: &mut PeerConnection, payload: &[u8]) {
    connection.feed(payload).await.expect("queueing a payload");
    connection.flush().await.expect("sending a payload");
}

async fn next(connection: &mut PeerConnection) -> Option<Bytes> {
    match timeout(WAIT, connection.recv()).await {
        Ok(Ok(payload)) => payload,
        Ok(Err(e)) => panic!("receiving: {e:#}"),
        Err(_) => panic!("nothing received within {WAIT:?}"),
    }
}

/// Payload `i`: ASCII like the bench's, except every tenth, which is not
/// UTF-8 and so travels as binary.
fn payload(i: usize) -> Vec<u8> {
    let mut payload = format!("{i:08} a payload about as long as the bench's ").into_bytes();
    if i % 10 == 9 {
        payload.extend_from_slice(&[0xff, 0x00, 0xfe]);
    }
    payload
}

/// The source addresses the subscribers connect from: the OS's choice,
/// 127.0.0.1, and on Linux (where all of 127/8 is local) 127.0.0.2.
fn sources() -> [Option<IpAddr>; 3] {
    let other = if cfg!(target_os = "linux") {
        [127, 0, 0, 2]
    } else {
        [127, 0, 0, 1]
    };
    [
        None,
        Some(IpAddr::from([127, 0, 0, 1])),
        Some(IpAddr::from(other)),
    ]
}

async fn check_fan_out(kind: PeerKind, addr: SocketAddr) {
    let mut subscribers = Vec::new();
    for from in sources() {
        subscribers.push(connect(kind, addr, 1, PeerRole::Subscriber, from).await);
    }
    let mut elsewhere = connect(kind, addr, 2, PeerRole::Subscriber, None).await;
    let mut sender = connect(kind, addr, 1, PeerRole::Sender, None).await;
    for i in 0..100 {
        send(&mut sender, &payload(i)).await;
    }
    for (n, subscriber) in subscribers.iter_mut().enumerate() {
        for i in 0..100 {
            let got = next(subscriber).await;
            assert_eq!(
                got.as_deref(),
                Some(&payload(i)[..]),
                "{kind}: subscriber {n}, payload {i}"
            );
        }
    }
    assert!(
        timeout(QUIET, elsewhere.recv()).await.is_err(),
        "{kind}: room 2 got a payload"
    );
    assert!(
        timeout(QUIET, sender.recv()).await.is_err(),
        "{kind}: the sender got a payload"
    );
}

/// A subscriber that never reads while far more than its queue is sent:
/// the peer drops it, a reading subscriber still gets everything, and the
/// peer still serves new connections.
async fn check_slow_subscriber(kind: PeerKind, addr: SocketAddr) {
    const COUNT: usize = 12_000;
    let body = "x".repeat(4096);
    let mut slow = connect(kind, addr, 1, PeerRole::Subscriber, None).await;
    let mut fast = connect(kind, addr, 1, PeerRole::Subscriber, None).await;
    let mut sender = connect(kind, addr, 1, PeerRole::Sender, None).await;
    let reader = tokio::spawn(async move {
        for i in 0..COUNT {
            let got = next(&mut fast)
                .await
                .expect("the reading subscriber was closed");
            assert!(
                got.starts_with(format!("{i:08}").as_bytes()),
                "{kind}: payload {i} out of order"
            );
        }
    });
    for i in 0..COUNT {
        send(&mut sender, format!("{i:08}{body}").as_bytes()).await;
        // Paced so that the reading subscriber (and the in-process server
        // on a debug build) keeps up; the slow one still falls behind.
        if i % 5 == 4 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    reader.await.expect("the reading subscriber failed");
    let mut delivered = 0;
    while next(&mut slow).await.is_some() {
        delivered += 1;
        assert!(
            delivered < COUNT,
            "{kind}: the slow subscriber was never dropped"
        );
    }
    eprintln!("{kind}: the slow subscriber got {delivered} of {COUNT} before it was dropped");
    check_fan_out(kind, addr).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn naive_fans_out_to_its_room_only() {
    check_fan_out(PeerKind::Naive, start_in_process(Mode::Naive).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batched_fans_out_to_its_room_only() {
    check_fan_out(PeerKind::Batched, start_in_process(Mode::Batched).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socketio_fans_out_to_its_room_only() {
    if let Some(server) = start_socketio().await {
        check_fan_out(PeerKind::SocketIo, server.addr()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn naive_drops_a_subscriber_that_stops_reading() {
    check_slow_subscriber(PeerKind::Naive, start_in_process(Mode::Naive).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batched_drops_a_subscriber_that_stops_reading() {
    check_slow_subscriber(PeerKind::Batched, start_in_process(Mode::Batched).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socketio_drops_a_subscriber_that_stops_reading() {
    if let Some(server) = start_socketio().await {
        check_slow_subscriber(PeerKind::SocketIo, server.addr()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_peers_refuse_a_handshake_without_room_and_role() {
    for mode in [Mode::Naive, Mode::Batched] {
        let addr = start_in_process(mode).await;
        for query in ["", "?room=1", "?role=sender", "?room=x&role=subscriber"] {
            let refused = tokio_tungstenite::connect_async(format!("ws://{addr}/{query}")).await;
            assert!(refused.is_err(), "{mode:?} accepted {query:?}");
        }
        let kind = if mode == Mode::Naive {
            PeerKind::Naive
        } else {
            PeerKind::Batched
        };
        check_fan_out(kind, addr).await;
    }
}

#[test]
fn peer_kinds_parse_from_their_names() {
    for kind in PeerKind::ALL {
        assert_eq!(kind.to_string().parse::<PeerKind>(), Ok(kind));
    }
    assert!("socket.io".parse::<PeerKind>().is_err());
}

#[test]
fn a_peer_list_expands_all_in_report_order_once_each() {
    let parse = |list: &str| -> Vec<PeerKind> {
        let choices: Vec<PeerChoice> = list
            .split(',')
            .map(|c| c.parse().expect("a known choice"))
            .collect();
        PeerChoice::expand(&choices)
    };
    assert_eq!(parse("all"), PeerKind::ALL);
    assert_eq!(
        parse("socketio,naive,naive"),
        [PeerKind::Naive, PeerKind::SocketIo]
    );
    assert_eq!(parse("none"), []);
    assert!("socket.io".parse::<PeerChoice>().is_err());
}

#[test]
fn a_missing_peer_binary_is_reported_with_how_to_build_it() {
    let missing = PeerServer::locate_bin(Some("/nonexistent/switchboard-peer".into()))
        .expect_err("a missing binary was accepted");
    assert!(format!("{missing:#}").contains("cargo build --release -p switchboard-benches"));
    // The test binary itself stands in for a binary that exists.
    let present = std::env::current_exe().expect("the test binary's path");
    assert_eq!(
        PeerServer::locate_bin(Some(present.clone())).ok(),
        Some(present)
    );
}
