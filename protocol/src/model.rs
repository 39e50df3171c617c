//! The product's nouns as they travel inside frames.
//!
//! All types are flat records of scalars, strings and lists of records: no
//! type refers to itself, so no frame can nest deeper than a few levels.

use crate::ids::{
    AccountId, ContactId, ConversationId, Epoch, Millis, Offset, Seq, TeamId, UserId,
};
use serde::{Deserialize, Serialize};

/// A user's role in one team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Adds and removes users, changes team settings, and does all a Member does.
    Manager,
    /// Works conversations: reads, sends, assigns, delivers, imports, blasts.
    Member,
}

/// Who a user is, as the server told them in `welcome`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    /// The user's id.
    pub id: UserId,
    /// The name shown to others.
    pub name: String,
    /// The login email.
    pub email: String,
    /// The handle that `^assign @handle` and `^deliver @handle` refer to.
    pub handle: String,
}

/// A team the user belongs to, with their role in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamInfo {
    /// The team's id.
    pub id: TeamId,
    /// The account that owns the team.
    pub account: AccountId,
    /// The team's display name.
    pub name: String,
    /// The handle that `^deliver #handle` refers to.
    pub handle: String,
    /// The team's chat identity (a phone number or a chat handle).
    pub identity: String,
    /// The outcome statuses `^deliver` offers in this team.
    #[serde(default)]
    pub statuses: Vec<String>,
    /// The most members (membership rows) the team may hold; `None` is
    /// unlimited. `add_member` of someone new is refused past it.
    #[serde(default)]
    pub max_members: Option<u32>,
    /// Messages per second the team's blasts are sent at.
    #[serde(default = "default_blast_rate")]
    pub blast_rate: u32,
    /// The caller's role in this team.
    pub role: Role,
}

/// A conversation the user was let into as a Restricted Member (holding no
/// role in its team), listed in `welcome` once accepted. The user may
/// subscribe to `team` (and receives only this conversation's events from
/// it), read its history, send and mark read in it, and nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantInfo {
    /// The conversation.
    pub conversation: ConversationId,
    /// Its team.
    pub team: TeamId,
}

/// The limits the server enforces, advertised in `welcome`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// The largest WebSocket message the server accepts, in bytes. A larger
    /// one closes the connection with 1009.
    pub max_frame_bytes: u32,
    /// The longest message body, in bytes of UTF-8.
    pub max_body_bytes: u32,
    /// The most messages one `history` page returns.
    pub max_history_page: u32,
    /// The most events one `subscribe` replays before it asks the client to
    /// continue (`live: false`). A chunk also stops before it would fill
    /// the connection's outbound queue past half of its bounds.
    pub replay_chunk: u32,
    /// How many frames may wait for this connection before it is closed as a
    /// slow consumer (close code 4008).
    pub outbound_queue_frames: u32,
    /// How many bytes of frames may wait for this connection before it is
    /// closed as a slow consumer (4008). Ephemeral signals are dropped
    /// rather than queued once half of this is waiting. 0 from a server
    /// that does not say.
    #[serde(default)]
    pub outbound_queue_bytes: u32,
    /// The sustained requests per second one connection may send; excess
    /// frames are refused with `rate_limited`. 0: not said.
    #[serde(default)]
    pub rate_per_connection: u32,
    /// How many requests one connection may send at once above its rate.
    #[serde(default)]
    pub burst_per_connection: u32,
    /// The sustained requests per second one user may send over all their
    /// connections together.
    #[serde(default)]
    pub rate_per_user: u32,
    /// How many requests one user may send at once above their rate.
    #[serde(default)]
    pub burst_per_user: u32,
    /// How many refusals for rate within `rate_window_secs` close the
    /// connection with 4029.
    #[serde(default)]
    pub rate_refusals_to_close: u32,
    /// The window, in seconds, over which refusals are counted.
    #[serde(default)]
    pub rate_window_secs: u32,
    /// The most connections one user may have open at once; another hello
    /// is refused with close code 4030.
    #[serde(default)]
    pub max_connections_per_user: u32,
    /// The most connections the server holds open at once; another hello
    /// is refused with close code 4030.
    #[serde(default)]
    pub max_connections: u32,
    /// How often the server pings the connection, in milliseconds. A
    /// client that has heard nothing for longer than this plus
    /// `ping_timeout_ms` may take the connection for dead.
    #[serde(default)]
    pub ping_interval_ms: u32,
    /// How long past a ping the server waits for anything from the client
    /// before closing with 4010, in milliseconds.
    #[serde(default)]
    pub ping_timeout_ms: u32,
    /// The most writes one team may have waiting for the store's flush;
    /// past it, writes to the team are refused with `unavailable` until
    /// the store catches up. 0: not said.
    #[serde(default)]
    pub pending_writes: u32,
    /// The most bytes (message bodies, plus 256 per write) one team may
    /// have waiting for the store's flush; past it, the same refusal.
    /// 0: not said.
    #[serde(default)]
    pub pending_write_bytes: u32,
    // Web chat.
    /// The sustained messages a minute one web chat visitor may send;
    /// excess ones are refused with `rate_limited`. 0: not said.
    #[serde(default)]
    pub visitor_messages_per_minute: u32,
    /// How many messages a visitor may send at once above that rate.
    #[serde(default)]
    pub visitor_message_burst: u32,
    /// The longest message a visitor may send, in characters; a longer
    /// one is refused with `too_large`.
    #[serde(default)]
    pub visitor_message_chars: u32,
    /// How many visitors one client address may create a minute (`POST
    /// /api/widget/{handle}/visitors` answers 429 past it).
    #[serde(default)]
    pub visitor_creations_per_minute: u32,
    /// The most visitor connections one client address may hold open;
    /// another hello is refused with close code 4030.
    #[serde(default)]
    pub visitor_connections_per_address: u32,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SenderKind {
    /// A team user working in the app (or the SDK acting as them).
    Agent,
    /// The contact, through the team's chat identity or a channel bridge.
    Contact,
    /// An automated user connected through a bot token.
    Bot,
    /// The server itself, recording an accepted command.
    System,
}

/// The author of a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sender {
    /// What kind of author this is.
    pub kind: SenderKind,
    /// The user id for agents and bots, the contact id for contacts, 0 for the system.
    pub id: u64,
    /// The name to show, as it was when the message was written.
    pub name: String,
}

/// One message of a conversation's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// The conversation it belongs to.
    pub conversation: ConversationId,
    /// Its position in the conversation: contiguous from 1.
    pub seq: Seq,
    /// Its position in the team's stream.
    pub offset: Offset,
    /// Who wrote it.
    pub sender: Sender,
    /// The text, UTF-8.
    pub body: String,
    /// The id the sending client chose, if it came from a client.
    pub client_msg_id: Option<String>,
    /// When the server accepted it.
    pub at: Millis,
    /// The conversation's status after this message, present only when
    /// this message changed it (a contact's message making it `waiting`, a
    /// reply making it `open`, a delivery's system message making it
    /// `delivered`). A dashboard follows statuses from message events alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ConversationStatus>,
    /// The post the sender attached, as it was when sent (see
    /// [`crate::content`]). Absent: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post: Option<crate::content::PostCard>,
    /// For a message of the team in a conversation on a bridge: its latest
    /// delivery report (see [`crate::bridge`]). Absent: none yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<crate::bridge::Delivery>,
}

/// A contact: the candidate or customer the team talks to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactInfo {
    /// The contact's id.
    pub id: ContactId,
    /// The name to show.
    pub name: String,
    /// Email, if known.
    pub email: Option<String>,
    /// Phone number, if known.
    pub phone: Option<String>,
}

/// A new contact's details, as a client supplies them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewContact {
    /// The name to show; must not be empty.
    pub name: String,
    /// Email, if known.
    #[serde(default)]
    pub email: Option<String>,
    /// Phone number, if known.
    #[serde(default)]
    pub phone: Option<String>,
}

/// Where a conversation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
///
/// The rules (PROTOCOL.md, "Conversation status"): a conversation starts
/// `open`; a message from the contact makes it `waiting` (whatever it was,
/// so a contact writing again reopens a delivered one); a reply from an
/// agent or a bot makes a `waiting` one `open`; `^deliver` makes it
/// `delivered`, and replies leave it so. Other system messages change
/// nothing, but for a handoff's, which makes the receiving team's copy
/// `waiting`.
pub enum ConversationStatus {
    /// Being worked, and nobody is owed a reply: the team started it or
    /// answered last.
    Open,
    /// Wrapped up by a delivery.
    Delivered,
    /// The contact wrote last and waits for the team's reply.
    Waiting,
}

/// A conversation as listed on the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationInfo {
    /// The conversation's id.
    pub id: ConversationId,
    /// The team it belongs to.
    pub team: TeamId,
    /// The contact it is with.
    pub contact: ContactInfo,
    /// Where it stands.
    pub status: ConversationStatus,
    /// The seq of its latest message, 0 if it has none.
    pub last_seq: Seq,
    /// When it was started.
    pub created_at: Millis,
    /// Its assignees (team members), in the order they were assigned.
    #[serde(default)]
    pub assignees: Vec<UserId>,
    /// The channel the contact writes through; absent for a conversation
    /// started in the app or by the SDK.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
}

/// The channel a conversation's contact writes through, and so the way the
/// team's replies reach them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Channel {
    /// The team's web chat: the contact is this visitor.
    Web {
        /// The visitor (web chat session) that writes as the contact.
        visitor: UserId,
    },
    /// A channel bridge (a bot of scope `bridge`, such as an SMS gateway's):
    /// replies go out through it to `address`.
    Bridge {
        /// The bridge bot.
        bridge: UserId,
        /// The contact's address on the bridge's channel (a phone number
        /// in E.164 for SMS).
        address: String,
    },
}

/// A user's read marker in a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadMarker {
    /// The conversation.
    pub conversation: ConversationId,
    /// The reader.
    pub user: UserId,
    /// The highest seq they have read.
    pub seq: Seq,
}

/// A user's read marker in one conversation, with the user's name (as
/// `conversation` lists them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reader {
    /// The reader: a person or a bot.
    pub user: UserId,
    /// Their name as shown to others.
    pub name: String,
    /// The highest seq they have read.
    pub seq: Seq,
}

/// A place in a team's stream: what a client last saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Position {
    /// The stream's generation when the client saw `offset`.
    pub epoch: Epoch,
    /// The last offset the client saw (0: nothing yet).
    pub offset: Offset,
}

fn default_blast_rate() -> u32 {
    crate::blast::DEFAULT_BLAST_RATE
}
