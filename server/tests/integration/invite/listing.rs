//! `invitations`: a conversation's pending and accepted invitations as the
//! team's people see them, each with whether the caller may revoke it; a
//! revoked one leaves the list. And the other side: the invitee's session
//! names each conversation let into by its contact.

use super::{accepted, invitation_token, mails_to, PASSWORD};
use crate::api_client::http;
use crate::util::*;
use switchboard_client::{Client, InvitationInfo, InvitationState};
use switchboard_protocol::ids::{ConversationId, UserId};
use switchboard_protocol::ErrorCode;

/// The caller's view of the list: (email, state, may_revoke) by user id.
async fn listed(client: &Client, conversation: ConversationId) -> Vec<InvitationInfo> {
    let list = client.invitations(conversation).await.unwrap();
    assert_eq!(list.conversation, conversation);
    list.invitations
}

fn row(list: &[InvitationInfo], user: UserId) -> &InvitationInfo {
    list.iter()
        .find(|i| i.user == user)
        .unwrap_or_else(|| panic!("user {user} is not listed: {list:?}"))
}

#[tokio::test]
async fn the_list_shows_pending_then_accepted_and_who_may_revoke_each() {
    let (_dir, server, world) = seeded().await;
    let store = server.server.store();
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let (bob, _bob_events) = connect(&server.url(), &world.bob.token).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    assert!(listed(&alice, conversation).await.is_empty());

    // Alice (a Manager) invites Sam; Bob (a Member) invites Pat.
    let sam = alice
        .invite(conversation, "sam@guest.test", None)
        .await
        .unwrap();
    let pat = bob
        .invite(conversation, "pat@guest.test", None)
        .await
        .unwrap();

    let seen_by_alice = listed(&alice, conversation).await;
    assert_eq!(seen_by_alice.len(), 2);
    let sam_row = row(&seen_by_alice, sam.user);
    assert_eq!(sam_row.email, "sam@guest.test");
    assert_eq!(sam_row.name, "sam");
    assert_eq!(sam_row.state, InvitationState::Pending);
    assert_eq!(sam_row.invited_by, world.alice.user);
    assert!(sam_row.may_revoke, "Alice sent it");
    let pat_row = row(&seen_by_alice, pat.user);
    assert_eq!(pat_row.invited_by, world.bob.user);
    assert!(pat_row.may_revoke, "a Manager may revoke any invitation");

    let seen_by_bob = listed(&bob, conversation).await;
    assert!(!row(&seen_by_bob, sam.user).may_revoke, "Bob sent nothing");
    assert!(row(&seen_by_bob, pat.user).may_revoke, "Bob sent it");

    // Sent again by Alice, Pat's invitation stays Bob's, and names her too.
    alice
        .invite(conversation, "pat@guest.test", None)
        .await
        .unwrap();
    let pat_row = row(&listed(&bob, conversation).await, pat.user).clone();
    assert_eq!(pat_row.invited_by, world.bob.user);
    assert_eq!(pat_row.resent_by, [world.alice.user]);

    // Sam accepts: accepted for everyone.
    let token = invitation_token(&mails_to(store.as_ref(), "sam@guest.test")[0].body);
    let session = accepted(&server, &token, PASSWORD).await;
    assert_eq!(
        row(&listed(&bob, conversation).await, sam.user).state,
        InvitationState::Accepted
    );

    // Revoked, Pat leaves the list.
    alice
        .revoke_invitation(conversation, pat.user)
        .await
        .unwrap();
    let after = listed(&alice, conversation).await;
    assert_eq!(
        after.iter().map(|i| i.user).collect::<Vec<_>>(),
        [sam.user],
        "a revoked invitation is not listed"
    );

    // Sam sees the conversation but not who else was let in; Carol, of
    // another account, does not see it at all.
    let (sam_client, _sam_events) = connect(&server.url(), &session).await;
    let (code, _) = refusal(sam_client.invitations(conversation).await);
    assert_eq!(code, ErrorCode::Forbidden);
    let (carol, _carol_events) = connect(&server.url(), &world.carol.token).await;
    let (code, _) = refusal(carol.invitations(conversation).await);
    assert_eq!(code, ErrorCode::NotFound);
}

#[tokio::test]
async fn a_restricted_members_session_names_each_conversation_by_its_contact() {
    let (_dir, server, world) = seeded().await;
    let store = server.server.store();
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan Lee").await;
    alice
        .invite(conversation, "sam@guest.test", None)
        .await
        .unwrap();
    let token = invitation_token(&mails_to(store.as_ref(), "sam@guest.test")[0].body);
    let session = accepted(&server, &token, PASSWORD).await;

    let bearer = format!("Bearer {session}");
    let answer = http(
        server.addr,
        "GET",
        "/api/session",
        &[("Authorization", &bearer)],
        b"",
    )
    .await;
    assert_eq!(answer.status, 200);
    let grants = answer.json()["grants"].clone();
    assert_eq!(
        grants,
        serde_json::json!([{
            "conversation": conversation.0,
            "team": world.team_a.0,
            "contact": "Jordan Lee",
        }])
    );
}
