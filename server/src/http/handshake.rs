//! The handshake bound: a TCP connection must send its HTTP request within
//! `handshake_timeout` of being accepted, or it is dropped.
//!
//! It bounds the whole first exchange (head, body and answer), which for
//! `/ws` is the upgrade: a peer that connects and sends nothing (or a byte
//! a minute) would otherwise hold a socket and a task. [`Bounded`] wraps
//! the listener: each accepted stream fails its reads with `TimedOut` once
//! the bound has passed, until the server has written its first bytes (for
//! `/ws` the `101 Switching Protocols`, which completes the upgrade; for a
//! refused handshake the 403). From then on the stream passes everything
//! through unchanged: later requests are bounded by the server loop's
//! idle timeout ([`super::serve`]), a WebSocket by its hello timeout and
//! keepalive.
//!
//! The TCP connections open at once are capped by [`Places`]: the
//! acceptor takes a place before it accepts (see [`super::acceptor`]), and
//! the stream [`Bounded`] wraps holds it for its whole life (through a
//! WebSocket upgrade, whose socket is this same stream), so connections
//! before their hello count like any other. At the cap nothing more is
//! accepted (new clients wait in the kernel's backlog) until a connection
//! closes.
//!
//! Invariants: the deadline only ever ends a connection whose first
//! response has not been written yet; every stream the inner listener
//! gives holds a place, given back exactly when the stream is dropped.

use axum::serve::Listener;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Semaphore;
use tokio::time::Sleep;

/// The places for open connections: taken by the acceptor before each
/// accept, each given back when its stream is dropped. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Places(Arc<Semaphore>);

impl Places {
    /// Room for `max_open` connections at once (at least one).
    pub(crate) fn new(max_open: usize) -> Places {
        Places(Arc::new(Semaphore::new(max_open.max(1))))
    }

    /// Waits for a free place and takes it, for a connection about to be
    /// accepted: the stream that connection becomes holds it from then on
    /// (in [`Bounded`]), so it is not given back here.
    pub(crate) async fn take(&self) {
        // The semaphore is never closed: acquiring cannot fail. If it
        // could, waiting forever would be the safe reading of "full".
        match Arc::clone(&self.0).acquire_owned().await {
            Ok(place) => place.forget(),
            Err(_) => std::future::pending().await,
        }
    }

    /// Gives back a place taken for a connection that was lost before it
    /// became a stream.
    pub(crate) fn give_back(&self) {
        self.0.add_permits(1);
    }
}

/// A place held by a stream, given back when the stream is dropped.
struct Place(Places);

impl Drop for Place {
    fn drop(&mut self) {
        self.0.give_back();
    }
}

/// A listener whose streams must finish their handshake within a bound;
/// each holds its place among the open connections until it is dropped.
pub(crate) struct Bounded<L> {
    inner: L,
    timeout: Duration,
    places: Places,
}

impl<L> Bounded<L> {
    /// Wraps `inner`, whose every stream was accepted with a place taken
    /// from `places`; each gets `timeout` to be answered.
    pub(crate) fn new(inner: L, timeout: Duration, places: Places) -> Bounded<L> {
        Bounded {
            inner,
            timeout,
            places,
        }
    }
}

impl<L: Listener> Listener for Bounded<L> {
    type Io = Deadline<L::Io>;
    type Addr = L::Addr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (io, addr) = self.inner.accept().await;
        let deadline = Deadline {
            inner: io,
            sleep: Some(Box::pin(tokio::time::sleep(self.timeout))),
            _place: Place(self.places.clone()),
        };
        (deadline, addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// The peer of a connection, as handlers see it (`ConnectInfo<Peer>`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Peer(pub(crate) SocketAddr);

/// A stream whose reads fail once its deadline passes, until it is
/// disarmed by its first successful write. It holds its connection's
/// place.
pub(crate) struct Deadline<T> {
    inner: T,
    /// None once the server has answered.
    sleep: Option<Pin<Box<Sleep>>>,
    _place: Place,
}

impl<T: AsyncRead + Unpin> AsyncRead for Deadline<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let Some(sleep) = self.sleep.as_mut() {
            if sleep.as_mut().poll(cx).is_ready() {
                tracing::debug!("handshake timeout: dropping the connection");
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "no HTTP request within the handshake timeout",
                )));
            }
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Deadline<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(written, Poll::Ready(Ok(n)) if n > 0) {
            self.sleep = None;
        }
        written
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(written, Poll::Ready(Ok(n)) if n > 0) {
            self.sleep = None;
        }
        written
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
