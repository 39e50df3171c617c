//! The hub's dispatch: each command, once past the removal and the
//! backlog checks, to the module that carries it out.
//!
//! Every command that carries a request id is answered exactly once: by
//! the module that carries it out, or here with the refusal. A command that
//! fails inside the hub is logged; its request has been answered already.

use super::actor::{refuse, result_frame, Hub};
use super::HubCommand;
use switchboard_protocol::server::Reply;
use switchboard_protocol::ErrorCode;

impl Hub<'_> {
    /// Carries out one command.
    pub(super) fn handle(&mut self, command: HubCommand) {
        if self.removed {
            refuse(command, ErrorCode::NotFound, &self.unknown_team());
            return;
        }
        if let Some(why) = self.backlogged(&command) {
            refuse(command, ErrorCode::Unavailable, why);
            return;
        }
        let conn = command.conn();
        let outcome = match command {
            HubCommand::Subscribe {
                outlet,
                principal,
                request,
                after,
            } => self.subscribe(outlet, &principal, request, after),
            HubCommand::Unsubscribe { outlet, request } => {
                self.subscribers.remove(&outlet.conn);
                self.gone(outlet.conn);
                if let Some(id) = request {
                    outlet.send(&result_frame(id, Reply::Unsubscribed { team: self.team }));
                }
                Ok(())
            }
            HubCommand::Send {
                outlet,
                principal,
                request,
                conversation,
                client_msg_id,
                body,
                as_contact,
            } => {
                // A bot relaying the contact's words writes as the contact.
                let sender = as_contact.unwrap_or_else(|| principal.sender());
                let sent = self.send(outlet, request, conversation, client_msg_id, body, sender);
                self.message_sent(conversation, principal.user.id);
                sent
            }
            HubCommand::StartConversation {
                outlet,
                request,
                contact,
            } => self.start_conversation(outlet, request, contact),
            HubCommand::MarkRead {
                outlet,
                principal,
                request,
                conversation,
                seq,
            } => self.mark_read(outlet, &principal, request, conversation, seq),
            HubCommand::UpdateContact {
                outlet,
                request,
                conversation,
                changes,
            } => self.update_contact(outlet, request, conversation, changes),
            HubCommand::Assign {
                outlet,
                request,
                conversation,
                change,
                key,
            } => self.assign(outlet, request, conversation, change, key),
            HubCommand::Dashboard {
                outlet,
                request,
                query,
            } => self.dashboard(outlet, request, query),
            HubCommand::Next {
                outlet,
                request,
                user,
            } => self.next(outlet, request, user),
            HubCommand::SystemMessage {
                outlet,
                request,
                conversation,
                body,
                reply,
                claim,
            } => {
                let key = claim.as_deref();
                let written = self.system_message(outlet, request, conversation, body, reply, key);
                // The receipt is written (or the command failed): a retry
                // waiting for the key may look it up now.
                drop(claim);
                written
            }
            HubCommand::Typing {
                outlet,
                principal,
                request,
                conversation,
            } => {
                self.typing(outlet, &principal, request, conversation);
                Ok(())
            }
            HubCommand::View {
                outlet,
                principal,
                request,
                conversation,
            } => {
                self.view(outlet, &principal, request, conversation);
                Ok(())
            }
            HubCommand::Presence {
                outlet,
                principal,
                request,
            } => {
                self.presence(outlet, &principal, request);
                Ok(())
            }
            HubCommand::Deliver {
                outlet,
                request,
                conversation,
                delivery,
                key,
            } => self.deliver(outlet, request, conversation, delivery, key),
            HubCommand::ImportHandoffs => self.import_handoffs(),
            HubCommand::Signal(signal) => {
                self.signal([signal]);
                Ok(())
            }
            HubCommand::BoardPage { token, page, done } => self.board_page(token, page, done),
            HubCommand::CatchUp {
                outlet,
                token,
                drained,
            } => self.catch_up(outlet.conn, token, drained),
            HubCommand::RemoveTeam { done } => {
                self.remove_team(done);
                Ok(())
            }
        };
        if let Err(e) = outcome {
            tracing::error!(team = %self.team, conn, error = %e, "hub command failed");
        }
    }
}
