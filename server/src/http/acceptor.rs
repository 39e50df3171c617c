//! The acceptor: a thread of its own that takes connections off the
//! listening socket as fast as they arrive, and hands them to the server's
//! runtime through a bounded queue.
//!
//! Accepting on the runtime, the accept task waits its turn behind every
//! other task: when thousands of clients reconnect at once (after a
//! restart or a network blip), the connections they open wait in the
//! kernel's accept queue, which `somaxconn` caps (4096 by default), and
//! every connection past it is dropped; its client retries only after a
//! second, then three. On its own thread, nothing delays the accept, and
//! the connections wait in [`QUEUE`] instead, where none is lost.
//!
//! The thread takes a place among the open connections
//! ([`Places`]) before each accept, so a server at its
//! `max_open_connections` accepts nothing more: new clients wait in the
//! kernel's backlog, holding no file of the server's, until a connection
//! closes.
//!
//! Invariants: every connection accepted holds a place until its stream is
//! dropped, or gives it back if it is lost before; at most [`QUEUE`]
//! accepted connections wait for the server (then the thread waits, and
//! new ones wait in the kernel's queue as before); the thread ends,
//! closing the listening socket, once the server stops or the
//! [`Acceptor`] is dropped, and holds `alive` until then.

use super::handshake::Places;
use axum::serve::Listener;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

/// Accepted connections that may wait for the server's runtime.
const QUEUE: usize = 16_384;

/// How long the thread waits before accepting again after a failure that
/// is not the connection's own (out of file descriptors, say).
const BACKOFF: Duration = Duration::from_millis(20);

/// The server's end of the acceptor: a [`Listener`] of the connections the
/// thread accepted.
pub(crate) struct Acceptor {
    accepted: mpsc::Receiver<(std::net::TcpStream, SocketAddr)>,
    local_addr: SocketAddr,
    places: Places,
}

impl Acceptor {
    /// Moves `listener` to a thread of its own, which accepts, a place
    /// taken from `places` for each connection, until `stop` turns true or
    /// the acceptor is dropped, holding `alive` meanwhile.
    pub(crate) fn spawn<T: Send + 'static>(
        listener: TcpListener,
        places: Places,
        stop: watch::Receiver<bool>,
        alive: T,
    ) -> io::Result<Acceptor> {
        let local_addr = listener.local_addr()?;
        let listener = listener.into_std()?;
        let (tx, accepted) = mpsc::channel(QUEUE);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()?;
        std::thread::Builder::new()
            .name("switchboard-accept".into())
            .spawn({
                let places = places.clone();
                move || {
                    runtime.block_on(accept_loop(listener, places, tx, stop));
                    drop(alive);
                }
            })?;
        Ok(Acceptor {
            accepted,
            local_addr,
            places,
        })
    }
}

/// Accepts until stopped, or until the server's end is gone.
async fn accept_loop(
    listener: std::net::TcpListener,
    places: Places,
    tx: mpsc::Sender<(std::net::TcpStream, SocketAddr)>,
    mut stop: watch::Receiver<bool>,
) {
    let listener = match TcpListener::from_std(listener) {
        Ok(listener) => listener,
        Err(e) => {
            tracing::error!(error = %e, "cannot accept connections");
            return;
        }
    };
    loop {
        tokio::select! {
            () = places.take() => {}
            _ = stop.wait_for(|stopped| *stopped) => return,
        }
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.wait_for(|stopped| *stopped) => return,
        };
        let (stream, addr) = match accepted {
            Ok(accepted) => accepted,
            Err(e) if is_connection_error(&e) => {
                places.give_back();
                continue;
            }
            Err(e) => {
                places.give_back();
                tracing::error!(error = %e, "accept failed; retrying shortly");
                tokio::time::sleep(BACKOFF).await;
                continue;
            }
        };
        // Handed over in non-blocking mode, detached from this thread's
        // reactor; the server's runtime registers it with its own.
        let stream = match stream.into_std() {
            Ok(stream) => stream,
            Err(e) => {
                places.give_back();
                tracing::debug!(error = %e, "an accepted connection was lost");
                continue;
            }
        };
        let sent = tokio::select! {
            sent = tx.send((stream, addr)) => sent,
            _ = stop.wait_for(|stopped| *stopped) => return,
        };
        if sent.is_err() {
            return;
        }
    }
}

/// Whether an accept failed for the connection's own sake (the peer gave
/// up before it was accepted): the next one may be fine.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

impl Listener for Acceptor {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Some((stream, addr)) = self.accepted.recv().await else {
                // The thread ended (the server stops): nothing more comes.
                return std::future::pending().await;
            };
            match TcpStream::from_std(stream) {
                Ok(stream) => return (stream, addr),
                Err(e) => {
                    self.places.give_back();
                    tracing::debug!(error = %e, "cannot register a connection");
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local_addr)
    }
}
