//! The same key after a restart on the same data folder: the original
//! result, marked `duplicate`, and nothing done again; and an invitation
//! whose mail left just before a crash, completed by its retry without a
//! second mail.

use super::{mails_to, outcomes};
use crate::api_client::post_json;
use crate::util::*;
use switchboard_protocol::client::{ClientFrame, SendMessage};
use switchboard_protocol::deliver::{Deliver, DeliverTo};
use switchboard_protocol::ids::{ConversationId, RequestId};
use switchboard_protocol::manage::{AddMember, BotScope, CreateBot, CreateTeam};
use switchboard_protocol::model::Role;
use switchboard_protocol::server::{Reply, ResultFrame, ServerFrame};
use switchboard_server::admin::{self, NewUser};
use switchboard_server::invitation;
use switchboard_server::store::{GrantRecord, GrantState, InvitationRecord, Store};

fn result(frame: ServerFrame) -> ResultFrame {
    match frame {
        ServerFrame::Result(result) => result,
        other => panic!("expected a result, got {other:?}"),
    }
}

#[tokio::test]
async fn a_key_used_before_a_restart_returns_the_original_result() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let world = seed(server.server.store().as_ref());
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let delivered = start_conversation(&alice, world.team_a, "Dana").await;
    let invited = start_conversation(&alice, world.team_a, "Eve").await;
    alice.close().await;

    let deliver = |id: u64| {
        ClientFrame::Deliver(Deliver {
            id: RequestId(id),
            conversation: delivered,
            to: DeliverTo::User {
                handle: "bob".into(),
            },
            status: None,
            note: Some("call Monday".into()),
            key: Some("deliver-1".into()),
        })
    };
    let invite = |id: u64| {
        ClientFrame::Send(SendMessage {
            id: RequestId(id),
            conversation: invited,
            client_msg_id: "invite-1".into(),
            body: "^invite sam@guest.test".into(),
            as_contact: false,
            post: None,
        })
    };
    let mut raw = Raw::login(&server.url(), &world.alice.token).await;
    let first_delivery = result(raw.request(deliver(1)).await);
    let first_invite = result(raw.request(invite(2)).await);
    assert!(!first_delivery.duplicate && !first_invite.duplicate);
    drop(raw);
    server.server.shutdown().await;

    let server = TestServer::start(dir.path()).await;
    let mut raw = Raw::login(&server.url(), &world.alice.token).await;
    let again = result(raw.request(deliver(3)).await);
    assert!(again.duplicate, "the retry is marked");
    assert_eq!(again.result, first_delivery.result, "the original outcome");
    let again = result(raw.request(invite(4)).await);
    assert!(again.duplicate);
    assert_eq!(again.result, first_invite.result);

    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    assert_eq!(outcomes(&alice, world.team_a).await, 1);
    let store = server.server.store();
    assert_eq!(mails_to(store.as_ref(), "sam@guest.test"), 1);
    // What a retry after a crash following the mail would find (see
    // `mailed_before_a_crash`).
    let sam = store.user_by_email("sam@guest.test").unwrap().unwrap();
    let grant = store.grant(invited, sam.id).unwrap().unwrap();
    assert_eq!(
        grant.mailed_for,
        Some((world.alice.user, "invite-1".to_string()))
    );
    for conversation in [delivered, invited] {
        assert_eq!(super::system_messages(&alice, conversation).await, 1);
    }
}

#[tokio::test]
async fn a_team_member_or_bot_created_before_a_restart_is_not_created_again() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let world = seed(server.server.store().as_ref());
    let create_team = |id: u64| {
        ClientFrame::CreateTeam(CreateTeam {
            id: RequestId(id),
            account: world.account_1,
            name: "Interviews".into(),
            handle: "interviews".into(),
            identity: String::new(),
            key: Some("team-1".into()),
        })
    };
    let add_member = |id: u64| {
        ClientFrame::AddMember(AddMember {
            id: RequestId(id),
            team: world.team_a,
            email: "newcomer@acme.test".into(),
            role: Role::Member,
            name: None,
            key: Some("member-1".into()),
        })
    };
    let create_bot = |id: u64| {
        ClientFrame::CreateBot(CreateBot {
            id: RequestId(id),
            team: world.team_a,
            name: "Screener".into(),
            scope: BotScope::Read,
            key: Some("bot-1".into()),
        })
    };
    let mut raw = Raw::login(&server.url(), &world.alice.token).await;
    let team = result(raw.request(create_team(1)).await);
    let member = result(raw.request(add_member(2)).await);
    let bot = result(raw.request(create_bot(3)).await);
    assert!(!team.duplicate && !member.duplicate && !bot.duplicate);
    drop(raw);
    server.server.shutdown().await;

    let server = TestServer::start(dir.path()).await;
    let mut raw = Raw::login(&server.url(), &world.alice.token).await;
    let again = result(raw.request(create_team(4)).await);
    assert!(again.duplicate, "no conflict over its own handle");
    assert_eq!(again.result, team.result);
    let again = result(raw.request(add_member(5)).await);
    assert!(again.duplicate);
    assert_eq!(again.result, member.result, "still `invited: true`");
    let again = result(raw.request(create_bot(6)).await);
    assert!(again.duplicate);
    // The token was never stored: the original bot, without it.
    let (Reply::Bot(first), Reply::Bot(retried)) = (&bot.result, &again.result) else {
        panic!("bots expected: {:?} {:?}", bot.result, again.result);
    };
    assert_eq!(retried.bot, first.bot);
    assert!(!first.token.is_empty() && retried.token.is_empty());

    let store = server.server.store();
    let teams = store.account_teams(world.account_1).unwrap();
    assert_eq!(teams.len(), 3, "team A, #sales and one new team: {teams:?}");
    assert_eq!(store.team_bots(world.team_a).unwrap().len(), 1, "one bot");
    assert_eq!(
        mails_to(store.as_ref(), "newcomer@acme.test"),
        1,
        "one invitation mail"
    );
}

/// The state a crash leaves between an invitation's mail and its system
/// message: the invitee, their pending grant, its token (whose link went
/// out by mail, and is returned) and the record that the mail left for
/// `alice`'s `key`; no system message, no receipt.
fn mailed_before_a_crash(
    store: &dyn Store,
    world: &World,
    conversation: ConversationId,
    key: &str,
) -> String {
    let invitee = NewUser {
        email: "sam@guest.test".into(),
        name: "sam".into(),
        handle: None,
    };
    let sam = admin::create_user(store, &invitee).unwrap();
    let token = invitation::issue(store, sam.id, world.team_a).unwrap();
    let (hash, record) = store
        .invitations_after(None, 100)
        .unwrap()
        .into_iter()
        .find(|(_, record)| record.user == sam.id)
        .unwrap();
    let record = InvitationRecord {
        conversation: Some(conversation),
        invited_by: Some(world.alice.user),
        ..record
    };
    store.put_invitation(&hash, &record).unwrap();
    store
        .put_grant(&GrantRecord {
            conversation,
            team: world.team_a,
            user: sam.id,
            state: GrantState::Pending,
            invited_by: world.alice.user,
            resent_by: Vec::new(),
            at: record.created_at,
            invitation: Some(hash),
            mailed_for: Some((world.alice.user, key.to_string())),
        })
        .unwrap();
    store.flush().unwrap();
    token
}

#[tokio::test]
async fn an_invite_retried_after_a_crash_that_followed_its_mail_mails_nothing_and_its_link_works() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let world = seed(server.server.store().as_ref());
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let conversation = start_conversation(&alice, world.team_a, "Eve").await;
    alice.close().await;
    let mailed = mailed_before_a_crash(
        server.server.store().as_ref(),
        &world,
        conversation,
        "invite-1",
    );
    server.server.shutdown().await;

    let server = TestServer::start(dir.path()).await;
    let mut raw = Raw::login(&server.url(), &world.alice.token).await;
    let retry = ClientFrame::Send(SendMessage {
        id: RequestId(1),
        conversation,
        client_msg_id: "invite-1".into(),
        body: "^invite sam@guest.test".into(),
        as_contact: false,
        post: None,
    });
    let first = result(raw.request(retry.clone()).await);
    let Reply::Invited(invited) = &first.result else {
        panic!("invited expected: {:?}", first.result);
    };
    assert_eq!(invited.email, "sam@guest.test");
    // Its receipt is kept now: a further retry is a duplicate.
    let again = result(raw.request(retry).await);
    assert!(again.duplicate);
    assert_eq!(again.result, first.result);

    let store = server.server.store();
    assert_eq!(
        mails_to(store.as_ref(), "sam@guest.test"),
        0,
        "no second mail"
    );
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    assert_eq!(super::system_messages(&alice, conversation).await, 1);
    let body = serde_json::json!({"token": mailed, "password": "correct horse battery staple"});
    let accepted = post_json(server.addr, "/api/invitations/accept", &body).await;
    assert_eq!(accepted.status, 200, "the mailed link still works");
}
