//! Accepting an invitation: a new user sets a password and works in that
//! conversation alone; an existing user accepts with their own password
//! and their open connection reloads its access; inviting again replaces
//! a pending token.

use super::{accept, accepted, invitation_token, mails_to, reconnection, subscribed, PASSWORD};
use crate::api_client::sign_up;
use crate::util::*;
use switchboard_client::HistoryQuery;
use switchboard_protocol::model::{NewContact, SenderKind};
use switchboard_protocol::{close, ErrorCode};

fn contact(name: &str) -> NewContact {
    NewContact {
        name: name.into(),
        email: None,
        phone: None,
    }
}

#[tokio::test]
async fn a_new_user_accepts_an_invitation_and_works_in_that_conversation_alone() {
    let (_dir, server, world) = seeded().await;
    let store = server.server.store();
    let (alice, _alice_events) = subscribed(&server, &world.alice.token, world.team_a).await;
    let (_bob, mut bob_events) = subscribed(&server, &world.bob.token, world.team_a).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    let other = start_conversation(&alice, world.team_a, "Kim").await;
    alice.send(conversation, "before the invite").await.unwrap();
    assert_eq!(
        next_message(&mut bob_events).await.body,
        "before the invite"
    );

    let invited = alice
        .invite(
            conversation,
            "sam@guest.test",
            Some("Please check the contract".into()),
        )
        .await
        .unwrap();
    assert_eq!(invited.conversation, conversation);
    assert_eq!(invited.email, "sam@guest.test");

    // Every member sees the system message live.
    let system = next_message(&mut bob_events).await;
    assert_eq!(system.sender.kind, SenderKind::System);
    assert_eq!(
        system.body,
        "Alice invited sam@guest.test: Please check the contract"
    );

    // The mail names the team and the inviter, quotes the note, and says
    // how to accept; the token is in it.
    let mails = mails_to(store.as_ref(), "sam@guest.test");
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert!(mail.subject.contains("Alice") && mail.subject.contains("Team A"));
    assert!(mail.body.contains("Please check the contract"));
    assert!(mail.body.contains("POST /api/invitations/accept"));
    let token = invitation_token(&mail.body);

    // Pending: no password yet, so no login either.
    let login = crate::api_client::log_in(server.addr, "sam@guest.test", PASSWORD).await;
    assert_eq!(login.status, 401);
    let session = accepted(&server, &token, PASSWORD).await;
    let again = accept(&server, &token, PASSWORD).await;
    assert_eq!(again.status, 401, "the token works once");

    let (sam, mut sam_events) = connect(&server.url(), &session).await;
    let welcome = sam.welcome();
    assert_eq!(welcome.user.id, invited.user);
    assert!(welcome.teams.is_empty(), "no role in any team");
    assert_eq!(welcome.grants.len(), 1);
    assert_eq!(welcome.grants[0].conversation, conversation);
    sam.subscribe(world.team_a).await.unwrap();

    // The conversation's history, with the system message, and its live
    // messages; Sam may write and edit the contact there.
    let page = sam
        .history(conversation, HistoryQuery::default())
        .await
        .unwrap();
    let bodies: Vec<&str> = page.messages.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies[0], "before the invite");
    assert!(bodies[1].starts_with("Alice invited sam@guest.test"));
    alice.send(other, "not for Sam").await.unwrap();
    alice.send(conversation, "hello Sam").await.unwrap();
    assert_eq!(next_message(&mut sam_events).await.body, "hello Sam");
    sam.send(conversation, "hi, Sam here").await.unwrap();
    assert_eq!(next_message(&mut sam_events).await.body, "hi, Sam here");
    let changes = switchboard_client::ContactChanges {
        phone: Some("+1 555 0100".into()),
        ..Default::default()
    };
    let updated = sam.update_contact(conversation, changes).await.unwrap();
    assert_eq!(updated.phone.as_deref(), Some("+1 555 0100"));

    // And nothing else of the team.
    let (code, _) = refusal(sam.history(other, HistoryQuery::default()).await);
    assert_eq!(code, ErrorCode::NotFound);
    let (code, _) = refusal(sam.invite(conversation, "pat@guest.test", None).await);
    assert_eq!(code, ErrorCode::Forbidden, "no commands");
    let (code, _) = refusal(sam.send_command(conversation, "cmd-1", "^assign me").await);
    assert_eq!(code, ErrorCode::Forbidden, "no commands, typed either");
    let (code, _) = refusal(sam.members(world.team_a).await);
    assert_eq!(code, ErrorCode::NotFound);
    let (code, _) = refusal(sam.start_conversation(world.team_a, contact("Pat")).await);
    assert_eq!(code, ErrorCode::NotFound);
    assert!(mails_to(store.as_ref(), "pat@guest.test").is_empty());
}

#[tokio::test]
async fn an_existing_user_accepts_with_their_own_password_and_a_wrong_one_is_refused() {
    let (_dir, server, world) = seeded().await;
    let store = server.server.store();
    let signed_up = sign_up(&server, "sam@guest.test", PASSWORD, "Sam", "Sam's shop").await;
    let sam_token = signed_up["token"].as_str().unwrap().to_string();
    let sam_id = signed_up["user"]["id"].as_u64().unwrap();
    let (_sam, mut sam_events) = connect(&server.url(), &sam_token).await;

    // The sign-up's confirmation came before.
    let mailed_before = mails_to(store.as_ref(), "sam@guest.test").len();
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    // Typed into a send, with a note after the address.
    let invited = alice
        .send_invite_command(
            conversation,
            "inv-1",
            "^invite SAM@guest.test see the quote",
        )
        .await
        .unwrap();
    assert_eq!(invited.user.0, sam_id, "the existing user, not a new one");
    let mails = mails_to(store.as_ref(), "sam@guest.test").split_off(mailed_before);
    assert_eq!(mails.len(), 1);
    assert!(mails[0].body.contains("see the quote"));
    assert!(mails[0].body.contains("accept with its password"));
    let token = invitation_token(&mails[0].body);

    // A wrong password gets exactly what a wrong login gets, and keeps
    // the invitation usable.
    let wrong = accept(&server, &token, "not my password at all").await;
    let bad_login =
        crate::api_client::log_in(server.addr, "sam@guest.test", "nope nope nope").await;
    assert_eq!(wrong.status, 401);
    assert_eq!((wrong.status, wrong.body.clone()), (401, bad_login.body));

    let session = accepted(&server, &token, PASSWORD).await;
    // Sam's connection from before reloads its access: the conversation
    // is now in the welcome.
    let (code, _, welcome) = reconnection(&mut sam_events).await;
    assert_eq!(code, Some(close::ACCESS_CHANGED));
    assert_eq!(welcome.grants.len(), 1);
    assert_eq!(welcome.grants[0].conversation, conversation);
    let (sam_again, _events) = connect(&server.url(), &session).await;
    let page = sam_again
        .history(conversation, HistoryQuery::default())
        .await
        .unwrap();
    assert_eq!(page.messages.len(), 1, "the system message");
    // Sam still owns their own account.
    assert_eq!(sam_again.welcome().accounts.len(), 1);
}

#[tokio::test]
async fn inviting_a_pending_invitee_again_replaces_the_token() {
    let (_dir, server, world) = seeded().await;
    let store = server.server.store();
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    let first = alice
        .invite(conversation, "sam@guest.test", None)
        .await
        .unwrap();
    let second = alice
        .invite(conversation, "sam@guest.test", Some("again".into()))
        .await
        .unwrap();
    assert_eq!(first.user, second.user, "one user");
    let mails = mails_to(store.as_ref(), "sam@guest.test");
    assert_eq!(mails.len(), 2, "a new mail");
    let (old, new) = (
        invitation_token(&mails[0].body),
        invitation_token(&mails[1].body),
    );
    assert_ne!(old, new);
    assert_eq!(accept(&server, &old, PASSWORD).await.status, 401);
    accepted(&server, &new, PASSWORD).await;
    let (code, message) = refusal(alice.invite(conversation, "sam@guest.test", None).await);
    assert_eq!(code, ErrorCode::BadCommand);
    assert!(
        message.contains("already in this conversation"),
        "{message}"
    );
}
