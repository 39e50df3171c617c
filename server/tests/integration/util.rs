//! Shared test fixtures: a real server on 127.0.0.1:0 over a temporary
//! data folder, a seeded world of two accounts, and a raw WebSocket client
//! for speaking the protocol byte by byte. The JSON endpoints' client is
//! in `api_client`; the server binary as a child process in `child`.

use futures::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;
use switchboard_client::{Client, ClientConfig, ClientEvent, Error, Events, HistoryQuery};
use switchboard_protocol::client::{ClientFrame, Hello};
use switchboard_protocol::codec::{decode, encode, Encoding};
use switchboard_protocol::ids::{AccountId, ConversationId, Seq, TeamId, UserId};
use switchboard_protocol::model::{Message, NewContact, Role};
use switchboard_protocol::server::{Event, EventFrame, ServerFrame};
use switchboard_protocol::{ErrorCode, PROTOCOL_VERSION};
use switchboard_server::admin::{self, NewUser};
use switchboard_server::store::{GrantState, SledStore, Store, TokenKind};
use switchboard_server::{Config, Server};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a test waits for something it expects before failing.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// A seeded world: account 1 with team A (alice Manager, bob Member) and
/// team Sales (`#sales`, alice's alone: nobody else holds a role there);
/// account 2 with team B (carol Member).
pub struct World {
    /// Account 1, owned by alice.
    pub account_1: AccountId,
    /// Account 2, owned by owen.
    pub account_2: AccountId,
    pub team_a: TeamId,
    /// A second team of account 1 (`#sales`), for deliveries between teams.
    pub team_sales: TeamId,
    pub team_b: TeamId,
    pub alice: Login,
    pub bob: Login,
    pub carol: Login,
    /// The owner of account 2, Manager of team B.
    pub owen: Login,
}

/// A user and a token for them.
#[derive(Clone)]
pub struct Login {
    pub user: UserId,
    pub token: String,
}

/// Seeds the world into a store (before or while a server runs on it).
pub fn seed(store: &dyn Store) -> World {
    let user = |email: &str, name: &str| NewUser {
        email: email.into(),
        name: name.into(),
        handle: None,
    };
    let (account_1, _) =
        admin::create_account(store, "One", &user("alice@one.test", "Alice")).unwrap();
    let team_a =
        admin::create_team(store, account_1.id, "Team A", "team-a", "+1 555 0001").unwrap();
    let bob = admin::create_user(store, &user("bob@one.test", "Bob")).unwrap();
    admin::add_member(store, team_a.id, bob.id, Role::Member).unwrap();
    let team_sales =
        admin::create_team(store, account_1.id, "Team Sales", "sales", "+1 555 0003").unwrap();
    let (account_2, _) =
        admin::create_account(store, "Two", &user("owner@two.test", "Owen")).unwrap();
    let team_b =
        admin::create_team(store, account_2.id, "Team B", "team-b", "+1 555 0002").unwrap();
    let carol = admin::create_user(store, &user("carol@two.test", "Carol")).unwrap();
    admin::add_member(store, team_b.id, carol.id, Role::Member).unwrap();
    let login = |email: &str| {
        let (user, token) = admin::token_for_email(store, email, TokenKind::Session, None).unwrap();
        Login {
            user: user.id,
            token,
        }
    };
    store.flush().unwrap();
    World {
        account_1: account_1.id,
        account_2: account_2.id,
        team_a: team_a.id,
        team_sales: team_sales.id,
        team_b: team_b.id,
        alice: login("alice@one.test"),
        bob: login("bob@one.test"),
        carol: login("carol@two.test"),
        owen: login("owner@two.test"),
    }
}

/// Seeds the world into a store opened on `dir` and closed again before
/// returning, so that a server started afterwards (a child process that
/// may be killed) owns the folder alone.
pub fn seed_closed(dir: &Path) -> World {
    let store = reopen(|| SledStore::open(dir));
    let world = seed(&store);
    store.flush().unwrap();
    world
}

/// A new user known by `handle`, a Member of `team` and of no other team:
/// someone commands in another team of the account can name but not reach.
pub fn member_of(store: &dyn Store, team: TeamId, email: &str, name: &str, handle: &str) -> UserId {
    let new = NewUser {
        email: email.into(),
        name: name.into(),
        handle: Some(handle.into()),
    };
    let user = admin::create_user(store, &new).unwrap();
    admin::add_member(store, team, user.id, Role::Member).unwrap();
    user.id
}

/// A server running in this process.
pub struct TestServer {
    pub server: Server,
    pub addr: SocketAddr,
}

/// A server on a fresh temporary folder, seeded with the [`World`]. Keep
/// the folder alive as long as the server.
pub async fn seeded() -> (tempfile::TempDir, TestServer, World) {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let world = seed(server.server.store().as_ref());
    (dir, server, world)
}

/// [`seeded`], with the configuration `tune` sets (short limits, say).
pub async fn seeded_with(tune: impl FnOnce(&mut Config)) -> (tempfile::TempDir, TestServer, World) {
    let (dir, server) = started_with(tune).await;
    let world = seed(server.server.store().as_ref());
    (dir, server, world)
}

/// A server on a fresh temporary folder, unseeded, with the configuration
/// `tune` sets. Keep the folder alive as long as the server.
pub async fn started_with(tune: impl FnOnce(&mut Config)) -> (tempfile::TempDir, TestServer) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), dir.path());
    tune(&mut config);
    let server = TestServer::start_with(config).await;
    (dir, server)
}

impl TestServer {
    pub async fn start(dir: &Path) -> TestServer {
        TestServer::start_with(Config::new("127.0.0.1:0".parse().unwrap(), dir)).await
    }

    pub async fn start_with(config: Config) -> TestServer {
        // A restart in the same process may find sled's file lock still
        // held for a moment by the previous instance's background thread.
        let deadline = std::time::Instant::now() + PATIENCE;
        let server = loop {
            match Server::start(config.clone()).await {
                Ok(server) => break server,
                Err(e) if std::time::Instant::now() < deadline => {
                    eprintln!("server start failed, retrying: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("server starts: {e}"),
            }
        };
        let addr = server.local_addr();
        TestServer { server, addr }
    }

    pub fn url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }
}

/// A raw WebSocket client speaking frames through the protocol crate.
pub struct Raw {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pub encoding: Encoding,
}

impl Raw {
    pub async fn connect(url: &str, encoding: Encoding) -> Raw {
        let mut request = url.into_client_request().unwrap();
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_static(encoding.subprotocol()),
        );
        let (ws, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("connects");
        Raw { ws, encoding }
    }

    /// Connects and says hello; panics unless welcomed.
    pub async fn login(url: &str, token: &str) -> Raw {
        let mut raw = Raw::connect(url, Encoding::MsgPack).await;
        raw.send(&ClientFrame::Hello(Hello {
            version: PROTOCOL_VERSION,
            token: token.to_string(),
        }))
        .await;
        match raw.recv().await {
            Some(ServerFrame::Welcome(_)) => raw,
            other => panic!("expected welcome, got {other:?}"),
        }
    }

    pub async fn send(&mut self, frame: &ClientFrame) {
        let bytes = encode(self.encoding, frame).unwrap();
        let message = match self.encoding {
            Encoding::MsgPack => WsMessage::Binary(bytes.into()),
            Encoding::Json => WsMessage::Text(String::from_utf8(bytes).unwrap().into()),
        };
        self.ws.send(message).await.unwrap();
    }

    pub async fn send_raw(&mut self, message: WsMessage) {
        self.ws.send(message).await.unwrap();
    }

    /// The next frame, or None when the connection closed.
    pub async fn recv(&mut self) -> Option<ServerFrame> {
        loop {
            let message = tokio::time::timeout(PATIENCE, self.ws.next())
                .await
                .expect("a frame in time")?
                .ok()?;
            match message {
                WsMessage::Binary(bytes) => {
                    return Some(decode(self.encoding, &bytes, 1 << 24).unwrap())
                }
                WsMessage::Text(text) => {
                    return Some(decode(self.encoding, text.as_bytes(), 1 << 24).unwrap())
                }
                WsMessage::Close(_) => return None,
                _ => continue,
            }
        }
    }

    /// Reads until the connection closes; returns the close code.
    pub async fn close_code(&mut self) -> Option<u16> {
        loop {
            let message = tokio::time::timeout(PATIENCE, self.ws.next())
                .await
                .expect("a close in time");
            match message {
                Some(Ok(WsMessage::Close(frame))) => return frame.map(|f| f.code.into()),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    }
}

/// Connects an SDK client and waits for its welcome.
pub async fn connect(url: &str, token: &str) -> (Client, Events) {
    Client::connect(ClientConfig::new(url, token))
        .await
        .expect("the SDK connects")
}

/// Starts a conversation in `team` with a contact named `name`.
pub async fn start_conversation(client: &Client, team: TeamId, name: &str) -> ConversationId {
    client
        .start_conversation(
            team,
            NewContact {
                name: name.to_string(),
                email: None,
                phone: None,
            },
        )
        .await
        .expect("conversation starts")
        .id
}

/// Sends `bodies` into `conversation`, up to 16 at once; panics if one is
/// refused.
pub async fn send_all(client: &Client, conversation: ConversationId, bodies: Vec<String>) {
    futures::stream::iter(bodies)
        .map(|body| {
            let client = client.clone();
            async move { client.send(conversation, body).await.expect("sent") }
        })
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await;
}

/// Every message of a conversation, oldest first, read page by page.
pub async fn all_messages(client: &Client, conversation: ConversationId) -> Vec<Message> {
    let mut out = Vec::new();
    let mut after = Seq(0);
    loop {
        let page = client
            .history(conversation, HistoryQuery::after(after))
            .await
            .expect("history");
        out.extend(page.messages.iter().cloned());
        match page.messages.last() {
            Some(last) if page.more => after = last.seq,
            _ => return out,
        }
    }
}

/// The next message event, skipping other events; panics after `PATIENCE`.
pub async fn next_message(events: &mut Events) -> Message {
    loop {
        let event = tokio::time::timeout(PATIENCE, events.next())
            .await
            .expect("a message in time")
            .expect("the event stream is open");
        if let ClientEvent::Event(EventFrame {
            event: Event::Message(message),
            ..
        }) = event
        {
            return message;
        }
    }
}

/// The next event frame of `team`, skipping other events; `None` if none
/// comes within `PATIENCE`. Panics on a disconnect.
pub async fn next_team_event(events: &mut Events, team: TeamId) -> Option<EventFrame> {
    loop {
        let event = tokio::time::timeout(PATIENCE, events.next())
            .await
            .ok()?
            .expect("the event stream is open");
        match event {
            ClientEvent::Event(frame) if frame.team == team => return Some(frame),
            ClientEvent::Disconnected { code, reason } => {
                panic!("disconnected ({code:?}: {reason})")
            }
            _ => continue,
        }
    }
}

/// The code the next close of the client's connection carries, skipping
/// every other event; `None` if the stream ends first. Panics after
/// `PATIENCE`.
pub async fn close_code(events: &mut Events) -> Option<u16> {
    let closed = tokio::time::timeout(PATIENCE, async {
        loop {
            match events.next().await {
                Some(ClientEvent::Closed { code, .. }) => return code,
                Some(_) => continue,
                None => return None,
            }
        }
    });
    closed.await.expect("the connection is closed in time")
}

/// The next `n` message events.
pub async fn next_messages(events: &mut Events, n: usize) -> Vec<Message> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(next_message(events).await);
    }
    out
}

impl Raw {
    /// Sends a request and waits for its reply, skipping events.
    pub async fn request(&mut self, frame: ClientFrame) -> ServerFrame {
        let id = frame.request_id().expect("a request");
        self.send(&frame).await;
        loop {
            match self.recv().await.expect("a reply before close") {
                ServerFrame::Result(r) if r.id == id => return ServerFrame::Result(r),
                ServerFrame::Error(e) if e.id == Some(id) => return ServerFrame::Error(e),
                _ => continue,
            }
        }
    }
}

/// A new user holding no role anywhere, let into `conversation` alone by an
/// accepted grant from `granted_by`: a Restricted Member, with a token.
pub fn restricted_member(
    server: &TestServer,
    conversation: ConversationId,
    email: &str,
    name: &str,
    granted_by: UserId,
) -> Login {
    let store = server.server.store();
    let login = crate::restricted::outsider(store.as_ref(), email, name);
    server
        .server
        .set_grant(conversation, login.user, GrantState::Accepted, granted_by)
        .unwrap();
    login
}

/// The code of a refused request; panics if it was not refused.
pub fn code<T: std::fmt::Debug>(result: Result<T, Error>) -> ErrorCode {
    refusal(result).0
}

/// The code and message of a refused request; panics if it was not refused.
pub fn refusal<T: std::fmt::Debug>(result: Result<T, Error>) -> (ErrorCode, String) {
    match result {
        Err(Error::Server { code, message }) => (code, message),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Opens a store another handle has just let go of: sled's background
/// flusher can hold the folder's lock for a moment after the last handle
/// drops.
pub fn reopen<T, E: std::fmt::Debug>(open: impl Fn() -> Result<T, E>) -> T {
    for _ in 0..50 {
        if let Ok(opened) = open() {
            return opened;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    open().unwrap()
}
