//! The HTTP server loop: accepts from the [`Bounded`] listener and serves
//! each connection with hyper's HTTP/1.1 connection, upgrades allowed.
//!
//! It stands in for `axum::serve`, which sets no header-read timeout: here
//! every request's head must arrive within `http_idle_timeout`, counted
//! from the moment the connection is ready for it (accepted, or done with
//! the previous answer), and its body within as long again of the head
//! ([`DueBody`]). So a keep-alive connection left idle, or a peer sending
//! its headers or its body a byte at a time, is closed; a WebSocket, once
//! upgraded, leaves hyper and is bounded by its own keepalive instead.
//!
//! Shutdown: once `stop` fires the loop stops accepting, asks every
//! connection to finish its request in flight and close, and returns when
//! every connection task has ended.

use super::handshake::{Bounded, Peer};
use axum::extract::ConnectInfo;
use axum::serve::Listener;
use axum::Router;
use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::net::SocketAddr;
use std::pin::{pin, Pin};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::time::Sleep;
use tower_service::Service;

/// Serves `app` on `listener` until `stop` turns true.
pub(crate) async fn serve<L>(
    mut listener: Bounded<L>,
    app: Router,
    idle_timeout: Duration,
    mut stop: watch::Receiver<bool>,
) where
    L: Listener<Addr = SocketAddr>,
{
    // Every connection task holds a sender; recv gives None once all ended.
    let (alive, mut ended) = mpsc::channel::<()>(1);
    loop {
        let (io, addr) = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.wait_for(|s| *s) => break,
        };
        let app = app.clone();
        let stop = stop.clone();
        let alive = alive.clone();
        tokio::spawn(async move {
            serve_connection(io, Peer(addr), app, idle_timeout, stop).await;
            drop(alive);
        });
    }
    drop(listener);
    drop(alive);
    while ended.recv().await.is_some() {}
}

async fn serve_connection<I>(
    io: I,
    peer: Peer,
    app: Router,
    idle_timeout: Duration,
    mut stop: watch::Receiver<bool>,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        let mut app = app.clone();
        let due = Box::pin(tokio::time::sleep(idle_timeout));
        app.call(request.map(|inner| axum::body::Body::new(DueBody { inner, due })))
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(idle_timeout)
        .keep_alive(true);
    let mut connection = pin!(builder
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades());
    let mut stopping = false;
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(e) = result {
                    tracing::trace!(peer = %peer.0, error = %e, "http connection ended");
                }
                return;
            }
            _ = stop.wait_for(|s| *s), if !stopping => {
                stopping = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
}

/// A request body that fails once its due time has passed before it
/// ended: a peer cannot hold a connection by sending its body slowly. The
/// handler then answers 400, and hyper closes the connection, whose body
/// was not read to its end.
struct DueBody {
    inner: Incoming,
    due: Pin<Box<Sleep>>,
}

impl Body for DueBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::BoxError>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|result| result.map_err(Into::into)));
        }
        if self.due.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err("the request body did not arrive in time".into())));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
