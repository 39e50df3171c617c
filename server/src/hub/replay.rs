//! Subscribing: the replay of what a subscriber missed, and the moment it
//! joins the live fan-out.
//!
//! The replay reads the team log up to `durable` and the subscriber is
//! registered in the same step, inside the hub's single task, so no event
//! can fall between the last replayed offset and the first live one.

use super::actor::{error_frame, result_frame, Hub};
use crate::access::{Action, Principal, Resource};
use crate::outlet::{Outlet, SharedFrame};
use crate::store::{LogRecord, StoreError};
use std::sync::Arc;
use switchboard_protocol::ids::{Offset, RequestId};
use switchboard_protocol::model::Position;
use switchboard_protocol::server::{Event, EventFrame, Reply, Resume, Subscribed};
use switchboard_protocol::{ErrorCode, ServerFrame};

impl Hub<'_> {
    /// Replays what the subscriber missed, then registers it for live events.
    pub(super) fn subscribe(
        &mut self,
        outlet: Outlet,
        principal: &Principal,
        request: RequestId,
        after: Option<Position>,
    ) -> Result<(), StoreError> {
        if !principal.allows(Action::ReadTeam, Resource::Team(self.team)) {
            outlet.send(&error_frame(request, ErrorCode::NotFound, "no such team"));
            return Ok(());
        }
        let (from, resume) = match after {
            None => (self.durable, Resume::Fresh),
            Some(p) if p.epoch != self.epoch => (self.durable, Resume::EpochChanged),
            Some(p) if p.offset > self.durable => (self.durable, Resume::OffsetAhead),
            Some(p) => (p.offset, Resume::Recovered),
        };
        let limit = self.registry.context.config.limits.replay_chunk;
        let events = match self.recent.after(from, self.durable, limit) {
            Some(events) => events,
            None => match self.stored_events(from, limit) {
                Ok(events) => events,
                Err(e) => {
                    outlet.send(&error_frame(request, ErrorCode::Internal, "replay failed"));
                    return Err(e);
                }
            },
        };
        let offset = events.last().map_or(from, |(offset, _)| *offset);
        let live = offset == self.durable;
        let reply = Reply::Subscribed(Subscribed {
            team: self.team,
            epoch: self.epoch,
            offset,
            head: self.durable,
            replayed: u32::try_from(events.len()).unwrap_or(u32::MAX),
            live,
            resume,
        });
        if !outlet.send(&result_frame(request, reply)) {
            return Ok(());
        }
        let frames: Vec<_> = events
            .iter()
            .map(|(_, frame)| frame.bytes(outlet.encoding))
            .collect();
        if !outlet.push_all(&frames) {
            return Ok(());
        }
        if live {
            self.subscribers.insert(outlet.conn, outlet);
        } else {
            self.subscribers.remove(&outlet.conn);
        }
        Ok(())
    }

    /// Up to `limit` events after `after`, read from the store (for
    /// positions older than the hub's memory).
    fn stored_events(
        &self,
        after: Offset,
        limit: usize,
    ) -> Result<Vec<(Offset, Arc<SharedFrame>)>, StoreError> {
        let records =
            self.registry
                .context
                .store
                .log_range(self.team, after, self.durable, limit)?;
        Ok(records
            .into_iter()
            .map(|(offset, record)| {
                // The log holds every event whole: replay needs no other lookup.
                let event = match record {
                    LogRecord::Message(message) => Event::Message(message),
                    LogRecord::ConversationStarted(info) => Event::ConversationStarted(info),
                    LogRecord::Read(marker) => Event::Read(marker),
                };
                let frame = ServerFrame::Event(EventFrame {
                    team: self.team,
                    offset,
                    event,
                });
                (offset, Arc::new(SharedFrame::new(frame)))
            })
            .collect())
    }
}
