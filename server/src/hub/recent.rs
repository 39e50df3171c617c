//! The hub's memory of its newest events, encoded, for cheap resumes.
//!
//! A client back after a short absence (a reconnect storm after a restart
//! or a network blip, thousands at once) is replayed from here: the events
//! are already encoded, so a replay costs a clone of their bytes per event,
//! not a store read, a decode and an encode. Older positions fall back to
//! the store. The memory is bounded in events and bytes.

use super::reach::Reach;
use crate::outlet::SharedFrame;
use std::collections::VecDeque;
use std::sync::Arc;
use switchboard_protocol::codec::Encoding;
use switchboard_protocol::ids::Offset;

/// A remembered event: its offset, its reach (for the per-subscriber
/// filters) and its encoded frame.
pub(super) type Remembered = (Offset, Reach, Arc<SharedFrame>);

/// Most events kept.
const MAX_EVENTS: usize = 4096;
/// Most encoded bytes kept (MessagePack sizes).
const MAX_BYTES: usize = 2 * 1024 * 1024;

/// The newest durable events of a team, contiguous in offset.
#[derive(Default)]
pub(super) struct Recent {
    events: VecDeque<Remembered>,
    bytes: usize,
}

impl Recent {
    /// Remembers the next durable event, forgetting the oldest beyond the bounds.
    pub(super) fn push(&mut self, offset: Offset, reach: Reach, frame: Arc<SharedFrame>) {
        debug_assert!(self
            .events
            .back()
            .is_none_or(|(last, _, _)| last.next() == offset));
        self.bytes += frame.bytes(Encoding::MsgPack).len();
        self.events.push_back((offset, reach, frame));
        while self.events.len() > MAX_EVENTS || self.bytes > MAX_BYTES {
            let Some((_, _, old)) = self.events.pop_front() else {
                break;
            };
            self.bytes -= old.bytes(Encoding::MsgPack).len();
        }
    }

    /// Up to `limit` events after `after`, or None if some of them are no
    /// longer (or not yet) held here. `newest` is the newest durable offset.
    pub(super) fn after(
        &self,
        after: Offset,
        newest: Offset,
        limit: usize,
    ) -> Option<Vec<Remembered>> {
        if after >= newest {
            return Some(Vec::new());
        }
        let (first, _, _) = self.events.front()?;
        if after.next() < *first {
            return None;
        }
        let skip = usize::try_from(after.next().0 - first.0).ok()?;
        Some(
            self.events
                .iter()
                .skip(skip)
                .take(limit)
                .map(|(offset, reach, frame)| (*offset, reach.clone(), Arc::clone(frame)))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_protocol::ids::{ConversationId, Seq, UserId};
    use switchboard_protocol::model::ReadMarker;
    use switchboard_protocol::server::Event;
    use switchboard_protocol::server::Reply;
    use switchboard_protocol::ServerFrame;

    fn frame() -> Arc<SharedFrame> {
        Arc::new(SharedFrame::new(ServerFrame::Result(
            switchboard_protocol::server::ResultFrame {
                id: 1.into(),
                result: Reply::Pong,
                duplicate: false,
            },
        )))
    }

    fn event() -> Event {
        Event::Read(ReadMarker {
            conversation: ConversationId(1),
            user: UserId(1),
            seq: Seq(1),
        })
    }

    fn offsets(events: Option<Vec<Remembered>>) -> Option<Vec<u64>> {
        events.map(|e| e.iter().map(|(o, _, _)| o.0).collect())
    }

    #[test]
    fn serves_only_what_it_holds_whole() {
        let mut recent = Recent::default();
        assert_eq!(
            offsets(recent.after(Offset(0), Offset(0), 10)),
            Some(vec![])
        );
        assert_eq!(offsets(recent.after(Offset(0), Offset(3), 10)), None);
        for offset in 11..=15 {
            recent.push(Offset(offset), Reach::of(&event()), frame());
        }
        assert_eq!(
            offsets(recent.after(Offset(12), Offset(15), 10)),
            Some(vec![13, 14, 15])
        );
        assert_eq!(
            offsets(recent.after(Offset(10), Offset(15), 2)),
            Some(vec![11, 12])
        );
        assert_eq!(
            offsets(recent.after(Offset(9), Offset(15), 10)),
            None,
            "offset 10 is gone"
        );
        assert_eq!(
            offsets(recent.after(Offset(15), Offset(15), 10)),
            Some(vec![])
        );
    }

    #[test]
    fn forgets_the_oldest_beyond_its_bounds() {
        let mut recent = Recent::default();
        for offset in 1..=(MAX_EVENTS as u64 + 10) {
            recent.push(Offset(offset), Reach::of(&event()), frame());
        }
        assert_eq!(recent.events.len(), MAX_EVENTS);
        assert_eq!(recent.events.front().unwrap().0, Offset(11));
    }
}
