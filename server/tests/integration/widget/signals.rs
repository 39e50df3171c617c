//! What agents see of a visitor, and a visitor of agents: the contact
//! online and offline, typing both ways.

use super::fixture::*;
use crate::util::*;
use switchboard_client::{ClientEvent, Events, Signal};

/// The next signal an agent receives, skipping events.
async fn next_signal(events: &mut Events) -> Signal {
    loop {
        let event = tokio::time::timeout(PATIENCE, events.next())
            .await
            .expect("a signal in time")
            .expect("the event stream is open");
        if let ClientEvent::Signal(frame) = event {
            return frame.signal;
        }
    }
}

#[tokio::test]
async fn agents_see_the_visitor_online_offline_and_typing_and_it_sees_theirs() {
    let (_dir, server, world) = seeded().await;
    let visitor = create_visitor(&server, "team-a", Some("Tia")).await;
    let (agent, mut events) = connect(&server.url(), &world.bob.token).await;
    agent.subscribe(world.team_a).await.unwrap();
    let state = agent.presence(world.team_a).await.unwrap();
    assert!(state.contacts.is_empty(), "{state:?}");

    let mut page = VisitorPage::open(&server, &visitor).await;
    page.subscribe(None).await;
    let Signal::ContactPresence(online) = next_signal(&mut events).await else {
        panic!("the contact's presence first");
    };
    assert_eq!(
        (online.conversation, online.contact, online.online),
        (visitor.conversation, visitor.contact, true)
    );
    let state = agent.presence(world.team_a).await.unwrap();
    assert_eq!(state.contacts, vec![online.clone()]);

    page.typing(visitor.conversation).await;
    let Signal::Typing(typing) = next_signal(&mut events).await else {
        panic!("the contact typing");
    };
    assert!(typing.typing && typing.contact, "{typing:?}");
    assert_eq!(
        (typing.conversation, typing.name.as_str()),
        (visitor.conversation, "Tia")
    );

    // The agent types back: the page sees it, without having asked for
    // signals, and sees neither its own typing nor who views.
    agent.view(Some(visitor.conversation)).await.unwrap();
    agent.typing(visitor.conversation).await.unwrap();
    let Signal::Typing(theirs) = page.next_signal().await else {
        panic!("the agent typing");
    };
    assert_eq!(
        (theirs.user, theirs.contact, theirs.typing),
        (world.bob.user, false, true)
    );

    page.close().await;
    loop {
        if let Signal::ContactPresence(offline) = next_signal(&mut events).await {
            assert_eq!(
                (offline.conversation, offline.online),
                (visitor.conversation, false)
            );
            break;
        }
    }
    let state = agent.presence(world.team_a).await.unwrap();
    assert!(state.contacts.is_empty(), "{state:?}");
}
