//! A webhook bridge on a cluster: created on one node, its gateway's signed
//! message POSTed to another is relayed into the team (the write forwarded
//! to the team's writer), a reply sent on a third is POSTed to the gateway
//! once, signed, and becomes `sent`; every node lists the bridge.

use crate::api_client::http;
use crate::gateway::{sign, Gateway};
use crate::util::{connect, Raw, PATIENCE};
use crate::world::ClusterWorld;
use std::net::SocketAddr;
use std::time::Duration;
use switchboard_client::ClientEvent;
use switchboard_protocol::bridge::DeliveryStatus;
use switchboard_protocol::ids::{ConversationId, RequestId};
use switchboard_protocol::server::{Event, Reply};
use switchboard_protocol::webhook::{BridgesRequest, CreateBridge};
use switchboard_protocol::{ClientFrame, ServerFrame};

fn addr(url: &str) -> SocketAddr {
    let rest = url.trim_start_matches("ws://");
    rest.split('/').next().unwrap().parse().unwrap()
}

async fn ask(url: &str, token: &str, frame: ClientFrame) -> Reply {
    match Raw::login(url, token).await.request(frame).await {
        ServerFrame::Result(r) => r.result,
        other => panic!("answered {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_webhook_bridge_relays_and_posts_across_nodes() {
    let Some(cluster) = ClusterWorld::start().await else {
        return;
    };
    let world = &cluster.world;
    let team = world.team_a;
    let gateway = Gateway::start().await;
    let create = ClientFrame::CreateBridge(CreateBridge {
        id: RequestId(1),
        team,
        name: "SMS".into(),
        outbound_url: gateway.url.clone(),
        key: None,
    });
    let Reply::Bridge(created) = ask(&cluster.url(0), &world.alice.token, create).await else {
        panic!("no bridge");
    };
    let list = ClientFrame::Bridges(BridgesRequest {
        id: RequestId(1),
        team,
    });
    let Reply::Bridges(listed) = ask(&cluster.url(2), &world.alice.token, list).await else {
        panic!("no list");
    };
    assert_eq!(listed.bridges.len(), 1, "node C lists the bridge");

    let (member, mut events) = connect(&cluster.url(0), &world.bob.token).await;
    member.subscribe(team).await.expect("subscribed on A");
    let body = serde_json::to_vec(&serde_json::json!({
        "id": "g-1", "from": "+14155550177", "body": "Any shifts?"
    }))
    .unwrap();
    let signature = sign(&created.secret, &body);
    let path = format!("/api/bridges/{}/messages", created.bridge.id.0);
    let headers = [
        ("Content-Type", "application/json"),
        ("X-Switchboard-Signature", signature.as_str()),
    ];
    let answer = http(addr(&cluster.url(1)), "POST", &path, &headers, &body).await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let conversation = ConversationId(answer.json()["conversation"].as_u64().unwrap());

    let reply = member
        .send(conversation, "Friday, 9am")
        .await
        .expect("replied");
    let received = gateway.wait_for(1).await;
    assert_eq!(received[0].json()["body"], "Friday, 9am");
    assert_eq!(
        received[0].signature.as_deref(),
        Some(sign(&created.secret, &received[0].body).as_str())
    );
    loop {
        let event = tokio::time::timeout(PATIENCE * 2, events.next())
            .await
            .expect("events in time")
            .expect("the event stream is open");
        if let ClientEvent::Event(frame) = event {
            if let Event::Receipt(r) = frame.event {
                assert_eq!((r.seq, r.status), (reply.seq, DeliveryStatus::Sent));
                break;
            }
        }
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(gateway.received().len(), 1, "POSTed once");
}
