//! A sender as an application would run one against a cluster: an SDK
//! client given every node (`ClientConfig::with_servers`), starting on a
//! chosen one. When its node dies the SDK moves to the next and resends
//! what was not acknowledged with the same `client_msg_id`, so each send
//! here must end acknowledged, once, whatever happens to the node.

use crate::util::PATIENCE;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use switchboard_client::{Client, ClientConfig, Error, Events};
use switchboard_protocol::ids::{ConversationId, Seq};
use switchboard_protocol::server::SendAck;
use switchboard_protocol::ErrorCode;

/// How long one send may take, the SDK's reconnects and retries included:
/// well past the time a team's writer takes to move, well short of the
/// test's bound.
pub const ATTEMPT: Duration = Duration::from_secs(20);

/// `urls` in the order to try them, starting with `first`.
pub fn starting_with(urls: &[String], first: usize) -> Vec<String> {
    urls[first..]
        .iter()
        .chain(&urls[..first])
        .cloned()
        .collect()
}

/// An SDK client given every node, connected to `urls[node]` first.
pub async fn connect_to_all(urls: &[String], token: &str, node: usize) -> (Client, Events) {
    let mut config = ClientConfig::with_servers(starting_with(urls, node), token);
    config.request_timeout = ATTEMPT;
    let (client, events) = tokio::time::timeout(PATIENCE, Client::connect(config))
        .await
        .expect("the SDK connects in time")
        .expect("the SDK connects");
    assert_eq!(
        client.server_url(),
        urls[node],
        "connected to the node asked for"
    );
    (client, events)
}

/// A client sending messages with ids of its own, keeping every ack.
pub struct Sender {
    urls: Vec<String>,
    client: Client,
    _events: Events,
    /// Every acknowledgement received, by `client_msg_id`.
    pub acks: BTreeMap<String, SendAck>,
}

impl Sender {
    /// A sender on node `node` of `urls`, with the others to move to.
    pub async fn connect(urls: Vec<String>, token: &str, node: usize) -> Sender {
        let (client, events) = connect_to_all(&urls, token, node).await;
        Sender {
            urls,
            client,
            _events: events,
            acks: BTreeMap::new(),
        }
    }

    /// The node the client is connected to now.
    pub fn node(&self) -> usize {
        let url = self.client.server_url();
        let node = self.urls.iter().position(|u| *u == url);
        node.unwrap_or_else(|| panic!("connected to an unknown server {url}"))
    }

    /// Sends `body` with `id`; panics unless it is acknowledged before
    /// `deadline`. An `unavailable` refusal that outlived the SDK's own
    /// retries (a writer still moving) is sent again with the same id.
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
            match tokio::time::timeout(ATTEMPT + PATIENCE, attempt).await {
                Ok(Ok(ack)) => {
                    let seq = ack.seq;
                    self.acks.insert(id.to_string(), ack);
                    return seq;
                }
                Ok(Err(Error::Server {
                    code: ErrorCode::Unavailable,
                    message,
                })) => {
                    eprintln!("{id} refused for now on node {}: {message}", self.node());
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Ok(Err(e)) => panic!("{id} failed on node {}: {e}", self.node()),
                Err(_) => panic!("{id}: the SDK gave no answer within {ATTEMPT:?}"),
            }
        }
    }
}
