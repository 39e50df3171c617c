//! Bot tokens through the SDK and a raw socket against a real server: a
//! Manager creates a bot whose token reaches its one team, its messages
//! show as the bot's, a read-only bot may not write, and revoking a bot
//! closes its live connection with 4001 and refuses its token from then on.

use crate::util::*;
use switchboard_client::{BotScope, SenderKind};
use switchboard_protocol::client::{ClientFrame, Hello};
use switchboard_protocol::codec::Encoding;
use switchboard_protocol::{close, ErrorCode, PROTOCOL_VERSION};

#[tokio::test]
async fn a_bot_writes_as_itself_in_its_one_team_and_only_managers_handle_bots() {
    let (_dir, server, world) = seeded().await;
    let url = server.url();
    let (alice, _alice_events) = connect(&url, &world.alice.token).await;
    let (bob, mut bob_events) = connect(&url, &world.bob.token).await;
    let (carol, _carol_events) = connect(&url, &world.carol.token).await;
    let c = start_conversation(&alice, world.team_a, "Casey").await;

    let writer = alice
        .create_bot(world.team_a, "Beep", BotScope::ReadWrite)
        .await
        .unwrap();
    let reader = alice
        .create_bot(world.team_a, "Peek", BotScope::Read)
        .await
        .unwrap();
    assert_eq!(
        code(bob.create_bot(world.team_a, "Mine", BotScope::Read).await),
        ErrorCode::Forbidden
    );
    assert_eq!(code(carol.bots(world.team_a).await), ErrorCode::NotFound);
    let listed = alice.bots(world.team_a).await.unwrap();
    assert_eq!(listed, vec![writer.bot.clone(), reader.bot.clone()]);

    let (beep, _beep_events) = connect(&url, &writer.token).await;
    let teams: Vec<_> = beep.welcome().teams.iter().map(|t| t.id).collect();
    assert_eq!(teams, vec![world.team_a], "a bot reaches its one team");
    bob.subscribe(world.team_a).await.unwrap();
    beep.send(c, "beep boop").await.unwrap();
    let message = next_message(&mut bob_events).await;
    assert_eq!(message.sender.kind, SenderKind::Bot);
    assert_eq!(
        (message.sender.id, message.sender.name.as_str()),
        (writer.bot.id.0, "Beep")
    );
    assert_eq!(code(beep.members(world.team_b).await), ErrorCode::NotFound);

    let (peek, _peek_events) = connect(&url, &reader.token).await;
    assert_eq!(
        peek.history(c, Default::default())
            .await
            .unwrap()
            .messages
            .len(),
        1
    );
    assert_eq!(code(peek.send(c, "no").await), ErrorCode::Forbidden);
    assert_eq!(
        code(peek.revoke_bot(world.team_a, writer.bot.id).await),
        ErrorCode::Forbidden
    );
}

#[tokio::test]
async fn revoking_a_bot_closes_its_live_connection_with_4001_and_its_token_says_hello_no_more() {
    let (_dir, server, world) = seeded().await;
    let url = server.url();
    let (alice, _alice_events) = connect(&url, &world.alice.token).await;
    let created = alice
        .create_bot(world.team_a, "Beep", BotScope::ReadWrite)
        .await
        .unwrap();
    let store = server.server.store();
    let hash = store.bot(created.bot.id).unwrap().unwrap().token_hash;
    assert!(store.token(&hash).unwrap().is_some(), "stored by its hash");

    let mut live = Raw::login(&url, &created.token).await;
    alice
        .revoke_bot(world.team_a, created.bot.id)
        .await
        .unwrap();
    assert_eq!(live.close_code().await, Some(close::UNAUTHORIZED));

    let mut again = Raw::connect(&url, Encoding::MsgPack).await;
    again
        .send(&ClientFrame::Hello(Hello {
            version: PROTOCOL_VERSION,
            token: created.token.clone(),
        }))
        .await;
    assert_eq!(again.close_code().await, Some(close::UNAUTHORIZED));
    assert!(
        store.token(&hash).unwrap().is_none(),
        "the token is deleted"
    );
    let listed = alice.bots(world.team_a).await.unwrap();
    assert!(listed[0].revoked, "the bot stays listed, as revoked");
}
