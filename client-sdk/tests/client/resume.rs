//! Reconnecting: re-subscribing from the last position, resending what was
//! not acknowledged, failing what cannot be replayed, and keepalive.

use crate::fake::{self, FakeServer};
use std::time::Duration;
use switchboard_client::protocol::client::ClientFrame;
use switchboard_client::protocol::server::Reply;
use switchboard_client::protocol::{close, Epoch, Millis};
use switchboard_client::{
    ClientEvent, ConversationId, Encoding, Error, HistoryQuery, Offset, Position, Resume, SendAck,
    Seq, TeamId,
};

#[tokio::test]
async fn after_a_drop_the_client_resubscribes_from_its_position_and_resends_the_unacked_send() {
    let mut server = FakeServer::start().await;
    let (client, mut events, mut conn) = fake::connect_as(&mut server, Encoding::MsgPack).await;
    fake::subscribe_fresh(&client, &mut conn, 1, 7, 10).await;
    conn.event(1, 11).await;
    conn.event(1, 12).await;
    assert_eq!(fake::next_offsets(&mut events, 2).await, vec![11, 12]);

    // A send and a history read are in flight when the connection drops.
    let sending = tokio::spawn({
        let client = client.clone();
        async move { client.send(ConversationId(1), "hello there").await }
    });
    let ClientFrame::Send(original) = conn.recv().await else {
        panic!("expected send")
    };
    assert_eq!(original.body, "hello there");
    assert!(!original.client_msg_id.is_empty() && original.client_msg_id.len() <= 64);
    let reading = tokio::spawn({
        let client = client.clone();
        async move {
            client
                .history(ConversationId(1), HistoryQuery::latest())
                .await
        }
    });
    let ClientFrame::History(_) = conn.recv().await else {
        panic!("expected history")
    };
    drop(conn); // no close frame: a network failure

    match fake::next_event(&mut events).await {
        ClientEvent::Disconnected { code, .. } => assert_eq!(code, None),
        other => panic!("expected Disconnected, got {other:?}"),
    }
    assert_eq!(reading.await.unwrap(), Err(Error::ConnectionLost));

    let mut conn = server.accept().await;
    conn.greet(fake::welcome(&[1, 2])).await;
    match fake::next_event(&mut events).await {
        ClientEvent::Reconnected { welcome } => assert_eq!(welcome.teams.len(), 2),
        other => panic!("expected Reconnected, got {other:?}"),
    }

    // First the re-subscribe from the last delivered position...
    let ClientFrame::Subscribe(resubscribe) = conn.recv().await else {
        panic!("expected subscribe")
    };
    assert_eq!(resubscribe.team, TeamId(1));
    assert_eq!(
        resubscribe.after,
        Some(Position {
            epoch: Epoch(7),
            offset: Offset(12)
        })
    );
    // ...then the same message again, with the same client_msg_id.
    let ClientFrame::Send(resent) = conn.recv().await else {
        panic!("expected the resend")
    };
    assert_eq!(resent.client_msg_id, original.client_msg_id);
    assert_eq!(resent.body, original.body);
    assert_ne!(resent.id, original.id, "a new connection, a new request id");

    conn.reply(
        resubscribe.id,
        fake::subscribed(1, 7, 13, 1, true, Resume::Recovered),
    )
    .await;
    conn.event(1, 13).await;
    let ack = SendAck {
        conversation: ConversationId(1),
        seq: Seq(13),
        offset: Offset(13),
        at: Millis(1),
        duplicate: true,
    };
    conn.reply(resent.id, Reply::Sent(ack.clone())).await;

    assert_eq!(sending.await.unwrap(), Ok(ack));
    assert_eq!(fake::next_offsets(&mut events, 1).await, vec![13]);
    assert_eq!(client.position(TeamId(1)).unwrap().offset, Offset(13));
}

#[tokio::test]
async fn a_slow_consumer_close_reconnects_and_reports_a_lost_epoch() {
    let mut server = FakeServer::start().await;
    let (client, mut events, mut conn) = fake::connect_as(&mut server, Encoding::Json).await;
    fake::subscribe_fresh(&client, &mut conn, 2, 1, 40).await;
    conn.close(close::SLOW_CONSUMER, "slow consumer").await;

    match fake::next_event(&mut events).await {
        ClientEvent::Disconnected { code, reason } => {
            assert_eq!(code, Some(close::SLOW_CONSUMER));
            assert_eq!(reason, "slow consumer");
        }
        other => panic!("expected Disconnected, got {other:?}"),
    }
    let mut conn = server.accept().await;
    conn.greet(fake::welcome(&[2])).await;
    assert!(matches!(
        fake::next_event(&mut events).await,
        ClientEvent::Reconnected { .. }
    ));

    let ClientFrame::Subscribe(resubscribe) = conn.recv().await else {
        panic!("expected subscribe")
    };
    assert_eq!(
        resubscribe.after,
        Some(Position {
            epoch: Epoch(1),
            offset: Offset(40)
        })
    );
    // The stream's history was lost: a new epoch, starting again at 3.
    conn.reply(
        resubscribe.id,
        fake::subscribed(2, 2, 3, 0, true, Resume::EpochChanged),
    )
    .await;
    match fake::next_event(&mut events).await {
        ClientEvent::ResumeFailed { team, resume } => {
            assert_eq!(team, TeamId(2));
            assert_eq!(resume, Resume::EpochChanged);
        }
        other => panic!("expected ResumeFailed, got {other:?}"),
    }
    // Offsets of the new epoch are delivered although they are below 40.
    conn.event(2, 4).await;
    assert_eq!(fake::next_offsets(&mut events, 1).await, vec![4]);
    assert_eq!(
        client.position(TeamId(2)),
        Some(Position {
            epoch: Epoch(2),
            offset: Offset(4)
        })
    );
}

#[tokio::test]
async fn an_unanswered_keepalive_ping_reconnects() {
    let mut server = FakeServer::start().await;
    let mut config = server.config(Encoding::MsgPack);
    config.keepalive = Some(Duration::from_millis(50));
    config.request_timeout = Duration::from_millis(300);
    let (_client, mut events, mut conn) = fake::connect(&mut server, config).await;

    let ClientFrame::Ping(_) = conn.recv().await else {
        panic!("expected a keepalive ping")
    };
    // The fake server never answers: the client must give up on it.
    match fake::next_event(&mut events).await {
        ClientEvent::Disconnected { code, reason } => {
            assert_eq!(code, None);
            assert!(reason.contains("keepalive"), "{reason}");
        }
        other => panic!("expected Disconnected, got {other:?}"),
    }
    let mut next = server.accept().await;
    next.greet(fake::welcome(&[1])).await;
    assert!(matches!(
        fake::next_event(&mut events).await,
        ClientEvent::Reconnected { .. }
    ));
    drop(conn);
}
