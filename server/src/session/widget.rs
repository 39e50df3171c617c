//! Web chat on a connection: a team's widget settings (`widget`,
//! `set_widget`: Managers, through `ManageTeam`), and what a visitor's
//! session does that no one else's does: `send` as its contact, within
//! the visitors' limits and only while the widget is not paused, and
//! `identify`, which links it to the contact book.
//!
//! A visitor's other requests go through the ordinary paths, where its
//! principal allows only its own conversation (see `access`); what those
//! paths answer it is narrowed there too: history without the system's
//! messages, a conversation's details without read markers or assignees.

use super::{Refusal, Session};
use crate::access::Action;
use crate::contacts::normal;
use crate::hub::{BookOp, HubCommand};
use crate::widget::{ask, check_settings, paused, Refused};
use switchboard_protocol::client::SendMessage;
use switchboard_protocol::contacts::ContactPatch;
use switchboard_protocol::ids::RequestId;
use switchboard_protocol::server::Reply;
use switchboard_protocol::widget::{Identified, Identify, SetWidget, WidgetRequest};
use switchboard_protocol::ErrorCode;

impl From<Refused> for Refusal {
    fn from(Refused(code, message): Refused) -> Refusal {
        Refusal::new(code, message)
    }
}

impl Session {
    /// A team's widget settings (Managers).
    pub(super) fn widget(&self, request: WidgetRequest) -> Result<Reply, Refusal> {
        let team = self.team_to(Action::ManageTeam, request.team)?;
        Ok(Reply::Widget(team.widget))
    }

    /// Replaces a team's widget settings (Managers). A pause takes effect
    /// at once: creations and visitors' sends read the team as it is.
    pub(super) async fn set_widget(&self, request: SetWidget) -> Result<Reply, Refusal> {
        let mut team = self.team_to(Action::ManageTeam, request.team)?;
        team.widget = check_settings(request.settings)?;
        self.state.store.put_team(&team)?;
        self.state.committer.flushed().await;
        Ok(Reply::Widget(team.widget))
    }

    /// A visitor's message: stored as its contact's, once per
    /// `client_msg_id`.
    pub(super) async fn visitor_send(
        &self,
        request: RequestId,
        send: SendMessage,
    ) -> Result<Option<Reply>, Refusal> {
        let conversation = self.conversation_for(Action::Send, send.conversation)?;
        let store = self.state.store.as_ref();
        let team = store
            .team(conversation.team)?
            .ok_or_else(|| Refusal::new(ErrorCode::NotFound, "no such conversation"))?;
        if team.widget.paused {
            return Err(paused().into());
        }
        let max = self.state.config.limits.visitors.message_chars;
        let chars = send.body.chars().count();
        if chars > max {
            return Err(Refusal::new(
                ErrorCode::TooLarge,
                format!("a message holds at most {max} characters; this one has {chars}"),
            ));
        }
        if send.body.trim().is_empty() {
            return Err(Refusal::new(ErrorCode::BadRequest, "the body is empty"));
        }
        if send.post.is_some() {
            return Err(Refusal::new(
                ErrorCode::BadRequest,
                "a contact's message carries no post",
            ));
        }
        if let Err(wait) = self.state.edge.visitors.send(self.principal.user.id) {
            return Err(Refusal::new(
                ErrorCode::RateLimited,
                format!(
                    "too many messages: try again in {} s",
                    wait.as_secs().max(1)
                ),
            ));
        }
        self.send_as_contact(request, &conversation, send).await
    }

    /// A visitor says who it is: its contact takes the name, email and
    /// phone given, or, when that email or phone is another contact's of
    /// the team, is merged into that one (the book's merge: its
    /// conversation moves there, history kept).
    pub(super) async fn identify(&self, request: Identify) -> Result<Reply, Refusal> {
        let Some(visitor) = self.principal.visitor() else {
            return Err(Refusal::new(
                ErrorCode::Forbidden,
                "only a web chat visitor identifies itself",
            ));
        };
        let store = self.state.store.as_ref();
        let conversation = self.conversation_for(Action::Send, visitor.conversation)?;
        let bad = |e: normal::Invalid| Refusal::new(ErrorCode::BadRequest, e.to_string());
        let email = request
            .email
            .as_deref()
            .map(normal::email)
            .transpose()
            .map_err(bad)?;
        let phone = request
            .phone
            .as_deref()
            .map(normal::phone)
            .transpose()
            .map_err(bad)?;
        let name = request
            .name
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty());
        if name.as_ref().is_some_and(|n| n.chars().count() > 100) {
            return Err(Refusal::new(
                ErrorCode::BadRequest,
                "a name holds at most 100 characters",
            ));
        }
        let own = conversation.contact;
        let team = conversation.team;
        // Another contact of the team holding the email, else the phone.
        let other = |found: Option<_>| found.filter(|c| *c != own);
        let mut existing = match &email {
            Some(email) => other(store.contact_by_email(team, email)?),
            None => None,
        };
        if let (None, Some(phone)) = (existing, &phone) {
            existing = other(store.contact_by_phone(team, phone)?);
        }
        let by = self.principal.user.id;
        let op = match existing {
            Some(into) => BookOp::Merge {
                by,
                into,
                from: own,
                key: None,
            },
            None => {
                let Some(contact) = store.contact(own)? else {
                    return Err(Refusal::new(ErrorCode::Internal, "internal error"));
                };
                let add = |mut list: Vec<String>, new: Option<String>| {
                    list.extend(new.filter(|n| !list.contains(n)));
                    list
                };
                BookOp::Edit {
                    by,
                    contact: own,
                    key: None,
                    patch: ContactPatch {
                        name,
                        phones: phone.is_some().then(|| add(contact.phones.clone(), phone)),
                        emails: email.is_some().then(|| add(contact.emails.clone(), email)),
                        tags: None,
                        fields: None,
                        notes: None,
                    },
                    book: false,
                }
            }
        };
        ask(&self.state, team, HubCommand::Book(op)).await?;
        let merged = existing.is_some();
        let contact = existing.unwrap_or(own);
        if merged {
            if let Some(mut record) = store.visitor(self.principal.user.id)? {
                record.contact = contact;
                store.put_visitor(&record)?;
            }
        }
        Ok(Reply::Identified(Identified { contact, merged }))
    }
}
