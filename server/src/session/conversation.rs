//! `conversation`: one conversation's details, as `conversations` lists
//! them, and every user's read marker in it, so a client opening it shows
//! its contact and who has read how far without paging through the team.
//!
//! Who may: whoever may read its `history` ([`Action::ReadConversation`]):
//! the team's people, a bot of the team, and a Restricted Member with the
//! conversation accepted; anyone else gets `not_found`.
//!
//! Invariant: a marker is listed with its reader's name as stored now; a
//! marker of a user no longer known (a removed bot, say) is listed under
//! "Unknown user" rather than failing the request or hiding how far
//! someone read.

use super::{Refusal, Session};
use crate::access::Action;
use switchboard_protocol::codes::ErrorCode;
use switchboard_protocol::ids::ConversationId;
use switchboard_protocol::model::Reader;
use switchboard_protocol::server::{ConversationDetails, Reply};

impl Session {
    /// The conversation's details and its read markers, by user id.
    pub(super) fn conversation(&self, id: ConversationId) -> Result<Reply, Refusal> {
        let record = self.conversation_for(Action::ReadConversation, id)?;
        let store = self.state.store.as_ref();
        let Some(contact) = store.contact(record.contact)? else {
            tracing::error!(conversation = %record.id, "conversation without its contact");
            return Err(Refusal::new(ErrorCode::Internal, "internal error"));
        };
        let mut conversation = record.info(&contact, store.last_seq(record.id)?);
        conversation.assignees = store.assignees(record.id)?;
        let mut reads = Vec::new();
        for (user, seq) in store.read_markers(record.id)? {
            let name = match store.user(user)? {
                Some(u) => u.name,
                None => store
                    .bot(user)?
                    .map_or_else(|| "Unknown user".to_string(), |b| b.name),
            };
            reads.push(Reader { user, name, seq });
        }
        if self.principal.visitor().is_some() {
            // A contact learns nothing of who works the conversation.
            conversation.assignees.clear();
            reads.clear();
        }
        Ok(Reply::ConversationDetails(ConversationDetails {
            conversation,
            reads,
        }))
    }
}
