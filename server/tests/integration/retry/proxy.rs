//! A TCP proxy on 127.0.0.1:0 in front of a test server that can cut one
//! connection at the worst moment for a retry: after the server has
//! written the answer to a client's request, before the client reads it.
//!
//! Armed, the proxy watches the next connection that carries bytes from
//! the client (the request); the first bytes the server sends back after
//! that (the answer) are dropped, and both sockets are closed. The client
//! sees its connection end without a close frame, as after a network
//! failure, reconnects through the proxy (which then forwards plainly)
//! and resends.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A proxy to one upstream server; stops when dropped.
pub struct CuttingProxy {
    pub addr: SocketAddr,
    state: Arc<State>,
    accept: JoinHandle<()>,
}

#[derive(Default)]
struct State {
    /// Cut the next answer after a request.
    armed: AtomicBool,
    /// How many answers were cut.
    cuts: AtomicUsize,
}

impl CuttingProxy {
    pub async fn start(upstream: SocketAddr) -> CuttingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(State::default());
        let shared = Arc::clone(&state);
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(upstream).await else {
                    continue;
                };
                tokio::spawn(relay(client, server, Arc::clone(&shared)));
            }
        });
        CuttingProxy {
            addr,
            state,
            accept,
        }
    }

    /// The WebSocket URL through the proxy.
    pub fn url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// Cuts the answer to the next request.
    pub fn arm(&self) {
        self.state.armed.store(true, Ordering::SeqCst);
    }

    /// How many answers were cut so far.
    pub fn cuts(&self) -> usize {
        self.state.cuts.load(Ordering::SeqCst)
    }
}

impl Drop for CuttingProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Forwards one connection both ways until either side ends, or the cut.
async fn relay(client: TcpStream, server: TcpStream, state: Arc<State>) {
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (mut from_client, mut to_client) = client.into_split();
    let (mut from_server, mut to_server) = server.into_split();
    // Set once the client sent something while the proxy was armed.
    let requested = Arc::new(AtomicBool::new(false));
    let upward = tokio::spawn({
        let state = Arc::clone(&state);
        let requested = Arc::clone(&requested);
        async move {
            let mut buffer = vec![0u8; 64 * 1024];
            loop {
                let n = match from_client.read(&mut buffer).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                if state.armed.load(Ordering::SeqCst) {
                    requested.store(true, Ordering::SeqCst);
                }
                if to_server.write_all(&buffer[..n]).await.is_err() {
                    return;
                }
            }
        }
    });
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = match from_server.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if requested.load(Ordering::SeqCst) && state.armed.swap(false, Ordering::SeqCst) {
            // The server has written its answer; the client never reads it.
            state.cuts.fetch_add(1, Ordering::SeqCst);
            break;
        }
        if to_client.write_all(&buffer[..n]).await.is_err() {
            break;
        }
    }
    // Closing both sockets: the client and the server each see the end.
    upward.abort();
}
