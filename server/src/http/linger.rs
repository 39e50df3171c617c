//! Lingering close: a connection the server is done with is shut down
//! for writing and then read until the peer closes it too, never dropped
//! with the peer's bytes unread.
//!
//! A socket closed with unread input is reset by the kernel, and the reset
//! discards what the server wrote last: the peer sees a plain drop instead
//! of the close frame that said why (1009 for a message over the limit,
//! sent while the client is still writing the rest of it in fragments; or
//! 4009, 4029, 1012 to a client still sending). [`Lingering`] wraps the
//! listener so that every accepted stream, when dropped (after a WebSocket
//! ends, or an HTTP connection), hands its socket to a task that sends a
//! FIN after what was written and discards what still arrives until the
//! peer's FIN or [`LINGER`], whichever comes first.
//!
//! Invariants: the task holds the socket alone (no buffer between reads)
//! and ends within [`LINGER`]; nothing read while lingering is acted on.

use axum::serve::Listener;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;

/// How long a closed connection may keep being read.
pub(crate) const LINGER: Duration = Duration::from_secs(2);

/// Bytes discarded per read while lingering.
const DISCARD: usize = 4096;

/// A listener whose streams linger when dropped.
pub(crate) struct Lingering<L> {
    inner: L,
}

impl<L> Lingering<L> {
    /// Wraps `inner`.
    pub(crate) fn new(inner: L) -> Lingering<L> {
        Lingering { inner }
    }
}

impl<L: Listener<Io = TcpStream>> Listener for Lingering<L> {
    type Io = Linger;
    type Addr = L::Addr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (io, addr) = self.inner.accept().await;
        (Linger { inner: Some(io) }, addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// An accepted TCP stream that lingers when dropped.
pub(crate) struct Linger {
    /// Some until dropped.
    inner: Option<TcpStream>,
}

impl Linger {
    fn stream(&mut self) -> &mut TcpStream {
        // Only `drop` takes the stream, and nothing polls after that.
        self.inner
            .as_mut()
            .expect("a lingering stream is polled after its drop")
    }
}

impl Drop for Linger {
    fn drop(&mut self) {
        let Some(stream) = self.inner.take() else {
            return;
        };
        // Outside a runtime (a test tearing down), plain dropping is all
        // that can be done.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(linger(stream));
        }
    }
}

/// Sends a FIN after what was written, then discards what arrives until
/// the peer's FIN, an error or [`LINGER`].
async fn linger(mut stream: TcpStream) {
    // It fails when the side is shut down already (hyper does so for an
    // HTTP connection it ends): the peer still gets to finish.
    let _ = stream.shutdown().await;
    let discard = async {
        loop {
            if stream.readable().await.is_err() {
                return;
            }
            // Not held across an await: lingering sockets cost no buffer.
            let mut buf = [0u8; DISCARD];
            match stream.try_read(&mut buf) {
                Ok(0) => return,
                Ok(_) => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(_) => return,
            }
        }
    };
    let _ = tokio::time::timeout(LINGER, discard).await;
}

impl AsyncRead for Linger {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(self.stream()).poll_read(cx, buf)
    }
}

impl AsyncWrite for Linger {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(self.stream()).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(self.stream()).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.as_ref().is_some_and(|s| s.is_write_vectored())
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(self.stream()).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(self.stream()).poll_shutdown(cx)
    }
}
