//! Temporary refusals (`unavailable`): asked again with the same id or
//! key when that is safe, within the request timeout; reported at once
//! otherwise.

use crate::fake::{self, FakeServer};
use std::time::{Duration, Instant};
use switchboard_client::protocol::client::ClientFrame;
use switchboard_client::protocol::server::Reply;
use switchboard_client::protocol::Millis;
use switchboard_client::{
    ConversationId, Encoding, Error, ErrorCode, HistoryQuery, Offset, SendAck, Seq,
};

#[tokio::test]
async fn a_send_refused_for_now_is_sent_again_with_its_id_and_answered_once() {
    let mut server = FakeServer::start().await;
    let (client, _events, mut conn) = fake::connect_as(&mut server, Encoding::Json).await;
    let sending = tokio::spawn({
        let client = client.clone();
        async move { client.send(ConversationId(1), "hold on").await }
    });
    let ClientFrame::Send(first) = conn.recv().await else {
        panic!("expected the send")
    };
    conn.refuse(
        first.id,
        ErrorCode::Unavailable,
        "the team's writer changed; retry",
    )
    .await;
    let ClientFrame::Send(second) = conn.recv().await else {
        panic!("expected the send again")
    };
    assert_eq!(second.client_msg_id, first.client_msg_id);
    assert_eq!(second.body, "hold on");
    assert_ne!(second.id, first.id);
    let ack = SendAck {
        conversation: ConversationId(1),
        seq: Seq(4),
        offset: Offset(9),
        at: Millis(1),
        duplicate: false,
    };
    conn.reply(second.id, Reply::Sent(ack.clone())).await;
    assert_eq!(sending.await.unwrap(), Ok(ack));
    conn.expect_silence(Duration::from_millis(200)).await;
}

#[tokio::test]
async fn a_request_without_a_key_is_not_asked_again() {
    let mut server = FakeServer::start().await;
    let (client, _events, mut conn) = fake::connect_as(&mut server, Encoding::MsgPack).await;
    let marking = tokio::spawn({
        let client = client.clone();
        async move { client.mark_read(ConversationId(1), Seq(3)).await }
    });
    let ClientFrame::MarkRead(request) = conn.recv().await else {
        panic!("expected mark_read")
    };
    conn.refuse(
        request.id,
        ErrorCode::Unavailable,
        "the server is shutting down",
    )
    .await;
    assert!(matches!(
        marking.await.unwrap(),
        Err(Error::Server {
            code: ErrorCode::Unavailable,
            ..
        })
    ));
    conn.expect_silence(Duration::from_millis(200)).await;
    // A read is not asked again either.
    let reading = tokio::spawn({
        let client = client.clone();
        async move {
            client
                .history(ConversationId(1), HistoryQuery::latest())
                .await
        }
    });
    let ClientFrame::History(request) = conn.recv().await else {
        panic!("expected history")
    };
    conn.refuse(request.id, ErrorCode::Unavailable, "busy")
        .await;
    assert!(matches!(
        reading.await.unwrap(),
        Err(Error::Server {
            code: ErrorCode::Unavailable,
            ..
        })
    ));
}

#[tokio::test]
async fn retries_end_within_the_request_timeout_with_the_refusal() {
    let mut server = FakeServer::start().await;
    let mut config = server.config(Encoding::MsgPack);
    config.request_timeout = Duration::from_millis(400);
    let (client, _events, mut conn) = fake::connect(&mut server, config).await;
    let started = Instant::now();
    let sending = tokio::spawn({
        let client = client.clone();
        async move { client.send(ConversationId(1), "never").await }
    });
    // Refuse every attempt until the client gives up.
    let mut attempts = 0;
    let mut client_msg_ids = std::collections::HashSet::new();
    while !sending.is_finished() {
        let frame = tokio::time::timeout(Duration::from_millis(100), conn.recv()).await;
        if let Ok(ClientFrame::Send(send)) = frame {
            attempts += 1;
            client_msg_ids.insert(send.client_msg_id);
            conn.refuse(send.id, ErrorCode::Unavailable, "retry").await;
        }
    }
    let result = sending.await.unwrap();
    assert!(
        matches!(
            result,
            Err(Error::Server {
                code: ErrorCode::Unavailable,
                ..
            })
        ),
        "the refusal, not a timeout: {result:?}"
    );
    assert!(attempts >= 2, "asked again: {attempts} attempts");
    assert_eq!(client_msg_ids.len(), 1, "always the same client_msg_id");
    assert!(started.elapsed() < Duration::from_millis(400) + Duration::from_millis(150));
}
