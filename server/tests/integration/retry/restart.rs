//! The same key after a restart on the same data folder: the original
//! result, marked `duplicate`, and nothing done again.

use super::{mails_to, outcomes};
use crate::util::*;
use switchboard_protocol::client::{ClientFrame, SendMessage};
use switchboard_protocol::deliver::{Deliver, DeliverTo};
use switchboard_protocol::ids::RequestId;
use switchboard_protocol::server::{ResultFrame, ServerFrame};

fn result(frame: ServerFrame) -> ResultFrame {
    match frame {
        ServerFrame::Result(result) => result,
        other => panic!("expected a result, got {other:?}"),
    }
}

#[tokio::test]
async fn a_key_used_before_a_restart_returns_the_original_result() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let world = seed(server.server.store().as_ref());
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let delivered = start_conversation(&alice, world.team_a, "Dana").await;
    let invited = start_conversation(&alice, world.team_a, "Eve").await;
    alice.close().await;

    let deliver = |id: u64| {
        ClientFrame::Deliver(Deliver {
            id: RequestId(id),
            conversation: delivered,
            to: DeliverTo::User {
                handle: "bob".into(),
            },
            status: None,
            note: Some("call Monday".into()),
            key: Some("deliver-1".into()),
        })
    };
    let invite = |id: u64| {
        ClientFrame::Send(SendMessage {
            id: RequestId(id),
            conversation: invited,
            client_msg_id: "invite-1".into(),
            body: "^invite sam@guest.test".into(),
            as_contact: false,
        })
    };
    let mut raw = Raw::login(&server.url(), &world.alice.token).await;
    let first_delivery = result(raw.request(deliver(1)).await);
    let first_invite = result(raw.request(invite(2)).await);
    assert!(!first_delivery.duplicate && !first_invite.duplicate);
    drop(raw);
    server.server.shutdown().await;

    let server = TestServer::start(dir.path()).await;
    let mut raw = Raw::login(&server.url(), &world.alice.token).await;
    let again = result(raw.request(deliver(3)).await);
    assert!(again.duplicate, "the retry is marked");
    assert_eq!(again.result, first_delivery.result, "the original outcome");
    let again = result(raw.request(invite(4)).await);
    assert!(again.duplicate);
    assert_eq!(again.result, first_invite.result);

    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    assert_eq!(outcomes(&alice, world.team_a).await, 1);
    let store = server.server.store();
    assert_eq!(mails_to(store.as_ref(), "sam@guest.test"), 1);
    for conversation in [delivered, invited] {
        assert_eq!(super::system_messages(&alice, conversation).await, 1);
    }
}
