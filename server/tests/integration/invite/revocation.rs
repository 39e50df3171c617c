//! Revoking an invitation: only whoever sent it (first, or again while it
//! was pending) or a Manager may, the
//! Restricted Member's connection is closed at once and nothing reaches
//! them after, and a pending invitation's token stops working.

use super::{accept, accepted, invitation_token, mails_to, reconnection, subscribed, PASSWORD};
use crate::util::*;
use std::time::Duration;
use switchboard_client::{ClientEvent, Events, HistoryQuery};
use switchboard_protocol::server::Event;
use switchboard_protocol::{close, ErrorCode};
use switchboard_server::admin;
use switchboard_server::store::TokenKind;
use switchboard_server::GrantState;

/// Message bodies arriving within `window` (to show that none do).
async fn messages_within(events: &mut Events, window: Duration) -> Vec<String> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + window;
    while let Ok(Some(event)) = tokio::time::timeout_at(deadline, events.next()).await {
        if let ClientEvent::Event(frame) = event {
            if let Event::Message(m) = frame.event {
                seen.push(m.body);
            }
        }
    }
    seen
}

#[tokio::test]
async fn revoking_an_invitation_cuts_access_live() {
    let (_dir, server, world) = seeded().await;
    let store = server.server.store();
    let (alice, _alice_events) = subscribed(&server, &world.alice.token, world.team_a).await;
    let (bob, mut bob_events) = subscribed(&server, &world.bob.token, world.team_a).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    let invited = alice
        .invite(conversation, "sam@guest.test", None)
        .await
        .unwrap();
    let token = invitation_token(&mails_to(store.as_ref(), "sam@guest.test")[0].body);
    let session = accepted(&server, &token, PASSWORD).await;
    let (sam, mut sam_events) = subscribed(&server, &session, world.team_a).await;
    alice.send(conversation, "hello Sam").await.unwrap();
    assert_eq!(next_message(&mut sam_events).await.body, "hello Sam");

    // Bob neither invited Sam nor manages the team; Carol is elsewhere.
    let (code, _) = refusal(bob.revoke_invitation(conversation, invited.user).await);
    assert_eq!(code, ErrorCode::Forbidden);
    let (carol, _carol_events) = connect(&server.url(), &world.carol.token).await;
    let (code, _) = refusal(carol.revoke_invitation(conversation, invited.user).await);
    assert_eq!(code, ErrorCode::NotFound);
    let (code, _) = refusal(sam.revoke_invitation(conversation, invited.user).await);
    assert_eq!(code, ErrorCode::Forbidden, "a Restricted Member may not");

    let revoked = alice
        .revoke_invitation(conversation, invited.user)
        .await
        .unwrap();
    assert_eq!(revoked.user, invited.user);
    let (code, took, welcome) = reconnection(&mut sam_events).await;
    assert_eq!(code, Some(close::ACCESS_CHANGED));
    assert!(took < Duration::from_secs(1), "closed after {took:?}");
    assert!(welcome.grants.is_empty());
    let bodies: Vec<String> = next_messages(&mut bob_events, 3)
        .await
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert_eq!(
        bodies,
        [
            "Alice invited sam@guest.test",
            "hello Sam",
            "Alice revoked the invitation of sam@guest.test"
        ]
    );

    alice
        .send(conversation, "after the revocation")
        .await
        .unwrap();
    assert_eq!(
        next_message(&mut bob_events).await.body,
        "after the revocation"
    );
    let (code, _) = refusal(sam.history(conversation, HistoryQuery::default()).await);
    assert_eq!(code, ErrorCode::NotFound);
    let (code, _) = refusal(sam.send(conversation, "still here?").await);
    assert_eq!(code, ErrorCode::NotFound);
    let late = messages_within(&mut sam_events, Duration::from_millis(300)).await;
    assert!(late.is_empty(), "nothing reaches Sam: {late:?}");
    let grant = store.grant(conversation, invited.user).unwrap().unwrap();
    assert_eq!(grant.state, GrantState::Revoked);

    // Revoking a pending invitation makes its token useless.
    alice
        .invite(conversation, "pat@guest.test", None)
        .await
        .unwrap();
    let pat = invitation_token(&mails_to(store.as_ref(), "pat@guest.test")[0].body);
    let pat_user = store.user_by_email("pat@guest.test").unwrap().unwrap();
    alice
        .revoke_invitation(conversation, pat_user.id)
        .await
        .unwrap();
    assert_eq!(accept(&server, &pat, PASSWORD).await.status, 401);
}

#[tokio::test]
async fn whoever_sent_a_pending_invitation_may_revoke_it_after_a_manager_sends_it_again() {
    let (_dir, server, world) = seeded().await;
    let store = server.server.store();
    member_of(
        store.as_ref(),
        world.team_a,
        "dave@one.test",
        "Dave",
        "dave",
    );
    let (_, dave) =
        admin::token_for_email(store.as_ref(), "dave@one.test", TokenKind::Session, None).unwrap();
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let (bob, _bob_events) = connect(&server.url(), &world.bob.token).await;
    let (dave, _dave_events) = connect(&server.url(), &dave).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;

    // Bob, a Member, invites Sam; Alice, a Manager, sends it again.
    let invited = bob
        .invite(conversation, "sam@guest.test", None)
        .await
        .unwrap();
    alice
        .invite(conversation, "sam@guest.test", Some("reminder".into()))
        .await
        .unwrap();
    assert_eq!(mails_to(store.as_ref(), "sam@guest.test").len(), 2);
    // Dave, a Member who sent nothing, still may not.
    let (code, _) = refusal(dave.revoke_invitation(conversation, invited.user).await);
    assert_eq!(code, ErrorCode::Forbidden);
    // Bob sent it: he may take it back.
    bob.revoke_invitation(conversation, invited.user)
        .await
        .expect("the Member who sent the invitation may revoke it");
    let grant = store.grant(conversation, invited.user).unwrap().unwrap();
    assert_eq!(grant.state, GrantState::Revoked);

    // The other way round: Alice invites Tom, Dave sends it again, and
    // Dave, having sent it, may revoke it.
    let tom = alice
        .invite(conversation, "tom@guest.test", None)
        .await
        .unwrap();
    dave.invite(conversation, "tom@guest.test", None)
        .await
        .unwrap();
    dave.revoke_invitation(conversation, tom.user)
        .await
        .expect("a Member who sent the invitation again may revoke it");
}
