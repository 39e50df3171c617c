//! A subscriber: one connection subscribed to the team, decoding every
//! event and timing each of this run's messages from its send stamp.
//!
//! A subscriber never reconnects: a connection the server closes (a slow
//! consumer, say) shows up in the report as dropped, and the deliveries it
//! missed as missing. Offsets must increase on a connection; a subscriber
//! counts the events that break that rule.

use crate::load::{read_stamp, Shared};
use crate::wire::{self, Socket};
use anyhow::{bail, Context};
use futures::{SinkExt, StreamExt};
use std::sync::Arc;
use std::time::Duration;
use switchboard_protocol::client::{ClientFrame, Subscribe};
use switchboard_protocol::ids::{Offset, RequestId, TeamId};
use switchboard_protocol::server::{Event, Reply, ServerFrame};
use tokio::sync::{mpsc, watch, Semaphore};
use tokio_tungstenite::tungstenite::Message;

/// The request id of the one request a subscriber makes.
const SUBSCRIBE_ID: RequestId = RequestId(1);

/// What a subscriber needs to connect.
pub(crate) struct Setup {
    /// Its number in the run.
    pub(crate) index: usize,
    /// The WebSocket endpoint.
    pub(crate) url: Arc<str>,
    /// The token to say hello with.
    pub(crate) token: String,
    /// The team to subscribe to.
    pub(crate) team: TeamId,
    /// Limits how many connections shake hands at once.
    pub(crate) gate: Arc<Semaphore>,
    /// Told once whether the subscription is live.
    pub(crate) ready: mpsc::Sender<Result<(), String>>,
    /// How long connecting and subscribing may take.
    pub(crate) connect_timeout: Duration,
}

/// What one subscriber saw.
pub(crate) struct SubscriberOutcome {
    /// Its number in the run.
    pub(crate) index: usize,
    /// Events whose offset was not above the previous one.
    pub(crate) out_of_order: u64,
    /// Frames that did not decode.
    pub(crate) undecodable: u64,
    /// Why the connection ended before the run did, if it did.
    pub(crate) dropped: Option<String>,
}

/// Connects, subscribes, reports readiness, then reads until `stop`.
pub(crate) async fn run(
    setup: Setup,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) -> SubscriberOutcome {
    let mut outcome = SubscriberOutcome {
        index: setup.index,
        out_of_order: 0,
        undecodable: 0,
        dropped: None,
    };
    let connected = {
        // The semaphore is never closed, so acquiring only waits.
        let _permit = setup.gate.acquire().await;
        tokio::time::timeout(
            setup.connect_timeout,
            subscribe(&setup.url, &setup.token, setup.team),
        )
        .await
        .unwrap_or_else(|_| Err(anyhow::anyhow!("timed out")))
    };
    let mut socket = match connected {
        Ok(socket) => {
            let _ = setup.ready.send(Ok(())).await;
            socket
        }
        Err(e) => {
            // The run stops on the first failure: no need to report it twice.
            let _ = setup.ready.send(Err(format!("{e:#}"))).await;
            return outcome;
        }
    };
    drop(setup.ready);

    let mut last_offset: Option<Offset> = None;
    loop {
        let message = tokio::select! {
            biased;
            // Only ever set to true; a dropped sender also means stop.
            _ = stop.changed() => break,
            message = socket.next() => message,
        };
        let message = match message {
            Some(Ok(Message::Close(frame))) => {
                outcome.dropped = Some(format!(
                    "closed by the server: {}",
                    wire::close_reason(frame.as_ref())
                ));
                return outcome;
            }
            Some(Ok(message)) => message,
            Some(Err(e)) => {
                outcome.dropped = Some(format!("read failed: {e}"));
                return outcome;
            }
            None => {
                outcome.dropped = Some("the connection ended".into());
                return outcome;
            }
        };
        let frame = match wire::decode(&message) {
            None => continue,
            Some(Ok(ServerFrame::Event(frame))) => frame,
            Some(Ok(_)) => continue,
            Some(Err(_)) => {
                outcome.undecodable += 1;
                continue;
            }
        };
        // Taken once the event is decoded: what a user would wait for.
        let at = shared.now();
        if last_offset.is_some_and(|last| frame.offset <= last) {
            outcome.out_of_order += 1;
        }
        last_offset = Some(frame.offset);
        if let Event::Message(message) = &frame.event {
            if message.conversation == shared.conversation {
                if let Some(sent) = read_stamp(&message.body, shared.run) {
                    shared.record_delivery(setup.index, sent, at);
                }
            }
        }
    }
    wire::close(socket).await;
    outcome
}

/// Connects, says hello and subscribes to `team`; returns once live.
async fn subscribe(url: &str, token: &str, team: TeamId) -> anyhow::Result<Socket> {
    let (mut socket, welcome) = wire::connect(url, token).await?;
    if !welcome.teams.iter().any(|t| t.id == team) {
        bail!("user {} is not a member of team {team}", welcome.user.email);
    }
    let subscribe = ClientFrame::Subscribe(Subscribe {
        id: SUBSCRIBE_ID,
        team,
        after: None,
    });
    socket
        .send(wire::message(&subscribe)?)
        .await
        .context("sending subscribe")?;
    loop {
        match wire::next_frame(&mut socket).await? {
            ServerFrame::Result(reply) if reply.id == SUBSCRIBE_ID => match reply.result {
                Reply::Subscribed(s) if s.live => return Ok(socket),
                Reply::Subscribed(s) => bail!("subscribed but not live: {s:?}"),
                other => bail!("unexpected reply to subscribe: {other:?}"),
            },
            ServerFrame::Error(e) if e.id == Some(SUBSCRIBE_ID) => {
                bail!("subscribe refused: {} ({})", e.message, e.code)
            }
            // Nothing else is expected before the reply; skip it.
            _ => {}
        }
    }
}
