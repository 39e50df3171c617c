//! Ending: refusals that forbid reconnecting, and the application's close.

use crate::fake::{self, FakeServer};
use std::time::Duration;
use switchboard_client::protocol::close;
use switchboard_client::{Client, ClientEvent, Encoding, Error, TeamId};
use tokio_tungstenite::tungstenite::Message as WsMessage;

#[tokio::test]
async fn unauthorized_close_ends_the_client_without_reconnecting() {
    let mut server = FakeServer::start().await;
    let (client, mut events, conn) = fake::connect_as(&mut server, Encoding::MsgPack).await;
    conn.close(close::UNAUTHORIZED, "token revoked").await;

    match fake::next_event(&mut events).await {
        ClientEvent::Closed { code, reason } => {
            assert_eq!(code, Some(close::UNAUTHORIZED));
            assert_eq!(reason, "token revoked");
        }
        other => panic!("expected Closed, got {other:?}"),
    }
    assert_eq!(events.next().await, None, "Closed is the last event");
    server
        .expect_no_connection(Duration::from_millis(300))
        .await;
    assert_eq!(
        client.ping().await,
        Err(Error::Closed {
            code: Some(close::UNAUTHORIZED),
            reason: "token revoked".into()
        })
    );
}

#[tokio::test]
async fn a_refused_first_hello_is_an_error() {
    let mut server = FakeServer::start().await;
    let connecting = tokio::spawn(Client::connect(server.config(Encoding::Json)));
    let mut conn = server.accept().await;
    assert!(matches!(
        conn.recv().await,
        switchboard_client::protocol::ClientFrame::Hello(_)
    ));
    conn.close(close::UNAUTHORIZED, "unknown token").await;

    let refused = connecting.await.unwrap().unwrap_err();
    assert_eq!(
        refused,
        Error::Closed {
            code: Some(close::UNAUTHORIZED),
            reason: "unknown token".into()
        }
    );
    server
        .expect_no_connection(Duration::from_millis(200))
        .await;
}

#[tokio::test]
async fn an_unreachable_server_is_a_connect_error() {
    // Bind then drop a listener so that the port is (very likely) closed.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let config = switchboard_client::ClientConfig::new(format!("ws://{addr}/ws"), "t");
    assert!(matches!(
        Client::connect(config).await,
        Err(Error::Connect(_))
    ));
}

#[tokio::test]
async fn close_says_goodbye_with_1000_and_ends_the_stream() {
    let mut server = FakeServer::start().await;
    let (client, mut events, mut conn) = fake::connect_as(&mut server, Encoding::MsgPack).await;
    fake::subscribe_fresh(&client, &mut conn, 1, 1, 0).await;

    let closing = tokio::spawn({
        let client = client.clone();
        async move { client.close().await }
    });
    match conn.next_message().await {
        Some(WsMessage::Close(Some(frame))) => assert_eq!(u16::from(frame.code), close::NORMAL),
        other => panic!("expected a close frame, got {other:?}"),
    }
    drop(conn);
    closing.await.unwrap();

    match fake::next_event(&mut events).await {
        ClientEvent::Closed { code, .. } => assert_eq!(code, Some(close::NORMAL)),
        other => panic!("expected Closed, got {other:?}"),
    }
    assert_eq!(events.next().await, None);
    server
        .expect_no_connection(Duration::from_millis(200))
        .await;
    assert!(matches!(
        client.subscribe(TeamId(1)).await,
        Err(Error::Closed { .. })
    ));
}
