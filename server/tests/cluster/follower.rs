//! A subscriber that outlives the node it is connected to: it keeps the
//! team's position (epoch and last offset) it received, and when its
//! connection drops it connects to the next node and subscribes from that
//! position, as an application with several URLs would.
//!
//! Invariant checked on every event: offsets strictly increase across the
//! move (nothing doubled), and a resume that cannot close the gap fails
//! the test (nothing lost).

use crate::sender::ATTEMPT;
use crate::world::connect_with;
use std::collections::BTreeMap;
use std::time::Instant;
use switchboard_client::{Client, ClientEvent, Events};
use switchboard_protocol::ids::{ConversationId, Epoch, Offset, TeamId};
use switchboard_protocol::model::{Message, Position};
use switchboard_protocol::server::{Event, EventFrame};

/// A subscriber of one team, following one conversation's messages.
pub struct Follower {
    urls: Vec<String>,
    token: String,
    node: usize,
    team: TeamId,
    client: Client,
    events: Events,
    epoch: Epoch,
    last: Offset,
    /// The conversation's messages received, by `client_msg_id`.
    pub messages: BTreeMap<String, Message>,
    /// How many times the follower moved to another node.
    pub moves: usize,
}

impl Follower {
    /// Subscribes to `team` on node `node` of `urls`, from the team's head.
    pub async fn start(urls: Vec<String>, token: &str, node: usize, team: TeamId) -> Follower {
        let (client, events) = connect_with(&urls[node], token, ATTEMPT).await;
        let subscribed = client
            .subscribe(team)
            .await
            .expect("the follower subscribes");
        Follower {
            urls,
            token: token.to_string(),
            node,
            team,
            client,
            events,
            epoch: subscribed.epoch,
            last: subscribed.offset,
            messages: BTreeMap::new(),
            moves: 0,
        }
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
            let missing: Vec<&String> = ids
                .iter()
                .filter(|id| !self.messages.contains_key(*id))
                .collect();
            let Ok(next) = next else {
                panic!("follower on node {}: {missing:?} never arrived", self.node)
            };
            match next {
                Some(ClientEvent::Event(frame)) => self.take(conversation, frame),
                Some(ClientEvent::ResumeFailed { team, resume }) => {
                    panic!("team {team} could not be resumed ({resume:?}): events lost")
                }
                Some(ClientEvent::Disconnected { .. } | ClientEvent::Closed { .. }) | None => {
                    self.move_on(deadline).await
                }
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

    /// Connects to the next node that answers and resumes from the last
    /// offset received.
    async fn move_on(&mut self, deadline: Instant) {
        let _ = tokio::time::timeout(ATTEMPT, self.client.close()).await;
        loop {
            assert!(
                Instant::now() < deadline,
                "no node took the follower back in time"
            );
            self.node = (self.node + 1) % self.urls.len();
            let mut config =
                switchboard_client::ClientConfig::new(&self.urls[self.node], &self.token);
            config.request_timeout = ATTEMPT;
            let connect =
                tokio::time::timeout(ATTEMPT, switchboard_client::Client::connect(config));
            let Ok(Ok((client, events))) = connect.await else {
                continue;
            };
            let from = Position {
                epoch: self.epoch,
                offset: self.last,
            };
            let subscribe = tokio::time::timeout(ATTEMPT, client.subscribe_from(self.team, from));
            if let Ok(Ok(_)) = subscribe.await {
                self.client = client;
                self.events = events;
                self.moves += 1;
                return;
            }
        }
    }
}
