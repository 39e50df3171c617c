//! Refused invitations: a bad address, a member already, a Restricted
//! Member, a bot or an outsider asking. Each is answered to the sender
//! alone, and no mail, user, grant or system message is left behind.

use super::subscribed;
use crate::util::*;
use switchboard_client::BotScope;
use switchboard_protocol::ErrorCode;

#[tokio::test]
async fn refused_invitations_are_answered_to_the_sender_alone_and_change_nothing() {
    let (_dir, server, world) = seeded().await;
    let store = server.server.store();
    let (alice, _alice_events) = subscribed(&server, &world.alice.token, world.team_a).await;
    let (_bob, mut bob_events) = subscribed(&server, &world.bob.token, world.team_a).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    // A Restricted Member of the conversation, and a bot of the team.
    let dave = restricted_member(
        &server,
        conversation,
        "dave@guest.test",
        "Dave",
        world.alice.user,
    );
    let (dave_client, _dave_events) = connect(&server.url(), &dave.token).await;
    let bot = alice
        .create_bot(world.team_a, "Bridge", BotScope::ReadWrite)
        .await
        .unwrap();
    let (bot_client, _bot_events) = connect(&server.url(), &bot.token).await;
    let (carol, _carol_events) = connect(&server.url(), &world.carol.token).await;
    let mails_before = store.mails().unwrap().len();

    let (code, message) = refusal(
        alice
            .send_invite_command(conversation, "bad-1", "^invite sam-at-guest.test")
            .await,
    );
    assert_eq!(code, ErrorCode::BadCommand);
    assert!(message.contains("email"), "{message}");
    let (code, message) = refusal(alice.invite(conversation, "sam@guest", None).await);
    assert_eq!(code, ErrorCode::BadCommand);
    assert!(message.contains("\"sam@guest\""), "{message}");
    let (code, message) = refusal(alice.invite(conversation, "bob@one.test", None).await);
    assert_eq!(code, ErrorCode::BadCommand);
    assert!(message.contains("already a member"), "{message}");
    assert!(message.contains("^assign"), "{message}");
    let (code, _) = refusal(
        dave_client
            .invite(conversation, "sam@guest.test", None)
            .await,
    );
    assert_eq!(code, ErrorCode::Forbidden);
    let (code, _) = refusal(
        bot_client
            .send_invite_command(conversation, "bot-1", "^invite sam@guest.test")
            .await,
    );
    assert_eq!(code, ErrorCode::Forbidden);
    let (code, _) = refusal(
        bot_client
            .invite(conversation, "sam@guest.test", None)
            .await,
    );
    assert_eq!(code, ErrorCode::Forbidden);
    let (code, _) = refusal(carol.invite(conversation, "sam@guest.test", None).await);
    assert_eq!(code, ErrorCode::NotFound);

    // Nothing was written: no mail, no user, no system message (the next
    // message Bob sees is the one sent after all of them).
    assert_eq!(store.mails().unwrap().len(), mails_before);
    assert!(store.user_by_email("sam@guest.test").unwrap().is_none());
    assert!(store.user_by_email("sam@guest").unwrap().is_none());
    assert_eq!(
        store.conversation_grants(conversation).unwrap().len(),
        1,
        "Dave's grant only"
    );
    alice.send(conversation, "marker").await.unwrap();
    assert_eq!(next_message(&mut bob_events).await.body, "marker");
}
