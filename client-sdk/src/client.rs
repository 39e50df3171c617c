//! The application's handle: typed requests over one managed connection.
//!
//! A [`Client`] is cheap to clone; all clones talk to the same driver task
//! through a bounded queue, so a burst of requests waits for room rather
//! than growing memory. Each request waits at most `request_timeout` for its
//! reply, including any time spent waiting for a reconnect.

use crate::config::ClientConfig;
use crate::driver::Driver;
use crate::error::Error;
use crate::events::Events;
use crate::exchange::{exchange, Patience};
use crate::request::{new_key, Call, Command, HistoryQuery, Outgoing, ReplyTx};
use crate::servers::Servers;
use crate::shared::Shared;
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_protocol::model::{ConversationInfo, NewContact, Position, ReadMarker};
use switchboard_protocol::server::{
    ConversationDetails, ConversationPage, HistoryPage, Reply, SendAck, Subscribed, Welcome,
};
use switchboard_protocol::{ConversationId, Seq, TeamId};
use tokio::sync::{mpsc, watch};

/// How many requests may queue for the driver before callers wait.
const COMMAND_QUEUE: usize = 256;

/// A connection to a Switchboard server that reconnects and resumes by itself.
///
/// Created with [`Client::connect`], which also returns the [`Events`]
/// stream. Dropping every clone of the client closes the connection like
/// [`Client::close`] does.
#[derive(Clone)]
pub struct Client {
    commands: mpsc::Sender<Command>,
    stop: watch::Sender<bool>,
    shared: Arc<Shared>,
    patience: Patience,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("closed", &self.commands.is_closed())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Connects, authenticates and starts the driver task (on the current
    /// tokio runtime).
    ///
    /// Each configured server is tried once, in order (see
    /// [Several servers](ClientConfig#several-servers)); there is no wait
    /// and no second round: servers that are all down, a bad URL, or a
    /// refused token (close 4001) are reported here. Once connected, the
    /// client reconnects by itself.
    pub async fn connect(config: ClientConfig) -> Result<(Client, Events), Error> {
        let config = config.normalized();
        let mut servers = Servers::new(&config);
        let (socket, welcome) = servers.dial_round(&config).await?;
        let (commands, command_rx) = mpsc::channel(COMMAND_QUEUE);
        let (event_tx, event_rx) = mpsc::channel(config.event_buffer);
        let (stop, stop_rx) = watch::channel(false);
        let shared = Arc::new(Shared::new(welcome, servers.current().to_owned()));
        let client = Client {
            commands,
            stop,
            shared: shared.clone(),
            patience: Patience {
                timeout: config.request_timeout,
                backoff: config.reconnect,
            },
        };
        let driver = Driver::new(config, servers, command_rx, event_tx, stop_rx, shared);
        tokio::spawn(driver.run(socket));
        Ok((client, Events::new(event_rx)))
    }

    /// The latest welcome: from the first connection, then from each
    /// reconnect.
    pub fn welcome(&self) -> Welcome {
        self.shared.welcome()
    }

    /// The server this client is connected to: one of the configured
    /// servers, the one of the latest welcome (while reconnecting, the one
    /// that went away).
    pub fn server_url(&self) -> String {
        self.shared.server_url()
    }

    /// Subscribes to a team's events and returns once they flow live.
    ///
    /// If this client already holds a position for the team, the server
    /// replays what came after it; otherwise the subscription starts at the
    /// stream's head. When the server replays in chunks (`live == false`)
    /// the client subscribes again from each chunk's end until live; the
    /// result is the last reply, with `replayed` summed over all chunks and
    /// `resume` from the first. The team is remembered and re-subscribed
    /// from its position after every reconnect.
    pub async fn subscribe(&self, team: TeamId) -> Result<Subscribed, Error> {
        self.subscribe_after(team, None).await
    }

    /// Subscribes to a team's events, replaying those after `after` (e.g. a
    /// position the application saved before it restarted). Events after
    /// `after` are delivered even if this client delivered them before.
    pub async fn subscribe_from(&self, team: TeamId, after: Position) -> Result<Subscribed, Error> {
        self.subscribe_after(team, Some(after)).await
    }

    async fn subscribe_after(
        &self,
        team: TeamId,
        after: Option<Position>,
    ) -> Result<Subscribed, Error> {
        let reply = self
            .request(|reply| Command::Subscribe { team, after, reply })
            .await?;
        match reply {
            Reply::Subscribed(subscribed) => Ok(subscribed),
            other => Err(unexpected("subscribed", &other)),
        }
    }

    /// Stops a team's events and signals; the team is no longer
    /// re-subscribed after a reconnect, and its position and opt-in to
    /// signals are forgotten.
    pub async fn unsubscribe(&self, team: TeamId) -> Result<(), Error> {
        match self.call(Call::Unsubscribe { team }).await? {
            Reply::Unsubscribed { .. } => Ok(()),
            other => Err(unexpected("unsubscribed", &other)),
        }
    }

    /// Sends a message (or a `^command`) with a random `client_msg_id`.
    ///
    /// Returns once the server has stored it durably. If the connection
    /// drops first, the client resends it after reconnecting with the same
    /// id, so it is stored once whatever happens.
    ///
    /// A body that is a `^command` (`^deliver`, `^invite`, `^assign`,
    /// `^unassign`) is carried out exactly once the same way: a resend
    /// after a reconnect gets the original result, and `send` reports
    /// success. The ack then only says that the command was carried out
    /// (`duplicate` if this was a resend): no message of the caller's was
    /// stored, so its `seq`, `offset` and `at` are 0, and the command's
    /// system message arrives as an event. [`Client::send_deliver`],
    /// [`Client::send_command`] and [`Client::send_invite_command`] return
    /// the command's own result.
    pub async fn send(
        &self,
        conversation: ConversationId,
        body: impl Into<String>,
    ) -> Result<SendAck, Error> {
        self.send_with_id(conversation, new_key(), body).await
    }

    /// Sends a message with the caller's own `client_msg_id` (1 to 64
    /// bytes). Sending again with the same id returns the original ack with
    /// `duplicate: true` and stores nothing; a `^command` body is answered
    /// as [`Client::send`] says.
    pub async fn send_with_id(
        &self,
        conversation: ConversationId,
        client_msg_id: impl Into<String>,
        body: impl Into<String>,
    ) -> Result<SendAck, Error> {
        let message = Outgoing {
            as_ack: true,
            ..Outgoing::typed(conversation, client_msg_id.into(), body.into())
        };
        match self.send_frame(message).await? {
            Reply::Sent(ack) => Ok(ack),
            other => Err(unexpected("sent", &other)),
        }
    }

    /// Posts a message as the conversation's contact: for a bot bridging a
    /// channel (an SMS gateway relaying what the contact wrote). Needs a
    /// bot token with the `read_write` scope; the `client_msg_id` (the
    /// channel's own message id, say) is unique per contact, so a relay
    /// retried after a crash is stored once. The body is stored as it is,
    /// even when it starts with `^`. The message makes the conversation
    /// `waiting`.
    pub async fn send_as_contact(
        &self,
        conversation: ConversationId,
        client_msg_id: impl Into<String>,
        body: impl Into<String>,
    ) -> Result<SendAck, Error> {
        let message = Outgoing {
            conversation,
            client_msg_id: client_msg_id.into(),
            body: body.into(),
            as_contact: true,
            post: None,
            as_ack: false,
        };
        match self.send_frame(message).await? {
            Reply::Sent(ack) => Ok(ack),
            other => Err(unexpected("sent", &other)),
        }
    }

    /// Sends a `^command` typed as text (`^assign me`), as a `send` with
    /// this `client_msg_id`, and returns what it produced: the
    /// conversation's assignees, for `^assign` and `^unassign`. A body
    /// that is no command, or another command, fails (`send` is for
    /// messages; [`Client::send_invite_command`] is for `^invite`,
    /// [`Client::send_deliver`] for `^deliver`). Carried out once per
    /// `client_msg_id`: a resend after a reconnect, or a call again with the
    /// same id, gets the original result and changes nothing.
    pub async fn send_command(
        &self,
        conversation: ConversationId,
        client_msg_id: impl Into<String>,
        body: impl Into<String>,
    ) -> Result<switchboard_protocol::assign::Assignees, Error> {
        let message = Outgoing::typed(conversation, client_msg_id.into(), body.into());
        match self.send_frame(message).await? {
            Reply::Assignees(current) => Ok(current),
            other => Err(unexpected("assignees", &other)),
        }
    }

    /// Sends `^deliver ...` typed as text, as a `send` with this
    /// `client_msg_id`, and returns the outcome (see
    /// [`Client::deliver`]). A body that is no `^deliver` fails. Delivered
    /// once per `client_msg_id`: a resend after a reconnect, or a call again
    /// with the same id, gets the original outcome, never a second one.
    pub async fn send_deliver(
        &self,
        conversation: ConversationId,
        client_msg_id: impl Into<String>,
        body: impl Into<String>,
    ) -> Result<switchboard_protocol::deliver::Outcome, Error> {
        let message = Outgoing::typed(conversation, client_msg_id.into(), body.into());
        match self.send_frame(message).await? {
            Reply::Delivered(outcome) => Ok(outcome),
            other => Err(unexpected("delivered", &other)),
        }
    }

    /// One `send` frame, answered by whatever the server made of it.
    pub(crate) async fn send_frame(&self, message: Outgoing) -> Result<Reply, Error> {
        self.request(|reply| Command::Send {
            message: message.clone(),
            reply,
        })
        .await
    }

    /// Reads a page of a conversation, oldest message first.
    pub async fn history(
        &self,
        conversation: ConversationId,
        query: HistoryQuery,
    ) -> Result<HistoryPage, Error> {
        match self
            .call(Call::History {
                conversation,
                query,
            })
            .await?
        {
            Reply::History(page) => Ok(page),
            other => Err(unexpected("history", &other)),
        }
    }

    /// Lists a team's conversations, newest first; pass the page's `next` as
    /// `before` to get the following page.
    pub async fn conversations(
        &self,
        team: TeamId,
        before: Option<ConversationId>,
        limit: Option<u32>,
    ) -> Result<ConversationPage, Error> {
        match self
            .call(Call::Conversations {
                team,
                before,
                limit,
            })
            .await?
        {
            Reply::Conversations(page) => Ok(page),
            other => Err(unexpected("conversations", &other)),
        }
    }

    /// One conversation's details (its contact, status, assignees and
    /// `last_seq`, as [`conversations`](Client::conversations) lists them)
    /// and every user's read marker in it, with their names, by user id.
    /// For whoever may read its [`history`](Client::history), a Restricted
    /// Member with it accepted included; `not_found` for anyone else.
    pub async fn conversation(
        &self,
        conversation: ConversationId,
    ) -> Result<ConversationDetails, Error> {
        match self.call(Call::Conversation { conversation }).await? {
            Reply::ConversationDetails(details) => Ok(details),
            other => Err(unexpected("conversation_details", &other)),
        }
    }

    /// Starts a conversation with a new contact.
    pub async fn start_conversation(
        &self,
        team: TeamId,
        contact: NewContact,
    ) -> Result<ConversationInfo, Error> {
        match self.call(Call::StartConversation { team, contact }).await? {
            Reply::Conversation(info) => Ok(info),
            other => Err(unexpected("conversation", &other)),
        }
    }

    /// Moves this user's read marker in a conversation up to `seq`.
    pub async fn mark_read(
        &self,
        conversation: ConversationId,
        seq: Seq,
    ) -> Result<ReadMarker, Error> {
        match self.call(Call::MarkRead { conversation, seq }).await? {
            Reply::Read(marker) => Ok(marker),
            other => Err(unexpected("read", &other)),
        }
    }

    /// Measures a round trip to the server (through the driver's queue).
    pub async fn ping(&self) -> Result<Duration, Error> {
        let started = Instant::now();
        match self.call(Call::Ping).await? {
            Reply::Pong => Ok(started.elapsed()),
            other => Err(unexpected("pong", &other)),
        }
    }

    /// The position reached for a subscribed team: the epoch of its stream
    /// and the highest offset put into [`Events`] (or the subscription's
    /// starting offset). `None` for a team not subscribed.
    ///
    /// Events still waiting in the [`Events`] buffer count as reached. An
    /// application that saves a position to resume with
    /// [`Client::subscribe_from`] after a restart should save the offset of
    /// the last event it finished handling, with this epoch.
    pub fn position(&self, team: TeamId) -> Option<Position> {
        self.shared.positions.get(team)
    }

    /// Closes the connection with code 1000 and stops reconnecting. Requests
    /// still waiting fail with [`Error::Closed`]; the event stream ends.
    /// Returns once the driver has stopped.
    pub async fn close(&self) {
        self.stop.send_replace(true);
        self.commands.closed().await;
    }

    pub(crate) async fn call(&self, call: Call) -> Result<Reply, Error> {
        self.request(|reply| Command::Call {
            call: call.clone(),
            reply,
        })
        .await
    }

    /// A request whose frame carries an idempotency key: kept and resent
    /// with that key after a reconnect until answered, so it is carried out
    /// once (a resend gets the original result).
    pub(crate) async fn keyed(&self, call: Call) -> Result<Reply, Error> {
        self.request(|reply| Command::Keyed {
            call: call.clone(),
            reply,
        })
        .await
    }

    /// Queues a command and waits for its reply, within the request
    /// timeout, asking again after `unavailable` when that is safe (see
    /// `exchange`). `command` builds the command of each attempt.
    async fn request(&self, command: impl Fn(ReplyTx) -> Command) -> Result<Reply, Error> {
        exchange(&self.commands, &self.shared, self.patience, command).await
    }
}

pub(crate) fn unexpected(expected: &str, got: &Reply) -> Error {
    Error::Protocol(format!("expected a {expected} reply, got {got:?}"))
}
