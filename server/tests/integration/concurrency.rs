//! Many writers into one conversation: one order, no gaps, no duplicates,
//! and every subscriber sees the same order.

use crate::util::*;
use switchboard_protocol::ids::Seq;

#[tokio::test]
async fn twenty_senders_times_fifty_give_seqs_1_to_1000_in_one_order_for_all() {
    let (_dir, server, world) = seeded().await;
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;

    let mut watchers = Vec::new();
    for token in [&world.alice.token, &world.bob.token, &world.bob.token] {
        let (client, events) = connect(&server.url(), token).await;
        client.subscribe(world.team_a).await.unwrap();
        watchers.push((client, events));
    }

    let mut senders = Vec::new();
    for sender in 0..20 {
        let token = if sender % 2 == 0 {
            &world.alice.token
        } else {
            &world.bob.token
        };
        let (client, _events) = connect(&server.url(), token).await;
        senders.push(tokio::spawn(async move {
            let mut seqs = Vec::new();
            for i in 0..50 {
                let ack = client
                    .send(conversation, format!("sender {sender} message {i}"))
                    .await
                    .unwrap();
                seqs.push(ack.seq.0);
            }
            client.close().await;
            seqs
        }));
    }
    let mut acked = Vec::new();
    for sender in senders {
        let seqs = sender.await.unwrap();
        assert!(
            seqs.windows(2).all(|w| w[0] < w[1]),
            "one sender's messages keep their order"
        );
        acked.extend(seqs);
    }
    acked.sort_unstable();
    assert_eq!(acked, (1..=1000).collect::<Vec<u64>>());

    let mut orders = Vec::new();
    for (_client, events) in &mut watchers {
        let messages = next_messages(events, 1000).await;
        let seqs: Vec<Seq> = messages.iter().map(|m| m.seq).collect();
        assert_eq!(seqs, (1..=1000).map(Seq).collect::<Vec<_>>());
        orders.push(messages.into_iter().map(|m| m.body).collect::<Vec<_>>());
    }
    assert!(
        orders.windows(2).all(|w| w[0] == w[1]),
        "every subscriber saw the same order"
    );
}
