//! A scripted stand-in for the Switchboard server, on 127.0.0.1:0.
//!
//! Each accepted WebSocket is handed to the test as a [`FakeConn`], which
//! reads the client's frames and writes whatever the script says, in the
//! encoding the client asked for at the handshake. Every wait has a timeout
//! so that a broken SDK fails a test instead of hanging it.

use futures::{SinkExt, StreamExt};
use std::time::Duration;
use switchboard_client::protocol::client::{ClientFrame, Hello};
use switchboard_client::protocol::model::{Limits, Role, TeamInfo, UserInfo};
use switchboard_client::protocol::server::{ErrorFrame, Reply, ResultFrame, ServerFrame};
use switchboard_client::protocol::{AccountId, Epoch, Millis, RequestId, UserId};
use switchboard_client::{
    Backoff, Client, ClientConfig, ClientEvent, ConversationId, Encoding, ErrorCode, Event,
    EventFrame, Events, Message, Offset, Resume, Sender, SenderKind, Seq, Subscribed, TeamId,
    Welcome,
};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::WebSocketStream;

/// How long any single step of a test may take.
pub const STEP: Duration = Duration::from_secs(5);

pub struct FakeServer {
    url: String,
    connections: mpsc::Receiver<FakeConn>,
}

impl FakeServer {
    pub async fn start() -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("bound address");
        let (tx, connections) = mpsc::channel(8);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                if let Some(conn) = FakeConn::accept(stream).await {
                    if tx.send(conn).await.is_err() {
                        break;
                    }
                }
            }
        });
        FakeServer {
            url: format!("ws://{addr}/ws"),
            connections,
        }
    }

    /// This server's WebSocket URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A client configuration for this server with quick reconnects.
    pub fn config(&self, encoding: Encoding) -> ClientConfig {
        quick(ClientConfig::new(self.url.clone(), "test-token"), encoding)
    }
}

/// `config` with quick reconnects, the test's patience, no keepalive.
pub fn quick(mut config: ClientConfig, encoding: Encoding) -> ClientConfig {
    config.encoding = encoding;
    config.reconnect = Backoff {
        initial: Duration::from_millis(10),
        max: Duration::from_millis(50),
    };
    config.request_timeout = STEP;
    config.keepalive = None;
    config
}

impl FakeServer {
    /// The next connection the client opens.
    pub async fn accept(&mut self) -> FakeConn {
        tokio::time::timeout(STEP, self.connections.recv())
            .await
            .expect("the client should connect")
            .expect("the listener is running")
    }

    /// Asserts that the client opens no connection for `wait`.
    pub async fn expect_no_connection(&mut self, wait: Duration) {
        if let Ok(Some(_)) = tokio::time::timeout(wait, self.connections.recv()).await {
            panic!("the client connected again");
        }
    }
}

pub struct FakeConn {
    ws: WebSocketStream<TcpStream>,
    pub encoding: Encoding,
    pub path: String,
}

impl FakeConn {
    async fn accept(stream: TcpStream) -> Option<FakeConn> {
        let mut chosen = None;
        let mut path = String::new();
        // The error type is tungstenite's (an HTTP response), not ours to shrink.
        #[allow(clippy::result_large_err)]
        let callback = |request: &Request, mut response: Response| {
            path = request.uri().path().to_owned();
            let asked = request
                .headers()
                .get("Sec-WebSocket-Protocol")
                .and_then(|value| value.to_str().ok())
                .and_then(Encoding::from_subprotocol);
            if let Some(encoding) = asked {
                chosen = Some(encoding);
                response.headers_mut().insert(
                    "Sec-WebSocket-Protocol",
                    HeaderValue::from_static(encoding.subprotocol()),
                );
            }
            Ok(response)
        };
        let ws = tokio_tungstenite::accept_hdr_async(stream, callback)
            .await
            .ok()?;
        Some(FakeConn {
            ws,
            encoding: chosen.expect("the client names a subprotocol"),
            path,
        })
    }

    /// The next message, control frames included (pings are answered).
    pub async fn next_message(&mut self) -> Option<WsMessage> {
        loop {
            let message = tokio::time::timeout(STEP, self.ws.next())
                .await
                .expect("the client should write")?
                .ok()?;
            if !matches!(message, WsMessage::Ping(_) | WsMessage::Pong(_)) {
                return Some(message);
            }
        }
    }

    /// Asserts that the client writes nothing for `wait`.
    pub async fn expect_silence(&mut self, wait: Duration) {
        if let Ok(Some(Ok(message))) = tokio::time::timeout(wait, self.ws.next()).await {
            panic!("expected silence, the client wrote {message:?}");
        }
    }

    /// The next frame the client sends.
    pub async fn recv(&mut self) -> ClientFrame {
        let message = self.next_message().await.expect("a frame, not the end");
        let bytes: Vec<u8> = match (&message, self.encoding) {
            (WsMessage::Binary(bytes), Encoding::MsgPack) => bytes.to_vec(),
            (WsMessage::Text(text), Encoding::Json) => text.as_bytes().to_vec(),
            (other, encoding) => panic!("unexpected message {other:?} under {encoding:?}"),
        };
        switchboard_client::protocol::decode(self.encoding, &bytes, 1 << 20)
            .expect("a client frame")
    }

    pub async fn send(&mut self, frame: ServerFrame) {
        let bytes = switchboard_client::protocol::encode(self.encoding, &frame).expect("encodable");
        let message = match self.encoding {
            Encoding::MsgPack => WsMessage::Binary(bytes.into()),
            Encoding::Json => WsMessage::Text(String::from_utf8(bytes).expect("json").into()),
        };
        self.ws
            .send(message)
            .await
            .expect("the client is connected");
    }

    /// Reads the hello, checks it, and answers with `welcome`.
    pub async fn greet(&mut self, welcome: Welcome) -> Hello {
        let hello = match self.recv().await {
            ClientFrame::Hello(hello) => hello,
            other => panic!("the first frame must be hello, got {other:?}"),
        };
        self.send(ServerFrame::Welcome(welcome)).await;
        hello
    }

    /// Answers request `id` with `reply`.
    pub async fn reply(&mut self, id: RequestId, reply: Reply) {
        self.send(ServerFrame::Result(ResultFrame::new(id, reply)))
            .await;
    }

    /// Answers request `id` with an error.
    pub async fn refuse(&mut self, id: RequestId, code: ErrorCode, message: &str) {
        let error = ErrorFrame {
            id: Some(id),
            code,
            message: message.to_owned(),
        };
        self.send(ServerFrame::Error(error)).await;
    }

    /// Sends a message event for `team` at `offset`.
    pub async fn event(&mut self, team: u64, offset: u64) {
        self.send(ServerFrame::Event(message_event(team, offset)))
            .await;
    }

    /// Closes with a code, the way the server refuses or sheds a client.
    pub async fn close(mut self, code: u16, reason: &str) {
        let frame = CloseFrame {
            code: CloseCode::from(code),
            reason: reason.into(),
        };
        let _ = self.ws.close(Some(frame)).await;
        // Let the client's close reply arrive before the socket goes.
        let _ = tokio::time::timeout(Duration::from_secs(1), self.ws.next()).await;
    }
}

pub fn welcome(teams: &[u64]) -> Welcome {
    Welcome {
        version: switchboard_client::protocol::PROTOCOL_VERSION,
        connection: 1,
        user: UserInfo {
            id: UserId(42),
            name: "Test Bot".into(),
            email: "bot@example.com".into(),
            handle: "bot".into(),
        },
        teams: teams
            .iter()
            .map(|id| TeamInfo {
                id: TeamId(*id),
                account: AccountId(1),
                name: format!("Team {id}"),
                handle: format!("team{id}"),
                identity: "+15550100".into(),
                statuses: vec![],
                max_members: None,
                blast_rate: 1,
                role: Role::Member,
            })
            .collect(),
        accounts: vec![],
        grants: vec![],
        limits: Limits {
            max_frame_bytes: 1 << 20,
            max_body_bytes: 4096,
            max_history_page: 100,
            replay_chunk: 100,
            outbound_queue_frames: 256,
            outbound_queue_bytes: 1 << 20,
            rate_per_connection: 0,
            burst_per_connection: 0,
            rate_per_user: 0,
            burst_per_user: 0,
            rate_refusals_to_close: 0,
            rate_window_secs: 0,
            max_connections_per_user: 0,
            max_connections: 0,
            ping_interval_ms: 0,
            ping_timeout_ms: 0,
            pending_writes: 0,
            pending_write_bytes: 0,
            visitor_messages_per_minute: 0,
            visitor_message_burst: 0,
            visitor_message_chars: 0,
            visitor_creations_per_minute: 0,
            visitor_connections_per_address: 0,
        },
        visitor: None,
    }
}

pub fn subscribed(
    team: u64,
    epoch: u64,
    offset: u64,
    replayed: u32,
    live: bool,
    resume: Resume,
) -> Reply {
    Reply::Subscribed(Subscribed {
        team: TeamId(team),
        epoch: Epoch(epoch),
        offset: Offset(offset),
        head: Offset(offset),
        replayed,
        live,
        resume,
    })
}

pub fn message_event(team: u64, offset: u64) -> EventFrame {
    EventFrame {
        team: TeamId(team),
        offset: Offset(offset),
        event: Event::Message(Message {
            conversation: ConversationId(1),
            seq: Seq(offset),
            offset: Offset(offset),
            sender: Sender {
                kind: SenderKind::Contact,
                id: 9,
                name: "Dana".into(),
            },
            body: format!("message at {offset}"),
            client_msg_id: None,
            at: Millis(1_700_000_000_000),
            status: None,
            post: None,
            delivery: None,
        }),
    }
}

/// The next event the application sees.
pub async fn next_event(events: &mut Events) -> ClientEvent {
    tokio::time::timeout(STEP, events.next())
        .await
        .expect("an event should arrive")
        .expect("the stream should not have ended")
}

/// The offsets of the next `n` team events, failing on anything else.
pub async fn next_offsets(events: &mut Events, n: usize) -> Vec<u64> {
    let mut offsets = Vec::with_capacity(n);
    for _ in 0..n {
        match next_event(events).await {
            ClientEvent::Event(frame) => offsets.push(frame.offset.0),
            other => panic!("expected a team event, got {other:?}"),
        }
    }
    offsets
}

/// Asserts that no event is waiting.
pub async fn expect_quiet(events: &mut Events) {
    if let Ok(next) = tokio::time::timeout(Duration::from_millis(100), events.next()).await {
        panic!("expected no event, got {next:?}");
    }
}

/// Connects a client and completes the hello/welcome exchange.
pub async fn connect(server: &mut FakeServer, config: ClientConfig) -> (Client, Events, FakeConn) {
    let connecting = tokio::spawn(Client::connect(config));
    let mut conn = server.accept().await;
    conn.greet(welcome(&[1, 2])).await;
    let (client, events) = connecting
        .await
        .expect("connect does not panic")
        .expect("the client connects");
    (client, events, conn)
}

/// Subscribes `team` from scratch; the fake answers fresh at `{epoch, offset}`.
pub async fn subscribe_fresh(
    client: &Client,
    conn: &mut FakeConn,
    team: u64,
    epoch: u64,
    offset: u64,
) {
    let subscribing = tokio::spawn({
        let client = client.clone();
        async move { client.subscribe(TeamId(team)).await }
    });
    match conn.recv().await {
        ClientFrame::Subscribe(subscribe) => {
            assert_eq!(subscribe.team, TeamId(team));
            assert_eq!(subscribe.after, None, "a first subscribe has no position");
            conn.reply(
                subscribe.id,
                subscribed(team, epoch, offset, 0, true, Resume::Fresh),
            )
            .await;
        }
        other => panic!("expected subscribe, got {other:?}"),
    }
    subscribing.await.expect("no panic").expect("subscribed");
}

/// [`connect`] with this server's test configuration.
pub async fn connect_as(server: &mut FakeServer, encoding: Encoding) -> (Client, Events, FakeConn) {
    let config = server.config(encoding);
    connect(server, config).await
}
