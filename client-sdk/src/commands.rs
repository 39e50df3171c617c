//! The typed `^commands` of a conversation: assigning, unassigning and
//! delivering it, each as its own frame.
//!
//! Each call draws an idempotency key and is kept in the client's outbox
//! until answered, resent with that key after a dropped connection, so it
//! is carried out once: a resend gets the original result (PROTOCOL.md,
//! section 10, "Idempotency keys").

use crate::client::{unexpected, Client};
use crate::error::Error;
use crate::manage::ManageRequest;
use crate::request::{new_key, Call};
use switchboard_protocol::command::{Assignee, Target};
use switchboard_protocol::deliver::Outcome;
use switchboard_protocol::server::Reply;
use switchboard_protocol::{ConversationId, UserId};

impl Client {
    /// Assigns a member of the conversation's team (`^assign`): the team's
    /// people only; a Restricted Member or an outsider is refused with
    /// `bad_command`. Returns the assignees as they now are (unchanged if
    /// they already were assigned).
    pub async fn assign(
        &self,
        conversation: ConversationId,
        who: Assignee,
    ) -> Result<Vec<UserId>, Error> {
        self.change_assignees(conversation, who, true).await
    }

    /// Unassigns someone (`^unassign`); returns the assignees as they now
    /// are (unchanged if they were not assigned).
    pub async fn unassign(
        &self,
        conversation: ConversationId,
        who: Assignee,
    ) -> Result<Vec<UserId>, Error> {
        self.change_assignees(conversation, who, false).await
    }

    async fn change_assignees(
        &self,
        conversation: ConversationId,
        who: Assignee,
        add: bool,
    ) -> Result<Vec<UserId>, Error> {
        let request = ManageRequest::Assign {
            conversation,
            who,
            add,
            key: new_key(),
        };
        match self.keyed(Call::Manage(request)).await? {
            Reply::Assignees(current) => Ok(current.assignees),
            other => Err(unexpected("assignees", &other)),
        }
    }

    /// Delivers a conversation (`^deliver @user|#team [status] [note]`):
    /// to a member of its team, who becomes its only assignee, or to
    /// another team of the same account, which receives a new conversation
    /// with a copy of the history and the note. The status must be one of
    /// the team's `statuses` (none when the team has none). The team's
    /// Managers and Members only; refusals are `bad_command` with a
    /// message for the user. Returns the outcome once durable; subscribers
    /// see a system message, (for a user) an `assignees` event and a
    /// `delivered` event.
    pub async fn deliver(
        &self,
        conversation: ConversationId,
        to: Target,
        status: Option<String>,
        note: Option<String>,
    ) -> Result<Outcome, Error> {
        let request = ManageRequest::Deliver {
            conversation,
            to,
            status,
            note,
            key: new_key(),
        };
        match self.keyed(Call::Manage(request)).await? {
            Reply::Delivered(outcome) => Ok(outcome),
            other => Err(unexpected("delivered", &other)),
        }
    }
}
