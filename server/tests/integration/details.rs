//! `conversation`: one conversation's details and everyone's read markers
//! in it, for whoever may read its history (a Restricted Member with it
//! accepted included); `not_found` for a pending grant or another account.

use crate::restricted::outsider;
use crate::util::*;
use switchboard_client::ContactChanges;
use switchboard_protocol::ids::{Seq, UserId};
use switchboard_protocol::model::ConversationStatus;
use switchboard_protocol::ErrorCode;
use switchboard_server::GrantState;

#[tokio::test]
async fn the_details_carry_the_contact_and_every_readers_marker_with_their_name() {
    let (_dir, server, world) = seeded().await;
    let store = server.server.store();
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let (bob, _bob_events) = connect(&server.url(), &world.bob.token).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    let fresh = bob.conversation(conversation).await.unwrap();
    assert_eq!(fresh.conversation.id, conversation);
    assert_eq!(fresh.conversation.contact.name, "Jordan");
    assert!(fresh.reads.is_empty(), "nobody has read anything yet");

    // Alice answers twice (her own messages move her marker); Bob reads
    // the first.
    alice.send(conversation, "one").await.unwrap();
    let two = alice.send(conversation, "two").await.unwrap();
    bob.mark_read(conversation, Seq(1)).await.unwrap();

    let details = bob.conversation(conversation).await.unwrap();
    assert_eq!(details.conversation.team, world.team_a);
    assert_eq!(details.conversation.last_seq, two.seq);
    assert_eq!(details.conversation.status, ConversationStatus::Open);
    let reads: Vec<(UserId, &str, Seq)> = details
        .reads
        .iter()
        .map(|r| (r.user, r.name.as_str(), r.seq))
        .collect();
    let mut expected = vec![
        (world.alice.user, "Alice", two.seq),
        (world.bob.user, "Bob", Seq(1)),
    ];
    expected.sort_by_key(|&(user, _, _)| user);
    assert_eq!(reads, expected, "both readers, by user id");

    // A Restricted Member with the conversation accepted reads the same,
    // and sees their own contact edit in it; one whose grant is pending,
    // and a user of another account, are told it does not exist.
    let dave = restricted_member(
        &server,
        conversation,
        "dave@guest.test",
        "Dave",
        world.alice.user,
    );
    let (dave_client, _dave_events) = connect(&server.url(), &dave.token).await;
    let changes = ContactChanges {
        phone: Some("+1 555 0100".into()),
        ..ContactChanges::default()
    };
    dave_client
        .update_contact(conversation, changes)
        .await
        .unwrap();
    let seen = dave_client.conversation(conversation).await.unwrap();
    assert_eq!(seen.conversation.contact.name, "Jordan");
    assert_eq!(
        seen.conversation.contact.phone.as_deref(),
        Some("+1 555 0100")
    );
    assert_eq!(seen.reads, details.reads);

    let erin = outsider(store.as_ref(), "erin@guest.test", "Erin");
    server
        .server
        .set_grant(
            conversation,
            erin.user,
            GrantState::Pending,
            world.alice.user,
        )
        .unwrap();
    let (erin_client, _erin_events) = connect(&server.url(), &erin.token).await;
    let (refused, message) = refusal(erin_client.conversation(conversation).await);
    assert_eq!(refused, ErrorCode::NotFound);
    assert_eq!(message, format!("no conversation {conversation}"));
    let (carol, _carol_events) = connect(&server.url(), &world.carol.token).await;
    assert_eq!(
        code(carol.conversation(conversation).await),
        ErrorCode::NotFound
    );
}
