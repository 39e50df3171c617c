//! A sender that outlives the node it is connected to: each message has an
//! id of its own and is sent again with that id until some node
//! acknowledges it, moving to the next node when its own stops answering.
//!
//! The SDK takes one URL and reconnects to it alone, so the move to
//! another node is made here; the `client_msg_id` makes the resend safe
//! (a message stored before the connection died is acknowledged again
//! with `duplicate: true`, not stored twice).

use crate::world::connect_with;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use switchboard_client::{Client, Error, Events};
use switchboard_protocol::ids::{ConversationId, Seq};
use switchboard_protocol::server::SendAck;

/// How long one attempt waits for its acknowledgement: well past the time
/// a team's writer takes to move, well short of the test's bound.
pub const ATTEMPT: Duration = Duration::from_secs(8);

/// A client on one node of `urls`, moved to the next when that one fails.
pub struct Sender {
    urls: Vec<String>,
    token: String,
    node: usize,
    client: Client,
    _events: Events,
    /// Every acknowledgement received, by `client_msg_id`.
    pub acks: BTreeMap<String, SendAck>,
    /// How many times the sender moved to another node.
    pub moves: usize,
}

impl Sender {
    /// A sender on node `node` of `urls`.
    pub async fn connect(urls: Vec<String>, token: &str, node: usize) -> Sender {
        let (client, events) = connect_with(&urls[node], token, ATTEMPT).await;
        Sender {
            urls,
            token: token.to_string(),
            node,
            client,
            _events: events,
            acks: BTreeMap::new(),
            moves: 0,
        }
    }

    /// The node the sender is connected to now.
    pub fn node(&self) -> usize {
        self.node
    }

    /// Sends `body` with `id` until acknowledged; panics after `deadline`.
    /// A refusal (the team's writer moving) is retried on the same node;
    /// a lost connection or a timeout moves to the next node.
    pub async fn send(
        &mut self,
        conversation: ConversationId,
        id: &str,
        body: &str,
        deadline: Instant,
    ) -> Seq {
        loop {
            assert!(Instant::now() < deadline, "{id} not acknowledged in time");
            let attempt = self.client.send_with_id(conversation, id, body);
            let failure = match tokio::time::timeout(ATTEMPT, attempt).await {
                Ok(Ok(ack)) => {
                    let seq = ack.seq;
                    self.acks.insert(id.to_string(), ack);
                    return seq;
                }
                Ok(Err(Error::Server { code, message })) => {
                    eprintln!("{id} refused on node {}: {code:?} {message}", self.node);
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
                Ok(Err(e)) => e.to_string(),
                Err(_) => "no answer".to_string(),
            };
            eprintln!("{id} failed on node {}: {failure}; moving", self.node);
            self.move_on(deadline).await;
        }
    }

    /// Closes the client and connects to the next node that answers.
    async fn move_on(&mut self, deadline: Instant) {
        // Bounded: closing stops the SDK's reconnect loop to the dead node.
        let _ = tokio::time::timeout(ATTEMPT, self.client.close()).await;
        loop {
            assert!(
                Instant::now() < deadline,
                "no node accepted the sender in time"
            );
            self.node = (self.node + 1) % self.urls.len();
            let mut config =
                switchboard_client::ClientConfig::new(&self.urls[self.node], &self.token);
            config.request_timeout = ATTEMPT;
            let connect = switchboard_client::Client::connect(config);
            if let Ok(Ok((client, events))) = tokio::time::timeout(ATTEMPT, connect).await {
                self.client = client;
                self._events = events;
                self.moves += 1;
                return;
            }
        }
    }
}
