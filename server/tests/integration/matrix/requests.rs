//! Harness 1: every cell of [`REQUESTS`] over a raw WebSocket against a
//! real server, one fresh connection per cell so that cells cannot disturb
//! each other (a removed team closes its members' connections with 4009).
//! Mutating cells act on fresh targets: a throwaway email, member or team.

use super::book_requests::throwaway_contact;
use super::request_frames::{frame, Target};
use super::table::{Expect, Request, Subject, REQUESTS, SUBJECTS};
use super::world::MatrixWorld;
use crate::util::*;
use futures::StreamExt;
use switchboard_protocol::client::{ClientFrame, Hello};
use switchboard_protocol::codec::{decode, Encoding};
use switchboard_protocol::server::ServerFrame;
use switchboard_protocol::{close, ErrorCode, PROTOCOL_VERSION};
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// The request's target in the world, preparing a fresh one if it mutates.
/// `n` makes throwaway names unique. A bot's `remove_team` targets its own
/// team: a throwaway team is none of the bot's.
fn target(
    world: &MatrixWorld,
    server: &TestServer,
    request: Request,
    subject: Subject,
    n: usize,
) -> Target {
    let store = server.server.store();
    match request {
        Request::RemoveTeam if subject == Subject::Bot => Target::Team(world.team_a),
        Request::History
        | Request::Send
        | Request::MarkRead
        | Request::UpdateContact
        | Request::Assign
        | Request::Unassign
        | Request::Invite
        | Request::Invitations
        | Request::Conversation
        | Request::Typing
        | Request::View
        | Request::Receipt
        | Request::Deliver => Target::Conversation(world.c),
        Request::CreateTeam | Request::Usage => Target::Account(world.account_1),
        Request::RemoveTeam => Target::Team(world.throwaway_team(store.as_ref(), n)),
        Request::Contact | Request::EditContact | Request::MergeContacts => {
            let c = store
                .conversation(world.c)
                .unwrap()
                .expect("conversation C");
            Target::Contact(world.team_a, c.contact)
        }
        _ => Target::Team(world.team_a),
    }
}

/// What a request got: a result, or an error's code and message with
/// every number masked (ids differ; nothing else may).
#[derive(Debug, PartialEq, Eq)]
enum Answer {
    Result,
    Error(ErrorCode, String),
}

fn mask(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    for c in message.chars() {
        if c.is_ascii_digit() {
            if !out.ends_with('#') {
                out.push('#');
            }
        } else {
            out.push(c);
        }
    }
    out
}

async fn ask(raw: &mut Raw, frame: ClientFrame) -> Answer {
    match raw.request(frame).await {
        ServerFrame::Result(_) => Answer::Result,
        ServerFrame::Error(e) => Answer::Error(e.code, mask(&e.message)),
        other => unreachable!("request() returns replies only, got {other:?}"),
    }
}

/// Says hello with a token that must be refused, then sends the request:
/// the connection must close with 4001 and answer nothing.
async fn refused_at_hello(url: &str, token: &str, frame: ClientFrame) -> Result<(), String> {
    let mut raw = Raw::connect(url, Encoding::MsgPack).await;
    let hello = ClientFrame::Hello(Hello {
        version: PROTOCOL_VERSION,
        token: token.to_string(),
    });
    raw.send(&hello).await;
    // The server may already have closed; a failed send is then expected.
    let bytes = switchboard_protocol::codec::encode(Encoding::MsgPack, &frame).unwrap();
    let _ = futures::SinkExt::send(&mut raw.ws, WsMessage::Binary(bytes.into())).await;
    loop {
        let message = tokio::time::timeout(PATIENCE, raw.ws.next())
            .await
            .map_err(|_| "no close in time".to_string())?;
        match message {
            Some(Ok(WsMessage::Binary(bytes))) => {
                let frame: ServerFrame = decode(Encoding::MsgPack, &bytes, 1 << 24).unwrap();
                return Err(format!("answered before the close: {frame:?}"));
            }
            Some(Ok(WsMessage::Close(frame))) => {
                let code = frame.map(|f| u16::from(f.code));
                return if code == Some(close::UNAUTHORIZED) {
                    Ok(())
                } else {
                    Err(format!("closed with {code:?}"))
                };
            }
            Some(Ok(_)) => continue,
            Some(Err(e)) => return Err(format!("socket error before a close: {e}")),
            None => return Err("ended without a close frame".into()),
        }
    }
}

/// Runs one cell; returns a description of the mismatch, if any.
async fn cell(
    server: &TestServer,
    world: &MatrixWorld,
    request: Request,
    subject: Subject,
    expect: Expect,
    n: usize,
) -> Option<String> {
    let url = server.url();
    let store = server.server.store();
    let extra = match request {
        Request::RemoveMember | Request::SetRole => world.throwaway_member(store.as_ref(), n).0,
        Request::RevokeBot => world.throwaway_bot(store.as_ref(), n).0,
        Request::DeleteContact | Request::MergeContacts => throwaway_contact(&url, world, n).await,
        Request::EditPost => world.post.0,
        Request::RetryDeadLetter => {
            let gateway = crate::bridges::gateway::Gateway::start().await;
            world.throwaway_dead_letter(store.as_ref(), &gateway.url)
        }
        _ => 0,
    };
    let target = target(world, server, request, subject, n);
    let sent = frame(request, target, n, extra);
    if expect == Expect::Refused {
        return refused_at_hello(&url, world.token(subject), sent)
            .await
            .err();
    }
    let mut raw = Raw::login(&url, world.token(subject)).await;
    let got = ask(&mut raw, sent).await;
    let wanted_code = match (expect, &got) {
        (Expect::Allow, Answer::Result) => return None,
        (Expect::Forbid, _) => ErrorCode::Forbidden,
        (Expect::Hide, _) => ErrorCode::NotFound,
        _ => return Some(format!("expected {expect:?}, got {got:?}")),
    };
    let Answer::Error(code, message) = got else {
        return Some(format!("expected {expect:?}, got a result"));
    };
    if code != wanted_code {
        return Some(format!("expected {expect:?}, got {code:?}: {message}"));
    }
    if expect == Expect::Hide {
        let missing = ask(
            &mut raw,
            frame(request, target.missing(), n + 10_000, extra),
        )
        .await;
        let Answer::Error(_, _) = &missing else {
            return Some(format!("a nonexistent target got a result: {missing:?}"));
        };
        if missing != Answer::Error(code, message.clone()) {
            return Some(format!(
                "distinguishable from a nonexistent id: {message:?} vs {missing:?}"
            ));
        }
    }
    None
}

/// Drives every cell; panics listing every mismatch.
pub async fn run(server: &TestServer, world: &MatrixWorld) {
    let mut failures = Vec::new();
    let mut n = 0;
    for (request, row) in REQUESTS {
        for (subject, expect) in SUBJECTS.iter().zip(row) {
            n += 1;
            if let Some(why) = cell(server, world, request, *subject, expect, n).await {
                failures.push(format!("{request:?} by {subject:?}: {why}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {n} cells differ from the matrix:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
