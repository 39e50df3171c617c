//! Who a committed event may be pushed to: its audience (the filter of
//! Restricted Members) and the protocol version that brought its type (the
//! filter of connections that said hello with an older one). Worked out
//! once per event, when it is committed or read from the log, and kept
//! with its encoded frame.

use crate::access::Principal;
use switchboard_protocol::ids::TeamId;
use switchboard_protocol::model::SenderKind;
use switchboard_protocol::server::{Audience, Event};
use switchboard_protocol::PROTOCOL_VERSION;

/// An event's audience and the version of its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Reach {
    audience: Audience,
    since: u32,
    /// Whether a contact may see it (a web chat visitor's filter): a
    /// message not written by the system.
    for_contact: bool,
}

impl Reach {
    /// The reach of `event`.
    pub(super) fn of(event: &Event) -> Reach {
        Reach {
            audience: event.audience(),
            since: event.since(),
            for_contact: matches!(event, Event::Message(m) if m.sender.kind != SenderKind::System),
        }
    }

    /// Whether a subscriber of `team` may be sent the event: one speaking
    /// protocol `version`, and for a Restricted Member or a web chat
    /// visitor, `restricted` is whose access filters it.
    pub(super) fn admits(
        &self,
        team: TeamId,
        restricted: Option<&Principal>,
        version: u32,
    ) -> bool {
        version >= self.since
            && restricted.is_none_or(|p| p.receives(team, &self.audience, self.for_contact))
    }

    /// Whether a subscriber takes every event of its team, so that it can
    /// share the one batch encoded for all such subscribers: neither a
    /// Restricted Member nor a connection of an older protocol version.
    pub(super) fn takes_all(restricted: Option<&Principal>, version: u32) -> bool {
        restricted.is_none() && version >= PROTOCOL_VERSION
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_protocol::content::{PostInfo, PostStatus};
    use switchboard_protocol::ids::{Millis, PostId, UserId};

    #[test]
    fn an_event_type_newer_than_the_connection_s_version_is_not_sent_to_it() {
        let post = Event::PostChanged(PostInfo {
            id: PostId(1),
            team: TeamId(1),
            kind: "job".into(),
            title: "Welder".into(),
            body: String::new(),
            link: None,
            location: None,
            status: PostStatus::Open,
            created_by: UserId(2),
            created_at: Millis(0),
            updated_at: Millis(0),
        });
        let reach = Reach::of(&post);
        assert!(!reach.admits(TeamId(1), None, 1));
        assert!(reach.admits(TeamId(1), None, 2));
        assert!(!Reach::takes_all(None, 1));
        assert!(Reach::takes_all(None, PROTOCOL_VERSION));
    }
}
