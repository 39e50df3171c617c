//! Editing a conversation's contact: checked through `Principal::allows`
//! (`UpdateContact`: Managers and Members of the team, a Restricted Member
//! with the conversation accepted, a `read_write` bot), validated here, and
//! written by the team's hub, which answers once the change is durable.

use super::{Refusal, Session, MAX_CONTACT_FIELD};
use crate::access::Action;
use crate::hub::{ContactChanges, HubCommand};
use switchboard_protocol::manage::UpdateContact;
use switchboard_protocol::server::Reply;
use switchboard_protocol::{ErrorCode, RequestId};

impl Session {
    pub(super) async fn update_contact(
        &self,
        request: RequestId,
        update: UpdateContact,
    ) -> Result<Option<Reply>, Refusal> {
        let conversation = self.conversation_for(Action::UpdateContact, update.conversation)?;
        let name = update.name.map(|n| n.trim().to_string());
        let too_long = [&name, &update.email, &update.phone]
            .into_iter()
            .flatten()
            .any(|f| f.len() > MAX_CONTACT_FIELD);
        if too_long || name.as_ref().is_some_and(|n| n.is_empty()) {
            return Err(Refusal::new(
                ErrorCode::BadRequest,
                format!(
                    "a contact's name may not be empty; each field holds at most {MAX_CONTACT_FIELD} bytes"
                ),
            ));
        }
        let command = HubCommand::UpdateContact {
            conversation: conversation.id,
            changes: ContactChanges {
                name,
                email: update.email,
                phone: update.phone,
                book: self.book_reader(conversation.team),
            },
        };
        self.dispatch(conversation.team, request, command).await
    }
}
