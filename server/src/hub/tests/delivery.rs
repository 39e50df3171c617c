//! Delivery under pressure: a full outlet, a full outbox for signals, and
//! a departure that meets a full inbox.

use super::*;

#[tokio::test]
async fn a_full_outlet_is_closed_as_a_slow_consumer_and_dropped_from_fan_out() {
    let f = fixture();
    let (writer, mut writer_rx) = outlet(1, 64);
    let conversation = f.conversation(&writer, &mut writer_rx).await;
    // Room for the subscribe reply and two events, never read.
    let (slow, slow_frames) = outlet(2, 3);
    f.subscribe(&slow, 3, None).await;
    for i in 0..4 {
        f.send(&writer, &mut writer_rx, conversation, &format!("m{i}"))
            .await;
    }
    let code = tokio::time::timeout(Duration::from_secs(5), slow_frames.outbox.closed())
        .await
        .expect("closed in time");
    assert_eq!(code, switchboard_protocol::close::SLOW_CONSUMER);
}

#[tokio::test]
async fn a_signal_for_a_full_outbox_is_dropped_and_the_connection_stays_open() {
    let f = fixture();
    // Room for the two replies and one signal.
    let (watcher, mut watcher_rx) = outlet(1, 3);
    f.subscribe(&watcher, 1, None).await;
    let presence = HubRequest::from(
        watcher.clone(),
        Some(RequestId(2)),
        HubCommand::Presence {
            principal: Arc::clone(&f.principal),
        },
    );
    f.registry.dispatch(TEAM, presence).await.unwrap();

    // Five typing signals while the watcher reads nothing.
    let (typist, mut typist_rx) = outlet(2, 64);
    for n in 0..5 {
        let typing = HubRequest::from(
            typist.clone(),
            Some(RequestId(10 + n)),
            HubCommand::Typing {
                principal: Arc::clone(&f.principal),
                conversation: ConversationId(100 + n),
            },
        );
        f.registry.dispatch(TEAM, typing).await.unwrap();
        assert!(matches!(
            result(next(&mut typist_rx).await),
            Reply::Typing { .. }
        ));
    }

    assert!(matches!(
        result(next(&mut watcher_rx).await),
        Reply::Subscribed(_)
    ));
    match result(next(&mut watcher_rx).await) {
        Reply::Presence(state) => assert!(state.signals, "subscribed: opted in"),
        other => panic!("unexpected {other:?}"),
    }
    match next(&mut watcher_rx).await {
        ServerFrame::Signal(frame) => {
            assert_eq!(frame.signal.conversation(), Some(ConversationId(100)));
        }
        other => panic!("expected the first signal, got {other:?}"),
    }
    // The other four were dropped, not queued, and the connection is open:
    // the next signal arrives.
    let typing = HubRequest::from(
        typist.clone(),
        Some(RequestId(20)),
        HubCommand::Typing {
            principal: Arc::clone(&f.principal),
            conversation: ConversationId(200),
        },
    );
    f.registry.dispatch(TEAM, typing).await.unwrap();
    match next(&mut watcher_rx).await {
        ServerFrame::Signal(frame) => {
            assert_eq!(frame.signal.conversation(), Some(ConversationId(200)));
        }
        other => panic!("expected the next signal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_departure_on_a_full_inbox_still_reaches_the_hub_which_then_goes_idle() {
    let f = fixture_tuned(|config| {
        config.hub_inbox = 1;
        config.hub_idle = Duration::from_millis(20);
        config.presence_grace = Duration::from_millis(20);
    });
    let (leaving, mut leaving_rx) = outlet(1, 64);
    f.subscribe(&leaving, 1, None).await;
    assert!(matches!(
        result(next(&mut leaving_rx).await),
        Reply::Subscribed(_)
    ));
    // The hub's one-command inbox is full (this test's single thread does
    // not let the hub run in between) when the connection goes.
    let (other, _other_rx) = outlet(2, 64);
    let presence = HubRequest::from(
        other,
        Some(RequestId(2)),
        HubCommand::Presence {
            principal: Arc::clone(&f.principal),
        },
    );
    f.registry.dispatch(TEAM, presence).await.unwrap();
    f.registry.disconnect(TEAM, leaving.clone());

    // The departure is not lost: no ghost subscriber or device keeps the
    // hub alive, and it stops once idle.
    tokio::time::timeout(Duration::from_secs(5), async {
        while f.registry.durable(TEAM).is_some() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the hub goes idle");
}

/// A fan-out to more subscribers than one turn takes (see `fan_out::TURN`)
/// spans several turns of the hub, and flushes keep coming meanwhile: every
/// subscriber still gets every event once, in offset order, with no gap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fan_out_over_several_turns_keeps_each_subscriber_s_events_whole_and_in_order() {
    const SUBSCRIBERS: usize = super::super::fan_out::TURN * 2 + 5;
    const SENDS: usize = 20;
    let f = fixture();
    let (writer, mut writer_rx) = outlet(1, 1024);
    let conversation = f.conversation(&writer, &mut writer_rx).await;
    let mut readers = Vec::new();
    for i in 0..SUBSCRIBERS {
        let (subscriber, mut frames) = outlet(10 + i as u64, 1024);
        f.subscribe(&subscriber, 3, None).await;
        assert!(matches!(
            result(next(&mut frames).await),
            Reply::Subscribed(_)
        ));
        readers.push((subscriber, frames));
    }
    // Handed to the hub at once, so that flushes follow each other while
    // earlier ones are still being fanned out.
    for i in 0..SENDS {
        let command = HubRequest::from(
            writer.clone(),
            Some(RequestId(100 + i as u64)),
            HubCommand::Send {
                principal: Arc::clone(&f.principal),
                conversation,
                client_msg_id: format!("m{i}"),
                body: format!("body {i}"),
                as_contact: None,
                post: None,
            },
        );
        f.registry.dispatch(TEAM, command).await.unwrap();
    }
    for (_, frames) in &mut readers {
        let mut offsets = Vec::new();
        let mut ids = Vec::new();
        while ids.len() < SENDS {
            if let ServerFrame::Event(e) = next(frames).await {
                offsets.push(e.offset.0);
                if let Event::Message(m) = e.event {
                    ids.push(m.client_msg_id);
                }
            }
        }
        let contiguous = offsets.windows(2).all(|w| w[1] == w[0] + 1);
        assert!(contiguous, "offsets in order without a gap: {offsets:?}");
        let expected: Vec<Option<String>> = (0..SENDS).map(|i| Some(format!("m{i}"))).collect();
        assert_eq!(ids, expected);
        nothing_within(frames, Duration::from_millis(20)).await;
    }
}
