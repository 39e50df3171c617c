//! Posts through the SDK against the fake server: a message carrying a
//! post and a post being created, both in flight when the connection
//! drops, are sent again after the reconnect as they were (the same
//! `client_msg_id` and `post`, the same `key`), and each call gets the
//! one answer.

use crate::fake::{self, FakeServer};
use switchboard_client::protocol::client::ClientFrame;
use switchboard_client::protocol::server::Reply;
use switchboard_client::protocol::{Millis, UserId};
use switchboard_client::{
    ClientEvent, ConversationId, Encoding, Offset, PostDraft, PostId, PostInfo, PostStatus,
    SendAck, Seq, TeamId,
};

#[tokio::test]
async fn a_post_sent_and_a_post_created_across_a_drop_are_resent_as_they_were() {
    let mut server = FakeServer::start().await;
    let (client, mut events, mut conn) = fake::connect_as(&mut server, Encoding::Json).await;

    let sending = tokio::spawn({
        let client = client.clone();
        async move { client.send_post(ConversationId(3), PostId(70), "").await }
    });
    let ClientFrame::Send(original) = conn.recv().await else {
        panic!("expected send")
    };
    assert_eq!(original.post, Some(PostId(70)));
    assert_eq!(original.body, "");
    let draft = PostDraft {
        kind: "job".into(),
        title: "Welder".into(),
        body: String::new(),
        link: None,
        location: None,
        status: PostStatus::Open,
    };
    let creating = tokio::spawn({
        let client = client.clone();
        let draft = draft.clone();
        async move { client.create_post(TeamId(1), draft).await }
    });
    let ClientFrame::CreatePost(create) = conn.recv().await else {
        panic!("expected create_post")
    };
    let key = create.key.clone().expect("the SDK draws a key");
    assert_eq!(create.post, draft);
    drop(conn); // a network failure, no close frame

    match fake::next_event(&mut events).await {
        ClientEvent::Disconnected { .. } => {}
        other => panic!("expected Disconnected, got {other:?}"),
    }
    let mut conn = server.accept().await;
    conn.greet(fake::welcome(&[1])).await;
    let mut resent_send = None;
    let mut resent_create = None;
    while resent_send.is_none() || resent_create.is_none() {
        match conn.recv().await {
            ClientFrame::Send(send) => resent_send = Some(send),
            ClientFrame::CreatePost(create) => resent_create = Some(create),
            other => panic!("expected the resends, got {other:?}"),
        }
    }
    let (send, create) = (resent_send.unwrap(), resent_create.unwrap());
    assert_eq!(send.client_msg_id, original.client_msg_id);
    assert_eq!(send.post, Some(PostId(70)));
    assert_eq!(create.key.as_deref(), Some(key.as_str()));

    let ack = SendAck {
        conversation: ConversationId(3),
        seq: Seq(4),
        offset: Offset(9),
        at: Millis(1),
        duplicate: false,
    };
    conn.reply(send.id, Reply::Sent(ack.clone())).await;
    let post = PostInfo {
        id: PostId(71),
        team: TeamId(1),
        kind: "job".into(),
        title: "Welder".into(),
        body: String::new(),
        link: None,
        location: None,
        status: PostStatus::Open,
        created_by: UserId(42),
        created_at: Millis(1),
        updated_at: Millis(1),
    };
    conn.reply(create.id, Reply::Post(post.clone())).await;
    assert_eq!(sending.await.unwrap(), Ok(ack));
    assert_eq!(creating.await.unwrap(), Ok(post));
}
