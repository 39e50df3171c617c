//! The sending end of a connection: a bounded queue of ready-to-write
//! WebSocket messages, plus a way to ask the connection to close.
//!
//! Hubs and sessions push through an [`Outlet`] without ever waiting: when a
//! connection's queue is full, the reader behind it is too slow, and the
//! connection is closed with [`close::SLOW_CONSUMER`] rather than letting
//! the server hold unbounded memory for it. The client resumes from its
//! last offset and loses nothing.

use axum::extract::ws::{Message as WsMessage, Utf8Bytes};
use bytes::Bytes;
use std::sync::{Arc, Mutex, OnceLock};
use switchboard_protocol::codec::{encode, Encoding};
use switchboard_protocol::{close, ServerFrame};
use tokio::sync::{mpsc, Notify};

/// A connection's id, unique in this server process.
pub(crate) type ConnId = u64;

/// A handle to push frames to one connection. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Outlet {
    /// The connection.
    pub(crate) conn: ConnId,
    /// The encoding the connection negotiated.
    pub(crate) encoding: Encoding,
    queue: mpsc::Sender<WsMessage>,
    control: Arc<Control>,
}

/// The close request shared by the outlet's clones and the writer task.
#[derive(Default)]
pub(crate) struct Control {
    close: Mutex<Option<(u16, String)>>,
    notify: Notify,
}

impl Control {
    /// Waits until a close is asked for; returns its code and reason.
    pub(crate) async fn closed(&self) -> (u16, String) {
        loop {
            let notified = self.notify.notified();
            if let Some(close) = self.lock().clone() {
                return close;
            }
            notified.await;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(u16, String)>> {
        // A plain Option: it cannot be left half-written by a panic.
        self.close.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Outlet {
    /// An outlet with room for `capacity` frames, and the receiving end for
    /// the connection's writer.
    pub(crate) fn new(
        conn: ConnId,
        encoding: Encoding,
        capacity: usize,
    ) -> (Outlet, mpsc::Receiver<WsMessage>, Arc<Control>) {
        let (queue, rx) = mpsc::channel(capacity);
        let control = Arc::new(Control::default());
        let outlet = Outlet {
            conn,
            encoding,
            queue,
            control: Arc::clone(&control),
        };
        (outlet, rx, control)
    }

    /// Encodes and queues a frame. Returns false if the connection is gone
    /// or has just been closed as a slow consumer.
    pub(crate) fn send(&self, frame: &ServerFrame) -> bool {
        self.push(Encoded::new(frame).message(self.encoding))
    }

    /// Queues an already encoded message.
    pub(crate) fn push(&self, message: WsMessage) -> bool {
        match self.queue.try_send(message) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.close(
                    close::SLOW_CONSUMER,
                    "outbound queue full: resume from your last offset",
                );
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    /// Asks the connection to close with `code`. The first request wins.
    pub(crate) fn close(&self, code: u16, reason: &str) {
        let mut close = self.control.lock();
        if close.is_none() {
            *close = Some((code, truncate(reason, MAX_CLOSE_REASON).to_string()));
            self.control.notify.notify_waiters();
            self.control.notify.notify_one();
        }
    }
}

/// The longest close reason a WebSocket close frame can carry, in bytes.
const MAX_CLOSE_REASON: usize = 123;

/// The longest prefix of `text` within `max` bytes, cut at a char boundary.
fn truncate(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// A frame encoded at most once per encoding, however many connections it
/// goes to: fan-out clones the bytes, never re-encodes.
pub(crate) struct Encoded<'a> {
    frame: &'a ServerFrame,
    msgpack: OnceLock<Bytes>,
    json: OnceLock<Utf8Bytes>,
}

impl<'a> Encoded<'a> {
    /// Wraps a frame; nothing is encoded until asked for.
    pub(crate) fn new(frame: &'a ServerFrame) -> Encoded<'a> {
        Encoded {
            frame,
            msgpack: OnceLock::new(),
            json: OnceLock::new(),
        }
    }

    /// The frame as a WebSocket message in `encoding`.
    pub(crate) fn message(&self, encoding: Encoding) -> WsMessage {
        // Server frames are plain records: encoding them cannot fail.
        match encoding {
            Encoding::MsgPack => WsMessage::Binary(
                self.msgpack
                    .get_or_init(|| encode(encoding, self.frame).expect("frames encode").into())
                    .clone(),
            ),
            Encoding::Json => WsMessage::Text(
                self.json
                    .get_or_init(|| {
                        let bytes = encode(encoding, self.frame).expect("frames encode");
                        // serde_json writes UTF-8 only.
                        String::from_utf8(bytes).expect("json is utf-8").into()
                    })
                    .clone(),
            ),
        }
    }
}
