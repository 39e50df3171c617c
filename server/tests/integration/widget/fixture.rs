//! The web chat tests' fixture: visitors created over HTTP, and a
//! contact's page as a raw WebSocket client that remembers where it is
//! in the stream and counts every frame that is not its own
//! conversation's message.

use crate::api_client::{http, post_json, HttpAnswer};
use crate::util::*;
use switchboard_protocol::client::{ClientFrame, Conversations, History, SendMessage, Subscribe};
use switchboard_protocol::ids::{ContactId, ConversationId, Epoch, RequestId, TeamId};
use switchboard_protocol::model::{Message, Position};
use switchboard_protocol::presence::Typing;
use switchboard_protocol::server::{Event, Reply, ServerFrame};
use switchboard_protocol::widget::VisitorWelcome;
use switchboard_protocol::ErrorCode;

/// A visitor as `POST /api/widget/{handle}/visitors` created it.
pub struct Visitor {
    pub token: String,
    pub conversation: ConversationId,
    pub contact: ContactId,
}

/// Asks for a new visitor of the team `handle`.
pub async fn post_visitor(server: &TestServer, handle: &str, name: Option<&str>) -> HttpAnswer {
    let body = match name {
        Some(name) => serde_json::json!({ "name": name }),
        None => serde_json::json!({}),
    };
    post_json(
        server.addr,
        &format!("/api/widget/{handle}/visitors"),
        &body,
    )
    .await
}

/// A new visitor of the team `handle`; panics unless created.
pub async fn create_visitor(server: &TestServer, handle: &str, name: Option<&str>) -> Visitor {
    let answer = post_visitor(server, handle, name).await;
    assert_eq!(
        answer.status,
        201,
        "{:?}",
        String::from_utf8_lossy(&answer.body)
    );
    let json = answer.json();
    let id = |field: &str| json[field].as_u64().expect(field);
    assert!(id("team") > 0);
    Visitor {
        token: json["token"].as_str().unwrap().to_string(),
        conversation: ConversationId(id("conversation")),
        contact: ContactId(id("contact")),
    }
}

/// `GET /api/widget/{handle}`, as JSON.
pub async fn widget_info(server: &TestServer, handle: &str) -> serde_json::Value {
    let answer = http(
        server.addr,
        "GET",
        &format!("/api/widget/{handle}"),
        &[],
        b"",
    )
    .await;
    assert_eq!(answer.status, 200);
    answer.json()
}

pub fn history(conversation: ConversationId) -> ClientFrame {
    ClientFrame::History(History {
        id: RequestId(0),
        conversation,
        before: None,
        after: None,
        limit: None,
    })
}

pub fn send_frame(conversation: ConversationId, body: &str) -> ClientFrame {
    ClientFrame::Send(SendMessage {
        id: RequestId(0),
        conversation,
        client_msg_id: format!("page-{body}"),
        body: body.to_string(),
        as_contact: false,
        post: None,
    })
}

pub fn subscribe_frame(team: TeamId) -> ClientFrame {
    ClientFrame::Subscribe(Subscribe {
        id: RequestId(0),
        team,
        after: None,
    })
}

pub fn conversations(team: TeamId) -> ClientFrame {
    ClientFrame::Conversations(Conversations {
        id: RequestId(0),
        team,
        before: None,
        limit: None,
    })
}

/// A contact's chat page, connected with its visitor's token.
pub struct VisitorPage {
    raw: Raw,
    pub welcome: VisitorWelcome,
    /// The visitor's id, as its welcome names the user.
    pub user: switchboard_protocol::ids::UserId,
    /// The limits its welcome advertised.
    pub limits: switchboard_protocol::model::Limits,
    team: TeamId,
    conversation: ConversationId,
    epoch: Option<Epoch>,
    /// The last event seen, to resume from.
    pub position: Option<Position>,
    /// Frames seen that were neither replies nor its conversation's
    /// messages (other events, signals).
    pub seen_others: usize,
    next_id: u64,
}

impl VisitorPage {
    /// Opens the page: a hello with the visitor's token.
    pub async fn open(server: &TestServer, visitor: &Visitor) -> VisitorPage {
        let mut raw = Raw::connect(&server.url(), switchboard_protocol::Encoding::Json).await;
        raw.send(&ClientFrame::Hello(switchboard_protocol::client::Hello {
            version: switchboard_protocol::PROTOCOL_VERSION,
            token: visitor.token.clone(),
        }))
        .await;
        let Some(ServerFrame::Welcome(welcome)) = raw.recv().await else {
            panic!("a visitor is welcomed");
        };
        assert!(welcome.teams.is_empty(), "a visitor holds no role");
        let mine = welcome.visitor.expect("a visitor's welcome says so");
        VisitorPage {
            raw,
            user: welcome.user.id,
            limits: welcome.limits,
            team: mine.team,
            conversation: mine.conversation,
            welcome: mine,
            epoch: None,
            position: None,
            seen_others: 0,
            next_id: 100,
        }
    }

    /// Sends `frame` under a fresh id and returns its answer, counting
    /// what comes meanwhile.
    pub async fn ask(&mut self, mut frame: ClientFrame) -> ServerFrame {
        self.next_id += 1;
        let id = RequestId(self.next_id);
        set_id(&mut frame, id);
        self.raw.send(&frame).await;
        loop {
            match self.raw.recv().await.expect("an answer before close") {
                ServerFrame::Result(r) if r.id == id => return ServerFrame::Result(r),
                ServerFrame::Error(e) if e.id == Some(id) => return ServerFrame::Error(e),
                other => self.note(&other),
            }
        }
    }

    /// The result of `frame`; panics on a refusal.
    pub async fn result(&mut self, frame: ClientFrame) -> Reply {
        match self.ask(frame).await {
            ServerFrame::Result(r) => r.result,
            other => panic!("expected a result, got {other:?}"),
        }
    }

    /// The code `frame` is refused with; panics on a result.
    pub async fn refused(&mut self, frame: ClientFrame) -> ErrorCode {
        match self.ask(frame).await {
            ServerFrame::Error(e) => e.code,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    pub async fn subscribe(&mut self, after: Option<Position>) {
        let frame = ClientFrame::Subscribe(Subscribe {
            id: RequestId(0),
            team: self.team,
            after,
        });
        let Reply::Subscribed(subscribed) = self.result(frame).await else {
            panic!("subscribed expected");
        };
        assert!(subscribed.live);
        self.epoch = Some(subscribed.epoch);
    }

    pub async fn send(&mut self, body: &str) {
        let frame = send_frame(self.conversation, body);
        assert!(matches!(self.result(frame).await, Reply::Sent(_)));
    }

    pub async fn typing(&mut self, conversation: ConversationId) {
        let frame = ClientFrame::Typing(Typing {
            id: RequestId(0),
            conversation,
        });
        self.result(frame).await;
    }

    /// Its conversation's history as the page reads it.
    pub async fn history(&mut self) -> Vec<Message> {
        let Reply::History(page) = self.result(history(self.conversation)).await else {
            panic!("history expected");
        };
        page.messages
    }

    /// The next message event of its conversation.
    pub async fn next_message(&mut self) -> Message {
        loop {
            let frame = self.raw.recv().await.expect("a message before close");
            if let ServerFrame::Event(e) = &frame {
                if let Event::Message(m) = &e.event {
                    if m.conversation == self.conversation {
                        self.note(&frame);
                        return m.clone();
                    }
                }
            }
            self.note(&frame);
        }
    }

    /// The next signal frame's signal.
    pub async fn next_signal(&mut self) -> switchboard_protocol::presence::Signal {
        loop {
            let frame = self.raw.recv().await.expect("a signal before close");
            if let ServerFrame::Signal(s) = frame {
                return s.signal;
            }
            self.note(&frame);
        }
    }

    /// Remembers where an event was; counts what is not its own message.
    fn note(&mut self, frame: &ServerFrame) {
        match frame {
            ServerFrame::Event(e) => {
                if let Some(epoch) = self.epoch {
                    self.position = Some(Position {
                        epoch,
                        offset: e.offset,
                    });
                }
                let own =
                    matches!(&e.event, Event::Message(m) if m.conversation == self.conversation);
                if !own {
                    self.seen_others += 1;
                }
            }
            _ => self.seen_others += 1,
        }
    }

    pub async fn close(mut self) {
        let _ = futures::SinkExt::close(&mut self.raw.ws).await;
    }
}

/// Gives a request frame its id.
fn set_id(frame: &mut ClientFrame, id: RequestId) {
    match frame {
        ClientFrame::Subscribe(f) => f.id = id,
        ClientFrame::Send(f) => f.id = id,
        ClientFrame::History(f) => f.id = id,
        ClientFrame::Conversations(f) => f.id = id,
        ClientFrame::Typing(f) => f.id = id,
        ClientFrame::Identify(f) => f.id = id,
        ClientFrame::MarkRead(f) => f.id = id,
        other => panic!("no id setter for {other:?}"),
    }
}
