//! Subscribing: the replay of what a subscriber missed, and the moment it
//! joins the live fan-out.
//!
//! The replay reads the team log up to `durable` and the subscriber is
//! registered in the same step, inside the hub's single task, so no event
//! can fall between the last replayed offset and the first live one.
//!
//! A Restricted Member's replay is filtered like its live events: the
//! reply's `offset` is how far the replay read (so a resume continues from
//! there), `replayed` counts only the events it was sent.
//!
//! A chunk is bounded in events (`replay_chunk`) and in bytes and frames:
//! it fills the connection's outbox up to half its bounds at most (see
//! `Outlet::room`), so a replay never closes a connection as a slow
//! consumer and live events still find room behind it. When even that half
//! is taken, a chunk holds one event if it fits in the outbox at all, and
//! none otherwise (the reply says `live: false` and the client asks again).

use super::actor::{error_frame, result_frame, Hub, Subscriber};
use super::reach::Reach;
use super::recent::Remembered;
use crate::access::{Action, Principal, Resource};
use crate::outlet::{Load, Outlet, Room, SharedFrame};
use crate::store::{LogRecord, StoreError};
use bytes::Bytes;
use std::sync::Arc;
use switchboard_protocol::ids::{Offset, RequestId};
use switchboard_protocol::model::Position;
use switchboard_protocol::server::{Event, EventFrame, Reply, Resume, Subscribed};
use switchboard_protocol::{ErrorCode, ServerFrame};

/// Events read per store (or memory) call while building a chunk.
const PAGE: usize = 128;
/// Bytes kept free for a `subscribed` reply (a few dozen bytes encoded).
const REPLY_ROOM: usize = 512;

/// Replayed events, encoded for one connection.
pub(super) struct Chunk {
    /// The frames to push, in offset order.
    pub(super) frames: Vec<Bytes>,
    /// The offset of the last event read (sent, or skipped as not the
    /// reader's): where the next chunk starts.
    pub(super) last: Offset,
}

impl Hub<'_> {
    /// Replays what the subscriber missed, then registers it for live events.
    pub(super) fn subscribe(
        &mut self,
        outlet: Outlet,
        principal: &Arc<Principal>,
        request: RequestId,
        after: Option<Position>,
    ) -> Result<(), StoreError> {
        if !principal.allows(Action::Subscribe, Resource::Team(self.team)) {
            outlet.send(&error_frame(request, ErrorCode::NotFound, "no such team"));
            return Ok(());
        }
        let (from, resume) = match after {
            None => (self.durable, Resume::Fresh),
            Some(p) if p.epoch != self.epoch => (self.durable, Resume::EpochChanged),
            Some(p) if p.offset > self.durable => (self.durable, Resume::OffsetAhead),
            Some(p) => (p.offset, Resume::Recovered),
        };
        let restricted = principal.is_restricted_in(self.team);
        let reader = restricted.then_some(principal.as_ref());
        let chunk = match self.chunk(&outlet, reader, from) {
            Ok(chunk) => chunk,
            Err(e) => {
                outlet.send(&error_frame(request, ErrorCode::Internal, "replay failed"));
                return Err(e);
            }
        };
        let (offset, frames) = (chunk.last, chunk.frames);
        let live = offset == self.durable;
        let reply = Reply::Subscribed(Subscribed {
            team: self.team,
            epoch: self.epoch,
            offset,
            head: self.durable,
            replayed: u32::try_from(frames.len()).unwrap_or(u32::MAX),
            live,
            resume,
        });
        // The reply and its events go together, all or none. The chunk was
        // sized to the outbox's room (less the reply's): only frames pushed
        // by others since can make them overflow, and then the connection
        // closes as a slow consumer and resumes.
        let reply = SharedFrame::new(result_frame(request, reply)).bytes(outlet.encoding);
        let frames: Vec<Bytes> = std::iter::once(reply).chain(frames).collect();
        if !outlet.push_all(&frames) {
            return Ok(());
        }
        let conn = outlet.conn;
        if live {
            // Subscribing again while live keeps the opt-in to signals; a
            // subscription that went through a chunked replay must ask again.
            // A visitor takes its signals (the agents' typing) unasked:
            // its page needs nothing else from `presence`.
            let listens = self.subscribers.listens(conn) || principal.visitor().is_some();
            let subscriber = Subscriber {
                outlet,
                restricted: restricted.then(|| Arc::clone(principal)),
                behind: None,
            };
            self.subscribers.insert(conn, subscriber, listens);
            // The team's people count as online; Restricted Members do not.
            if !restricted {
                self.joined(conn, principal);
            } else {
                self.visitor_joined(conn, principal);
            }
        } else {
            self.subscribers.remove(conn);
            self.left(conn);
        }
        Ok(())
    }

    /// The next chunk of events after `after` for `outlet`: read from the
    /// hub's memory or the store, those `reader` may read (every event when
    /// None), within `replay_chunk` events read and the outbox's room.
    pub(super) fn chunk(
        &self,
        outlet: &Outlet,
        reader: Option<&Principal>,
        after: Offset,
    ) -> Result<Chunk, StoreError> {
        let limit = self.registry.context.config.limits.replay_chunk;
        let room = outlet.room();
        // Leave room for the reply that precedes a client's chunk.
        let room = Room {
            soft: room.soft,
            hard: Load {
                frames: room.hard.frames.saturating_sub(1),
                bytes: room.hard.bytes.saturating_sub(REPLY_ROOM),
            },
        };
        let mut chunk = Chunk {
            frames: Vec::new(),
            last: after,
        };
        let (mut bytes, mut read) = (0usize, 0usize);
        while chunk.last < self.durable && read < limit {
            let page = (limit - read).min(PAGE);
            let events = match self.recent.after(chunk.last, self.durable, page) {
                Some(events) => events,
                None => self.stored_events(chunk.last, page)?,
            };
            if events.is_empty() {
                break;
            }
            for (offset, reach, frame) in events {
                if reach.admits(self.team, reader, outlet.version) {
                    let frame = frame.bytes(outlet.encoding);
                    let n = chunk.frames.len();
                    let within = |room: Load| {
                        n < room.frames && bytes.saturating_add(frame.len()) <= room.bytes
                    };
                    if !(within(room.soft) || (n == 0 && within(room.hard))) {
                        return Ok(chunk);
                    }
                    bytes += frame.len();
                    chunk.frames.push(frame);
                }
                chunk.last = offset;
                read += 1;
            }
        }
        Ok(chunk)
    }

    /// Up to `limit` events after `after`, read from the store (for
    /// positions older than the hub's memory).
    fn stored_events(&self, after: Offset, limit: usize) -> Result<Vec<Remembered>, StoreError> {
        let records = self
            .registry
            .context
            .log
            .read(self.team, after, self.durable, limit)?;
        Ok(records
            .into_iter()
            .map(|(offset, record)| {
                let event = event_of(record);
                let reach = Reach::of(&event);
                let frame = ServerFrame::Event(EventFrame {
                    team: self.team,
                    offset,
                    event,
                });
                (offset, reach, Arc::new(SharedFrame::new(frame)))
            })
            .collect())
    }
}

/// The event a log record holds: the log holds every event whole, so a
/// replay (or a server following another's writes) needs no other lookup.
pub(super) fn event_of(record: LogRecord) -> Event {
    match record {
        LogRecord::Message(message) => Event::Message(message),
        LogRecord::ConversationStarted(info) => Event::ConversationStarted(info),
        LogRecord::Read(marker) => Event::Read(marker),
        LogRecord::ContactUpdated(update) => Event::ContactUpdated(update),
        LogRecord::Assignees(update) => Event::Assignees(update),
        LogRecord::Delivered(outcome) => Event::Delivered(outcome),
        LogRecord::ImportProgress(progress) => Event::ImportProgress(progress),
        LogRecord::BlastProgress(info) => Event::BlastProgress(info),
        LogRecord::PostChanged { post } => Event::PostChanged(post),
        LogRecord::ContactChanged(change) => Event::ContactChanged(change),
        LogRecord::ContactDeleted(deleted) => Event::ContactDeleted(deleted),
        LogRecord::ContactsMerged(merged) => Event::ContactsMerged(merged),
        LogRecord::ContactFields(fields) => Event::ContactFields(fields),
        LogRecord::Receipt(report) => Event::Receipt(report),
    }
}
