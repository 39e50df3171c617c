//! Frames the server sends.
//!
//! `welcome` answers the hello; `result` and `error` answer requests (one
//! reply per request id); `event` carries what happens in a subscribed team;
//! `signal` carries its ephemeral presence, typing and viewing changes.

use crate::assign::Assignees;
use crate::codes::ErrorCode;
use crate::contacts::{ContactDeleted, ContactFields, ContactList, ContactPage, ContactSaved};
use crate::content::{PostInfo, PostPage};
use crate::dashboard::{DashboardPage, NextConversation};
use crate::deliver::{Outcome, ReportInfo};
use crate::ids::{ConversationId, Epoch, Offset, RequestId, Seq, TeamId, UserId};
use crate::invite::{InvitationList, InvitationRevoked, Invited, TeamInvitationList};
use crate::manage::{AccountInfo, BotInfo, ContactUpdated, MemberInfo, UsageInfo};
use crate::model::{
    ConversationInfo, GrantInfo, Limits, Message, ReadMarker, Reader, TeamInfo, UserInfo,
};
use crate::presence::{PresenceState, SignalFrame};
use serde::{Deserialize, Serialize};

mod event;
pub use event::{Audience, Event, EventFrame};

/// Every frame the server may send, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// The answer to a good hello.
    Welcome(Welcome),
    /// A request succeeded.
    Result(ResultFrame),
    /// A request (or an undecodable frame) failed.
    Error(ErrorFrame),
    /// Something happened in a subscribed team.
    Event(EventFrame),
    /// An ephemeral signal of a subscribed team (presence, typing,
    /// viewing): no offset, never replayed, may be dropped.
    Signal(SignalFrame),
}

/// Who the client is and what it may rely on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Welcome {
    /// The protocol version the server speaks on this connection.
    pub version: u32,
    /// The server's id for this connection (for logs and support).
    pub connection: u64,
    /// The authenticated user.
    pub user: UserInfo,
    /// The teams the user belongs to, with their role in each. An account's
    /// owner is listed as Manager of every team of the account.
    pub teams: Vec<TeamInfo>,
    /// The accounts the user owns (empty for most users).
    #[serde(default)]
    pub accounts: Vec<AccountInfo>,
    /// The conversations the user was let into as a Restricted Member
    /// (accepted grants only), by conversation id.
    #[serde(default)]
    pub grants: Vec<GrantInfo>,
    /// The limits in force.
    pub limits: Limits,
    /// For a visitor's token (web chat) alone: its team, conversation and
    /// contact. `teams` is then empty: a visitor holds no role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visitor: Option<crate::widget::VisitorWelcome>,
}

/// A successful reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultFrame {
    /// The request it answers.
    pub id: RequestId,
    /// What the request produced.
    pub result: Reply,
    /// True when the request repeated an idempotency key already used (a
    /// `send`'s `client_msg_id`, another request's `key`): nothing was
    /// done this time, and `result` is the original result. Absent: false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub duplicate: bool,
}

impl ResultFrame {
    /// The first answer to a request.
    pub fn new(id: RequestId, result: Reply) -> ResultFrame {
        ResultFrame {
            id,
            result,
            duplicate: false,
        }
    }
}

/// A failed request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorFrame {
    /// The request it answers; absent when the frame was too broken to
    /// carry a readable id.
    pub id: Option<RequestId>,
    /// What went wrong, for programs.
    pub code: ErrorCode,
    /// What went wrong, for people.
    pub message: String,
}

/// The payload of a `result`, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Reply {
    /// A message is stored durably (or was already: `duplicate`).
    Sent(SendAck),
    /// A subscription's state after (part of) its replay.
    Subscribed(Subscribed),
    /// A subscription ended.
    Unsubscribed {
        /// The team.
        team: TeamId,
    },
    /// A page of a conversation.
    History(HistoryPage),
    /// A page of a team's conversations.
    Conversations(ConversationPage),
    /// A conversation, as started.
    Conversation(ConversationInfo),
    /// One conversation's details and read markers (`conversation`).
    ConversationDetails(ConversationDetails),
    /// A read marker, as stored.
    Read(ReadMarker),
    /// The answer to `ping`.
    Pong,
    /// A team, as created or updated, with the caller's role in it.
    Team(TeamInfo),
    /// A team was removed.
    TeamRemoved {
        /// The team.
        team: TeamId,
    },
    /// A team's members.
    Members(MemberList),
    /// A member, as added or with their new role.
    Member(MemberAdded),
    /// A member was removed from a team.
    MemberRemoved {
        /// The team.
        team: TeamId,
        /// The user.
        user: UserId,
    },
    /// An account's usage counters.
    Usage(UsageInfo),
    /// A bot, as created, with its token (shown this once).
    Bot(BotCreated),
    /// A bot's token was revoked.
    BotRevoked {
        /// The team.
        team: TeamId,
        /// The bot.
        bot: UserId,
    },
    /// A team's bots.
    Bots(BotList),
    /// A contact, as updated.
    Contact(ContactUpdated),
    /// A conversation's assignees after an `assign` or `unassign` (or the
    /// same command typed into a `send`).
    Assignees(Assignees),
    /// A page of a team's dashboard.
    Dashboard(DashboardPage),
    /// The conversation `next` chose, if any.
    Next(NextConversation),
    /// An invitation was sent (`invite`, or `^invite` typed into a `send`).
    Invited(Invited),
    /// An invitation was revoked.
    InvitationRevoked(InvitationRevoked),
    /// A conversation's invitations.
    Invitations(InvitationList),
    /// A page of a team's invitations.
    TeamInvitations(TeamInvitationList),
    /// A `typing` was noted.
    Typing {
        /// The conversation.
        conversation: ConversationId,
    },
    /// The conversation this connection now has open, after a `view`.
    View {
        /// The conversation, or none.
        conversation: Option<ConversationId>,
    },
    /// A team's presence, after a `presence` request.
    Presence(PresenceState),
    /// A conversation was delivered (`deliver`, or `^deliver` typed).
    Delivered(Outcome),
    /// The figures a `report` asked for.
    Report(ReportInfo),
    /// A page of a team's posts.
    Posts(PostPage),
    /// A post, as created or changed.
    Post(PostInfo),
    /// A page of the contact book (`contacts`).
    Contacts(ContactList),
    /// A contact and its conversations (`contact`).
    ContactPage(ContactPage),
    /// A contact as saved (`create_contact`, `edit_contact`,
    /// `merge_contacts`).
    ContactSaved(ContactSaved),
    /// A contact deleted (`delete_contact`).
    ContactDeleted(ContactDeleted),
    /// The team's custom contact fields (`contact_fields`,
    /// `define_contact_fields`).
    ContactFields(ContactFields),
    // Blasts (see `crate::blast`).
    /// What a blast would send (`preview_blast`).
    BlastPreview(crate::blast::BlastPreview),
    /// A blast, as created or changed (`create_blast`, `pause_blast`,
    /// `resume_blast`, `cancel_blast`).
    Blast(crate::blast::BlastInfo),
    /// A team's blasts, newest first (`blasts`).
    Blasts(crate::blast::BlastList),
    /// A blast and a page of its recipients (`blast`).
    BlastDetail(crate::blast::BlastDetail),
    // Web chat.
    /// A team's web chat settings (`widget`, `set_widget`).
    Widget(crate::widget::WidgetSettings),
    /// A visitor identified itself (`identify`).
    Identified(crate::widget::Identified),
    // Bridges (see [`crate::bridge`]).
    /// A contact's message relayed (`relay`).
    Relayed(crate::bridge::Relayed),
    /// A delivery report recorded (`receipt`): the message's delivery as
    /// it now is.
    Receipt(crate::bridge::Receipt),
    // Webhook bridges (see [`crate::webhook`]).
    /// A webhook bridge created (`create_bridge`).
    Bridge(crate::webhook::BridgeCreated),
    /// A team's webhook bridges (`bridges`).
    Bridges(crate::webhook::BridgeList),
    /// A team's dead letters (`dead_letters`).
    DeadLetters(crate::webhook::DeadLetterList),
    /// A dead letter sent again (`retry_dead_letter`): gone from the list
    /// when the gateway took it.
    DeadLetter(crate::webhook::DeadLetter),
}

/// The answer to `create_bot`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotCreated {
    /// The bot.
    pub bot: BotInfo,
    /// Its token, for its `hello`. Shown this once: the server keeps only
    /// its hash.
    pub token: String,
}

/// A team's bots, revoked ones included, ordered by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotList {
    /// The team.
    pub team: TeamId,
    /// Its bots.
    pub bots: Vec<BotInfo>,
}

/// A team's members, ordered by user id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberList {
    /// The team.
    pub team: TeamId,
    /// Every user holding a role in it.
    pub members: Vec<MemberInfo>,
}

/// The answer to `add_member` and `set_role`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberAdded {
    /// The team.
    pub team: TeamId,
    /// The member and their role.
    pub member: MemberInfo,
    /// True when the email was unknown: a user without a password was
    /// created and sent an invitation to set one.
    pub invited: bool,
}

/// The acknowledgement of a `send`: the message has reached disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendAck {
    /// The conversation.
    pub conversation: ConversationId,
    /// The message's seq in the conversation.
    pub seq: Seq,
    /// The message's offset in the team's stream.
    pub offset: Offset,
    /// When the server accepted it (the first time).
    pub at: crate::ids::Millis,
    /// True when this `client_msg_id` had been stored before: nothing new
    /// was written and this is the original acknowledgement.
    pub duplicate: bool,
}

/// How a subscribe's replay went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resume {
    /// No `after` was given: nothing to replay.
    Fresh,
    /// Everything after `after` was (or is being) replayed, in order.
    Recovered,
    /// The stream's epoch changed: the given position means nothing now.
    /// Nothing was replayed; reload what you show with `history`.
    EpochChanged,
    /// The given offset is beyond the stream's head: nothing was replayed;
    /// reload what you show with `history`.
    OffsetAhead,
}

/// The state of a subscription after a `subscribe`.
///
/// The replayed events are sent right after this reply, before any live
/// event. When `live` is false the replay stopped at `offset` after
/// `replayed` events to bound its size: subscribe again with `after` at
/// `{epoch, offset}` to get the rest, until `live` is true.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscribed {
    /// The team.
    pub team: TeamId,
    /// The stream's current epoch.
    pub epoch: Epoch,
    /// The client is up to date through this offset once the replayed
    /// events have arrived.
    pub offset: Offset,
    /// The stream's newest offset when the reply was made.
    pub head: Offset,
    /// How many events follow this reply as replay.
    pub replayed: u32,
    /// Whether live events now flow.
    pub live: bool,
    /// How the replay went.
    pub resume: Resume,
}

/// A page of a conversation, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    /// The conversation.
    pub conversation: ConversationId,
    /// The messages, by ascending seq.
    pub messages: Vec<Message>,
    /// Whether more messages lie beyond this page in the direction asked.
    pub more: bool,
}

/// A page of a team's conversations, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationPage {
    /// The team.
    pub team: TeamId,
    /// The conversations.
    pub conversations: Vec<ConversationInfo>,
    /// Pass as `before` to get the next page; absent on the last page.
    pub next: Option<ConversationId>,
}

/// The answer to a `conversation` request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationDetails {
    /// The conversation, as `conversations` lists it.
    pub conversation: ConversationInfo,
    /// Every user's read marker in it (those who have read nothing have
    /// none), by user id.
    pub reads: Vec<Reader>,
}
