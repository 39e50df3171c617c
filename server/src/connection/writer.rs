//! The writer: feeds the connection's queued frames to the socket, a batch
//! per flush, pings when the reader asks (its keepalive), and says goodbye (what is still
//! queued, then the close frame) when a close is asked for, within
//! `CLOSE_GRACE`.
//!
//! A close always wins over a write blocked on a peer that does not read,
//! so a slow consumer or a shutdown is never held up by its socket.

use crate::outlet::{Outbox, Work};
use axum::extract::ws::{CloseFrame, Message as WsMessage, Utf8Bytes, WebSocket};
use futures::stream::SplitSink;
use futures::SinkExt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use switchboard_protocol::codec::Encoding;

/// How long the goodbye (last frames and the close frame) may take.
const CLOSE_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// Writes queued frames, a batch per flush, and the pings the reader asks
/// for, until a close is asked for; then says goodbye.
///
/// Not an `async fn`, whose future would keep its arguments twice (as
/// passed, and as moved into its body) in every connection's writer task
/// for the connection's whole life: the block below uses them where they
/// lie.
#[allow(clippy::manual_async_fn)] // on purpose: see above
pub(super) fn write_loop(
    mut sink: SplitSink<WebSocket, WsMessage>,
    outbox: Arc<Outbox>,
    encoding: Encoding,
) -> impl Future<Output = ()> + Send + 'static {
    async move {
        loop {
            // What to send next, as one future, and the bytes it writes. It
            // is boxed: it is the largest state of this task, and an idle
            // writer would otherwise keep its room for the connection's
            // whole life. One allocation per batch is the price.
            let (job, bytes): (Job<'_>, usize) = match outbox.work().await {
                Work::Write(frames) => {
                    let bytes = frames.iter().map(bytes::Bytes::len).sum();
                    (Box::pin(write(&mut sink, frames, encoding)), bytes)
                }
                Work::Ping => (Box::pin(sink.send(WsMessage::Ping(bytes::Bytes::new()))), 0),
                Work::Close(frames, code, reason) => {
                    let goodbye = async {
                        write(&mut sink, frames, encoding).await?;
                        let frame = CloseFrame {
                            code,
                            reason: reason.into(),
                        };
                        sink.send(WsMessage::Close(Some(frame))).await?;
                        sink.close().await
                    };
                    let _ = Box::pin(tokio::time::timeout(CLOSE_GRACE, goodbye)).await;
                    return;
                }
            };
            // A write blocked on a peer that does not read must not keep a
            // close (slow consumer, shutdown) from happening: the close wins
            // the race, and the next turn of the loop says goodbye.
            let sent = tokio::select! {
                biased;
                _ = outbox.closed() => continue,
                sent = job => sent,
            };
            if sent.is_err() {
                return;
            }
            if bytes > 0 {
                outbox.written(bytes);
            }
        }
    }
}

/// A write to the socket under way.
type Job<'a> = Pin<Box<dyn Future<Output = Result<(), axum::Error>> + Send + 'a>>;

/// Feeds frames to the socket and flushes once.
async fn write(
    sink: &mut SplitSink<WebSocket, WsMessage>,
    frames: std::collections::VecDeque<bytes::Bytes>,
    encoding: Encoding,
) -> Result<(), axum::Error> {
    for frame in frames {
        let message = match encoding {
            Encoding::MsgPack => WsMessage::Binary(frame),
            // JSON frames come from serde_json, which writes UTF-8 only; a
            // failure here would be a bug worth dropping the frame for.
            Encoding::Json => match Utf8Bytes::try_from(frame) {
                Ok(text) => WsMessage::Text(text),
                Err(e) => {
                    tracing::error!(error = %e, "a json frame was not utf-8");
                    continue;
                }
            },
        };
        sink.feed(message).await?;
    }
    sink.flush().await
}
