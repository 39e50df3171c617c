//! What a [`Client`](crate::Client) asks of its driver task.
//!
//! Every command carries a oneshot sender for its one reply. The driver
//! assigns request ids itself, so the ids of one connection are unique and
//! increasing, and a resent message gets a fresh id but keeps its
//! `client_msg_id`.

use crate::error::Error;
use switchboard_protocol::client::{self, ClientFrame};
use switchboard_protocol::dashboard;
use switchboard_protocol::model::{NewContact, Position};
use switchboard_protocol::server::Reply;
use switchboard_protocol::{ConversationId, RequestId, Seq, TeamId};
use tokio::sync::oneshot;

/// Where a request's one reply goes.
pub(crate) type ReplyTx = oneshot::Sender<Result<Reply, Error>>;

/// Which page of a conversation [`Client::history`](crate::Client::history)
/// reads. The default (all `None`) is the latest page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HistoryQuery {
    /// Messages with a seq below this one (paging back in time).
    pub before: Option<Seq>,
    /// Messages with a seq above this one (catching up).
    pub after: Option<Seq>,
    /// The most messages to return; the server caps it at its advertised
    /// `max_history_page`.
    pub limit: Option<u32>,
}

impl HistoryQuery {
    /// The latest page.
    pub fn latest() -> Self {
        HistoryQuery::default()
    }

    /// The page just before `seq`.
    pub fn before(seq: Seq) -> Self {
        HistoryQuery {
            before: Some(seq),
            ..HistoryQuery::default()
        }
    }

    /// The page just after `seq`.
    pub fn after(seq: Seq) -> Self {
        HistoryQuery {
            after: Some(seq),
            ..HistoryQuery::default()
        }
    }

    /// The same query returning at most `limit` messages.
    pub fn limit(self, limit: u32) -> Self {
        HistoryQuery {
            limit: Some(limit),
            ..self
        }
    }
}

/// A request from a [`Client`](crate::Client) handle to the driver.
pub(crate) enum Command {
    /// Subscribe to a team. `after: None` means "from the position this
    /// client remembers for the team, if any"; `Some` is the application's
    /// explicit choice and overrides it.
    Subscribe {
        team: TeamId,
        after: Option<Position>,
        reply: ReplyTx,
    },
    /// Send a message; kept and resent until acknowledged.
    Send { message: Outgoing, reply: ReplyTx },
    /// A request carrying an idempotency key (`deliver`, `invite`,
    /// `assign`, `create_team`...): kept and resent with the same key
    /// until answered, like a message.
    Keyed { call: Call, reply: ReplyTx },
    /// Any other request: failed with `ConnectionLost` if the connection
    /// drops before its reply.
    Call { call: Call, reply: ReplyTx },
}

impl Command {
    /// Whether asking again after an `unavailable` refusal is safe: the
    /// frame carries what makes a repeat do nothing (a `client_msg_id`, a
    /// `key`), or the request changes nothing (a subscribe).
    pub(crate) fn repeatable(&self) -> bool {
        match self {
            Command::Subscribe { .. } | Command::Send { .. } | Command::Keyed { .. } => true,
            Command::Call { .. } => false,
        }
    }

    /// Whether the caller stopped waiting (timed out or dropped the future),
    /// so the request need not be sent at all.
    pub(crate) fn abandoned(&self) -> bool {
        match self {
            Command::Subscribe { reply, .. }
            | Command::Send { reply, .. }
            | Command::Keyed { reply, .. }
            | Command::Call { reply, .. } => reply.is_closed(),
        }
    }
}

/// A message to send, as kept until it is acknowledged.
#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    pub(crate) conversation: ConversationId,
    pub(crate) client_msg_id: String,
    pub(crate) body: String,
    /// Posted as the conversation's contact (bridging bots only).
    pub(crate) as_contact: bool,
    /// The post the message carries, if any.
    pub(crate) post: Option<switchboard_protocol::ids::PostId>,
    /// The caller wants a `sent` acknowledgement whatever the body was:
    /// a `^command`'s result is then reported as one (see
    /// [`Client::send`](crate::Client::send)).
    pub(crate) as_ack: bool,
}

impl Outgoing {
    /// What the caller types, as themself.
    pub(crate) fn typed(conversation: ConversationId, client_msg_id: String, body: String) -> Self {
        Outgoing {
            conversation,
            client_msg_id,
            body,
            as_contact: false,
            post: None,
            as_ack: false,
        }
    }
}

/// A fresh idempotency key: 128 random bits, as 32 hex digits.
pub(crate) fn new_key() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// A request without state in the driver beyond its pending reply.
#[derive(Debug, Clone)]
pub(crate) enum Call {
    Unsubscribe {
        team: TeamId,
    },
    History {
        conversation: ConversationId,
        query: HistoryQuery,
    },
    Conversations {
        team: TeamId,
        before: Option<ConversationId>,
        limit: Option<u32>,
    },
    StartConversation {
        team: TeamId,
        contact: NewContact,
    },
    /// One conversation's details and read markers.
    Conversation {
        conversation: ConversationId,
    },
    MarkRead {
        conversation: ConversationId,
        seq: Seq,
    },
    Ping,
    /// A request about teams, members or usage (see `manage`).
    Manage(crate::manage::ManageRequest),
    /// A page of a team's dashboard (see `dashboard`).
    Dashboard {
        team: TeamId,
        query: crate::dashboard::DashboardQuery,
    },
    /// The conversation that most needs the caller.
    Next {
        team: TeamId,
    },
    /// An invitation into a conversation, or its revocation (see `invite`).
    Invite(crate::invite::InviteRequest),
    /// A typing, view or presence request (see `presence`).
    Signal(crate::presence::SignalRequest),
    /// A contact-book request (see `book`).
    Book(crate::book::BookRequest),
    /// A request about posts (see `posts`).
    Posts(crate::posts::PostRequest),
    /// A blast request (see `blasts`).
    Blast(crate::blasts::BlastRequest),
    /// A bridge's request (see `bridge`).
    Bridge(crate::bridge::BridgeRequest),
}

impl Call {
    /// The frame that carries this request under `id`.
    pub(crate) fn into_frame(self, id: RequestId) -> ClientFrame {
        match self {
            Call::Unsubscribe { team } => {
                ClientFrame::Unsubscribe(client::Unsubscribe { id, team })
            }
            Call::History {
                conversation,
                query,
            } => ClientFrame::History(client::History {
                id,
                conversation,
                before: query.before,
                after: query.after,
                limit: query.limit,
            }),
            Call::Conversations {
                team,
                before,
                limit,
            } => ClientFrame::Conversations(client::Conversations {
                id,
                team,
                before,
                limit,
            }),
            Call::Conversation { conversation } => {
                ClientFrame::Conversation(client::ConversationRequest { id, conversation })
            }
            Call::StartConversation { team, contact } => {
                ClientFrame::StartConversation(client::StartConversation { id, team, contact })
            }
            Call::MarkRead { conversation, seq } => ClientFrame::MarkRead(client::MarkRead {
                id,
                conversation,
                seq,
            }),
            Call::Ping => ClientFrame::Ping(client::Ping { id }),
            Call::Manage(request) => request.into_frame(id),
            Call::Book(request) => request.into_frame(id),
            Call::Dashboard { team, query } => ClientFrame::Dashboard(dashboard::Dashboard {
                id,
                team,
                view: query.view,
                status: query.status,
                after: query.after,
                limit: query.limit,
            }),
            Call::Next { team } => ClientFrame::Next(dashboard::Next { id, team }),
            Call::Invite(request) => request.into_frame(id),
            Call::Signal(request) => request.into_frame(id),
            Call::Posts(request) => request.into_frame(id),
            Call::Blast(request) => request.into_frame(id),
            Call::Bridge(request) => request.into_frame(id),
        }
    }
}
