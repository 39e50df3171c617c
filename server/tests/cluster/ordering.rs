//! One team across three nodes reads as one server: a message sent on one
//! node reaches subscribers on the others, in order; senders on every node
//! writing into one conversation get contiguous seqs, and every node shows
//! the same history in the same order.

use crate::util::{all_messages, connect, next_message, start_conversation, PATIENCE};
use crate::world::ClusterWorld;
use switchboard_client::{Client, Events};
use switchboard_protocol::ids::{ConversationId, Seq};
use switchboard_protocol::model::Message;

/// The messages of `conversation` among the next events, until `n` of them.
async fn messages_of(events: &mut Events, conversation: ConversationId, n: usize) -> Vec<Message> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let message = next_message(events).await;
        if message.conversation == conversation {
            out.push(message);
        }
    }
    out
}

/// What two nodes must agree on about a message.
fn key(m: &Message) -> (Seq, Option<String>, String) {
    (m.seq, m.client_msg_id.clone(), m.body.clone())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_sent_on_one_node_reaches_subscribers_on_the_others_in_order() {
    let Some(cluster) = ClusterWorld::start().await else {
        return;
    };
    let team = cluster.world.team_a;
    let bob = &cluster.world.bob.token;
    let (on_b, mut events_b) = connect(&cluster.url(1), bob).await;
    let (on_c, mut events_c) = connect(&cluster.url(2), bob).await;
    on_b.subscribe(team).await.expect("subscribed on B");
    on_c.subscribe(team).await.expect("subscribed on C");

    let (alice, _alice_events) = connect(&cluster.url(0), &cluster.world.alice.token).await;
    let conversation = start_conversation(&alice, team, "Casey").await;
    let mut sent = Vec::new();
    for i in 0..20 {
        let body = format!("from A #{i}");
        let ack = alice
            .send(conversation, body.clone())
            .await
            .expect("sent on A");
        sent.push((ack.seq, body));
    }

    for (node, events) in [("B", &mut events_b), ("C", &mut events_c)] {
        let got = tokio::time::timeout(PATIENCE * 2, messages_of(events, conversation, 20))
            .await
            .unwrap_or_else(|_| panic!("node {node} delivered 20 messages in time"));
        let got: Vec<(Seq, String)> = got.into_iter().map(|m| (m.seq, m.body)).collect();
        assert_eq!(got, sent, "node {node} delivers A's messages, in order");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn senders_on_three_nodes_get_contiguous_seqs_seen_identically_on_every_node() {
    let Some(cluster) = ClusterWorld::start().await else {
        return;
    };
    let team = cluster.world.team_a;
    let (alice, bob) = (&cluster.world.alice.token, &cluster.world.bob.token);
    let (starter, _starter_events) = connect(&cluster.url(0), alice).await;
    let conversation = start_conversation(&starter, team, "Casey").await;

    // A listener (bob) and a sender (alice) on each node.
    let mut listeners = Vec::new();
    let mut senders: Vec<Client> = Vec::new();
    for node in 0..3 {
        let (listener, events) = connect(&cluster.url(node), bob).await;
        listener
            .subscribe(team)
            .await
            .expect("the listener subscribes");
        listeners.push((listener, events));
        let (sender, _events) = connect(&cluster.url(node), alice).await;
        senders.push(sender);
    }
    const EACH: usize = 15;
    let sends = senders.iter().enumerate().map(|(node, sender)| async move {
        let mut acks = Vec::new();
        for i in 0..EACH {
            let id = format!("node{node}-{i}");
            let ack = sender
                .send_with_id(conversation, id.clone(), format!("{id} says hi"))
                .await
                .unwrap_or_else(|e| panic!("{id} is acknowledged: {e}"));
            acks.push((id, ack.seq));
        }
        acks
    });
    let sending = futures::future::join_all(sends);
    let acks: Vec<(String, Seq)> = tokio::time::timeout(PATIENCE * 6, sending)
        .await
        .expect("every send is acknowledged in time")
        .into_iter()
        .flatten()
        .collect();

    // Contiguous: the acknowledged seqs are one run with no gap or repeat.
    let mut seqs: Vec<u64> = acks.iter().map(|(_, seq)| seq.0).collect();
    seqs.sort_unstable();
    let first = seqs[0];
    let expected: Vec<u64> = (first..first + 3 * EACH as u64).collect();
    assert_eq!(seqs, expected, "3 x {EACH} sends take contiguous seqs");

    // Every node delivers the same messages in the same order, with the
    // seqs the senders were told.
    let mut seen = Vec::new();
    for (node, (_listener, events)) in listeners.iter_mut().enumerate() {
        let got = tokio::time::timeout(PATIENCE * 3, messages_of(events, conversation, 3 * EACH))
            .await
            .unwrap_or_else(|_| panic!("node {node} delivered every message in time"));
        seen.push(got.iter().map(key).collect::<Vec<_>>());
    }
    let delivered: Vec<u64> = seen[0].iter().map(|(seq, _, _)| seq.0).collect();
    assert_eq!(delivered, expected, "delivered in seq order, none missing");
    assert_eq!(seen[0], seen[1], "A and B deliver the same sequence");
    assert_eq!(seen[0], seen[2], "A and C deliver the same sequence");
    for (id, seq) in &acks {
        let delivered = seen[0]
            .iter()
            .find(|(_, got, _)| got.as_deref() == Some(id.as_str()));
        assert_eq!(
            delivered.map(|d| d.0),
            Some(*seq),
            "{id} is delivered at its acknowledged seq"
        );
    }

    // And every node's history is that sequence too.
    for (node, (listener, _)) in listeners.iter().enumerate() {
        let history: Vec<_> = all_messages(listener, conversation).await;
        let ours: Vec<_> = history
            .iter()
            .filter(|m| m.seq.0 >= first)
            .map(key)
            .collect();
        assert_eq!(
            ours, seen[0],
            "node {node}'s history matches what was delivered"
        );
    }
}
