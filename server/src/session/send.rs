//! `send`: a message into a conversation. Checked here (its key, its
//! size, the sender's access), then handed to the conversation's hub,
//! which stores it once per `client_msg_id` and answers. A body that is a
//! `^command` is carried out instead and answered like the typed request;
//! a web chat visitor's message goes through the visitors' limits
//! ([`super::widget`]); a bridging bot's `as_contact` message is the
//! contact's ([`Session::relay`]).

use super::posts::typed_post;
use super::{Refusal, Session, MAX_CLIENT_MSG_ID};
use crate::access::Action;
use crate::hub::HubCommand;
use crate::store::ConversationRecord;
use std::sync::Arc;
use switchboard_protocol::client::SendMessage;
use switchboard_protocol::command::{classify, Command, Input};
use switchboard_protocol::ids::RequestId;
use switchboard_protocol::model::{Sender, SenderKind};
use switchboard_protocol::server::Reply;
use switchboard_protocol::ErrorCode;

impl Session {
    pub(super) async fn send(
        &self,
        request: RequestId,
        send: SendMessage,
    ) -> Result<Option<Reply>, Refusal> {
        let limits = &self.state.config.limits;
        if send.client_msg_id.is_empty() || send.client_msg_id.len() > MAX_CLIENT_MSG_ID {
            return Err(Refusal::new(
                ErrorCode::BadRequest,
                format!("client_msg_id must be 1 to {MAX_CLIENT_MSG_ID} bytes"),
            ));
        }
        if send.body.len() > limits.max_body_bytes {
            return Err(Refusal::new(
                ErrorCode::TooLarge,
                format!(
                    "body of {} bytes exceeds max_body_bytes ({})",
                    send.body.len(),
                    limits.max_body_bytes
                ),
            ));
        }
        if self.principal.visitor().is_some() {
            return self.visitor_send(request, send).await;
        }
        if send.as_contact {
            return self.relay(request, send).await;
        }
        let conversation = self.conversation_for(Action::Send, send.conversation)?;
        let (body, post) = match classify(&send.body) {
            // A message carrying a post may have no text.
            Input::Text(text) if text.trim().is_empty() && send.post.is_none() => {
                return Err(Refusal::new(ErrorCode::BadRequest, "the body is empty"));
            }
            Input::Text(text) if text.len() == send.body.len() => (send.body, send.post),
            Input::Text(text) => (text.to_string(), send.post),
            // A message like any other, carrying the post named.
            Input::Command(Ok(Command::Post { post, text })) => typed_post(send.post, post, text)?,
            Input::Command(Err(e)) => {
                return Err(Refusal::new(ErrorCode::BadCommand, e.to_string()))
            }
            // Carried out now and answered like the typed frame (an
            // `assignees` result), with the client_msg_id as the frame's
            // key: a retry gets the original result, marked duplicate.
            Input::Command(Ok(Command::Assign { who })) => {
                let key = Some(send.client_msg_id);
                return self.assign(request, conversation.id, who, true, key).await;
            }
            Input::Command(Ok(Command::Unassign { who })) => {
                let key = Some(send.client_msg_id);
                return self.assign(request, conversation.id, who, false, key).await;
            }
            // Answered like the typed frame (an `invited` result).
            Input::Command(Ok(Command::Invite { email, note })) => {
                let key = Some(send.client_msg_id);
                return self
                    .invite(request, conversation.id, &email, note, key)
                    .await;
            }
            // Answered like the typed frame: a `delivered` result.
            Input::Command(Ok(Command::Deliver { to, status, note })) => {
                let key = Some(send.client_msg_id);
                return self
                    .deliver(request, conversation.id, to, status, note, key)
                    .await;
            }
        };
        let post = self.card_for(conversation.team, post)?;
        let command = HubCommand::Send {
            principal: Arc::clone(&self.principal),
            conversation: conversation.id,
            client_msg_id: send.client_msg_id,
            body,
            as_contact: None,
            post,
        };
        self.dispatch(conversation.team, request, command).await
    }

    /// A bot relaying the contact's words: stored as the contact's message,
    /// body as it is (a contact types no commands).
    async fn relay(&self, request: RequestId, send: SendMessage) -> Result<Option<Reply>, Refusal> {
        let conversation = self.conversation_for(Action::RelayContact, send.conversation)?;
        if send.body.trim().is_empty() {
            return Err(Refusal::new(ErrorCode::BadRequest, "the body is empty"));
        }
        if send.post.is_some() {
            return Err(Refusal::new(
                ErrorCode::BadRequest,
                "a contact's message carries no post",
            ));
        }
        self.send_as_contact(request, &conversation, send).await
    }

    /// Stores `send` as the message of the conversation's contact, as the
    /// conversation has it now (an `identify` may have merged it into
    /// another since the connection said hello): a bridging bot's relay
    /// and a web chat visitor's message, each checked by its caller.
    pub(super) async fn send_as_contact(
        &self,
        request: RequestId,
        conversation: &ConversationRecord,
        send: SendMessage,
    ) -> Result<Option<Reply>, Refusal> {
        let Some(contact) = self.state.store.contact(conversation.contact)? else {
            tracing::error!(conversation = %conversation.id, "conversation without its contact");
            return Err(Refusal::new(ErrorCode::Internal, "internal error"));
        };
        let command = HubCommand::Send {
            principal: Arc::clone(&self.principal),
            conversation: conversation.id,
            client_msg_id: send.client_msg_id,
            body: send.body,
            as_contact: Some(Sender {
                kind: SenderKind::Contact,
                id: contact.id.0,
                name: contact.name,
            }),
            post: None,
        };
        self.dispatch(conversation.team, request, command).await
    }
}
