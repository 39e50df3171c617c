//! The task that owns the socket: it writes requests, routes replies, delivers
//! events, and reconnects.
//!
//! Invariants:
//! - one driver per [`Client`](crate::Client) and its clones; it alone
//!   touches the socket, the pending requests and the subscriptions, so none
//!   of them needs a lock;
//! - every wait (socket, commands, event delivery, backoff, connect) also
//!   watches the stop signal, so [`Client::close`](crate::Client::close)
//!   returns promptly even when the application stopped reading events;
//! - after a reconnect, frames go out in this order: re-subscribes of every
//!   remembered team, then the outbox of unacknowledged sends and keyed
//!   requests, then new requests;
//! - after a reconnect, the driver asks again for the signals of each team
//!   the application opted in to, once that team's re-subscribe is live,
//!   and sets the last confirmed view again once every re-subscribe has
//!   settled (at once if there are none), unless the application set a
//!   view on the new connection first; a failure there is logged, never
//!   fatal (see `presence`);
//! - `Closed` is emitted once, last; then the event channel is dropped.

mod dispatch;
mod reconnect;

use crate::config::ClientConfig;
use crate::connection::{self, Socket};
use crate::error::Error;
use crate::events::ClientEvent;
use crate::inflight::InFlight;
use crate::presence::OpenView;
use crate::request::Command;
use crate::servers::Servers;
use crate::shared::Shared;
use crate::subscriptions::Subscriptions;
use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt};
use std::sync::Arc;
use switchboard_protocol::client::ClientFrame;
use switchboard_protocol::close;
use switchboard_protocol::server::Welcome;
use tokio::sync::{mpsc, watch};
use tokio::time::{Duration, Instant, Interval, MissedTickBehavior};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

/// The most commands taken in one go before writing and flushing them.
const WRITE_BATCH: usize = 64;
/// How long a closing connection may take to say goodbye.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

type Sink = SplitSink<Socket, Message>;
type Stream = SplitStream<Socket>;

/// How a connection ended.
enum End {
    /// The application closed the client (or dropped every handle).
    Stopped,
    /// The connection went away; `code` is the close code, if any.
    Dropped { code: Option<u16>, reason: String },
}

/// The stop signal fired while the driver was waiting.
struct Stopped;

pub(crate) struct Driver {
    config: ClientConfig,
    servers: Servers,
    commands: mpsc::Receiver<Command>,
    events: mpsc::Sender<ClientEvent>,
    stop: watch::Receiver<bool>,
    shared: Arc<Shared>,
    subscriptions: Subscriptions,
    inflight: InFlight,
    /// When the outstanding keepalive ping must have been answered.
    keepalive_deadline: Option<Instant>,
    /// The largest frame the server accepts (from the latest welcome).
    server_max_frame: usize,
    /// The conversation the application has open, restored on reconnect.
    view: OpenView,
    /// Why this connection must be given up for another, once the step
    /// under way is done (see `dispatch`).
    redial: Option<String>,
}

impl Driver {
    pub(crate) fn new(
        config: ClientConfig,
        servers: Servers,
        commands: mpsc::Receiver<Command>,
        events: mpsc::Sender<ClientEvent>,
        stop: watch::Receiver<bool>,
        shared: Arc<Shared>,
    ) -> Self {
        let subscriptions = Subscriptions::new(shared.positions.clone());
        let server_max_frame = advertised_max(&shared.welcome());
        Driver {
            config,
            servers,
            commands,
            events,
            stop,
            shared,
            subscriptions,
            inflight: InFlight::default(),
            keepalive_deadline: None,
            server_max_frame,
            view: OpenView::default(),
            redial: None,
        }
    }

    /// Serves connections until the client is closed for good.
    pub(crate) async fn run(mut self, first: Socket) {
        let mut socket = first;
        let mut first_frames = Vec::new();
        let mut attempt = 0u32;
        let ending = loop {
            let started = Instant::now();
            let (code, reason) = match self.serve(socket, first_frames).await {
                End::Stopped => break Error::closed_by_client(),
                End::Dropped { code, reason } => (code, reason),
            };
            tracing::info!(?code, %reason, "connection lost");
            self.inflight.connection_lost();
            self.keepalive_deadline = None;
            if let Some(code) = code.filter(|code| !close::should_reconnect(*code)) {
                break Error::Closed {
                    code: Some(code),
                    reason,
                };
            }
            if started.elapsed() >= self.config.reconnect.max {
                attempt = 0; // it was a stable connection: start the backoff over
            }
            if self
                .emit(ClientEvent::Disconnected { code, reason })
                .await
                .is_err()
            {
                break Error::closed_by_client();
            }
            match self.reconnect(&mut attempt).await {
                Ok((next, welcome)) => {
                    socket = next;
                    match self.resume(welcome).await {
                        Ok(frames) => first_frames = frames,
                        Err(Stopped) => {
                            say_goodbye(socket.split()).await;
                            break Error::closed_by_client();
                        }
                    }
                }
                Err(ending) => break ending,
            }
        };
        self.finish(ending).await;
    }

    /// Reads and writes one connection until it ends.
    async fn serve(&mut self, socket: Socket, mut out: Vec<ClientFrame>) -> End {
        let (mut sink, mut stream) = socket.split();
        let mut keepalive = self.config.keepalive.map(|every| {
            let mut ticker = tokio::time::interval_at(Instant::now() + every, every);
            ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
            ticker
        });
        loop {
            if !out.is_empty() {
                if let Err(reason) = self.write(&mut sink, &mut out).await {
                    return End::Dropped { code: None, reason };
                }
            }
            let deadline = self.keepalive_deadline;
            let step = tokio::select! {
                _ = stopped(&mut self.stop) => Err(End::Stopped),
                message = stream.next() => self.on_message(message, &mut out).await,
                command = self.commands.recv() => match command {
                    Some(command) => {
                        self.on_command(command, &mut out);
                        while out.len() < WRITE_BATCH {
                            let Ok(command) = self.commands.try_recv() else { break };
                            self.on_command(command, &mut out);
                        }
                        Ok(())
                    }
                    // Every Client handle is gone: nobody can use the connection.
                    None => Err(End::Stopped),
                },
                _ = tick(&mut keepalive) => {
                    if self.keepalive_deadline.is_none() {
                        out.push(self.inflight.keepalive());
                        self.keepalive_deadline = Some(Instant::now() + self.config.request_timeout);
                    }
                    Ok(())
                }
                _ = sleep_until(deadline) => Err(End::Dropped {
                    code: None,
                    reason: "no keepalive reply within the request timeout".into(),
                }),
            };
            if let Err(end) = step {
                if matches!(end, End::Stopped) {
                    say_goodbye((sink, stream)).await;
                }
                return end;
            }
            if let Some(reason) = self.redial.take() {
                say_goodbye((sink, stream)).await;
                return End::Dropped { code: None, reason };
            }
        }
    }

    /// Feeds every queued frame to the socket and flushes once.
    async fn write(&mut self, sink: &mut Sink, out: &mut Vec<ClientFrame>) -> Result<(), String> {
        let encoding = self.config.encoding;
        let mut messages = Vec::with_capacity(out.len());
        for frame in out.drain(..) {
            match connection::to_message(encoding, &frame) {
                // A larger frame would make the server close the connection
                // (1009), and a resent send would do it again after every
                // reconnect: refuse it here, the way the server would.
                Ok(message) if message.len() > self.server_max_frame => {
                    if let Some(id) = frame.request_id() {
                        let message = format!(
                            "a frame of {} bytes exceeds the server's limit of {} bytes",
                            message.len(),
                            self.server_max_frame
                        );
                        let code = switchboard_protocol::ErrorCode::TooLarge;
                        self.inflight.fail(id, Error::Server { code, message });
                    }
                }
                Ok(message) => messages.push(message),
                Err(error) => {
                    if let Some(id) = frame.request_id() {
                        self.inflight.fail(id, error);
                    }
                }
            }
        }
        let written = async {
            for message in messages {
                sink.feed(message).await?;
            }
            sink.flush().await
        };
        match tokio::time::timeout(self.config.request_timeout, written).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(format!("write failed: {e}")),
            Err(_) => Err("write timed out: the server stopped reading".into()),
        }
    }

    /// Ends the client: fail whatever waits, say `Closed`, refuse the rest.
    async fn finish(mut self, ending: Error) {
        self.shared.set_ending(ending.clone());
        self.inflight.close(&ending);
        if let Error::Closed { code, reason } = &ending {
            let closed = ClientEvent::Closed {
                code: *code,
                reason: reason.clone(),
            };
            if let Err(mpsc::error::TrySendError::Full(closed)) = self.events.try_send(closed) {
                // The application is behind; wait for it unless it asked to
                // stop, in which case the stream's end says enough.
                let _ = self.emit(closed).await;
            }
        }
        self.commands.close();
        while let Ok(command) = self.commands.try_recv() {
            let reply = match command {
                Command::Subscribe { reply, .. }
                | Command::Send { reply, .. }
                | Command::Keyed { reply, .. }
                | Command::Call { reply, .. } => reply,
            };
            let _ = reply.send(Err(ending.clone()));
        }
    }

    /// Hands an event to the application, waiting while its buffer is full.
    ///
    /// While it waits the socket is not read, so the keepalive reply cannot
    /// be either: the wait does not count against the keepalive deadline.
    async fn emit(&mut self, event: ClientEvent) -> Result<(), Stopped> {
        let started = Instant::now();
        let delivered = tokio::select! {
            biased;
            // An Err means the application dropped Events: nothing to do.
            _ = self.events.send(event) => Ok(()),
            _ = stopped(&mut self.stop) => Err(Stopped),
        };
        if let Some(deadline) = &mut self.keepalive_deadline {
            *deadline += started.elapsed();
        }
        delivered
    }
}

/// The server's advertised frame limit, as a usize.
fn advertised_max(welcome: &Welcome) -> usize {
    usize::try_from(welcome.limits.max_frame_bytes).unwrap_or(usize::MAX)
}

/// Resolves once the client is asked to stop, or every handle is gone.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

async fn tick(ticker: &mut Option<Interval>) {
    match ticker {
        Some(ticker) => {
            ticker.tick().await;
        }
        None => std::future::pending().await,
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// Sends a normal close and waits briefly for the server's answer.
async fn say_goodbye((mut sink, mut stream): (Sink, Stream)) {
    let frame = CloseFrame {
        code: CloseCode::Normal,
        reason: "client closed".into(),
    };
    let goodbye = async {
        if sink.send(Message::Close(Some(frame))).await.is_ok() {
            while let Some(Ok(_)) = stream.next().await {}
        }
    };
    let _ = tokio::time::timeout(CLOSE_GRACE, goodbye).await;
}
