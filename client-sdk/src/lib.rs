//! An async client for Switchboard, the real-time chat server.
//!
//! A client says hello with a token, never a password. A person's token
//! comes from the server's `POST /api/login` (or `/api/signup/confirm`,
//! the last step of a sign-up), a bot's or an operator's from `switchboard
//! admin token`; a token logged out, expired or revoked by a password
//! change closes the client with 4001 (see PROTOCOL.md, sections 3 and 20).
//!
//! [`Client::connect`] opens a WebSocket, says hello and waits for the
//! welcome; it returns a [`Client`] handle for typed requests and an
//! [`Events`] stream. One driver task owns the socket; the handle and the
//! stream talk to it through bounded channels.
//!
//! What the client guarantees the application:
//! - **Reconnect and resume.** When the connection drops for a reason that
//!   allows it (`close::should_reconnect`: network errors, 1012 restarts,
//!   4008 slow consumer, 4029 rate limited, 4030 too many connections...),
//!   the client reconnects with jittered
//!   exponential backoff, re-subscribes every subscribed team from the last
//!   position it delivered, and reports a gap it could not close as
//!   [`ClientEvent::ResumeFailed`].
//! - **Several servers.** Given the nodes of a deployment
//!   ([`ClientConfig::with_servers`]), the client connects to the first
//!   that answers and, when its server goes away, moves on to the next in
//!   turn, resuming there from the same positions and resending what was
//!   not acknowledged: nothing lost, nothing doubled.
//!   [`Client::server_url`] says which server it is on.
//! - **Temporary refusals.** A request the server refuses with
//!   `unavailable` (shutting down, the team's writer changing) is asked
//!   again with backoff within `request_timeout` when that is safe: sends,
//!   requests carrying a key, subscribes. Other requests get the refusal.
//! - **No duplicates, in order.** Per team, event offsets handed to the
//!   application strictly increase.
//! - **Writes are done once.** A send is resent after a reconnect with the
//!   same `client_msg_id` until the server acknowledges it durably; a
//!   `^command` in a send (`^deliver`, `^invite`, `^assign`) too, and the
//!   server carries it out once per `client_msg_id`. The typed commands
//!   ([`Client::deliver`], [`Client::invite`], [`Client::assign`],
//!   [`Client::unassign`]) and the requests that create something
//!   ([`Client::create_team`], [`Client::add_member`],
//!   [`Client::create_bot`], and the contact book's
//!   [`Client::create_contact`], [`Client::edit_contact`],
//!   [`Client::merge_contacts`]) carry a `key` the client draws for each
//!   [`Client::create_bot`], [`Client::create_post`],
//!   [`Client::edit_post`]) carry a `key` the client draws for each
//!   call and are resent with it the same way, so a reply lost in a drop
//!   never makes a second delivery, mail or team: the resend gets the
//!   original result. Other requests in flight at a drop fail with
//!   [`Error::ConnectionLost`].
//! - **Bounded memory.** Every queue is bounded. If the application stops
//!   reading [`Events`], the client stops reading the socket; the server
//!   eventually disconnects it as a slow consumer and it resumes later.
//!   **Keep reading the event stream**, even events you ignore.
//! - **Presence, typing, viewing.** [`Client::presence`] reads who is
//!   online, typing and viewing in a subscribed team and opts this
//!   connection in to [`ClientEvent::Signal`]s carrying the changes;
//!   [`Client::typing`] and [`Client::view`] say what this user does.
//!   Signals are ephemeral (no offset, never replayed, may be dropped).
//!   After a reconnect the client opts in again to the signals of every
//!   team it had (until [`Client::unsubscribe`]) and sets the last view
//!   again (until `view(None)`); signals missed meanwhile are not
//!   replayed, so after [`ClientEvent::Reconnected`] call
//!   [`Client::presence`] to refresh what you show of the state.
//!   The same opt-in brings the team's `team_changed` (its new settings)
//!   and `members_changed` (read [`Client::members`] again) signals;
//!   after a reconnect read those again too.
//! - **Content.** [`Client::posts`], [`Client::create_post`] and
//!   [`Client::edit_post`] read and write a team's posts (job posts);
//!   [`Client::send_post`] sends a message carrying one, whose `post`
//!   field holds the post's card as it was then (PROTOCOL.md, section 23).
//!   Each change is a `post_changed` event for the team's people and bots.
//! - **Blasts.** [`Client::preview_blast`] renders a template for an
//!   audience of the book; [`Client::create_blast`] sends it, each contact
//!   one message in their own conversation at the team's `blast_rate`
//!   ([`TeamChanges::blast_rate`]); [`Client::blast`] reads its recipients,
//!   and [`Client::pause_blast`], [`Client::resume_blast`] and
//!   [`Client::cancel_blast`] steer it (PROTOCOL.md, "Blasts").
//!
//! ```no_run
//! # async fn demo() -> Result<(), switchboard_client::Error> {
//! use switchboard_client::{Client, ClientConfig, ClientEvent};
//!
//! let config = ClientConfig::new("ws://127.0.0.1:8080/ws", "bot-token");
//! let (client, mut events) = Client::connect(config).await?;
//! for team in client.welcome().teams {
//!     client.subscribe(team.id).await?;
//! }
//! while let Some(event) = events.next().await {
//!     if let ClientEvent::Event(frame) = event {
//!         println!("{} @{}: {:?}", frame.team, frame.offset, frame.event);
//!     }
//! }
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod blasts;
mod book;
mod bridge;
mod client;
mod commands;
mod config;
mod connection;
mod dashboard;
mod driver;
mod error;
mod events;
mod exchange;
mod inflight;
mod invite;
mod manage;
mod posts;
mod presence;
mod request;
mod servers;
mod shared;
mod subscriptions;

pub use client::Client;
pub use config::{Backoff, ClientConfig};
pub use dashboard::DashboardQuery;
pub use error::Error;
pub use events::{ClientEvent, Events};
pub use manage::{ContactChanges, ReportQuery, TeamChanges};
pub use posts::PostQuery;
pub use request::HistoryQuery;

/// The wire protocol crate, for the types requests and events carry.
pub use switchboard_protocol as protocol;
pub use switchboard_protocol::assign::Assignees;
pub use switchboard_protocol::command::{Assignee, Target};
pub use switchboard_protocol::contacts::{
    ContactCard, ContactChanged, ContactDeleted, ContactDraft, ContactFields, ContactList,
    ContactPage, ContactPatch, ContactQuery, ContactSaved, ContactsMerged, FieldDef, FieldFilter,
    FieldKind,
};
pub use switchboard_protocol::content::{
    PostCard, PostDraft, PostInfo, PostPage, PostPatch, PostStatus,
};
pub use switchboard_protocol::deliver::{DeliveredTo, Outcome, ReportInfo};
pub use switchboard_protocol::invite::{
    InvitationCursor, InvitationInfo, InvitationList, InvitationRevoked, InvitationState, Invited,
    TeamInvitation, TeamInvitationList,
};
pub use switchboard_protocol::manage::{
    AccountInfo, BotInfo, BotScope, ContactUpdated, MemberInfo, UsageInfo,
};
pub use switchboard_protocol::model::Role;
pub use switchboard_protocol::model::{
    ConversationInfo, Message, NewContact, Position, ReadMarker, Reader, Sender, SenderKind,
};
pub use switchboard_protocol::presence::{
    MembersChange, OnlineUser, PresenceChange, PresenceState, Signal, SignalFrame, TeamChange,
    TypingChange, Viewer, Viewers,
};
pub use switchboard_protocol::server::{
    BotCreated, ConversationDetails, ConversationPage, Event, EventFrame, HistoryPage, MemberAdded,
    MemberList, Resume, SendAck, Subscribed, Welcome,
};
pub use switchboard_protocol::{
    ContactId, ConversationId, Encoding, ErrorCode, Offset, PostId, Seq, TeamId,
};
