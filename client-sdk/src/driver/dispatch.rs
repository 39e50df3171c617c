//! Routing what reaches the driver: application commands become frames,
//! server frames become replies to callers, subscription steps and events.
//!
//! Invariants:
//! - a reply goes to the one [`Pending`] entry its id names, and nowhere
//!   else; a reply to an unknown id (a caller that gave up, or a confused
//!   server) is dropped;
//! - an event reaches the application only if [`Subscriptions::admit`]
//!   says it is new, and the position moves only after it was handed over;
//! - a subscribe whose reply says `live == false` is followed at once by the
//!   next subscribe from the reply's `{epoch, offset}`: the server sends the
//!   announced replayed events before answering it, so order is kept;
//! - a re-subscribe of the driver's own refused with `unavailable` keeps
//!   the team and ends the connection, so that the next one (on the next
//!   server) subscribes it again; any other refusal forgets the team;
//! - the application's confirmed `presence` opt-ins and `view` are noted
//!   from their replies, so that a reconnect can restore them; the replies
//!   to the driver's own restoring requests go nowhere but the log.
//!
//! [`Subscriptions::admit`]: crate::subscriptions::Subscriptions::admit

use super::{Driver, End, Stopped};
use crate::connection;
use crate::error::Error;
use crate::events::ClientEvent;
use crate::inflight::{Pending, SubscribeRequest};
use crate::presence::SignalRequest;
use crate::request::{Call, Command};
use switchboard_protocol::client::ClientFrame;
use switchboard_protocol::model::Position;
use switchboard_protocol::server::{EventFrame, Reply, ServerFrame};
use switchboard_protocol::{DecodeError, ErrorCode, RequestId, TeamId};
use tokio_tungstenite::tungstenite::{self, Message};

/// Whether a refusal says "not now" rather than "never".
fn is_unavailable(error: &Error) -> bool {
    matches!(
        error,
        Error::Server {
            code: ErrorCode::Unavailable,
            ..
        }
    )
}

impl Driver {
    /// Turns an application request into a frame to write.
    pub(super) fn on_command(&mut self, command: Command, out: &mut Vec<ClientFrame>) {
        if command.abandoned() {
            return;
        }
        match command {
            Command::Subscribe { team, after, reply } => {
                let explicit = after.is_some();
                let after = after.or_else(|| self.subscriptions.resume_point(team));
                out.push(self.inflight.subscribe(SubscribeRequest {
                    team,
                    after,
                    explicit,
                    caller: Some(reply),
                    replayed: 0,
                    first_resume: None,
                }));
            }
            Command::Send { message, reply } => out.push(self.inflight.send(message, reply)),
            Command::Keyed { call, reply } => out.push(self.inflight.keyed(call, reply)),
            Command::Call { call, reply } => {
                if let Call::Signal(SignalRequest::View { .. }) = call {
                    // Sent after the restore would have been, so it wins.
                    self.view.requested();
                }
                out.push(self.inflight.call(call, reply));
            }
        }
    }

    /// Handles what the socket produced.
    pub(super) async fn on_message(
        &mut self,
        message: Option<Result<Message, tungstenite::Error>>,
        out: &mut Vec<ClientFrame>,
    ) -> Result<(), End> {
        let message = match message {
            Some(Ok(Message::Close(frame))) => {
                let (code, reason) = connection::close_parts(frame);
                return Err(End::Dropped { code, reason });
            }
            Some(Ok(message)) => message,
            Some(Err(e)) => {
                return Err(End::Dropped {
                    code: None,
                    reason: e.to_string(),
                })
            }
            None => {
                return Err(End::Dropped {
                    code: None,
                    reason: "the connection ended without a close frame".into(),
                })
            }
        };
        let max = self.config.max_frame_bytes;
        let frame = match connection::from_message(self.config.encoding, &message, max) {
            None => return Ok(()),
            Some(Ok(frame)) => frame,
            Some(Err(error)) => {
                self.undecodable(&message, error);
                return Ok(());
            }
        };
        let handled = match frame {
            ServerFrame::Result(result) => {
                let answer = Ok(result.result);
                self.on_reply(result.id, answer, result.duplicate, out)
                    .await
            }
            ServerFrame::Error(error) => match error.id {
                Some(id) => {
                    let refusal = Error::Server {
                        code: error.code,
                        message: error.message,
                    };
                    self.on_reply(id, Err(refusal), false, out).await
                }
                None => {
                    tracing::warn!(code = %error.code, message = %error.message, "server error without request id");
                    Ok(())
                }
            },
            ServerFrame::Event(event) => self.on_event(event).await,
            // Ephemeral: no position to check or move.
            ServerFrame::Signal(signal) => self.emit(ClientEvent::Signal(signal)).await,
            ServerFrame::Welcome(_) => {
                tracing::warn!("ignoring a second welcome on the same connection");
                Ok(())
            }
        };
        handled.map_err(|Stopped| End::Stopped)
    }

    /// A server frame this SDK cannot read: fail its request if it names
    /// one, else log it. An undecodable event is skipped (its position is
    /// unknown), so the next decodable event still arrives.
    fn undecodable(&mut self, message: &Message, error: DecodeError) {
        let bytes: &[u8] = match message {
            Message::Binary(bytes) => bytes,
            Message::Text(text) => text.as_bytes(),
            _ => &[],
        };
        let max = self.config.max_frame_bytes;
        match switchboard_protocol::codec::probe_request_id(self.config.encoding, bytes, max) {
            Some(id) => self.inflight.fail(id, Error::Protocol(error.to_string())),
            None => tracing::warn!(%error, "skipping an undecodable server frame"),
        }
    }

    /// Routes a reply to whoever waits for it; `duplicate` is the result
    /// frame's mark of a retried idempotency key.
    async fn on_reply(
        &mut self,
        id: RequestId,
        result: Result<Reply, Error>,
        duplicate: bool,
        out: &mut Vec<ClientFrame>,
    ) -> Result<(), Stopped> {
        match self.inflight.take(id) {
            Some(Pending::Call(reply)) => {
                match &result {
                    Ok(Reply::Unsubscribed { team }) => self.subscriptions.forget(*team),
                    Ok(Reply::Presence(state)) if state.signals => {
                        self.subscriptions.opt_in(state.team)
                    }
                    Ok(Reply::View { conversation }) => self.view.confirmed(*conversation),
                    _ => {}
                }
                let _ = reply.send(result); // the caller may have timed out
            }
            Some(Pending::Send(key)) => self.inflight.settle_send(key, result, duplicate),
            Some(Pending::KeepAlive) => self.keepalive_deadline = None,
            Some(Pending::Restore(request)) => self.on_restored(request, result),
            Some(Pending::Subscribe(request)) => {
                return self.on_subscribed(request, result, out).await
            }
            None => tracing::debug!(%id, "reply to an unknown request"),
        }
        Ok(())
    }

    /// One step of a subscribe: record the position, and either subscribe
    /// again from where the replay stopped (`live == false`) or answer.
    async fn on_subscribed(
        &mut self,
        mut request: SubscribeRequest,
        result: Result<Reply, Error>,
        out: &mut Vec<ClientFrame>,
    ) -> Result<(), Stopped> {
        let mut subscribed = match result {
            Ok(Reply::Subscribed(subscribed)) if subscribed.team == request.team => subscribed,
            Ok(other) => {
                let error = Error::Protocol(format!("subscribe answered with {other:?}"));
                return self.subscribe_failed(request, error, out);
            }
            Err(error) => return self.subscribe_failed(request, error, out),
        };
        let failed = self
            .subscriptions
            .subscribed(&subscribed, request.after, request.explicit);
        if let Some(resume) = failed {
            self.emit(ClientEvent::ResumeFailed {
                team: subscribed.team,
                resume,
            })
            .await?;
        }
        request.replayed = request.replayed.saturating_add(subscribed.replayed);
        let first_resume = *request.first_resume.get_or_insert(subscribed.resume);
        if subscribed.live {
            match request.caller {
                Some(reply) => {
                    subscribed.replayed = request.replayed;
                    subscribed.resume = first_resume;
                    let _ = reply.send(Ok(Reply::Subscribed(subscribed)));
                }
                None => self.restore_signals(subscribed.team, out),
            }
        } else {
            request.after = Some(Position {
                epoch: subscribed.epoch,
                offset: subscribed.offset,
            });
            request.explicit = false;
            out.push(self.inflight.subscribe(request));
        }
        Ok(())
    }

    fn subscribe_failed(
        &mut self,
        request: SubscribeRequest,
        error: Error,
        out: &mut Vec<ClientFrame>,
    ) -> Result<(), Stopped> {
        match request.caller {
            Some(reply) => {
                let _ = reply.send(Err(error));
            }
            None if is_unavailable(&error) => {
                // Refused for now (the server is shutting down, say): the
                // team stays remembered, and a new connection, to the next
                // server if there are several, subscribes it again.
                tracing::info!(team = %request.team, %error, "re-subscribe refused for now; reconnecting");
                self.redial = Some(format!(
                    "re-subscribing team {} was refused: {error}",
                    request.team
                ));
            }
            None => {
                // A re-subscribe after reconnect was refused (the user left
                // the team, say): stop pretending the team is subscribed.
                tracing::warn!(team = %request.team, %error, "could not re-subscribe; forgetting the team");
                self.subscriptions.forget(request.team);
                self.restore_view(out);
            }
        }
        Ok(())
    }

    /// A team the driver re-subscribed is live again: ask again for its
    /// signals if the application had, then the view if this was the last
    /// re-subscribe to settle.
    fn restore_signals(&mut self, team: TeamId, out: &mut Vec<ClientFrame>) {
        if self.subscriptions.opted_in(team) {
            out.push(self.inflight.restore(SignalRequest::Presence { team }));
        }
        self.restore_view(out);
    }

    /// The reply to a restoring request: logged, never fatal. A view the
    /// server refuses (the user may no longer read the conversation) is
    /// not tried again.
    fn on_restored(&mut self, request: SignalRequest, result: Result<Reply, Error>) {
        match (request, result) {
            (SignalRequest::Presence { team }, Ok(Reply::Presence(state))) if state.signals => {
                tracing::debug!(%team, "signals restored after reconnect");
            }
            (SignalRequest::View { conversation }, Ok(Reply::View { .. })) => {
                tracing::debug!(?conversation, "view restored after reconnect");
            }
            (SignalRequest::View { conversation }, Err(error)) => {
                tracing::warn!(?conversation, %error, "could not restore the view; forgetting it");
                if let Some(conversation) = conversation {
                    self.view.refused(conversation);
                }
            }
            (request, result) => {
                tracing::warn!(?request, ?result, "could not restore a signal request");
            }
        }
    }

    /// Delivers an event unless the application has seen it already.
    async fn on_event(&mut self, event: EventFrame) -> Result<(), Stopped> {
        let (team, offset) = (event.team, event.offset);
        if !self.subscriptions.admit(team, offset) {
            tracing::trace!(%team, %offset, "dropping an event already delivered");
            return Ok(());
        }
        self.emit(ClientEvent::Event(event)).await?;
        self.subscriptions.delivered(team, offset);
        Ok(())
    }
}
