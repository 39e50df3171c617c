//! Bridges across nodes: a bridge connected to one node relays (the write
//! forwarded to the team's writer) and retries on another while the team
//! is idle, storing the message once and getting its answer (a retry's
//! answer waits on no further commit); its receipt from a third reaches a
//! Member on the first, and history shows the delivery.

use crate::util::{all_messages, connect, PATIENCE};
use crate::world::ClusterWorld;
use switchboard_client::ClientEvent;
use switchboard_protocol::bridge::DeliveryStatus;
use switchboard_protocol::manage::BotScope;
use switchboard_protocol::server::Event;
use switchboard_server::bots;

#[tokio::test(flavor = "multi_thread")]
async fn a_bridge_relays_once_and_reports_from_any_node() {
    let Some(cluster) = ClusterWorld::start().await else {
        return;
    };
    let world = &cluster.world;
    let team = world.team_a;
    let (_bot, token) = bots::create(
        cluster.store.as_ref(),
        team,
        "SMS",
        BotScope::Bridge,
        world.alice.user,
    )
    .expect("the bridge is created");
    let (member, mut member_events) = connect(&cluster.url(0), &world.bob.token).await;
    member
        .subscribe(team)
        .await
        .expect("a Member subscribes on A");

    let (bridge_b, _b_events) = connect(&cluster.url(1), &token).await;
    let first = bridge_b
        .relay("+14155550166", Some("Noor"), "n-1", "Any shifts?")
        .await
        .expect("relayed on B");
    let next = bridge_b
        .relay("+14155550166", None, "n-2", "Hello?")
        .await
        .expect("a second message relayed on B");
    assert_eq!(next.conversation, first.conversation);
    let (bridge_c, _c_events) = connect(&cluster.url(2), &token).await;
    let again = bridge_c
        .relay("+14155550166", Some("Noor"), "n-1", "Any shifts?")
        .await
        .expect("relayed again on C");
    assert_eq!(
        (again.conversation, again.seq),
        (first.conversation, first.seq)
    );

    let reply = member
        .send(first.conversation, "Yes, Friday")
        .await
        .expect("replied on A");
    bridge_c
        .receipt(
            first.conversation,
            reply.seq,
            DeliveryStatus::Delivered,
            None,
        )
        .await
        .expect("reported on C");
    loop {
        let event = tokio::time::timeout(PATIENCE * 2, member_events.next())
            .await
            .expect("events in time")
            .expect("the event stream is open");
        if let ClientEvent::Event(frame) = event {
            if let Event::Receipt(r) = frame.event {
                assert_eq!((r.seq, r.status), (reply.seq, DeliveryStatus::Delivered));
                break;
            }
        }
    }
    let messages = all_messages(&bridge_b, first.conversation).await;
    let bodies: Vec<&str> = messages.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["Any shifts?", "Hello?", "Yes, Friday"]);
    let delivery = messages[2].delivery.as_ref().expect("a delivery on B");
    assert_eq!(delivery.status, DeliveryStatus::Delivered);
}
