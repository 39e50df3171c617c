//! Web chat visitors: a contact writing in through a team's chat page,
//! with a token of its own (`TokenKind::Visitor`). A visitor is no user:
//! its id comes from `next_id` and names it in typing signals and as the
//! owner of its `client_msg_id`s; its messages are its contact's.
//!
//! Invariant: a visitor's conversation never changes; its contact may (an
//! `identify` merging it into an existing contact, or agents merging
//! contacts in the book), so readers take the contact from the
//! conversation's record and `contact` here is only the latest known.

use super::StoreResult;
use serde::{Deserialize, Serialize};
use switchboard_protocol::ids::{ContactId, ConversationId, Millis, TeamId, UserId};

/// A web chat visitor of a team.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorRecord {
    /// Its id (the user id its token authenticates).
    pub id: UserId,
    /// The team whose chat page created it.
    pub team: TeamId,
    /// The contact it is, as last known (see the module's invariant).
    pub contact: ContactId,
    /// Its one conversation.
    pub conversation: ConversationId,
    /// When it was created.
    pub created_at: Millis,
    /// The SHA-256 of its token.
    pub token_hash: [u8; 32],
    /// The client address that created it (an IPv6 address by its /64).
    pub address: String,
}

impl std::fmt::Debug for VisitorRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The hash stays out of logs, like every token's.
        f.debug_struct("VisitorRecord")
            .field("id", &self.id)
            .field("team", &self.team)
            .field("contact", &self.contact)
            .field("conversation", &self.conversation)
            .field("created_at", &self.created_at)
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

/// Web chat visitors, in `visitors` (visitor, the record).
pub trait Visitors {
    /// Stores a visitor, replacing its previous record.
    fn put_visitor(&self, visitor: &VisitorRecord) -> StoreResult<()>;
    /// A visitor by id.
    fn visitor(&self, id: UserId) -> StoreResult<Option<VisitorRecord>>;
    /// The team holding `handle` (any case): a chat page's address names
    /// its team by handle.
    fn team_by_handle(&self, handle: &str) -> StoreResult<Option<TeamId>>;
}
