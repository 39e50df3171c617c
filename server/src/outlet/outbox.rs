//! The queue between a connection's outlets and its writer: the frames
//! waiting, the bytes they and the writer's batch in hand count for, the
//! close asked for, and the wake-ups of those who wait on it (the writer
//! for work, the reader for the close, a catch-up for room).

use super::Load;
use bytes::Bytes;
use std::collections::VecDeque;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};
use switchboard_protocol::close;
use tokio::sync::Notify;

/// The queue between an outlet's clones and the connection's writer.
pub(crate) struct Outbox {
    pub(super) state: Mutex<State>,
    /// Wakes the writer: frames arrived, or a close was asked for.
    pub(super) wake: Notify,
    /// Wakes those waiting for the close (the reader, a write racing it):
    /// apart from `wake`, so that frames arriving wake the writer alone.
    pub(super) close_asked: Notify,
    /// Wakes those waiting for room: bytes were written, or a close was
    /// asked for.
    pub(super) room: Notify,
    /// The most frames that may wait.
    pub(super) capacity: usize,
    /// The most bytes that may wait or be in the writer's hands.
    pub(super) capacity_bytes: usize,
    /// The most bytes any outbox sharing this counter ever held (a server
    /// keeps one for all its connections; see `Server::outbound_high_water`).
    pub(super) high_water: Arc<AtomicUsize>,
}

#[derive(Default)]
pub(super) struct State {
    pub(super) frames: VecDeque<Bytes>,
    /// Bytes of `frames` plus bytes taken by the writer and not yet written.
    pub(super) bytes: usize,
    /// The close asked for: its code and reason. Boxed, as it comes once:
    /// every idle connection's outbox holds this field.
    pub(super) close: Option<Box<(u16, String)>>,
    /// A ping was asked for (see [`Outlet::ping`](super::Outlet::ping)).
    pub(super) ping: bool,
    /// Frames were queued and the writer's wake-up left to a pacer (see
    /// `pacer`), which has not woken it yet.
    pub(super) paced: bool,
}

/// What the writer is to do next.
pub(crate) enum Work {
    /// Write these frames, then come back.
    Write(VecDeque<Bytes>),
    /// Send a ping, then come back.
    Ping,
    /// Write these frames (none if the close code [drops the queue]), then
    /// send a close frame with this code and reason.
    ///
    /// [drops the queue]: drops_queue
    Close(VecDeque<Bytes>, u16, String),
}

/// Whether a close with `code` drops the frames still queued rather than
/// writing them first: the peer stopped reading (slow consumer), so waiting
/// on it is pointless; or it may no longer read them (its token was revoked
/// or its access changed), so writing them would leak what it lost the
/// right to see.
pub(super) fn drops_queue(code: u16) -> bool {
    matches!(
        code,
        close::SLOW_CONSUMER | close::UNAUTHORIZED | close::ACCESS_CHANGED
    )
}

impl Outbox {
    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is a queue and an Option, each updated in one step: a
        // panic elsewhere cannot leave it half-written.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until there is work for the writer, and takes it.
    pub(crate) async fn work(&self) -> Work {
        loop {
            let woken = self.wake.notified();
            {
                let mut state = self.lock();
                if let Some((code, reason)) = state.close.as_deref().cloned() {
                    let frames = if drops_queue(code) {
                        VecDeque::new()
                    } else {
                        std::mem::take(&mut state.frames)
                    };
                    return Work::Close(frames, code, reason);
                }
                if !state.frames.is_empty() {
                    // The bytes stay counted until `written` says so.
                    return Work::Write(std::mem::take(&mut state.frames));
                }
                if std::mem::take(&mut state.ping) {
                    return Work::Ping;
                }
            }
            woken.await;
        }
    }

    /// Tells the outbox the writer has written `bytes` it took with `work`.
    pub(crate) fn written(&self, bytes: usize) {
        let mut state = self.lock();
        state.bytes = state.bytes.saturating_sub(bytes);
        drop(state);
        self.room.notify_waiters();
    }

    /// What the outbox holds now.
    pub(super) fn held(state: &State) -> Load {
        Load {
            frames: state.frames.len(),
            bytes: state.bytes,
        }
    }

    /// Whether `held` is more than three quarters of the bounds: a reader
    /// that left that much unread is slow, whatever it is sent next.
    pub(super) fn behind(&self, held: Load) -> bool {
        let over = |held: usize, bound: usize| held.saturating_mul(4) > bound.saturating_mul(3);
        over(held.frames, self.capacity) || over(held.bytes, self.capacity_bytes)
    }

    /// Asks for a close as a slow consumer (the first close asked wins).
    pub(super) fn close_slow(&self, state: &mut State) {
        if state.close.is_none() {
            state.close = Some(Box::new((
                close::SLOW_CONSUMER,
                "outbound queue full: resume from your last offset".to_string(),
            )));
            crate::metrics::get().slow_consumer_closes.inc();
        }
    }

    /// Wakes everyone waiting on the outbox: a close was asked for.
    pub(super) fn closing(&self) {
        self.wake.notify_waiters();
        self.close_asked.notify_waiters();
        self.room.notify_waiters();
    }

    /// Wakes the writer for frames queued with a wake-up left to a pacer.
    pub(super) fn wake_paced(&self) {
        self.lock().paced = false;
        self.wake.notify_waiters();
    }

    /// Waits until a close is asked for; returns its code.
    pub(crate) async fn closed(&self) -> u16 {
        loop {
            let woken = self.close_asked.notified();
            if let Some((code, _)) = self.lock().close.as_deref() {
                return *code;
            }
            woken.await;
        }
    }
}
