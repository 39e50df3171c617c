//! Forwarding between servers: a write command reaching the hub of a
//! server that is not its team's writer goes, by NATS request, to the
//! writer's hub (subject `sb.node.<node>.hub`), which carries it out as an
//! ordinary caller and answers back ([`ReplyTo::Remote`]).
//!
//! Invariants:
//! - A forwarded request is answered exactly once: with the writer's
//!   answer, or with `unavailable` when the writer cannot be reached in
//!   time. The client retries then; its key makes the retry exactly-once.
//! - A request waits for the writer it was sent to only while that server
//!   is still the writer: once the log names another (the writer went),
//!   it is refused with `unavailable` at once, for the client to retry.
//! - The writer's answer reaches the connection only once this server's
//!   copy of the log holds what the answer covers (the writer's durable
//!   offset when it answered): a `history` asked here right after a `sent`
//!   finds the message.
//! - A request is forwarded at most once more (`hops`): a writer that lost
//!   the team meanwhile refuses it rather than passing it on in a loop.
//! - Only commands that write are forwarded; reads, subscriptions and
//!   ephemeral signals are served by the server the connection is on.

use super::peers::Peers;
use super::remote_op::RemoteOp;
use super::request::ReplyTo;
use super::{HubRequest, Registry};
use crate::team_log::Writer;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use switchboard_protocol::ids::{Offset, RequestId, TeamId};
use switchboard_protocol::{ErrorCode, ServerFrame};
use tokio::sync::watch;

/// How long a forwarded request waits for the writer's answer, and then
/// for this server's copy of the log to hold what it covers.
const PATIENCE: Duration = Duration::from_secs(10);

/// A write command as it travels to the team's writer.
#[derive(Serialize, Deserialize)]
struct Forwarded {
    team: TeamId,
    request: Option<RequestId>,
    hops: u8,
    op: RemoteOp,
}

/// The writer's answer: the frame, and its durable offset then.
#[derive(Serialize, Deserialize)]
struct RemoteAnswer {
    frame: ServerFrame,
    durable: Offset,
}

/// Where a forwarded request's answer goes: back to the server that sent
/// it, under the NATS reply subject it asked on.
pub(crate) struct RemoteReply {
    client: async_nats::Client,
    subject: Option<async_nats::Subject>,
    request: Option<RequestId>,
    /// The hub's durable offset, read when the answer leaves.
    durable: Arc<std::sync::atomic::AtomicU64>,
}

impl RemoteReply {
    /// The request id the origin's client waits on, if any.
    pub(super) fn request(&self) -> Option<RequestId> {
        self.request
    }

    /// Sends the answer back (on a task: publishing never blocks the hub).
    pub(super) fn send(&self, frame: &ServerFrame) {
        let Some(subject) = self.subject.clone() else {
            return;
        };
        let durable = Offset(self.durable.load(std::sync::atomic::Ordering::Acquire));
        let answer = RemoteAnswer {
            frame: frame.clone(),
            durable,
        };
        let payload = match rmp_serde::to_vec_named(&answer) {
            Ok(payload) => payload,
            Err(e) => {
                tracing::error!(error = %e, "cannot encode a forwarded request's answer");
                return;
            }
        };
        let client = self.client.clone();
        tokio::spawn(async move {
            if let Err(e) = client.publish(subject, payload.into()).await {
                tracing::warn!(error = %e, "a forwarded request's answer was not sent");
            }
        });
    }
}

impl Peers {
    fn subject(node: &str) -> String {
        format!("sb.node.{node}.hub")
    }

    /// Takes the requests other servers forward to this one's hubs, until
    /// the server stops.
    pub(crate) async fn serve(self: Arc<Self>, registry: Arc<Registry>) {
        let mut requests = match self.client.subscribe(Peers::subject(&self.node)).await {
            Ok(requests) => requests,
            Err(e) => {
                tracing::error!(error = %e, "cannot take forwarded requests");
                return;
            }
        };
        let mut stop = registry.context.stop.clone();
        loop {
            let message = tokio::select! {
                message = requests.next() => message,
                _ = stop.wait_for(|stopped| *stopped) => None,
            };
            let Some(message) = message else { break };
            let forwarded: Forwarded = match rmp_serde::from_slice(&message.payload) {
                Ok(forwarded) => forwarded,
                Err(e) => {
                    tracing::warn!(error = %e, "a forwarded request could not be decoded");
                    continue;
                }
            };
            let peers = Arc::clone(&self);
            let registry = Arc::clone(&registry);
            // A key's claim may wait for an earlier request of that key.
            tokio::spawn(async move {
                peers.take(&registry, forwarded, message.reply).await;
            });
        }
    }

    async fn take(
        &self,
        registry: &Arc<Registry>,
        forwarded: Forwarded,
        subject: Option<async_nats::Subject>,
    ) {
        let Forwarded {
            team,
            request,
            hops,
            op,
        } = forwarded;
        let durable = registry.durable_handle(team);
        let reply = match request {
            Some(_) => ReplyTo::Remote(Arc::new(RemoteReply {
                client: self.client.clone(),
                subject,
                request,
                durable,
            })),
            None => ReplyTo::Nobody,
        };
        let op = match op.into_command(&self.claims).await {
            Some(op) => op,
            None => return,
        };
        let request = HubRequest { reply, op, hops };
        if registry.dispatch(team, request).await.is_err() {
            tracing::debug!(%team, "a forwarded request arrived while stopping");
        }
    }

    /// Sends `request` (a write command) to the team's writer `node`, and
    /// its answer, once this server's log holds what it covers, to where
    /// the request wants it. `watch` follows this server's log of the team:
    /// what it holds, and who writes it.
    pub(super) fn forward(
        self: &Arc<Self>,
        team: TeamId,
        node: &str,
        request: HubRequest,
        watch: (watch::Receiver<Offset>, watch::Receiver<Writer>),
    ) {
        let (applied, mut writers) = watch;
        let writer = Writer::Node(node.to_string());
        let HubRequest { reply, op, hops } = request;
        if hops >= 1 {
            reply.refuse(ErrorCode::Unavailable, "the team's writer changed; retry");
            return;
        }
        let (op, held) = match RemoteOp::from_command(op) {
            Some(pair) => pair,
            None => return,
        };
        let request_id = reply.clone().answerer().map(|(_, id)| id);
        let wanted = request_id.is_some();
        let forwarded = Forwarded {
            team,
            request: request_id,
            hops: hops + 1,
            op,
        };
        let payload = match rmp_serde::to_vec_named(&forwarded) {
            Ok(payload) => payload,
            Err(e) => {
                tracing::error!(error = %e, "cannot encode a request to forward");
                reply.refuse(ErrorCode::Internal, "internal error");
                return;
            }
        };
        let subject = Peers::subject(node);
        let client = self.client.clone();
        tokio::spawn(async move {
            // Held until the writer answered: a retry of the same key on
            // this server waits rather than racing it.
            let _held = held;
            if !wanted {
                if let Err(e) = client.publish(subject, payload.into()).await {
                    tracing::warn!(%team, error = %e, "a request was not forwarded");
                }
                return;
            }
            let asked = tokio::time::timeout(PATIENCE, client.request(subject, payload.into()));
            let answer = tokio::select! {
                asked = asked => match asked {
                    Ok(Ok(message)) => rmp_serde::from_slice::<RemoteAnswer>(&message.payload).ok(),
                    Ok(Err(e)) => {
                        tracing::debug!(%team, error = %e, "the team's writer did not answer");
                        None
                    }
                    Err(_) => None,
                },
                // The writer went (its lease moved): whatever it did of the
                // request, the retry's key finds it at the next writer.
                _ = writers.wait_for(|now| *now != writer) => None,
            };
            let Some(answer) = answer else {
                reply.refuse(
                    ErrorCode::Unavailable,
                    "the team's writer cannot be reached; retry",
                );
                return;
            };
            let mut applied = applied;
            let caught_up = applied.wait_for(|offset| *offset >= answer.durable);
            if tokio::time::timeout(PATIENCE, caught_up).await.is_err() {
                tracing::warn!(%team, "answering before this server's log caught up");
            }
            if let Some((to, _)) = reply.answerer() {
                to.send(&answer.frame);
            }
        });
    }
}
