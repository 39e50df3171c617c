//! Requests waiting for their reply, and messages waiting for their ack.
//!
//! Invariants:
//! - every request id of a connection maps to exactly one [`Pending`]
//!   entry, removed when its reply arrives or the connection drops;
//! - a send, or a request carrying an idempotency key, stays in the
//!   outbox from the moment it is first written until its result or
//!   `error` reply, across any number of reconnects; after a reconnect the
//!   outbox is resent in the original order with the same `client_msg_id`
//!   or `key` (the server then does nothing twice, and answers a retry
//!   with the original result);
//! - when a connection drops, every other request fails with
//!   `ConnectionLost`: whether it took effect is unknown.

use crate::error::Error;
use crate::presence::SignalRequest;
use crate::request::{Call, Outgoing, ReplyTx};
use std::collections::{BTreeMap, HashMap};
use switchboard_protocol::client::{self, ClientFrame};
use switchboard_protocol::model::Position;
use switchboard_protocol::server::{Reply, Resume, SendAck};
use switchboard_protocol::{Millis, Offset, RequestId, Seq, TeamId};

/// What a request id is waiting for.
pub(crate) enum Pending {
    /// A plain request: its reply goes straight to the caller.
    Call(ReplyTx),
    /// A subscribe, possibly one step of a `live == false` loop.
    Subscribe(SubscribeRequest),
    /// A send or a keyed request, by its place in the outbox.
    Send(u64),
    /// The driver's own keepalive ping.
    KeepAlive,
    /// A signal request the driver makes on its own after a reconnect (a
    /// team's `presence` opt-in, the last `view`): its reply is the
    /// driver's, never the application's.
    Restore(SignalRequest),
}

/// A subscribe in progress, carried from one `live == false` step to the
/// next until the subscription is live.
pub(crate) struct SubscribeRequest {
    pub(crate) team: TeamId,
    /// The position sent in this step's frame.
    pub(crate) after: Option<Position>,
    /// Whether the application chose `after` itself.
    pub(crate) explicit: bool,
    /// The application's reply channel; `None` when the driver re-subscribes
    /// on its own after a reconnect.
    pub(crate) caller: Option<ReplyTx>,
    /// Events replayed by the earlier steps.
    pub(crate) replayed: u32,
    /// How the first step resumed: the one the application cares about.
    pub(crate) first_resume: Option<Resume>,
}

/// A message, or a request carrying its idempotency key, not yet answered.
struct Unacked {
    request: Resendable,
    reply: ReplyTx,
}

/// What the outbox may send again.
enum Resendable {
    Message(Outgoing),
    /// A request whose frame carries its key.
    Keyed(Call),
}

impl Unacked {
    fn frame(&self, id: RequestId) -> ClientFrame {
        match &self.request {
            Resendable::Message(message) => ClientFrame::Send(client::SendMessage {
                id,
                conversation: message.conversation,
                client_msg_id: message.client_msg_id.clone(),
                body: message.body.clone(),
                as_contact: message.as_contact,
                post: message.post,
            }),
            Resendable::Keyed(call) => call.clone().into_frame(id),
        }
    }

    /// What the caller gets: a message sent for a `sent` acknowledgement
    /// whose body was a `^command` gets one saying only that the command
    /// was carried out (no message of the caller's was stored: seq and
    /// offset 0), and whether this was a retry.
    fn answer(&self, result: Result<Reply, Error>, duplicate: bool) -> Result<Reply, Error> {
        match (&self.request, result) {
            (Resendable::Message(message), Ok(reply)) if message.as_ack => match reply {
                Reply::Sent(ack) => Ok(Reply::Sent(ack)),
                Reply::Delivered(_) | Reply::Invited(_) | Reply::Assignees(_) => {
                    Ok(Reply::Sent(SendAck {
                        conversation: message.conversation,
                        seq: Seq(0),
                        offset: Offset(0),
                        at: Millis(0),
                        duplicate,
                    }))
                }
                other => Ok(other),
            },
            (_, result) => result,
        }
    }
}

/// The driver's pending requests and its outbox of unacknowledged sends.
#[derive(Default)]
pub(crate) struct InFlight {
    last_id: u64,
    pending: HashMap<RequestId, Pending>,
    /// By submission order, so that resends keep the original order.
    outbox: BTreeMap<u64, Unacked>,
    last_send: u64,
}

impl InFlight {
    fn next_id(&mut self) -> RequestId {
        self.last_id += 1;
        RequestId(self.last_id)
    }

    /// Registers a plain request and returns its frame.
    pub(crate) fn call(&mut self, call: Call, reply: ReplyTx) -> ClientFrame {
        let id = self.next_id();
        self.pending.insert(id, Pending::Call(reply));
        call.into_frame(id)
    }

    /// Registers a subscribe step and returns its frame.
    pub(crate) fn subscribe(&mut self, request: SubscribeRequest) -> ClientFrame {
        let id = self.next_id();
        let frame = ClientFrame::Subscribe(client::Subscribe {
            id,
            team: request.team,
            after: request.after,
        });
        self.pending.insert(id, Pending::Subscribe(request));
        frame
    }

    /// Puts a message in the outbox and returns its frame.
    pub(crate) fn send(&mut self, message: Outgoing, reply: ReplyTx) -> ClientFrame {
        self.outbox(Resendable::Message(message), reply)
    }

    /// Puts a request carrying an idempotency key in the outbox and
    /// returns its frame.
    pub(crate) fn keyed(&mut self, call: Call, reply: ReplyTx) -> ClientFrame {
        self.outbox(Resendable::Keyed(call), reply)
    }

    fn outbox(&mut self, request: Resendable, reply: ReplyTx) -> ClientFrame {
        self.last_send += 1;
        let key = self.last_send;
        let id = self.next_id();
        let unacked = Unacked { request, reply };
        let frame = unacked.frame(id);
        self.outbox.insert(key, unacked);
        self.pending.insert(id, Pending::Send(key));
        frame
    }

    /// Registers a keepalive ping and returns its frame.
    pub(crate) fn keepalive(&mut self) -> ClientFrame {
        let id = self.next_id();
        self.pending.insert(id, Pending::KeepAlive);
        ClientFrame::Ping(client::Ping { id })
    }

    /// Registers a signal request of the driver's own and returns its frame.
    pub(crate) fn restore(&mut self, request: SignalRequest) -> ClientFrame {
        let id = self.next_id();
        self.pending.insert(id, Pending::Restore(request.clone()));
        request.into_frame(id)
    }

    /// Whether a re-subscribe of the driver's own still waits for its
    /// reply (or its next `live == false` step).
    pub(crate) fn resubscribing(&self) -> bool {
        self.pending.values().any(
            |pending| matches!(pending, Pending::Subscribe(request) if request.caller.is_none()),
        )
    }

    /// Removes what `id` was waiting for.
    pub(crate) fn take(&mut self, id: RequestId) -> Option<Pending> {
        self.pending.remove(&id)
    }

    /// Answers a send (or keyed request) with its reply, `duplicate` if
    /// the server said it was a retry, and removes it from the outbox.
    pub(crate) fn settle_send(&mut self, key: u64, result: Result<Reply, Error>, duplicate: bool) {
        if let Some(unacked) = self.outbox.remove(&key) {
            let answer = unacked.answer(result, duplicate);
            // The caller may have given up waiting; then nobody needs it.
            let _ = unacked.reply.send(answer);
        }
    }

    /// Fails the request `id` (its frame could not be written).
    pub(crate) fn fail(&mut self, id: RequestId, error: Error) {
        match self.take(id) {
            Some(Pending::Call(reply)) => {
                let _ = reply.send(Err(error));
            }
            Some(Pending::Subscribe(request)) => {
                if let Some(reply) = request.caller {
                    let _ = reply.send(Err(error));
                }
            }
            Some(Pending::Send(key)) => self.settle_send(key, Err(error), false),
            Some(Pending::Restore(request)) => {
                tracing::warn!(?request, %error, "could not restore a signal request");
            }
            Some(Pending::KeepAlive) | None => {}
        }
    }

    /// The connection dropped: fails every request but the sends, which
    /// stay in the outbox for [`InFlight::resend`].
    pub(crate) fn connection_lost(&mut self) {
        for (_, pending) in self.pending.drain() {
            match pending {
                Pending::Call(reply) => {
                    let _ = reply.send(Err(Error::ConnectionLost));
                }
                Pending::Subscribe(request) => {
                    if let Some(reply) = request.caller {
                        let _ = reply.send(Err(Error::ConnectionLost));
                    }
                }
                Pending::Send(_) | Pending::KeepAlive | Pending::Restore(_) => {}
            }
        }
    }

    /// The frames that resend the outbox on a new connection, oldest first,
    /// each with a new request id and its original `client_msg_id` or `key`. Sends
    /// whose caller stopped waiting are dropped instead: the caller was told
    /// `Timeout` and may retry with the same id itself.
    pub(crate) fn resend(&mut self) -> Vec<ClientFrame> {
        self.outbox.retain(|_, unacked| !unacked.reply.is_closed());
        let keys: Vec<u64> = self.outbox.keys().copied().collect();
        let mut frames = Vec::with_capacity(keys.len());
        for key in keys {
            let id = self.next_id();
            self.pending.insert(id, Pending::Send(key));
            if let Some(unacked) = self.outbox.get(&key) {
                frames.push(unacked.frame(id));
            }
        }
        frames
    }

    /// The client is closed: fails everything still waiting with `error`.
    pub(crate) fn close(&mut self, error: &Error) {
        for (_, pending) in self.pending.drain() {
            match pending {
                Pending::Call(reply) => {
                    let _ = reply.send(Err(error.clone()));
                }
                Pending::Subscribe(request) => {
                    if let Some(reply) = request.caller {
                        let _ = reply.send(Err(error.clone()));
                    }
                }
                Pending::Send(_) | Pending::KeepAlive | Pending::Restore(_) => {}
            }
        }
        for (_, unacked) in std::mem::take(&mut self.outbox) {
            let _ = unacked.reply.send(Err(error.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::oneshot;

    fn send_body(frame: &ClientFrame) -> (RequestId, String) {
        match frame {
            ClientFrame::Send(send) => (send.id, send.client_msg_id.clone()),
            other => panic!("expected a send, got {other:?}"),
        }
    }

    fn outgoing(client_msg_id: &str, body: &str) -> Outgoing {
        Outgoing {
            conversation: switchboard_protocol::ConversationId(1),
            client_msg_id: client_msg_id.into(),
            body: body.into(),
            as_contact: false,
            post: None,
            as_ack: true,
        }
    }

    #[test]
    fn resend_keeps_order_and_ids_but_not_abandoned_sends() {
        let mut inflight = InFlight::default();
        let (first_tx, _first_rx) = oneshot::channel();
        let (gone_tx, gone_rx) = oneshot::channel();
        let (last_tx, _last_rx) = oneshot::channel();
        let (first_id, _) = send_body(&inflight.send(outgoing("a", "1"), first_tx));
        inflight.send(outgoing("b", "2"), gone_tx);
        inflight.send(outgoing("c", "3"), last_tx);
        drop(gone_rx);

        inflight.connection_lost();
        let frames = inflight.resend();
        let resent: Vec<_> = frames.iter().map(send_body).collect();
        assert_eq!(resent.len(), 2);
        assert_eq!(resent[0].1, "a");
        assert_eq!(resent[1].1, "c");
        assert!(resent[0].0 > first_id, "a resend gets a fresh request id");
    }

    #[test]
    fn a_keyed_request_is_resent_with_its_key_after_a_drop() {
        use crate::invite::InviteRequest;
        let mut inflight = InFlight::default();
        let (tx, mut rx) = oneshot::channel();
        let invite = Call::Invite(InviteRequest::Invite {
            conversation: switchboard_protocol::ConversationId(1),
            email: "sam@example.com".into(),
            note: None,
            key: "k-1".into(),
        });
        let first = inflight.keyed(invite, tx);
        inflight.connection_lost();
        assert!(rx.try_recv().is_err(), "still waiting, not ConnectionLost");
        let resent = inflight.resend();
        let key = |frame: &ClientFrame| match frame {
            ClientFrame::Invite(invite) => (invite.id, invite.key.clone()),
            other => panic!("expected an invite, got {other:?}"),
        };
        assert_eq!(resent.len(), 1);
        let (first_id, first_key) = key(&first);
        let (again_id, again_key) = key(&resent[0]);
        assert_eq!(again_key, first_key, "the same key");
        assert!(again_id > first_id, "under a fresh request id");
    }

    #[test]
    fn a_command_sent_for_an_ack_is_answered_as_one_marked_duplicate() {
        let mut inflight = InFlight::default();
        let (tx, mut rx) = oneshot::channel();
        inflight.send(outgoing("c", "^assign me"), tx);
        let assignees = switchboard_protocol::assign::Assignees {
            conversation: switchboard_protocol::ConversationId(1),
            assignees: vec![],
        };
        inflight.settle_send(1, Ok(Reply::Assignees(assignees)), true);
        match rx.try_recv() {
            Ok(Ok(Reply::Sent(ack))) => assert!(ack.duplicate && ack.seq == Seq(0)),
            other => panic!("expected a sent ack, got {other:?}"),
        }
    }

    #[test]
    fn connection_lost_fails_calls_but_keeps_sends() {
        let mut inflight = InFlight::default();
        let (call_tx, mut call_rx) = oneshot::channel();
        let (send_tx, mut send_rx) = oneshot::channel();
        inflight.call(Call::Ping, call_tx);
        inflight.send(outgoing("m", "hi"), send_tx);
        inflight.connection_lost();
        assert_eq!(call_rx.try_recv(), Ok(Err(Error::ConnectionLost)));
        assert!(send_rx.try_recv().is_err(), "the send is still waiting");
        assert_eq!(inflight.resend().len(), 1);
    }
}
