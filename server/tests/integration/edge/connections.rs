//! Idle keep-alive connections and slow request heads are closed; open
//! connections, WebSockets before their hello included, are capped.

use super::start_with;
use crate::util::*;
use std::time::Duration;
use switchboard_protocol::codec::Encoding;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n";

/// Reads until `wanted` has arrived; panics past `bound`.
async fn read_until(stream: &mut TcpStream, wanted: &[u8], bound: Duration) -> Vec<u8> {
    let mut seen = Vec::new();
    tokio::time::timeout(bound, async {
        let mut buf = [0u8; 1024];
        while !seen.windows(wanted.len()).any(|w| w == wanted) {
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0, "closed before {:?}", String::from_utf8_lossy(wanted));
            seen.extend_from_slice(&buf[..n]);
        }
    })
    .await
    .expect("the answer in time");
    seen
}

/// Whether the server closes `stream` within `bound` (reads give EOF or
/// an error), rather than keeping it open.
async fn closed_within(stream: &mut TcpStream, bound: Duration) -> bool {
    let mut buf = [0u8; 256];
    let closed = tokio::time::timeout(bound, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => continue,
            }
        }
    });
    closed.await.is_ok()
}

#[tokio::test]
async fn an_idle_keep_alive_connection_and_a_slow_second_request_are_closed() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_with(dir.path(), |config| {
        config.http_idle_timeout = Duration::from_millis(300);
    })
    .await;

    let mut idle = TcpStream::connect(server.addr).await.unwrap();
    idle.write_all(HEALTHZ).await.unwrap();
    read_until(&mut idle, b"ok", PATIENCE).await;
    assert!(
        closed_within(&mut idle, Duration::from_secs(3)).await,
        "an idle keep-alive connection is closed"
    );

    let mut slow = TcpStream::connect(server.addr).await.unwrap();
    slow.write_all(HEALTHZ).await.unwrap();
    read_until(&mut slow, b"ok", PATIENCE).await;
    slow.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap();
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        // A byte at a time keeps a connection busy but not its head coming.
        if slow.write_all(b"X").await.is_err() {
            break;
        }
    }
    assert!(
        closed_within(&mut slow, Duration::from_secs(3)).await,
        "a request head that never ends is cut"
    );
}

#[tokio::test]
async fn a_request_body_sent_a_byte_at_a_time_is_cut() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_with(dir.path(), |config| {
        config.http_idle_timeout = Duration::from_millis(300);
    })
    .await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    // A first request, so that the handshake bound no longer applies.
    stream.write_all(HEALTHZ).await.unwrap();
    read_until(&mut stream, b"ok", PATIENCE).await;
    let head = "POST /api/login HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 64\r\n\r\n{";
    stream.write_all(head.as_bytes()).await.unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(3), async {
        let mut seen = Vec::new();
        let mut buf = [0u8; 1024];
        loop {
            tokio::select! {
                read = stream.read(&mut buf) => match read {
                    Ok(0) | Err(_) => return seen,
                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                },
                () = tokio::time::sleep(Duration::from_millis(100)) => {
                    // One more byte of the body now and then.
                    if stream.write_all(b" ").await.is_err() {
                        return seen;
                    }
                }
            }
        }
    })
    .await
    .expect("the slow body is cut, the connection closed");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("did not arrive in time"), "{answer}");
}

#[tokio::test]
async fn open_connections_are_capped_and_websockets_before_hello_count() {
    let dir = tempfile::tempdir().unwrap();
    let (server, first, _second) = full_server(dir.path()).await;

    let mut waiting = TcpStream::connect(server.addr).await.unwrap();
    waiting.write_all(HEALTHZ).await.unwrap();
    let mut buf = [0u8; 64];
    let early = tokio::time::timeout(Duration::from_millis(500), waiting.read(&mut buf)).await;
    assert!(
        early.is_err(),
        "no answer while the server is full: {early:?}"
    );

    drop(first);
    read_until(&mut waiting, b"ok", PATIENCE).await;
}

#[tokio::test]
async fn a_full_server_leaves_further_connections_in_the_kernel_s_backlog() {
    let dir = tempfile::tempdir().unwrap();
    let (server, first, _second) = full_server(dir.path()).await;
    let mut waiting = Vec::new();
    for _ in 0..40 {
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        stream.write_all(HEALTHZ).await.unwrap();
        waiting.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    // The server runs in this process: a connection it accepted is a
    // socket on its port among this process's open files; one the kernel
    // holds in its backlog is owned by no file yet.
    let accepted = accepted_on(server.addr.port());
    assert_eq!(
        accepted, 2,
        "a server full with 2 connections accepted {accepted}, holding a file for each \
         client that waits"
    );
    // A place freed: the first waiting client is answered.
    drop(first);
    read_until(&mut waiting[0], b"ok", PATIENCE).await;
}

/// The connections to `port` this process has accepted: sockets in
/// `/proc/net/tcp` (and `tcp6`) whose local port it is, not listening,
/// that are among this process's open files.
fn accepted_on(port: u16) -> usize {
    let open: std::collections::HashSet<String> = std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd lists the open files")
        .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
        .filter_map(|target| {
            let target = target.to_string_lossy().into_owned();
            Some(
                target
                    .strip_prefix("socket:[")?
                    .strip_suffix(']')?
                    .to_string(),
            )
        })
        .collect();
    let local = format!(":{port:04X}");
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|table| std::fs::read_to_string(table).ok())
        .flat_map(|table| {
            table
                .lines()
                .skip(1)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // local address, state (0A: listening), inode.
            fields.len() > 9
                && fields[1].ends_with(&local)
                && fields[3] != "0A"
                && open.contains(fields[9])
        })
        .count()
}

/// A server capped at two open connections, both held by WebSockets that
/// never say hello.
async fn full_server(dir: &std::path::Path) -> (TestServer, Raw, Raw) {
    let server = start_with(dir, |config| {
        config.max_open_connections = 2;
    })
    .await;
    let first = Raw::connect(&server.url(), Encoding::Json).await;
    let second = Raw::connect(&server.url(), Encoding::Json).await;
    (server, first, second)
}
