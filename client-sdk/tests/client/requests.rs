//! The first frame, request/reply matching, the subscribe loop, and
//! duplicate suppression on one connection.

use crate::fake::{self, FakeServer};
use switchboard_client::protocol::client::ClientFrame;
use switchboard_client::protocol::server::Reply;
use switchboard_client::protocol::{Epoch, PROTOCOL_VERSION};
use switchboard_client::{
    Client, ConversationId, Encoding, Error, ErrorCode, HistoryPage, HistoryQuery, Offset,
    Position, Resume, Seq, TeamId,
};

async fn hello_first_then_replies_match_ids(encoding: Encoding) {
    let mut server = FakeServer::start().await;
    let connecting = tokio::spawn(Client::connect(server.config(encoding)));
    let mut conn = server.accept().await;
    assert_eq!(conn.path, "/ws");
    assert_eq!(
        conn.encoding, encoding,
        "the subprotocol names the encoding"
    );
    let hello = conn.greet(fake::welcome(&[1])).await;
    assert_eq!(hello.version, PROTOCOL_VERSION);
    assert_eq!(hello.token, "test-token");
    let (client, _events) = connecting.await.unwrap().unwrap();
    assert_eq!(client.welcome().user.handle, "bot");

    // Three requests in flight at once, answered in the reverse order.
    let first = tokio::spawn({
        let client = client.clone();
        async move {
            client
                .history(ConversationId(10), HistoryQuery::latest())
                .await
        }
    });
    let first_frame = conn.recv().await;
    let second = tokio::spawn({
        let client = client.clone();
        async move {
            client
                .history(ConversationId(20), HistoryQuery::before(Seq(5)).limit(2))
                .await
        }
    });
    let second_frame = conn.recv().await;
    let third = tokio::spawn({
        let client = client.clone();
        async move { client.mark_read(ConversationId(30), Seq(1)).await }
    });
    let third_frame = conn.recv().await;

    let ClientFrame::History(first_request) = first_frame else {
        panic!("{first_frame:?}")
    };
    let ClientFrame::History(second_request) = second_frame else {
        panic!("{second_frame:?}")
    };
    let ClientFrame::MarkRead(third_request) = third_frame else {
        panic!("{third_frame:?}")
    };
    assert_eq!(second_request.before, Some(Seq(5)));
    assert_eq!(second_request.limit, Some(2));
    let ids = [first_request.id, second_request.id, third_request.id];
    assert!(
        ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2],
        "ids are unique: {ids:?}"
    );

    conn.refuse(
        third_request.id,
        ErrorCode::NotFound,
        "no such conversation",
    )
    .await;
    for request in [second_request, first_request] {
        let page = HistoryPage {
            conversation: request.conversation,
            messages: vec![],
            more: false,
        };
        conn.reply(request.id, Reply::History(page)).await;
    }

    assert_eq!(
        first.await.unwrap().unwrap().conversation,
        ConversationId(10)
    );
    assert_eq!(
        second.await.unwrap().unwrap().conversation,
        ConversationId(20)
    );
    assert_eq!(
        third.await.unwrap(),
        Err(Error::Server {
            code: ErrorCode::NotFound,
            message: "no such conversation".into()
        })
    );
}

#[tokio::test]
async fn hello_comes_first_and_replies_reach_their_caller_msgpack() {
    hello_first_then_replies_match_ids(Encoding::MsgPack).await;
}

#[tokio::test]
async fn hello_comes_first_and_replies_reach_their_caller_json() {
    hello_first_then_replies_match_ids(Encoding::Json).await;
}

#[tokio::test]
async fn subscribe_continues_until_live_and_delivers_every_replayed_event() {
    let mut server = FakeServer::start().await;
    let (client, mut events, mut conn) = fake::connect_as(&mut server, Encoding::MsgPack).await;
    let saved = Position {
        epoch: Epoch(3),
        offset: Offset(10),
    };
    let subscribing = tokio::spawn({
        let client = client.clone();
        async move { client.subscribe_from(TeamId(1), saved).await }
    });

    let ClientFrame::Subscribe(first) = conn.recv().await else {
        panic!("expected subscribe")
    };
    assert_eq!(first.after, Some(saved));
    // The replay is cut after two events: the client must come back for more.
    conn.reply(
        first.id,
        fake::subscribed(1, 3, 12, 2, false, Resume::Recovered),
    )
    .await;
    conn.event(1, 11).await;
    conn.event(1, 12).await;

    let ClientFrame::Subscribe(second) = conn.recv().await else {
        panic!("expected subscribe")
    };
    assert_eq!(second.team, TeamId(1));
    assert_eq!(
        second.after,
        Some(Position {
            epoch: Epoch(3),
            offset: Offset(12)
        })
    );
    conn.reply(
        second.id,
        fake::subscribed(1, 3, 13, 1, true, Resume::Recovered),
    )
    .await;
    conn.event(1, 13).await;

    let subscribed = subscribing.await.unwrap().unwrap();
    assert!(subscribed.live);
    assert_eq!(subscribed.replayed, 3, "replayed counts every chunk");
    assert_eq!(subscribed.resume, Resume::Recovered);
    assert_eq!(fake::next_offsets(&mut events, 3).await, vec![11, 12, 13]);
    assert_eq!(
        client.position(TeamId(1)),
        Some(Position {
            epoch: Epoch(3),
            offset: Offset(13)
        })
    );
}

#[tokio::test]
async fn old_and_duplicate_events_are_not_delivered() {
    let mut server = FakeServer::start().await;
    let (client, mut events, mut conn) = fake::connect_as(&mut server, Encoding::Json).await;
    fake::subscribe_fresh(&client, &mut conn, 1, 1, 5).await;
    assert_eq!(
        client.position(TeamId(1)),
        Some(Position {
            epoch: Epoch(1),
            offset: Offset(5)
        })
    );

    for offset in [6, 6, 4, 5, 7, 7, 8] {
        conn.event(1, offset).await;
    }
    // An event of a team this client never subscribed to is not delivered either.
    conn.event(2, 100).await;
    assert_eq!(fake::next_offsets(&mut events, 3).await, vec![6, 7, 8]);
    fake::expect_quiet(&mut events).await;
    assert_eq!(client.position(TeamId(1)).unwrap().offset, Offset(8));
    assert_eq!(client.position(TeamId(2)), None);
}

#[tokio::test]
async fn a_frame_over_the_advertised_limit_is_refused_without_closing() {
    let mut server = FakeServer::start().await;
    let (client, _events, mut conn) = fake::connect_as(&mut server, Encoding::MsgPack).await;
    let limit = client.welcome().limits.max_frame_bytes as usize;

    let refused = client.send(ConversationId(1), "x".repeat(limit + 1)).await;
    assert!(
        matches!(
            refused,
            Err(Error::Server {
                code: ErrorCode::TooLarge,
                ..
            })
        ),
        "{refused:?}"
    );
    // The connection is intact: the next request is the next frame.
    let pinging = tokio::spawn({
        let client = client.clone();
        async move { client.ping().await }
    });
    let ClientFrame::Ping(ping) = conn.recv().await else {
        panic!("expected ping")
    };
    conn.reply(ping.id, Reply::Pong).await;
    assert!(pinging.await.unwrap().is_ok());
}

#[tokio::test]
async fn an_application_that_falls_behind_loses_no_event() {
    let mut server = FakeServer::start().await;
    let mut config = server.config(Encoding::MsgPack);
    config.event_buffer = 2;
    let (client, mut events, mut conn) = fake::connect(&mut server, config).await;
    fake::subscribe_fresh(&client, &mut conn, 1, 1, 0).await;

    // The client holds at most two events; the rest wait in the socket.
    for offset in 1..=50 {
        conn.event(1, offset).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(
        client.position(TeamId(1)).unwrap().offset,
        Offset(2),
        "delivery paused"
    );
    let offsets = fake::next_offsets(&mut events, 50).await;
    assert_eq!(offsets, (1..=50).collect::<Vec<u64>>());
}
