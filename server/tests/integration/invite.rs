//! `^invite` end to end, through the SDK and the HTTP API against a real
//! server: the invitation mail (outbox or SMTP, [`smtp`]), accepting it as
//! a new or an existing user and what the Restricted Member then may and
//! may not do ([`accept`]), revocation cutting access live
//! ([`revocation`]), the list of invitations ([`listing`]; across a
//! team, [`team_listing`]), and refusals that change nothing
//! ([`refusals`]).

mod accept;
mod listing;
mod refusals;
mod revocation;
mod smtp;
mod team_listing;

use crate::api_client::{post_json, HttpAnswer};
use crate::util::*;
use std::time::{Duration, Instant};
use switchboard_client::{Client, ClientEvent, Events};
use switchboard_protocol::ids::TeamId;
use switchboard_protocol::server::Welcome;
use switchboard_server::store::{MailRecord, Store};

const PASSWORD: &str = "correct horse battery staple";

/// The invitation token in a mail body.
fn invitation_token(body: &str) -> String {
    let start = body.find("sbi_").expect("a token in the mail");
    body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// The mails sent to `to`, oldest first.
fn mails_to(store: &dyn Store, to: &str) -> Vec<MailRecord> {
    let mails = store.mails().unwrap();
    mails.into_iter().filter(|m| m.to == to).collect()
}

async fn accept(server: &TestServer, token: &str, password: &str) -> HttpAnswer {
    let body = serde_json::json!({"token": token, "password": password});
    post_json(server.addr, "/api/invitations/accept", &body).await
}

/// Accepts an invitation; panics unless it answers 200. Returns the
/// session token.
async fn accepted(server: &TestServer, token: &str, password: &str) -> String {
    let answer = accept(server, token, password).await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    answer.json()["token"].as_str().unwrap().to_string()
}

/// Waits for the client to be closed and to reconnect; returns the close
/// code, how long the close took to arrive, and the new welcome. No event
/// may arrive in between.
async fn reconnection(events: &mut Events) -> (Option<u16>, Duration, Welcome) {
    let start = Instant::now();
    let mut closed = None;
    loop {
        let event = tokio::time::timeout(PATIENCE, events.next())
            .await
            .expect("a reconnection in time")
            .expect("the event stream is open");
        match event {
            ClientEvent::Disconnected { code, .. } => closed = Some((code, start.elapsed())),
            ClientEvent::Reconnected { welcome } => {
                let (code, took) = closed.expect("a disconnection first");
                return (code, took, welcome);
            }
            ClientEvent::Event(frame) => panic!("nothing may arrive meanwhile: {frame:?}"),
            _ => continue,
        }
    }
}

/// A connected, subscribed client.
async fn subscribed(server: &TestServer, token: &str, team: TeamId) -> (Client, Events) {
    let (client, events) = connect(&server.url(), token).await;
    client.subscribe(team).await.unwrap();
    (client, events)
}
