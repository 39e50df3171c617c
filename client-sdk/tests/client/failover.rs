//! Several servers: the client connects to the first that answers, moves
//! on to the next in turn when its server goes away, and resumes there
//! from the same positions, resending what was not acknowledged.

use crate::fake::{self, FakeServer};
use std::time::Duration;
use switchboard_client::protocol::client::ClientFrame;
use switchboard_client::protocol::server::Reply;
use switchboard_client::protocol::{close, Epoch, ErrorCode, Millis};
use switchboard_client::{
    Client, ClientConfig, ClientEvent, ConversationId, Encoding, Error, Offset, Position, Resume,
    SendAck, Seq, TeamId,
};

/// A URL where nothing listens (a listener bound, then dropped).
fn dead_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("ws://{addr}/ws")
}

fn servers(urls: &[&str]) -> ClientConfig {
    fake::quick(
        ClientConfig::with_servers(urls.iter().copied(), "test-token"),
        Encoding::MsgPack,
    )
}

#[tokio::test]
async fn with_the_first_server_down_the_client_connects_to_the_next() {
    let mut live = FakeServer::start().await;
    let dead = dead_url();
    let config = servers(&[&dead, live.url()]);
    let (client, _events, _conn) = fake::connect(&mut live, config).await;
    assert_eq!(client.server_url(), live.url());
}

#[tokio::test]
async fn with_every_server_down_connect_fails() {
    let config = servers(&[&dead_url(), &dead_url()]);
    assert!(matches!(
        Client::connect(config).await,
        Err(Error::Connect(_))
    ));
}

/// The next frame, which must be a subscribe of `team` after `after`.
async fn resubscribe(
    conn: &mut fake::FakeConn,
    team: u64,
    after: (u64, u64),
) -> switchboard_client::protocol::RequestId {
    match conn.recv().await {
        ClientFrame::Subscribe(subscribe) => {
            assert_eq!(subscribe.team, TeamId(team));
            let (epoch, offset) = after;
            assert_eq!(
                subscribe.after,
                Some(Position {
                    epoch: Epoch(epoch),
                    offset: Offset(offset)
                })
            );
            subscribe.id
        }
        other => panic!("expected a re-subscribe, got {other:?}"),
    }
}

#[tokio::test]
async fn a_lost_server_is_replaced_by_the_next_and_the_session_resumes_there() {
    let mut a = FakeServer::start().await;
    let mut b = FakeServer::start().await;
    let config = servers(&[a.url(), b.url()]);
    let (client, mut events, mut conn) = fake::connect(&mut a, config).await;
    assert_eq!(client.server_url(), a.url());
    fake::subscribe_fresh(&client, &mut conn, 1, 7, 10).await;
    conn.event(1, 11).await;
    assert_eq!(fake::next_offsets(&mut events, 1).await, vec![11]);
    let sending = tokio::spawn({
        let client = client.clone();
        async move { client.send(ConversationId(1), "across").await }
    });
    let ClientFrame::Send(original) = conn.recv().await else {
        panic!("expected the send")
    };

    // Server A goes away (it still listens: the client must not go back
    // to it first).
    drop(conn);
    assert!(matches!(
        fake::next_event(&mut events).await,
        ClientEvent::Disconnected { .. }
    ));
    let mut conn = b.accept().await;
    conn.greet(fake::welcome(&[1])).await;
    assert!(matches!(
        fake::next_event(&mut events).await,
        ClientEvent::Reconnected { .. }
    ));
    assert_eq!(client.server_url(), b.url());
    let id = resubscribe(&mut conn, 1, (7, 11)).await;
    let ClientFrame::Send(resent) = conn.recv().await else {
        panic!("expected the resend")
    };
    assert_eq!(resent.client_msg_id, original.client_msg_id);
    // B replays what A had not delivered, then the offset A delivered
    // again (as a live event racing the replay): once each.
    conn.reply(id, fake::subscribed(1, 7, 12, 1, true, Resume::Recovered))
        .await;
    conn.event(1, 12).await;
    conn.event(1, 11).await;
    conn.event(1, 13).await;
    let ack = SendAck {
        conversation: ConversationId(1),
        seq: Seq(13),
        offset: Offset(13),
        at: Millis(1),
        duplicate: false,
    };
    conn.reply(resent.id, Reply::Sent(ack.clone())).await;
    assert_eq!(fake::next_offsets(&mut events, 2).await, vec![12, 13]);
    assert_eq!(sending.await.unwrap(), Ok(ack));

    // B goes away in turn: round robin comes back to A.
    drop(conn);
    let mut conn = a.accept().await;
    conn.greet(fake::welcome(&[1])).await;
    resubscribe(&mut conn, 1, (7, 13)).await;
    assert_eq!(client.server_url(), a.url());
}

#[tokio::test]
async fn a_resubscribe_refused_for_now_moves_to_the_next_server_keeping_the_team() {
    let mut a = FakeServer::start().await;
    let mut b = FakeServer::start().await;
    let config = servers(&[a.url(), b.url()]);
    let (client, mut events, mut conn) = fake::connect(&mut a, config).await;
    fake::subscribe_fresh(&client, &mut conn, 1, 3, 5).await;
    drop(conn);

    // B is shutting down: it refuses the re-subscribe with `unavailable`.
    let mut conn = b.accept().await;
    conn.greet(fake::welcome(&[1])).await;
    let id = resubscribe(&mut conn, 1, (3, 5)).await;
    conn.refuse(id, ErrorCode::Unavailable, "the server is shutting down")
        .await;
    // The client gives B up and subscribes the team again on A.
    let mut conn = a.accept().await;
    conn.greet(fake::welcome(&[1])).await;
    let id = resubscribe(&mut conn, 1, (3, 5)).await;
    conn.reply(id, fake::subscribed(1, 3, 5, 0, true, Resume::Recovered))
        .await;
    conn.event(1, 6).await;
    let mut offsets = Vec::new();
    while offsets.is_empty() {
        if let ClientEvent::Event(frame) = fake::next_event(&mut events).await {
            offsets.push(frame.offset.0);
        }
    }
    assert_eq!(offsets, vec![6]);
    assert_eq!(client.server_url(), a.url());
}

#[tokio::test]
async fn a_refused_token_is_not_tried_on_the_other_servers() {
    let mut a = FakeServer::start().await;
    let mut b = FakeServer::start().await;
    let connecting = tokio::spawn(Client::connect(servers(&[a.url(), b.url()])));
    let mut conn = a.accept().await;
    assert!(matches!(conn.recv().await, ClientFrame::Hello(_)));
    conn.close(close::UNAUTHORIZED, "unknown token").await;
    assert!(matches!(
        connecting.await.unwrap(),
        Err(Error::Closed {
            code: Some(close::UNAUTHORIZED),
            ..
        })
    ));
    // Every server answers for the same tokens: asking the next is useless.
    b.expect_no_connection(Duration::from_millis(200)).await;
}
