//! Frames a client sends.
//!
//! The first frame of a connection is [`ClientFrame::Hello`]; every other
//! frame is a request carrying a client-chosen [`RequestId`] that the one
//! reply (`result` or `error`) echoes.

use crate::assign::{Assign, Unassign};
use crate::contacts::{
    ContactFieldsRequest, ContactRequest, Contacts, CreateContact, DefineContactFields,
    DeleteContact, EditContact, MergeContacts,
};
use crate::content::{CreatePost, EditPost, Posts};
use crate::dashboard::{Dashboard, Next};
use crate::deliver::{Deliver, Report};
use crate::ids::{ConversationId, RequestId, Seq, TeamId};
use crate::invite::{Invitations, Invite, RevokeInvitation, TeamInvitations};
use crate::manage::{
    AddMember, Bots, CreateBot, CreateTeam, Members, RemoveMember, RemoveTeam, RevokeBot, SetRole,
    UpdateContact, UpdateTeam, Usage,
};
use crate::model::{NewContact, Position};
use crate::presence::{PresenceRequest, Typing, View};
use serde::{Deserialize, Serialize};

/// Every frame a client may send, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// Opens the session: must be the first frame.
    Hello(Hello),
    /// Starts live delivery of a team's events, replaying what was missed.
    Subscribe(Subscribe),
    /// Stops live delivery of a team's events.
    Unsubscribe(Unsubscribe),
    /// Appends a message (or runs a `^command`) in a conversation.
    Send(SendMessage),
    /// Reads a page of a conversation's timeline.
    History(History),
    /// Lists a team's conversations.
    Conversations(Conversations),
    /// Starts a conversation with a new contact.
    StartConversation(StartConversation),
    /// Moves the caller's read marker in a conversation.
    MarkRead(MarkRead),
    /// Asks for a `pong` reply; useful to measure round trips.
    Ping(Ping),
    /// Creates a team in an account (the account's owner only).
    CreateTeam(CreateTeam),
    /// Changes a team's settings (owner or Manager).
    UpdateTeam(UpdateTeam),
    /// Removes a team (the account's owner only).
    RemoveTeam(RemoveTeam),
    /// Lists a team's members with their roles (any member).
    Members(Members),
    /// Adds a user to a team by email, inviting an unknown one (owner or Manager).
    AddMember(AddMember),
    /// Removes a user from a team (owner or Manager).
    RemoveMember(RemoveMember),
    /// Changes a member's role (owner or Manager).
    SetRole(SetRole),
    /// Reads an account's usage counters (the account's owner only).
    Usage(Usage),
    /// Creates a bot and its token for a team (owner or Manager).
    CreateBot(CreateBot),
    /// Revokes a bot's token, closing its connections (owner or Manager).
    RevokeBot(RevokeBot),
    /// Lists a team's bots (owner or Manager).
    Bots(Bots),
    /// Edits a conversation's contact (whoever may write in it).
    UpdateContact(UpdateContact),
    /// Adds an assignee to a conversation (`^assign`, typed).
    Assign(Assign),
    /// Removes an assignee from a conversation (`^unassign`, typed).
    Unassign(Unassign),
    /// A page of a team's dashboard.
    Dashboard(Dashboard),
    /// The conversation that most needs the caller.
    Next(Next),
    /// Invites someone by email into one conversation (`^invite`, typed).
    Invite(Invite),
    /// Takes an invitation back (the inviter, or a Manager of the team).
    RevokeInvitation(RevokeInvitation),
    /// Lists a conversation's invitations (the team's people).
    Invitations(Invitations),
    /// Lists a team's invitations across its conversations (Managers).
    TeamInvitations(TeamInvitations),
    /// The caller is typing in a conversation (an ephemeral signal).
    Typing(Typing),
    /// This connection has a conversation open, or none.
    View(View),
    /// Reads a team's presence: who is online, viewing, typing.
    Presence(PresenceRequest),
    /// Delivers a conversation to a user or a team (`^deliver`, typed).
    Deliver(Deliver),
    /// Reads outcome counts and response times (owner or Manager).
    Report(Report),
    /// Reads one conversation's details and everyone's read markers in it.
    Conversation(ConversationRequest),
    /// Lists a team's posts (its people and bots).
    Posts(Posts),
    /// Creates a post (Managers, Members, `read_write` bots).
    CreatePost(CreatePost),
    /// Changes a post (Managers, Members, `read_write` bots).
    EditPost(EditPost),
    /// Searches the team's contact book.
    Contacts(Contacts),
    /// Reads one contact of the book and its conversations.
    Contact(ContactRequest),
    /// Adds a contact to the book (or merges it into its duplicate).
    CreateContact(CreateContact),
    /// Changes a contact of the book.
    EditContact(EditContact),
    /// Deletes a contact without conversations.
    DeleteContact(DeleteContact),
    /// Merges one contact into another.
    MergeContacts(MergeContacts),
    /// Reads the team's custom contact fields.
    ContactFields(ContactFieldsRequest),
    /// Replaces the team's custom contact fields (Managers).
    DefineContactFields(DefineContactFields),
    // Blasts (see `crate::blast`).
    /// Renders a blast's template for its audience, sending nothing.
    PreviewBlast(crate::blast::PreviewBlast),
    /// Creates a blast and starts sending it.
    CreateBlast(crate::blast::CreateBlast),
    /// Lists a team's blasts.
    Blasts(crate::blast::Blasts),
    /// Reads one blast and a page of its recipients.
    Blast(crate::blast::BlastRequest),
    /// Pauses a running blast.
    PauseBlast(crate::blast::BlastControl),
    /// Resumes a paused blast.
    ResumeBlast(crate::blast::BlastControl),
    /// Cancels a blast for good.
    CancelBlast(crate::blast::BlastControl),
    // Web chat.
    /// Reads a team's web chat settings (Managers).
    Widget(crate::widget::WidgetRequest),
    /// Replaces a team's web chat settings (Managers).
    SetWidget(crate::widget::SetWidget),
    /// A visitor tells who they are (visitors only).
    Identify(crate::widget::Identify),
    // Bridges (see [`crate::bridge`]).
    /// A bridge posts a contact's message from its channel.
    Relay(crate::bridge::Relay),
    /// A bridge reports how an outbound message went.
    Receipt(crate::bridge::ReportReceipt),
    // Webhook bridges (see [`crate::webhook`]).
    /// Creates a webhook bridge (Managers).
    CreateBridge(crate::webhook::CreateBridge),
    /// Lists a team's webhook bridges (Managers).
    Bridges(crate::webhook::BridgesRequest),
    /// Lists a team's dead letters (Managers).
    DeadLetters(crate::webhook::DeadLettersRequest),
    /// Sends a dead letter again (Managers).
    RetryDeadLetter(crate::webhook::RetryDeadLetter),
}

impl ClientFrame {
    /// The request id, for every frame but `hello`.
    pub fn request_id(&self) -> Option<RequestId> {
        match self {
            ClientFrame::Hello(_) => None,
            ClientFrame::Subscribe(f) => Some(f.id),
            ClientFrame::Unsubscribe(f) => Some(f.id),
            ClientFrame::Send(f) => Some(f.id),
            ClientFrame::History(f) => Some(f.id),
            ClientFrame::Conversation(f) => Some(f.id),
            ClientFrame::Conversations(f) => Some(f.id),
            ClientFrame::StartConversation(f) => Some(f.id),
            ClientFrame::MarkRead(f) => Some(f.id),
            ClientFrame::Ping(f) => Some(f.id),
            ClientFrame::CreateTeam(f) => Some(f.id),
            ClientFrame::UpdateTeam(f) => Some(f.id),
            ClientFrame::RemoveTeam(f) => Some(f.id),
            ClientFrame::Members(f) => Some(f.id),
            ClientFrame::AddMember(f) => Some(f.id),
            ClientFrame::RemoveMember(f) => Some(f.id),
            ClientFrame::SetRole(f) => Some(f.id),
            ClientFrame::Usage(f) => Some(f.id),
            ClientFrame::CreateBot(f) => Some(f.id),
            ClientFrame::RevokeBot(f) => Some(f.id),
            ClientFrame::Bots(f) => Some(f.id),
            ClientFrame::UpdateContact(f) => Some(f.id),
            ClientFrame::Assign(f) => Some(f.id),
            ClientFrame::Unassign(f) => Some(f.id),
            ClientFrame::Dashboard(f) => Some(f.id),
            ClientFrame::Next(f) => Some(f.id),
            ClientFrame::Invite(f) => Some(f.id),
            ClientFrame::RevokeInvitation(f) => Some(f.id),
            ClientFrame::Invitations(f) => Some(f.id),
            ClientFrame::TeamInvitations(f) => Some(f.id),
            ClientFrame::Typing(f) => Some(f.id),
            ClientFrame::View(f) => Some(f.id),
            ClientFrame::Presence(f) => Some(f.id),
            ClientFrame::Deliver(f) => Some(f.id),
            ClientFrame::Report(f) => Some(f.id),
            ClientFrame::Posts(f) => Some(f.id),
            ClientFrame::CreatePost(f) => Some(f.id),
            ClientFrame::EditPost(f) => Some(f.id),
            ClientFrame::Contacts(f) => Some(f.id),
            ClientFrame::Contact(f) => Some(f.id),
            ClientFrame::CreateContact(f) => Some(f.id),
            ClientFrame::EditContact(f) => Some(f.id),
            ClientFrame::DeleteContact(f) => Some(f.id),
            ClientFrame::MergeContacts(f) => Some(f.id),
            ClientFrame::ContactFields(f) => Some(f.id),
            ClientFrame::DefineContactFields(f) => Some(f.id),
            // Blasts.
            ClientFrame::PreviewBlast(f) => Some(f.id),
            ClientFrame::CreateBlast(f) => Some(f.id),
            ClientFrame::Blasts(f) => Some(f.id),
            ClientFrame::Blast(f) => Some(f.id),
            ClientFrame::PauseBlast(f)
            | ClientFrame::ResumeBlast(f)
            | ClientFrame::CancelBlast(f) => Some(f.id),
            ClientFrame::Widget(f) => Some(f.id),
            ClientFrame::SetWidget(f) => Some(f.id),
            ClientFrame::Identify(f) => Some(f.id),
            ClientFrame::Relay(f) => Some(f.id),
            ClientFrame::CreateBridge(f) => Some(f.id),
            ClientFrame::Bridges(f) => Some(f.id),
            ClientFrame::DeadLetters(f) => Some(f.id),
            ClientFrame::RetryDeadLetter(f) => Some(f.id),
            ClientFrame::Receipt(f) => Some(f.id),
        }
    }
}

/// The first frame: which protocol version the client speaks, and who it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// The protocol version; this crate speaks [`crate::PROTOCOL_VERSION`].
    pub version: u32,
    /// A session or bot token. Never a password.
    pub token: String,
}

/// Asks for a team's events, live, after replaying those missed since `after`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscribe {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
    /// The last position seen, if any. Without it the subscription starts at
    /// the stream's head and nothing is replayed.
    #[serde(default)]
    pub after: Option<Position>,
}

/// Stops a team's live events on this connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unsubscribe {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
}

/// Appends a message to a conversation.
///
/// A body starting with `^` is a command (see [`crate::command`]); `^^`
/// escapes a literal leading caret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendMessage {
    /// The request id.
    pub id: RequestId,
    /// The conversation.
    pub conversation: ConversationId,
    /// The client's id for this message, unique per user and team. A retry
    /// with the same id returns the original acknowledgement and stores
    /// nothing twice. 1 to 64 bytes.
    pub client_msg_id: String,
    /// The text.
    pub body: String,
    /// Posts the message as the conversation's contact rather than as the
    /// caller: for bots bridging a channel (an SMS gateway relaying what the
    /// contact wrote). Only a bot with the `read_write` scope may set it;
    /// the `client_msg_id` is then unique per contact. Commands are not
    /// read in a contact's message: its body is stored as it is.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub as_contact: bool,
    /// A post of the conversation's team to attach: the message carries
    /// its card (see [`crate::content`]). The body may then be empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post: Option<crate::ids::PostId>,
}

/// Reads a page of a conversation, oldest first within the page.
///
/// With `before`, the page holds the messages just before that seq; with
/// `after`, those just after it; with neither, the latest ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    /// The request id.
    pub id: RequestId,
    /// The conversation.
    pub conversation: ConversationId,
    /// Return messages with a seq below this one.
    #[serde(default)]
    pub before: Option<Seq>,
    /// Return messages with a seq above this one.
    #[serde(default)]
    pub after: Option<Seq>,
    /// The most messages to return; defaults to and is capped by the
    /// advertised `max_history_page`.
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Lists a team's conversations, newest first, a page at a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversations {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
    /// Continue after this conversation (the `next` of the previous page).
    #[serde(default)]
    pub before: Option<ConversationId>,
    /// The most conversations to return (default and cap: 100).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Reads one conversation: its details (as `conversations` lists them)
/// and every user's read marker in it. Allowed to whoever may read its
/// `history`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationRequest {
    /// The request id.
    pub id: RequestId,
    /// The conversation.
    pub conversation: ConversationId,
}

/// Starts a conversation with a new contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartConversation {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
    /// Who the conversation is with.
    pub contact: NewContact,
}

/// Moves the caller's read marker forward.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkRead {
    /// The request id.
    pub id: RequestId,
    /// The conversation.
    pub conversation: ConversationId,
    /// The highest seq read. A marker never moves back.
    pub seq: Seq,
}

/// Asks for a `pong`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ping {
    /// The request id.
    pub id: RequestId,
}
