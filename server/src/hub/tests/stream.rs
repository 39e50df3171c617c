//! The team's stream through its hub: replays that meet live events with
//! no gap or double, idempotent sends, system messages taking the next
//! seq, a successor hub continuing where an idle one stopped, and
//! requests from inside the server written like a session's.

use super::*;

#[tokio::test]
async fn a_late_subscriber_gets_the_replay_then_live_events_without_gap_or_double() {
    let f = fixture();
    let (writer, mut writer_rx) = outlet(1, 64);
    let conversation = f.conversation(&writer, &mut writer_rx).await;
    for i in 0..5 {
        f.send(&writer, &mut writer_rx, conversation, &format!("m{i}"))
            .await;
    }

    // Subscribe from the stream's start: the conversation and five messages.
    let (reader, mut reader_rx) = outlet(2, 64);
    f.subscribe(&reader, 9, None).await;
    let Reply::Subscribed(fresh) = result(next(&mut reader_rx).await) else {
        panic!()
    };
    assert_eq!(
        (fresh.resume, fresh.replayed, fresh.offset.0),
        (Resume::Fresh, 0, 6)
    );

    let after = Position {
        epoch: fresh.epoch,
        offset: Offset(2),
    };
    f.subscribe(&reader, 10, Some(after)).await;
    let Reply::Subscribed(resumed) = result(next(&mut reader_rx).await) else {
        panic!()
    };
    assert_eq!(
        (resumed.resume, resumed.replayed, resumed.live),
        (Resume::Recovered, 4, true)
    );
    let mut offsets = Vec::new();
    for _ in 0..4 {
        let ServerFrame::Event(e) = next(&mut reader_rx).await else {
            panic!()
        };
        offsets.push(e.offset.0);
    }
    f.send(&writer, &mut writer_rx, conversation, "live").await;
    let ServerFrame::Event(live) = next(&mut reader_rx).await else {
        panic!()
    };
    offsets.push(live.offset.0);
    assert_eq!(offsets, [3, 4, 5, 6, 7]);
    let Event::Message(message) = live.event else {
        panic!()
    };
    assert_eq!((message.seq, message.body.as_str()), (Seq(6), "body live"));
}

#[tokio::test]
async fn a_repeated_client_msg_id_returns_the_original_ack_and_stores_once() {
    let f = fixture();
    let (outlet, mut rx) = outlet(1, 64);
    let conversation = f.conversation(&outlet, &mut rx).await;
    let Reply::Sent(first) = f.send(&outlet, &mut rx, conversation, "same").await else {
        panic!()
    };
    let Reply::Sent(again) = f.send(&outlet, &mut rx, conversation, "same").await else {
        panic!()
    };
    assert!(!first.duplicate && again.duplicate);
    assert_eq!(
        (again.seq, again.offset, again.at),
        (first.seq, first.offset, first.at)
    );
    let Reply::Sent(next) = f.send(&outlet, &mut rx, conversation, "other").await else {
        panic!()
    };
    assert_eq!(next.seq, Seq(2), "the duplicate took no seq");
    assert_eq!(
        f.registry.context.store.last_seq(conversation).unwrap(),
        Seq(2)
    );
}

#[tokio::test]
async fn an_idle_hub_stops_and_its_successor_continues_the_seqs_and_offsets() {
    let f = fixture_with(Duration::from_millis(20));
    let (outlet, mut rx) = outlet(1, 64);
    let conversation = f.conversation(&outlet, &mut rx).await;
    let Reply::Sent(first) = f.send(&outlet, &mut rx, conversation, "a").await else {
        panic!()
    };
    let durable_before = f.registry.durable(TEAM);
    assert_eq!(durable_before, Some(first.offset));
    // Idle: no subscribers, nothing pending. The hub leaves the registry.
    tokio::time::timeout(Duration::from_secs(5), async {
        while f.registry.durable(TEAM).is_some() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the idle hub stops");
    let Reply::Sent(second) = f.send(&outlet, &mut rx, conversation, "b").await else {
        panic!()
    };
    assert_eq!(second.seq, Seq(2));
    assert_eq!(second.offset, first.offset.next());
    let Reply::Sent(retry) = f.send(&outlet, &mut rx, conversation, "a").await else {
        panic!()
    };
    assert!(retry.duplicate, "idempotency outlives the hub");
    assert_eq!(retry.seq, first.seq);
}

#[tokio::test]
async fn a_system_message_takes_the_next_seq_and_is_answered_and_fanned_out_after_the_flush() {
    let f = fixture();
    let (writer, mut writer_rx) = outlet(1, 64);
    let conversation = f.conversation(&writer, &mut writer_rx).await;
    let (reader, mut reader_rx) = outlet(2, 64);
    f.subscribe(&reader, 9, None).await;
    assert!(matches!(
        result(next(&mut reader_rx).await),
        Reply::Subscribed(_)
    ));
    f.send(&writer, &mut writer_rx, conversation, "m0").await;

    let command = HubRequest::from(
        writer.clone(),
        Some(RequestId(3)),
        HubCommand::SystemMessage {
            conversation,
            body: "Maya invited sam@example.com".into(),
            reply: Reply::Pong,
            claim: None,
        },
    );
    // The flush that covers the system message is held back: neither its
    // answer nor its event may leave the hub until the flush completes.
    f.gate.hold();
    let attempts = f.gate.attempts();
    f.registry.dispatch(TEAM, command).await.unwrap();
    while f.gate.attempts() == attempts {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    nothing_within(&writer_rx, Duration::from_millis(200)).await;
    // The reader may already hold m0's event; nothing after it.
    let first = next(&mut reader_rx).await;
    nothing_within(&reader_rx, Duration::from_millis(50)).await;
    f.gate.open();
    assert_eq!(result(next(&mut writer_rx).await), Reply::Pong);
    let mut seen = Vec::new();
    for i in 0..2 {
        let frame = if i == 0 {
            first.clone()
        } else {
            next(&mut reader_rx).await
        };
        let ServerFrame::Event(e) = frame else {
            panic!()
        };
        let Event::Message(message) = e.event else {
            panic!()
        };
        seen.push((e.offset.0, message));
    }
    let (offset, system) = &seen[1];
    assert_eq!((*offset, system.seq), (3, Seq(2)));
    assert_eq!(system.sender.kind, SenderKind::System);
    assert_eq!(system.client_msg_id, None);
    assert_eq!(system.body, "Maya invited sam@example.com");
    let stored = f.registry.context.store.message(conversation, Seq(2));
    assert_eq!(stored.unwrap().as_ref(), Some(system));
}

#[tokio::test]
async fn a_request_from_inside_the_server_is_written_and_fanned_out_like_a_session_s() {
    let f = fixture();
    let (writer, mut writer_rx) = outlet(1, 64);
    let conversation = f.conversation(&writer, &mut writer_rx).await;
    let (reader, mut reader_rx) = outlet(2, 64);
    f.subscribe(&reader, 9, None).await;
    let Reply::Subscribed(_) = result(next(&mut reader_rx).await) else {
        panic!()
    };

    // A producer with no connection waiting for the answer.
    let send = HubRequest::internal(HubCommand::Send {
        principal: Arc::clone(&f.principal),
        conversation,
        client_msg_id: "inside-1".into(),
        body: "from inside".into(),
        as_contact: None,
        post: None,
    });
    f.registry.dispatch(TEAM, send).await.unwrap();
    let ServerFrame::Event(inside) = next(&mut reader_rx).await else {
        panic!()
    };
    let Event::Message(message) = inside.event else {
        panic!()
    };
    assert_eq!(
        (inside.offset.0, message.seq, message.body.as_str()),
        (2, Seq(1), "from inside")
    );

    // A session's send after it takes the next offset and seq.
    let Reply::Sent(ack) = f.send(&writer, &mut writer_rx, conversation, "after").await else {
        panic!()
    };
    assert_eq!((ack.offset.0, ack.seq), (3, Seq(2)));
    let ServerFrame::Event(after) = next(&mut reader_rx).await else {
        panic!()
    };
    assert_eq!(after.offset.0, 3);
}
