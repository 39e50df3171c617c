//! The hub's dispatch: each request, once past the removal and the
//! backlog checks, to the module that carries it out, with its `reply`.
//!
//! Every request that carries a request id is answered exactly once: by
//! the module that carries it out, or here with the refusal. A command that
//! fails inside the hub is logged; its request has been answered already.

use super::actor::{refuse, Hub};
use super::{HubCommand, HubRequest, ReplyTo};
use crate::outlet::Outlet;
use switchboard_protocol::ids::RequestId;
use switchboard_protocol::server::Reply;
use switchboard_protocol::ErrorCode;

impl Hub<'_> {
    /// Carries out one request.
    pub(super) fn handle(&mut self, request: HubRequest) {
        if self.removed {
            refuse(request, ErrorCode::NotFound, &self.unknown_team());
            return;
        }
        // Only the team's writer carries out a write (see `follow`).
        let request = if request.op.writes() {
            match self.route(request) {
                Some(request) => request,
                None => return,
            }
        } else {
            request
        };
        if let Some(why) = self.backlogged(&request.op) {
            refuse(request, ErrorCode::Unavailable, why);
            return;
        }
        let HubRequest { reply, op, .. } = request;
        let conn = reply.conn();
        let outcome = match op {
            HubCommand::Subscribe { principal, after } => match connection(&reply) {
                Some((outlet, request)) => self.subscribe(outlet, &principal, request, after),
                None => Ok(()),
            },
            HubCommand::Unsubscribe => {
                if let Some(outlet) = reply.outlet() {
                    self.subscribers.remove(outlet.conn);
                    self.gone(outlet.conn);
                }
                reply.answer(Reply::Unsubscribed { team: self.team });
                Ok(())
            }
            HubCommand::Send {
                principal,
                conversation,
                client_msg_id,
                body,
                as_contact,
                post,
            } => {
                // A bot relaying the contact's words writes as the contact.
                let sender = as_contact.unwrap_or_else(|| principal.sender());
                let sent = self.send(reply, conversation, client_msg_id, body, sender, post);
                self.message_sent(conversation, principal.user.id);
                sent
            }
            HubCommand::StartConversation { contact, channel } => {
                self.start_conversation(reply, contact, channel)
            }
            HubCommand::MarkRead {
                principal,
                conversation,
                seq,
            } => self.mark_read(reply, &principal, conversation, seq),
            HubCommand::UpdateContact {
                conversation,
                changes,
            } => self.update_contact(reply, conversation, changes),
            HubCommand::Book(op) => self.book(reply, op),
            HubCommand::Assign {
                conversation,
                change,
                key,
            } => self.assign(reply, conversation, change, key),
            HubCommand::Dashboard { query } => self.dashboard(reply, query),
            HubCommand::Next { user } => self.next(reply, user),
            HubCommand::SystemMessage {
                conversation,
                body,
                reply: result,
                claim,
            } => {
                let key = claim.as_deref();
                let written = self.system_message(reply, conversation, body, result, key);
                // The receipt is written (or the command failed): a retry
                // waiting for the key may look it up now.
                drop(claim);
                written
            }
            HubCommand::Typing {
                principal,
                conversation,
            } => {
                if let Some((outlet, request)) = connection(&reply) {
                    self.typing(outlet, &principal, request, conversation);
                }
                Ok(())
            }
            HubCommand::View {
                principal,
                conversation,
            } => {
                if let ReplyTo::Connection { outlet, request } = reply {
                    self.view(outlet, &principal, request, conversation);
                }
                Ok(())
            }
            HubCommand::Presence { principal } => {
                if let Some((outlet, request)) = connection(&reply) {
                    self.presence(outlet, &principal, request);
                }
                Ok(())
            }
            HubCommand::Deliver {
                conversation,
                delivery,
                key,
            } => self.deliver(reply, conversation, delivery, key),
            HubCommand::ImportHandoffs => self.import_handoffs(),
            HubCommand::SavePost { save, by, key } => self.save_post(reply, save, by, key),
            HubCommand::Relay(inbound) => self.relay(reply, inbound),
            HubCommand::Receipt(report) => self.receipt(reply, report),
            HubCommand::Signal(signal) => {
                self.signal([signal]);
                Ok(())
            }
            HubCommand::BoardPage { token, page, done } => self.board_page(token, page, done),
            HubCommand::CatchUp { token, drained } => match reply.outlet() {
                Some(outlet) => self.catch_up(outlet.conn, token, drained),
                None => Ok(()),
            },
            HubCommand::Told { node, what } => {
                self.told(node, what);
                Ok(())
            }
            HubCommand::RemoveTeam { done } => {
                self.remove_team(done);
                Ok(())
            }
            HubCommand::ImportBatch { batch, done } => self.import_batch(*batch, done),
            HubCommand::BlastProgress(info) => self.blast_progress(*info),
        };
        if let Err(e) = outcome {
            tracing::error!(team = %self.team, conn, error = %e, "hub command failed");
        }
    }
}

/// The connection and request id of a connection-bound command that
/// answers: none (and the command is dropped) if the request came from
/// no connection or expects no answer, which no caller sends.
fn connection(reply: &ReplyTo) -> Option<(Outlet, RequestId)> {
    match reply {
        ReplyTo::Connection {
            outlet,
            request: Some(request),
        } => Some((outlet.clone(), *request)),
        _ => None,
    }
}
