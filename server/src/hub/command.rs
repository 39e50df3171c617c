//! What a hub is asked to do: [`HubCommand`], the `op` of a
//! [`HubRequest`](super::HubRequest), and the resolved pieces some
//! commands carry (a delivery, an assignee change, a contact's changes).

use crate::access::Principal;
use crate::idempotency::Claim;
use std::sync::Arc;
use switchboard_protocol::content::PostCard;
use switchboard_protocol::ids::{ConversationId, Seq, TeamId, UserId};
use switchboard_protocol::model::{NewContact, Position, Sender};
use switchboard_protocol::presence::Signal;
use switchboard_protocol::server::Reply;

use super::board::{BoardQuery, BoardRows};
use super::book::BookOp;
use super::bridge::{Inbound, Report};
use super::posts::PostSave;
use super::removal::RemovalError;
use super::shared_presence;
use tokio::sync::oneshot;

/// What a hub is asked to do (the `op` of a [`HubRequest`], whose `reply`
/// says who to answer). The commands marked connection-bound concern the
/// connection the request came from and are ignored without one.
pub(crate) enum HubCommand {
    /// Replay what was missed after `after`, then deliver live events
    /// (connection-bound).
    Subscribe {
        principal: Arc<Principal>,
        after: Option<Position>,
    },
    /// Stop delivering to this connection (connection-bound).
    Unsubscribe,
    /// Append a message (the session has checked access and sizes).
    Send {
        principal: Arc<Principal>,
        conversation: ConversationId,
        client_msg_id: String,
        body: String,
        /// Set when a bot relays the contact's words: the contact as the
        /// sender, and the key its `client_msg_id` is unique under.
        as_contact: Option<Sender>,
        /// The card of the post the message carries (the session found
        /// the post in the conversation's team).
        post: Option<PostCard>,
    },
    /// Start a conversation with a new contact.
    StartConversation {
        contact: NewContact,
        /// The channel the contact writes through (a web chat visitor's).
        channel: Option<switchboard_protocol::model::Channel>,
    },
    /// Move a user's read marker.
    MarkRead {
        principal: Arc<Principal>,
        conversation: ConversationId,
        seq: Seq,
    },
    /// Write to the team's contact book (the session has checked access
    /// and normalised what the client sent).
    Book(BookOp),
    /// Change a conversation's contact (the session has checked access and
    /// sizes, and trimmed the name).
    UpdateContact {
        conversation: ConversationId,
        changes: ContactChanges,
    },
    /// Add or remove an assignee (the session has checked access and
    /// resolved the user to a member of the team).
    Assign {
        conversation: ConversationId,
        change: AssigneeChange,
        /// The idempotency key it was sent with, if any (the caller's).
        key: Option<String>,
    },
    // Bridges.
    /// Store a contact's message from a bridge (the session has checked
    /// access, sizes and the address).
    Relay(Inbound),
    /// Record a bridge's delivery report (the session has checked that the
    /// conversation is the bridge's).
    Receipt(Report),
    /// A page of the team's dashboard (the session has checked access).
    Dashboard { query: BoardQuery },
    /// The conversation that most needs `user`.
    Next { user: UserId },
    /// Append a system message recording an accepted command and answer
    /// the caller with `reply` once it is durable (the session has checked
    /// access and stored whatever else the command changed).
    SystemMessage {
        conversation: ConversationId,
        body: String,
        reply: Reply,
        /// The idempotency key the command was sent with (the caller's),
        /// held until its receipt is written with the message: the
        /// receipt answers a retry.
        claim: Option<Box<Claim>>,
    },
    /// Note that the user is typing in a conversation (the session has
    /// checked they may read it; connection-bound).
    Typing {
        principal: Arc<Principal>,
        conversation: ConversationId,
    },
    /// Set the conversation this connection has open, or none (the session
    /// has checked they may read it; connection-bound).
    View {
        principal: Arc<Principal>,
        conversation: Option<ConversationId>,
    },
    /// Answer with the team's presence, as this principal may see it
    /// (connection-bound).
    Presence { principal: Arc<Principal> },
    /// Deliver a conversation (the session has checked access, the status
    /// and resolved the target).
    Deliver {
        conversation: ConversationId,
        delivery: Delivery,
        /// The idempotency key it was sent with, if any (the caller's).
        key: Option<String>,
    },
    /// Create or edit a post (the session has checked access and
    /// validated the fields).
    SavePost {
        save: PostSave,
        /// Who asks (the post's `created_by` when it is new).
        by: UserId,
        /// The idempotency key it was sent with, if any (the caller's).
        key: Option<String>,
    },
    /// Import the handoffs other teams' deliveries left for this team
    /// (sent by the delivering hub; answered to nobody).
    ImportHandoffs,
    /// A page of the board's load (sent by its loader; see `board`).
    BoardPage {
        token: u64,
        page: Result<BoardRows, crate::store::StoreError>,
        done: bool,
    },
    /// Send the next chunk to a subscriber that fell behind (sent by its
    /// waiter once its outbox `drained`, or not in time; see `catch_up`;
    /// connection-bound, answered to nobody).
    CatchUp { token: u64, drained: bool },
    /// Send a team-level signal (`team_changed`, `members_changed`) to the
    /// subscribers that asked for signals (sent by a session once the
    /// change is durable; answered to nobody).
    Signal(Signal),
    /// Apply a change another server's connections made to the team's
    /// ephemeral state (answered to nobody; see `shared_presence`).
    Told {
        node: String,
        what: shared_presence::Ephemeral,
    },
    /// Remove the team from the store, then refuse everything as for an
    /// unknown team and stop (the session has checked access; see
    /// `removal`).
    RemoveTeam {
        done: oneshot::Sender<Result<(), RemovalError>>,
    },
    /// Merge a batch of an import into the book and write it with the
    /// job's cursor (sent by the import's runner; see `imports`). Not
    /// forwarded to another server: the runner is where the file is.
    ImportBatch {
        batch: Box<crate::imports::job::ImportBatch>,
        done: oneshot::Sender<crate::imports::job::BatchResult>,
    },
    // Blasts.
    /// Write a blast's progress to the log and tell the team (sent by the
    /// blast's runner; answered to nobody). Not forwarded to another
    /// server: progress is told again with the next message.
    BlastProgress(Box<switchboard_protocol::blast::BlastInfo>),
}

/// A delivery, as the session resolved it.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct Delivery {
    /// Where the conversation goes.
    pub(crate) target: DeliveryTarget,
    /// The outcome status, one of the team's (with the team's spelling).
    pub(crate) status: Option<String>,
    /// The handoff note.
    pub(crate) note: Option<String>,
    /// Who delivers.
    pub(crate) by: UserId,
    /// Their name.
    pub(crate) by_name: String,
}

/// Where a delivery goes, resolved.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) enum DeliveryTarget {
    /// A member of the conversation's team.
    User { user: UserId, name: String },
    /// Another team of the same account.
    Team { team: TeamId, name: String },
}

/// One change to a conversation's assignees, as the session resolved it.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct AssigneeChange {
    /// True to assign, false to unassign.
    pub(crate) add: bool,
    /// Who is (un)assigned.
    pub(crate) user: UserId,
    /// Their name, for the system message.
    pub(crate) name: String,
    /// Who typed the command.
    pub(crate) by: UserId,
    /// Their name, for the system message.
    pub(crate) by_name: String,
}

/// The fields of a contact to change; `None` leaves one as it is, and an
/// empty email or phone clears it.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct ContactChanges {
    pub(crate) name: Option<String>,
    pub(crate) email: Option<String>,
    pub(crate) phone: Option<String>,
    /// Whether the caller reads the team's whole book: a conflict then
    /// names the other contact.
    #[serde(default)]
    pub(crate) book: bool,
}
