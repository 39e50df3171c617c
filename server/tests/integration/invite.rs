//! `^invite` end to end, through the SDK and the HTTP API against a real
//! server: the invitation mail (outbox or SMTP), accepting it as a new or
//! an existing user, what the Restricted Member then may and may not do,
//! revocation cutting access live, and refusals that change nothing.

use crate::api_client::{post_json, sign_up, HttpAnswer};
use crate::util::*;
use std::time::{Duration, Instant};
use switchboard_client::{BotScope, Client, ClientEvent, Error, Events, HistoryQuery};
use switchboard_protocol::ids::{ConversationId, TeamId};
use switchboard_protocol::model::{NewContact, SenderKind};
use switchboard_protocol::server::{Event, Welcome};
use switchboard_protocol::{close, ErrorCode};
use switchboard_server::mail::SmtpConfig;
use switchboard_server::store::{MailRecord, Store};
use switchboard_server::{Config, GrantState};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

const PASSWORD: &str = "correct horse battery staple";

/// The code and message of a refused request.
fn refusal<T: std::fmt::Debug>(result: Result<T, Error>) -> (ErrorCode, String) {
    match result {
        Err(Error::Server { code, message }) => (code, message),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

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

/// Message bodies arriving within `window` (to show that none do).
async fn messages_within(events: &mut Events, window: Duration) -> Vec<String> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + window;
    while let Ok(Some(event)) = tokio::time::timeout_at(deadline, events.next()).await {
        if let ClientEvent::Event(frame) = event {
            if let Event::Message(m) = frame.event {
                seen.push(m.body);
            }
        }
    }
    seen
}

/// A connected, subscribed client.
async fn subscribed(server: &TestServer, token: &str, team: TeamId) -> (Client, Events) {
    let (client, events) = connect(&server.url(), token).await;
    client.subscribe(team).await.unwrap();
    (client, events)
}

fn contact(name: &str) -> NewContact {
    NewContact {
        name: name.into(),
        email: None,
        phone: None,
    }
}

#[tokio::test]
async fn a_new_user_accepts_an_invitation_and_works_in_that_conversation_alone() {
    let (_dir, server, world) = seeded().await;
    let store = server.server.store();
    let (alice, _alice_events) = subscribed(&server, &world.alice.token, world.team_a).await;
    let (_bob, mut bob_events) = subscribed(&server, &world.bob.token, world.team_a).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    let other = start_conversation(&alice, world.team_a, "Kim").await;
    alice.send(conversation, "before the invite").await.unwrap();
    assert_eq!(
        next_message(&mut bob_events).await.body,
        "before the invite"
    );

    let invited = alice
        .invite(
            conversation,
            "sam@guest.test",
            Some("Please check the contract".into()),
        )
        .await
        .unwrap();
    assert_eq!(invited.conversation, conversation);
    assert_eq!(invited.email, "sam@guest.test");

    // Every member sees the system message live.
    let system = next_message(&mut bob_events).await;
    assert_eq!(system.sender.kind, SenderKind::System);
    assert_eq!(
        system.body,
        "Alice invited sam@guest.test: Please check the contract"
    );

    // The mail names the team and the inviter, quotes the note, and says
    // how to accept; the token is in it.
    let mails = mails_to(store.as_ref(), "sam@guest.test");
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert!(mail.subject.contains("Alice") && mail.subject.contains("Team A"));
    assert!(mail.body.contains("Please check the contract"));
    assert!(mail.body.contains("POST /api/invitations/accept"));
    let token = invitation_token(&mail.body);

    // Pending: no password yet, so no login either.
    let login = crate::api_client::log_in(server.addr, "sam@guest.test", PASSWORD).await;
    assert_eq!(login.status, 401);
    let session = accepted(&server, &token, PASSWORD).await;
    let again = accept(&server, &token, PASSWORD).await;
    assert_eq!(again.status, 401, "the token works once");

    let (sam, mut sam_events) = connect(&server.url(), &session).await;
    let welcome = sam.welcome();
    assert_eq!(welcome.user.id, invited.user);
    assert!(welcome.teams.is_empty(), "no role in any team");
    assert_eq!(welcome.grants.len(), 1);
    assert_eq!(welcome.grants[0].conversation, conversation);
    sam.subscribe(world.team_a).await.unwrap();

    // The conversation's history, with the system message, and its live
    // messages; Sam may write and edit the contact there.
    let page = sam
        .history(conversation, HistoryQuery::default())
        .await
        .unwrap();
    let bodies: Vec<&str> = page.messages.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies[0], "before the invite");
    assert!(bodies[1].starts_with("Alice invited sam@guest.test"));
    alice.send(other, "not for Sam").await.unwrap();
    alice.send(conversation, "hello Sam").await.unwrap();
    assert_eq!(next_message(&mut sam_events).await.body, "hello Sam");
    sam.send(conversation, "hi, Sam here").await.unwrap();
    assert_eq!(next_message(&mut sam_events).await.body, "hi, Sam here");
    let changes = switchboard_client::ContactChanges {
        phone: Some("+1 555 0100".into()),
        ..Default::default()
    };
    let updated = sam.update_contact(conversation, changes).await.unwrap();
    assert_eq!(updated.phone.as_deref(), Some("+1 555 0100"));

    // And nothing else of the team.
    let (code, _) = refusal(sam.history(other, HistoryQuery::default()).await);
    assert_eq!(code, ErrorCode::NotFound);
    let (code, _) = refusal(sam.invite(conversation, "pat@guest.test", None).await);
    assert_eq!(code, ErrorCode::Forbidden, "no commands");
    let (code, _) = refusal(sam.send_command(conversation, "cmd-1", "^assign me").await);
    assert_eq!(code, ErrorCode::Forbidden, "no commands, typed either");
    let (code, _) = refusal(sam.members(world.team_a).await);
    assert_eq!(code, ErrorCode::NotFound);
    let (code, _) = refusal(sam.start_conversation(world.team_a, contact("Pat")).await);
    assert_eq!(code, ErrorCode::NotFound);
    assert!(mails_to(store.as_ref(), "pat@guest.test").is_empty());
}

#[tokio::test]
async fn an_existing_user_accepts_with_their_own_password_and_a_wrong_one_is_refused() {
    let (_dir, server, world) = seeded().await;
    let store = server.server.store();
    let signed_up = sign_up(server.addr, "sam@guest.test", PASSWORD, "Sam", "Sam's shop").await;
    let sam_token = signed_up["token"].as_str().unwrap().to_string();
    let sam_id = signed_up["user"]["id"].as_u64().unwrap();
    let (_sam, mut sam_events) = connect(&server.url(), &sam_token).await;

    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    // Typed into a send, with a note after the address.
    let invited = alice
        .send_invite_command(
            conversation,
            "inv-1",
            "^invite SAM@guest.test see the quote",
        )
        .await
        .unwrap();
    assert_eq!(invited.user.0, sam_id, "the existing user, not a new one");
    let mails = mails_to(store.as_ref(), "sam@guest.test");
    assert_eq!(mails.len(), 1);
    assert!(mails[0].body.contains("see the quote"));
    assert!(mails[0].body.contains("accept with its password"));
    let token = invitation_token(&mails[0].body);

    // A wrong password gets exactly what a wrong login gets, and keeps
    // the invitation usable.
    let wrong = accept(&server, &token, "not my password at all").await;
    let bad_login =
        crate::api_client::log_in(server.addr, "sam@guest.test", "nope nope nope").await;
    assert_eq!(wrong.status, 401);
    assert_eq!((wrong.status, wrong.body.clone()), (401, bad_login.body));

    let session = accepted(&server, &token, PASSWORD).await;
    // Sam's connection from before reloads its access: the conversation
    // is now in the welcome.
    let (code, _, welcome) = reconnection(&mut sam_events).await;
    assert_eq!(code, Some(close::ACCESS_CHANGED));
    assert_eq!(welcome.grants.len(), 1);
    assert_eq!(welcome.grants[0].conversation, conversation);
    let (sam_again, _events) = connect(&server.url(), &session).await;
    let page = sam_again
        .history(conversation, HistoryQuery::default())
        .await
        .unwrap();
    assert_eq!(page.messages.len(), 1, "the system message");
    // Sam still owns their own account.
    assert_eq!(sam_again.welcome().accounts.len(), 1);
}

#[tokio::test]
async fn inviting_a_pending_invitee_again_replaces_the_token() {
    let (_dir, server, world) = seeded().await;
    let store = server.server.store();
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    let first = alice
        .invite(conversation, "sam@guest.test", None)
        .await
        .unwrap();
    let second = alice
        .invite(conversation, "sam@guest.test", Some("again".into()))
        .await
        .unwrap();
    assert_eq!(first.user, second.user, "one user");
    let mails = mails_to(store.as_ref(), "sam@guest.test");
    assert_eq!(mails.len(), 2, "a new mail");
    let (old, new) = (
        invitation_token(&mails[0].body),
        invitation_token(&mails[1].body),
    );
    assert_ne!(old, new);
    assert_eq!(accept(&server, &old, PASSWORD).await.status, 401);
    accepted(&server, &new, PASSWORD).await;
    let (code, message) = refusal(alice.invite(conversation, "sam@guest.test", None).await);
    assert_eq!(code, ErrorCode::BadCommand);
    assert!(
        message.contains("already in this conversation"),
        "{message}"
    );
}

#[tokio::test]
async fn revoking_an_invitation_cuts_access_live() {
    let (_dir, server, world) = seeded().await;
    let store = server.server.store();
    let (alice, _alice_events) = subscribed(&server, &world.alice.token, world.team_a).await;
    let (bob, mut bob_events) = subscribed(&server, &world.bob.token, world.team_a).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    let invited = alice
        .invite(conversation, "sam@guest.test", None)
        .await
        .unwrap();
    let token = invitation_token(&mails_to(store.as_ref(), "sam@guest.test")[0].body);
    let session = accepted(&server, &token, PASSWORD).await;
    let (sam, mut sam_events) = subscribed(&server, &session, world.team_a).await;
    alice.send(conversation, "hello Sam").await.unwrap();
    assert_eq!(next_message(&mut sam_events).await.body, "hello Sam");

    // Bob neither invited Sam nor manages the team; Carol is elsewhere.
    let (code, _) = refusal(bob.revoke_invitation(conversation, invited.user).await);
    assert_eq!(code, ErrorCode::Forbidden);
    let (carol, _carol_events) = connect(&server.url(), &world.carol.token).await;
    let (code, _) = refusal(carol.revoke_invitation(conversation, invited.user).await);
    assert_eq!(code, ErrorCode::NotFound);
    let (code, _) = refusal(sam.revoke_invitation(conversation, invited.user).await);
    assert_eq!(code, ErrorCode::Forbidden, "a Restricted Member may not");

    let revoked = alice
        .revoke_invitation(conversation, invited.user)
        .await
        .unwrap();
    assert_eq!(revoked.user, invited.user);
    let (code, took, welcome) = reconnection(&mut sam_events).await;
    assert_eq!(code, Some(close::ACCESS_CHANGED));
    assert!(took < Duration::from_secs(1), "closed after {took:?}");
    assert!(welcome.grants.is_empty());
    let bodies: Vec<String> = next_messages(&mut bob_events, 3)
        .await
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert_eq!(
        bodies,
        [
            "Alice invited sam@guest.test",
            "hello Sam",
            "Alice revoked the invitation of sam@guest.test"
        ]
    );

    alice
        .send(conversation, "after the revocation")
        .await
        .unwrap();
    assert_eq!(
        next_message(&mut bob_events).await.body,
        "after the revocation"
    );
    let (code, _) = refusal(sam.history(conversation, HistoryQuery::default()).await);
    assert_eq!(code, ErrorCode::NotFound);
    let (code, _) = refusal(sam.send(conversation, "still here?").await);
    assert_eq!(code, ErrorCode::NotFound);
    let late = messages_within(&mut sam_events, Duration::from_millis(300)).await;
    assert!(late.is_empty(), "nothing reaches Sam: {late:?}");
    let grant = store.grant(conversation, invited.user).unwrap().unwrap();
    assert_eq!(grant.state, GrantState::Revoked);

    // Revoking a pending invitation makes its token useless.
    alice
        .invite(conversation, "pat@guest.test", None)
        .await
        .unwrap();
    let pat = invitation_token(&mails_to(store.as_ref(), "pat@guest.test")[0].body);
    let pat_user = store.user_by_email("pat@guest.test").unwrap().unwrap();
    alice
        .revoke_invitation(conversation, pat_user.id)
        .await
        .unwrap();
    assert_eq!(accept(&server, &pat, PASSWORD).await.status, 401);
}

#[tokio::test]
async fn refused_invitations_are_answered_to_the_sender_alone_and_change_nothing() {
    let (_dir, server, world) = seeded().await;
    let store = server.server.store();
    let (alice, _alice_events) = subscribed(&server, &world.alice.token, world.team_a).await;
    let (_bob, mut bob_events) = subscribed(&server, &world.bob.token, world.team_a).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    // A Restricted Member of the conversation, and a bot of the team.
    let dave = restricted_member(
        &server,
        conversation,
        "dave@guest.test",
        "Dave",
        world.alice.user,
    );
    let (dave_client, _dave_events) = connect(&server.url(), &dave.token).await;
    let bot = alice
        .create_bot(world.team_a, "Bridge", BotScope::ReadWrite)
        .await
        .unwrap();
    let (bot_client, _bot_events) = connect(&server.url(), &bot.token).await;
    let (carol, _carol_events) = connect(&server.url(), &world.carol.token).await;
    let mails_before = store.mails().unwrap().len();

    let (code, message) = refusal(
        alice
            .send_invite_command(conversation, "bad-1", "^invite sam-at-guest.test")
            .await,
    );
    assert_eq!(code, ErrorCode::BadCommand);
    assert!(message.contains("email"), "{message}");
    let (code, message) = refusal(alice.invite(conversation, "sam@guest", None).await);
    assert_eq!(code, ErrorCode::BadCommand);
    assert!(message.contains("\"sam@guest\""), "{message}");
    let (code, message) = refusal(alice.invite(conversation, "bob@one.test", None).await);
    assert_eq!(code, ErrorCode::BadCommand);
    assert!(message.contains("already a member"), "{message}");
    assert!(message.contains("^assign"), "{message}");
    let (code, _) = refusal(
        dave_client
            .invite(conversation, "sam@guest.test", None)
            .await,
    );
    assert_eq!(code, ErrorCode::Forbidden);
    let (code, _) = refusal(
        bot_client
            .send_invite_command(conversation, "bot-1", "^invite sam@guest.test")
            .await,
    );
    assert_eq!(code, ErrorCode::Forbidden);
    let (code, _) = refusal(
        bot_client
            .invite(conversation, "sam@guest.test", None)
            .await,
    );
    assert_eq!(code, ErrorCode::Forbidden);
    let (code, _) = refusal(carol.invite(conversation, "sam@guest.test", None).await);
    assert_eq!(code, ErrorCode::NotFound);

    // Nothing was written: no mail, no user, no system message (the next
    // message Bob sees is the one sent after all of them).
    assert_eq!(store.mails().unwrap().len(), mails_before);
    assert!(store.user_by_email("sam@guest.test").unwrap().is_none());
    assert!(store.user_by_email("sam@guest").unwrap().is_none());
    assert_eq!(
        store.conversation_grants(conversation).unwrap().len(),
        1,
        "Dave's grant only"
    );
    alice.send(conversation, "marker").await.unwrap();
    assert_eq!(next_message(&mut bob_events).await.body, "marker");
}

/// A fake SMTP relay on 127.0.0.1:0 that accepts one mail and hands over
/// what came after DATA.
async fn fake_smtp() -> (u16, tokio::sync::oneshot::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 fake.test ESMTP\r\n").await.unwrap();
        let mut data: Option<String> = None;
        let mut tx = Some(tx);
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(body) = data.as_mut() {
                if line == "." {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(std::mem::take(body));
                    }
                    data = None;
                    write.write_all(b"250 queued\r\n").await.unwrap();
                } else {
                    body.push_str(&line);
                    body.push('\n');
                }
                continue;
            }
            let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
            let answer: &[u8] = match verb.as_str() {
                "DATA" => {
                    data = Some(String::new());
                    b"354 go ahead\r\n"
                }
                "QUIT" => {
                    write.write_all(b"221 bye\r\n").await.unwrap();
                    break;
                }
                _ => b"250 ok\r\n",
            };
            write.write_all(answer).await.unwrap();
        }
    });
    (port, rx)
}

#[tokio::test]
async fn with_smtp_configured_the_invitation_is_mailed_over_smtp() {
    let (port, data) = fake_smtp().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), dir.path());
    config.smtp = Some(
        SmtpConfig::parse(
            &format!("smtp://127.0.0.1:{port}"),
            "Switchboard <sb@one.test>",
        )
        .unwrap(),
    );
    let server = TestServer::start_with(config).await;
    let store = server.server.store();
    let world = seed(store.as_ref());
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let conversation: ConversationId = start_conversation(&alice, world.team_a, "Jordan").await;
    alice
        .invite(conversation, "sam@guest.test", Some("over SMTP".into()))
        .await
        .unwrap();

    let data = tokio::time::timeout(PATIENCE, data)
        .await
        .expect("the mail arrives in time")
        .expect("the relay saw a DATA");
    // Undo quoted-printable's soft line breaks, as a mail reader would.
    let data = data.replace("=\n", "");
    assert!(data.contains("sam@guest.test"), "{data}");
    assert!(data.contains("sb@one.test"), "{data}");
    assert!(data.contains("over SMTP"), "{data}");
    assert!(store.mails().unwrap().is_empty(), "nothing in the outbox");
    // The token in the SMTP mail accepts the invitation.
    let token = invitation_token(&data);
    assert_eq!(token.len(), 4 + 64, "{data}");
    accepted(&server, &token, PASSWORD).await;
}
