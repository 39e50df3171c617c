//! The sending end of a connection: a bounded outbox of encoded frames, and
//! the connection's close request, behind one small lock.
//!
//! Hubs and sessions push through an [`Outlet`] without ever waiting: when a
//! connection's outbox ([`Outbox`]) is full, the reader behind it is too
//! slow, and the connection is closed as a slow consumer
//! ([`switchboard_protocol::close::SLOW_CONSUMER`]) rather than letting the
//! server hold unbounded memory for it. The client resumes from its last
//! offset and loses nothing.
//!
//! The outbox is bounded twice: in frames and in bytes. The bytes counted
//! are those queued plus those the writer has taken and not yet written,
//! so a peer that stopped reading holds at most the byte bound (plus the
//! socket's own small buffers) however large its frames are. Ephemeral
//! signals ([`Outlet::offer`]) are shed first: past half of the byte bound
//! (or with the frames full) they are dropped and the connection stays
//! open; only a frame that must not be lost closes it.
//!
//! A batch the server itself chose to push in one go (a flush's events,
//! say a handoff's whole copied history) is offered with
//! [`Outlet::push_batch`]: when it does not fit but the reader has kept up
//! (the outbox holds no more than three quarters of its bounds), the batch
//! is refused without closing the connection, and the caller feeds the
//! reader from the log as the outbox drains ([`Outlet::drained`]). Only a
//! reader that left most of its bounds unread counts as slow.
//!
//! A close for a revoked token or changed access
//! ([`outbox::drops_queue`]) also drops what is queued: once the close is
//! asked for, no frame already queued or pushed later reaches the socket.
//!
//! The writer takes the whole outbox at once and writes it with one flush,
//! so a burst of fan-out costs one lock and one write call per connection.
//! A fan-out's batches leave the writer's wake-up to the server's pacer
//! ([`Pacer`]), which wakes a big team's writers a few at a time.
//! An idle connection's outbox holds no allocation at all: with many idle
//! connections, that is what keeps their cost to a few KiB each.

use bytes::Bytes;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use switchboard_protocol::codec::Encoding;
use switchboard_protocol::{ServerFrame, PROTOCOL_VERSION};
use tokio::sync::Notify;

/// A connection's id, unique in this server process.
pub(crate) type ConnId = u64;

use outbox::State;
pub(crate) use outbox::{Outbox, Work};
pub(crate) use pacer::{Pacer, Wakes};
use shared::encode_frame;
pub(crate) use shared::SharedFrame;

/// A handle to push frames to one connection. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Outlet {
    /// The connection.
    pub(crate) conn: ConnId,
    /// The encoding the connection negotiated.
    pub(crate) encoding: Encoding,
    /// The protocol version it said hello with (the newest until then):
    /// events of a newer type are never pushed to it.
    pub(crate) version: u32,
    outbox: Arc<Outbox>,
}

/// The bounds of an outbox.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    /// The most frames that may wait.
    pub(crate) frames: usize,
    /// The most bytes that may wait or be in the writer's hands.
    pub(crate) bytes: usize,
}

/// How much an outbox holds, or has room for: frames queued, and bytes
/// queued or in the writer's hands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Load {
    pub(crate) frames: usize,
    pub(crate) bytes: usize,
}

/// The room an outbox has for a batch the server pushes in one go.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Room {
    /// Up to half the bounds: what a batch should stay within, so that
    /// live events keep finding room behind it.
    pub(crate) soft: Load,
    /// Up to the bounds: what one frame too large for `soft` may take, so
    /// that a batch always makes progress.
    pub(crate) hard: Load,
}

/// What became of a batch offered with [`Outlet::push_batch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Batch {
    /// Queued whole.
    Queued,
    /// Not queued: it does not fit, though the reader has kept up. The
    /// connection stays open.
    NoRoom,
    /// Not queued: the connection is closing (or has just been closed as
    /// a slow consumer).
    Closed,
}

/// When a writer that needs a wake-up for frames just queued gets it.
enum Wake<'a> {
    /// At once.
    Now,
    /// From a pacer, which the caller hands these to.
    Later(&'a mut Wakes),
}

impl Outlet {
    /// An outlet with room for `capacity` frames (and any number of
    /// bytes), and the outbox its connection's writer drains.
    #[cfg(test)]
    pub(crate) fn new(conn: ConnId, encoding: Encoding, capacity: usize) -> (Outlet, Arc<Outbox>) {
        let bounds = Bounds {
            frames: capacity,
            bytes: usize::MAX,
        };
        Outlet::bounded(conn, encoding, bounds, Arc::default())
    }

    /// An outlet within `bounds`, recording the most bytes it ever held in
    /// `high_water` (when that is more than what is there already).
    pub(crate) fn bounded(
        conn: ConnId,
        encoding: Encoding,
        bounds: Bounds,
        high_water: Arc<AtomicUsize>,
    ) -> (Outlet, Arc<Outbox>) {
        let outbox = Arc::new(Outbox {
            state: Mutex::new(State::default()),
            wake: Notify::new(),
            close_asked: Notify::new(),
            room: Notify::new(),
            capacity: bounds.frames,
            capacity_bytes: bounds.bytes,
            high_water,
        });
        let outlet = Outlet {
            conn,
            encoding,
            version: PROTOCOL_VERSION,
            outbox: Arc::clone(&outbox),
        };
        (outlet, outbox)
    }

    /// The same outlet, for a connection speaking protocol `version`.
    pub(crate) fn speaking(self, version: u32) -> Outlet {
        Outlet { version, ..self }
    }

    /// Encodes and queues a frame. Returns false if the connection is
    /// closing (or has just been closed as a slow consumer).
    pub(crate) fn send(&self, frame: &ServerFrame) -> bool {
        if let ServerFrame::Error(error) = frame {
            crate::metrics::get().error(error.code);
        }
        self.push(encode_frame(self.encoding, frame))
    }

    /// Queues an already encoded frame.
    pub(crate) fn push(&self, frame: Bytes) -> bool {
        self.push_all(std::slice::from_ref(&frame))
    }

    /// Queues already encoded frames, all or none.
    pub(crate) fn push_all(&self, frames: &[Bytes]) -> bool {
        let mut state = self.outbox.lock();
        if state.close.is_some() {
            return false;
        }
        if !self.fits(&state, frames) {
            self.outbox.close_slow(&mut state);
            drop(state);
            self.outbox.closing();
            return false;
        }
        self.queue(state, frames, Wake::Now);
        true
    }

    /// Queues a batch the server chose to push in one go, all or none. If
    /// it does not fit, the connection is closed as a slow consumer only
    /// when the reader is behind (it left more than three quarters of the
    /// bounds unread); otherwise it stays open and the batch is refused.
    pub(crate) fn push_batch(&self, frames: &[Bytes]) -> Batch {
        self.push_batch_waking(frames, Wake::Now)
    }

    /// Queues a fan-out's batch as [`Outlet::push_batch`] does, leaving the
    /// writer's wake-up, when it needs one, to `wakes`, which the caller
    /// hands to its [`Pacer`].
    pub(crate) fn push_batch_paced(&self, frames: &[Bytes], wakes: &mut Wakes) -> Batch {
        self.push_batch_waking(frames, Wake::Later(wakes))
    }

    fn push_batch_waking(&self, frames: &[Bytes], wake: Wake<'_>) -> Batch {
        let mut state = self.outbox.lock();
        if state.close.is_some() {
            return Batch::Closed;
        }
        if self.fits(&state, frames) {
            self.queue(state, frames, wake);
            return Batch::Queued;
        }
        if !self.outbox.behind(Outbox::held(&state)) {
            return Batch::NoRoom;
        }
        self.outbox.close_slow(&mut state);
        drop(state);
        self.outbox.closing();
        Batch::Closed
    }

    /// The room there is now for a batch (see [`Room`]).
    pub(crate) fn room(&self) -> Room {
        let held = Outbox::held(&self.outbox.lock());
        let (frames, bytes) = (self.outbox.capacity, self.outbox.capacity_bytes);
        Room {
            soft: Load {
                frames: (frames / 2).saturating_sub(held.frames),
                bytes: (bytes / 2).saturating_sub(held.bytes),
            },
            hard: Load {
                frames: frames.saturating_sub(held.frames),
                bytes: bytes.saturating_sub(held.bytes),
            },
        }
    }

    /// Waits until the outbox holds at most a quarter of its bounds; false
    /// if the connection is closing instead.
    pub(crate) async fn drained(&self) -> bool {
        let quarter = Load {
            frames: self.outbox.capacity / 4,
            bytes: self.outbox.capacity_bytes / 4,
        };
        loop {
            let woken = self.outbox.room.notified();
            {
                let state = self.outbox.lock();
                if state.close.is_some() {
                    return false;
                }
                let held = Outbox::held(&state);
                if held.frames <= quarter.frames && held.bytes <= quarter.bytes {
                    return true;
                }
            }
            woken.await;
        }
    }

    /// Whether `frames` fit within the bounds on top of what is held.
    fn fits(&self, state: &State, frames: &[Bytes]) -> bool {
        let bytes: usize = frames.iter().map(Bytes::len).sum();
        state.frames.len() + frames.len() <= self.outbox.capacity
            && state.bytes.saturating_add(bytes) <= self.outbox.capacity_bytes
    }

    /// Queues `frames`, which fit; the writer, if it needs a wake-up, gets
    /// it as `wake` says.
    fn queue(&self, mut state: std::sync::MutexGuard<'_, State>, frames: &[Bytes], wake: Wake<'_>) {
        let bytes: usize = frames.iter().map(Bytes::len).sum();
        // Only the first frame of a batch needs to wake the writer; later
        // ones ride along when it takes the outbox.
        let was_empty = state.frames.is_empty();
        state.frames.extend(frames.iter().cloned());
        state.bytes += bytes;
        self.outbox
            .high_water
            .fetch_max(state.bytes, Ordering::Relaxed);
        match wake {
            // Left to a pacer, unless one has it already.
            Wake::Later(wakes) if was_empty => {
                let listed = std::mem::replace(&mut state.paced, true);
                drop(state);
                if !listed {
                    wakes.push(Arc::clone(&self.outbox));
                }
            }
            _ => {
                drop(state);
                if was_empty {
                    self.outbox.wake.notify_waiters();
                }
            }
        }
        crate::metrics::get().frames_out.inc_by(frames.len() as u64);
    }

    /// Queues an already encoded frame that may be lost: when the outbox is
    /// full in frames, or past half its byte bound (the low watermark,
    /// which keeps room for the frames that must not be lost), it is dropped
    /// and the connection stays open (ephemeral signals, which the client
    /// can ask for again). Returns whether it was queued.
    pub(crate) fn offer(&self, frame: Bytes) -> bool {
        let mut state = self.outbox.lock();
        if state.close.is_some() {
            return false;
        }
        let bytes = state.bytes.saturating_add(frame.len());
        if state.frames.len() >= self.outbox.capacity || bytes > self.outbox.capacity_bytes / 2 {
            drop(state);
            crate::metrics::get().queue_sheds.inc();
            return false;
        }
        let was_empty = state.frames.is_empty();
        state.frames.push_back(frame);
        state.bytes = bytes;
        self.outbox.high_water.fetch_max(bytes, Ordering::Relaxed);
        drop(state);
        crate::metrics::get().frames_out.inc();
        if was_empty {
            self.outbox.wake.notify_waiters();
        }
        true
    }

    /// Asks the writer to send a ping once what is queued is written (the
    /// reader's keepalive; see `connection::reader`). Asked again before it
    /// went, it is sent once.
    pub(crate) fn ping(&self) {
        let mut state = self.outbox.lock();
        if state.close.is_none() && !state.ping {
            state.ping = true;
            drop(state);
            self.outbox.wake.notify_waiters();
        }
    }

    /// Asks the connection to close with `code`. The first request wins.
    pub(crate) fn close(&self, code: u16, reason: &str) {
        let mut state = self.outbox.lock();
        if state.close.is_none() {
            state.close = Some(Box::new((
                code,
                truncate(reason, MAX_CLOSE_REASON).to_string(),
            )));
            drop(state);
            self.outbox.closing();
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

mod outbox;
mod pacer;
mod shared;

#[cfg(test)]
mod tests;
