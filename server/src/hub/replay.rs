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

use super::actor::{error_frame, result_frame, Hub, Subscriber};
use super::recent::Remembered;
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
        let offset = events.last().map_or(from, |(offset, _, _)| *offset);
        let live = offset == self.durable;
        let restricted = principal.is_restricted_in(self.team);
        let frames: Vec<_> = events
            .iter()
            .filter(|(_, conversation, _)| !restricted || principal.reads(self.team, *conversation))
            .map(|(_, _, frame)| frame.bytes(outlet.encoding))
            .collect();
        let reply = Reply::Subscribed(Subscribed {
            team: self.team,
            epoch: self.epoch,
            offset,
            head: self.durable,
            replayed: u32::try_from(frames.len()).unwrap_or(u32::MAX),
            live,
            resume,
        });
        if !outlet.send(&result_frame(request, reply)) {
            return Ok(());
        }
        if !frames.is_empty() && !outlet.push_all(&frames) {
            return Ok(());
        }
        let conn = outlet.conn;
        if live {
            // Subscribing again while live keeps the opt-in to signals; a
            // subscription that went through a chunked replay must ask again.
            let signals = self.subscribers.get(&conn).is_some_and(|s| s.signals);
            let subscriber = Subscriber {
                outlet,
                restricted: restricted.then(|| Arc::clone(principal)),
                signals,
            };
            self.subscribers.insert(conn, subscriber);
            // The team's people count as online; Restricted Members do not.
            if !restricted {
                self.joined(conn, principal);
            }
        } else {
            self.subscribers.remove(&conn);
            self.left(conn);
        }
        Ok(())
    }

    /// Up to `limit` events after `after`, read from the store (for
    /// positions older than the hub's memory).
    fn stored_events(&self, after: Offset, limit: usize) -> Result<Vec<Remembered>, StoreError> {
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
                    LogRecord::ContactUpdated(update) => Event::ContactUpdated(update),
                    LogRecord::Assignees(update) => Event::Assignees(update),
                    LogRecord::Delivered(outcome) => Event::Delivered(outcome),
                };
                let conversation = event.conversation();
                let frame = ServerFrame::Event(EventFrame {
                    team: self.team,
                    offset,
                    event,
                });
                (offset, conversation, Arc::new(SharedFrame::new(frame)))
            })
            .collect())
    }
}
