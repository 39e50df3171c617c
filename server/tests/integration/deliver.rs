//! `^deliver`, typed into a send and as its own frame: delivering to a
//! user ([`to_user`]) and to another team ([`to_team`]), what each side
//! sees live and in history, what is refused without a trace
//! ([`refusals`]), reports, and atomicity across kill -9 ([`crash`]).

mod crash;
mod refusals;
mod to_team;
mod to_user;

use crate::util::*;
use switchboard_client::{ClientEvent, Events, TeamChanges};
use switchboard_protocol::ids::TeamId;
use switchboard_protocol::server::EventFrame;

/// The next `n` events of `team`, skipping other items.
async fn next_events(events: &mut Events, team: TeamId, n: usize) -> Vec<EventFrame> {
    let mut out = Vec::new();
    while out.len() < n {
        let event = tokio::time::timeout(PATIENCE, events.next())
            .await
            .expect("an event in time")
            .expect("the event stream is open");
        if let ClientEvent::Event(frame) = event {
            if frame.team == team {
                out.push(frame);
            }
        }
    }
    out
}

/// Team changes that set the outcome statuses to `list`.
fn statuses(list: &[&str]) -> TeamChanges {
    TeamChanges {
        statuses: Some(list.iter().map(|s| s.to_string()).collect()),
        ..TeamChanges::default()
    }
}
