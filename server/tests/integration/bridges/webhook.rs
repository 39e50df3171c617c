//! The built-in webhook bridge against a fake SMS gateway: a contact's
//! signed message comes in over HTTP and an agent sees it live; an
//! agent's reply goes out as a signed POST and its receipts show; a
//! failing gateway is retried, then dead-lettered for a Manager to retry;
//! a revoked bridge refuses; a keyed create returns no second secret (the
//! restart in `webhook_restart.rs`).

use super::gateway::{sign, Gateway};
use crate::api_client::{http, HttpAnswer};
use crate::util::*;
use std::time::Duration;
use switchboard_client::{ClientEvent, Events};
use switchboard_protocol::bridge::{DeliveryStatus, Receipt};
use switchboard_protocol::ids::{ConversationId, RequestId, Seq, TeamId, UserId};
use switchboard_protocol::server::{EventFrame, Reply};
use switchboard_protocol::webhook::{
    BridgeCreated, BridgesRequest, CreateBridge, DeadLettersRequest, RetryDeadLetter,
};
use switchboard_protocol::{ClientFrame, ErrorCode, ServerFrame};
use switchboard_server::Config;

/// Short retries, so that a failing gateway is dead-lettered quickly.
pub(super) fn quick(config: &mut Config) {
    config.webhook.attempts = 3;
    config.webhook.backoff = Duration::from_millis(20);
    config.webhook.max_backoff = Duration::from_millis(80);
    config.webhook.poll = Duration::from_millis(50);
    config.webhook.timeout = Duration::from_secs(2);
}

/// What a request was answered: its reply, or its error code.
pub(super) async fn ask(url: &str, token: &str, frame: ClientFrame) -> Result<Reply, ErrorCode> {
    let mut raw = Raw::login(url, token).await;
    match raw.request(frame).await {
        ServerFrame::Result(r) => Ok(r.result),
        ServerFrame::Error(e) => Err(e.code),
        other => panic!("unexpected {other:?}"),
    }
}

/// A webhook bridge of `team` posting to `gateway`, created by `by`.
pub(super) async fn create(url: &str, by: &Login, team: TeamId, outbound: &str) -> BridgeCreated {
    let frame = ClientFrame::CreateBridge(CreateBridge {
        id: RequestId(1),
        team,
        name: "SMS".into(),
        outbound_url: outbound.into(),
        key: None,
    });
    match ask(url, &by.token, frame).await {
        Ok(Reply::Bridge(created)) => created,
        other => panic!("create_bridge answered {other:?}"),
    }
}

/// POSTs `body` to a bridge's endpoint, signed with `secret`.
pub(super) async fn signed(
    server: &TestServer,
    bridge: UserId,
    endpoint: &str,
    secret: &str,
    body: serde_json::Value,
) -> HttpAnswer {
    let body = serde_json::to_vec(&body).unwrap();
    let signature = sign(secret, &body);
    let path = format!("/api/bridges/{}/{endpoint}", bridge.0);
    let headers = [
        ("Content-Type", "application/json"),
        ("X-Switchboard-Signature", signature.as_str()),
    ];
    http(server.addr, "POST", &path, &headers, &body).await
}

/// A contact's message in through the webhook: its conversation and seq.
pub(super) async fn inbound(
    server: &TestServer,
    created: &BridgeCreated,
    id: &str,
    body: &str,
) -> (ConversationId, Seq) {
    let message =
        serde_json::json!({ "id": id, "from": "+1 415 555 0123", "body": body, "name": "Rio" });
    let answer = signed(
        server,
        created.bridge.id,
        "messages",
        &created.secret,
        message,
    )
    .await;
    assert_eq!(
        answer.status,
        200,
        "{:?}",
        String::from_utf8_lossy(&answer.body)
    );
    let json = answer.json();
    (
        ConversationId(json["conversation"].as_u64().unwrap()),
        Seq(json["seq"].as_u64().unwrap()),
    )
}

pub(super) async fn next_receipt(events: &mut Events) -> Receipt {
    loop {
        let event = tokio::time::timeout(PATIENCE, events.next())
            .await
            .expect("a receipt in time")
            .expect("open");
        if let ClientEvent::Event(EventFrame {
            event: switchboard_protocol::server::Event::Receipt(receipt),
            ..
        }) = event
        {
            return receipt;
        }
    }
}

/// The delivery of a message as history shows it, once it has one.
pub(super) async fn delivery_of(
    client: &switchboard_client::Client,
    conversation: ConversationId,
    seq: Seq,
) -> Option<DeliveryStatus> {
    let messages = all_messages(client, conversation).await;
    let message = messages.iter().find(|m| m.seq == seq).expect("the message");
    message.delivery.as_ref().map(|d| d.status)
}

#[tokio::test]
async fn a_signed_inbound_message_reaches_an_agent_live_once_and_a_bad_signature_stores_nothing() {
    let (_dir, server, world) = seeded_with(quick).await;
    let gateway = Gateway::start().await;
    let created = create(&server.url(), &world.alice, world.team_a, &gateway.url).await;
    assert_eq!(
        created.secret.len(),
        64,
        "the secret is shown once, at creation"
    );
    let (bob, mut bob_events) = connect(&server.url(), &world.bob.token).await;
    bob.subscribe(world.team_a).await.unwrap();

    // Bad or missing signatures: 401, and the team has no conversation.
    let message = serde_json::json!({ "id": "m-1", "from": "+14155550123", "body": "Hello?" });
    let forged = signed(
        &server,
        created.bridge.id,
        "messages",
        "not the secret",
        message.clone(),
    )
    .await;
    assert_eq!(
        (forged.status, forged.error_code().as_str()),
        (401, "unauthorized")
    );
    let body = serde_json::to_vec(&message).unwrap();
    let path = format!("/api/bridges/{}/messages", created.bridge.id.0);
    let unsigned = http(server.addr, "POST", &path, &[], &body).await;
    assert_eq!(unsigned.status, 401);
    // A body past the API's limit is refused before anything is read.
    let huge =
        serde_json::json!({ "id": "m-9", "from": "+14155550123", "body": "x".repeat(20_000) });
    let too_large = signed(
        &server,
        created.bridge.id,
        "messages",
        &created.secret,
        huge,
    )
    .await;
    assert_eq!(too_large.status, 413);
    let conversations = bob.conversations(world.team_a, None, None).await.unwrap();
    assert!(
        conversations.conversations.is_empty(),
        "a refused webhook stores nothing"
    );

    // Signed: a contact, a conversation on the bridge, and the message, live.
    let (conversation, seq) = inbound(&server, &created, "m-1", "Hello?").await;
    let live = next_message(&mut bob_events).await;
    assert_eq!(
        (live.conversation, live.seq, live.body.as_str()),
        (conversation, seq, "Hello?")
    );
    assert_eq!(live.sender.name, "Rio");

    // The gateway repeating its id stores nothing more.
    let again = inbound(&server, &created, "m-1", "Hello?").await;
    assert_eq!(again, (conversation, seq));
    let messages = all_messages(&bob, conversation).await;
    assert_eq!(messages.len(), 1, "{messages:?}");

    // Removing the bridge is revoking its bot: its endpoint refuses.
    let revoke = ClientFrame::RevokeBot(switchboard_protocol::manage::RevokeBot {
        id: RequestId(1),
        team: world.team_a,
        bot: created.bridge.id,
    });
    assert!(ask(&server.url(), &world.alice.token, revoke).await.is_ok());
    let message =
        serde_json::json!({ "id": "m-2", "from": "+14155550123", "body": "Still there?" });
    let gone = signed(
        &server,
        created.bridge.id,
        "messages",
        &created.secret,
        message,
    )
    .await;
    assert_eq!(gone.status, 401);
    assert_eq!(all_messages(&bob, conversation).await.len(), 1);
}

#[tokio::test]
async fn a_reply_is_posted_signed_and_its_receipts_show_sent_then_delivered() {
    let (_dir, server, world) = seeded_with(quick).await;
    let gateway = Gateway::start().await;
    let created = create(&server.url(), &world.alice, world.team_a, &gateway.url).await;
    let (conversation, _) = inbound(&server, &created, "m-1", "Is the job open?").await;
    let (bob, mut bob_events) = connect(&server.url(), &world.bob.token).await;
    bob.subscribe(world.team_a).await.unwrap();
    let reply = bob.send(conversation, "Yes, apply today").await.unwrap();

    let received = gateway.wait_for(1).await;
    let post = &received[0];
    assert_eq!(post.path, "/sms/send");
    assert_eq!(
        post.signature.as_deref(),
        Some(sign(&created.secret, &post.body).as_str())
    );
    let json = post.json();
    let reference = format!("{}:{}", conversation.0, reply.seq.0);
    assert_eq!(json["ref"], reference.as_str());
    assert_eq!(json["to"], "+14155550123");
    assert_eq!(json["body"], "Yes, apply today");
    assert_eq!(json["team"], world.team_a.0);

    let sent = next_receipt(&mut bob_events).await;
    assert_eq!((sent.seq, sent.status), (reply.seq, DeliveryStatus::Sent));

    let status = serde_json::json!({ "ref": reference, "status": "delivered" });
    let answer = signed(
        &server,
        created.bridge.id,
        "status",
        &created.secret,
        status,
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        delivery_of(&bob, conversation, reply.seq).await,
        Some(DeliveryStatus::Delivered)
    );
    // A status with a bad signature changes nothing.
    let late = serde_json::json!({ "ref": reference, "status": "failed" });
    let forged = signed(&server, created.bridge.id, "status", "wrong", late).await;
    assert_eq!(forged.status, 401);
}

#[tokio::test]
async fn a_failing_gateway_is_retried_then_dead_lettered_and_a_manager_retries_it() {
    let (_dir, server, world) = seeded_with(quick).await;
    let gateway = Gateway::start().await;
    gateway.fail_next(1000);
    let created = create(&server.url(), &world.alice, world.team_a, &gateway.url).await;
    let (conversation, _) = inbound(&server, &created, "m-1", "Hi").await;
    let (bob, mut bob_events) = connect(&server.url(), &world.bob.token).await;
    bob.subscribe(world.team_a).await.unwrap();
    let reply = bob.send(conversation, "Hello from the team").await.unwrap();

    let failed = next_receipt(&mut bob_events).await;
    assert_eq!(
        (failed.seq, failed.status),
        (reply.seq, DeliveryStatus::Failed)
    );
    assert_eq!(
        gateway.received().len(),
        3,
        "three attempts, then a dead letter"
    );
    assert!(gateway.received().iter().all(|r| !r.accepted));

    let list = ClientFrame::DeadLetters(DeadLettersRequest {
        id: RequestId(1),
        team: world.team_a,
    });
    let letters = match ask(&server.url(), &world.alice.token, list.clone()).await {
        Ok(Reply::DeadLetters(l)) => l.dead_letters,
        other => panic!("dead_letters answered {other:?}"),
    };
    assert_eq!(letters.len(), 1);
    let letter = &letters[0];
    assert_eq!(
        (letter.conversation, letter.seq, letter.attempts),
        (conversation, reply.seq, 3)
    );
    assert_eq!(letter.body, "Hello from the team");
    assert_eq!(letter.last_error, "HTTP 500");
    let bridges = ClientFrame::Bridges(BridgesRequest {
        id: RequestId(1),
        team: world.team_a,
    });
    match ask(&server.url(), &world.alice.token, bridges).await {
        Ok(Reply::Bridges(b)) => {
            assert_eq!(b.bridges.len(), 1);
            assert_eq!(
                (b.bridges[0].id, b.bridges[0].dead_letters),
                (created.bridge.id, 1)
            );
        }
        other => panic!("bridges answered {other:?}"),
    }

    // Still failing: refused, and the letter stays.
    let retry = ClientFrame::RetryDeadLetter(RetryDeadLetter {
        id: RequestId(1),
        team: world.team_a,
        dead_letter: letter.id,
    });
    let refused = ask(&server.url(), &world.alice.token, retry.clone()).await;
    assert_eq!(refused, Err(ErrorCode::Unavailable));

    // The gateway works again: the retry sends it, the letter goes, the
    // message becomes sent.
    gateway.fail_next(0);
    match ask(&server.url(), &world.alice.token, retry).await {
        Ok(Reply::DeadLetter(d)) => assert_eq!(d.id, letter.id),
        other => panic!("retry_dead_letter answered {other:?}"),
    }
    let resent = next_receipt(&mut bob_events).await;
    assert_eq!(
        (resent.seq, resent.status),
        (reply.seq, DeliveryStatus::Sent)
    );
    assert_eq!(
        delivery_of(&bob, conversation, reply.seq).await,
        Some(DeliveryStatus::Sent)
    );
    match ask(&server.url(), &world.alice.token, list).await {
        Ok(Reply::DeadLetters(l)) => assert!(l.dead_letters.is_empty()),
        other => panic!("dead_letters answered {other:?}"),
    }
    let accepted: Vec<_> = gateway
        .received()
        .into_iter()
        .filter(|r| r.accepted)
        .collect();
    assert_eq!(accepted.len(), 1);
    // The dispatcher does not send it once more.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(gateway.received().iter().filter(|r| r.accepted).count(), 1);
}

#[tokio::test]
async fn a_member_may_not_create_a_bridge_and_an_outsider_finds_no_team() {
    let (_dir, server, world) = seeded().await;
    let frame = || {
        ClientFrame::CreateBridge(CreateBridge {
            id: RequestId(1),
            team: world.team_a,
            name: "SMS".into(),
            outbound_url: "http://127.0.0.1:9/".into(),
            key: None,
        })
    };
    assert_eq!(
        ask(&server.url(), &world.bob.token, frame()).await,
        Err(ErrorCode::Forbidden)
    );
    // A keyed retry gets the bridge back without its secret, and creates
    // no second one.
    let mut keyed = frame();
    if let ClientFrame::CreateBridge(c) = &mut keyed {
        c.key = Some("bridge-1".into());
    }
    let first = ask(&server.url(), &world.alice.token, keyed.clone()).await;
    let again = ask(&server.url(), &world.alice.token, keyed).await;
    match (first, again) {
        (Ok(Reply::Bridge(first)), Ok(Reply::Bridge(again))) => {
            assert_eq!(first.secret.len(), 64);
            assert_eq!(
                (again.bridge.id, again.secret.as_str()),
                (first.bridge.id, "")
            );
        }
        other => panic!("create_bridge answered {other:?}"),
    }
    let list = ClientFrame::Bridges(BridgesRequest {
        id: RequestId(1),
        team: world.team_a,
    });
    match ask(&server.url(), &world.alice.token, list).await {
        Ok(Reply::Bridges(b)) => assert_eq!(b.bridges.len(), 1),
        other => panic!("bridges answered {other:?}"),
    }
    assert_eq!(
        ask(&server.url(), &world.carol.token, frame()).await,
        Err(ErrorCode::NotFound)
    );
    // A URL the dispatcher cannot POST to is refused.
    let mut bad = frame();
    if let ClientFrame::CreateBridge(c) = &mut bad {
        c.outbound_url = "ftp://gateway.test/".into();
    }
    assert_eq!(
        ask(&server.url(), &world.alice.token, bad).await,
        Err(ErrorCode::BadRequest)
    );
}
