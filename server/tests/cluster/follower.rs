//! A subscriber as an application would run one against a cluster: an
//! SDK client given every node, subscribed on a chosen one. When its node
//! dies the SDK reconnects to the next and resumes the team from the last
//! position it delivered.
//!
//! Invariant checked on every event: offsets strictly increase across the
//! move (nothing doubled), and a resume that cannot close the gap fails
//! the test (nothing lost).

use crate::sender::connect_to_all;
use std::collections::BTreeMap;
use std::time::Instant;
use switchboard_client::{Client, ClientEvent, Events};
use switchboard_protocol::ids::{ConversationId, Offset, TeamId};
use switchboard_protocol::model::Message;
use switchboard_protocol::server::{Event, EventFrame};

/// A subscriber of one team, following one conversation's messages.
pub struct Follower {
    team: TeamId,
    client: Client,
    events: Events,
    last: Offset,
    /// The conversation's messages received, by `client_msg_id`.
    pub messages: BTreeMap<String, Message>,
    /// How many times the client reconnected (to another node or not).
    pub moves: usize,
}

impl Follower {
    /// Subscribes to `team` on node `node` of `urls`, from the team's head.
    pub async fn start(urls: Vec<String>, token: &str, node: usize, team: TeamId) -> Follower {
        let (client, events) = connect_to_all(&urls, token, node).await;
        let subscribed = client
            .subscribe(team)
            .await
            .expect("the follower subscribes");
        Follower {
            team,
            client,
            events,
            last: subscribed.offset,
            messages: BTreeMap::new(),
            moves: 0,
        }
    }

    /// The server the client is connected to now.
    pub fn server_url(&self) -> String {
        self.client.server_url()
    }

    /// Reads events until the messages of `conversation` with every id in
    /// `ids` have arrived; panics after `deadline`.
    pub async fn follow_until(
        &mut self,
        conversation: ConversationId,
        ids: &[String],
        deadline: Instant,
    ) {
        while !ids.iter().all(|id| self.messages.contains_key(id)) {
            let left = deadline.saturating_duration_since(Instant::now());
            let next = tokio::time::timeout(left, self.events.next()).await;
            let Ok(next) = next else {
                let missing: Vec<&String> = ids
                    .iter()
                    .filter(|id| !self.messages.contains_key(*id))
                    .collect();
                panic!("{missing:?} never reached the follower")
            };
            match next {
                Some(ClientEvent::Event(frame)) => self.take(conversation, frame),
                Some(ClientEvent::ResumeFailed { team, resume }) => {
                    panic!("team {team} could not be resumed ({resume:?}): events lost")
                }
                Some(ClientEvent::Reconnected { .. }) => self.moves += 1,
                Some(ClientEvent::Closed { code, reason }) => {
                    panic!("the follower was closed: {code:?} {reason}")
                }
                None => panic!("the follower's events ended"),
                Some(_) => {}
            }
        }
    }

    fn take(&mut self, conversation: ConversationId, frame: EventFrame) {
        if frame.team != self.team {
            return;
        }
        assert!(
            frame.offset > self.last,
            "offset {} after {}: an event delivered twice or out of order",
            frame.offset,
            self.last
        );
        self.last = frame.offset;
        if let Event::Message(message) = frame.event {
            if message.conversation != conversation {
                return;
            }
            let id = message.client_msg_id.clone().unwrap_or_default();
            let earlier = self.messages.insert(id.clone(), message);
            assert!(earlier.is_none(), "{id} delivered twice");
        }
    }
}
