//! Retried writes are carried out once: a typed `^deliver`, `^invite` or
//! `^assign` and the keyed frames, resent by the SDK after its connection
//! was cut between the server's answer and the client's reading of it
//! ([`proxy`]), and sent again with the same key after a restart
//! ([`restart`]). Each shows what a user would count: outcomes in the
//! report, mails in the outbox, system messages in the timeline.

mod proxy;
mod restart;

use crate::util::*;
use proxy::CuttingProxy;
use std::time::Duration;
use switchboard_client::{
    Assignee, Backoff, BotScope, Client, ClientConfig, Events, ReportQuery, Role, SenderKind,
    Target,
};
use switchboard_protocol::ids::{ConversationId, TeamId};
use switchboard_server::store::Store;

/// An SDK client through the proxy, reconnecting at once after a cut.
async fn through(proxy: &CuttingProxy, token: &str) -> (Client, Events) {
    let mut config = ClientConfig::new(proxy.url(), token);
    config.reconnect = Backoff {
        initial: Duration::from_millis(10),
        max: Duration::from_millis(100),
    };
    Client::connect(config).await.expect("the SDK connects")
}

/// A seeded server behind a cutting proxy, with alice connected through
/// it and a conversation of hers to retry commands in.
struct Cut {
    /// The server's data folder, kept for as long as the test runs.
    _dir: tempfile::TempDir,
    server: TestServer,
    world: World,
    proxy: CuttingProxy,
    alice: Client,
    /// Alice's events, kept so that her connection stays subscribed.
    _events: Events,
    conversation: ConversationId,
}

impl Cut {
    async fn start() -> Cut {
        let (_dir, server, world) = seeded().await;
        let proxy = CuttingProxy::start(server.addr).await;
        let (alice, _events) = through(&proxy, &world.alice.token).await;
        let conversation = start_conversation(&alice, world.team_a, "Dana").await;
        Cut {
            _dir,
            server,
            world,
            proxy,
            alice,
            _events,
            conversation,
        }
    }
}

/// How many system messages (records of commands) a conversation holds.
async fn system_messages(client: &Client, conversation: ConversationId) -> usize {
    all_messages(client, conversation)
        .await
        .iter()
        .filter(|m| m.sender.kind == SenderKind::System)
        .count()
}

/// Deliveries counted in a team's report.
async fn outcomes(client: &Client, team: TeamId) -> u64 {
    let query = ReportQuery {
        team: Some(team),
        ..ReportQuery::default()
    };
    client.report(query).await.expect("a report").outcomes.total
}

/// Mails in the outbox to `to`.
fn mails_to(store: &dyn Store, to: &str) -> usize {
    store.mails().unwrap().iter().filter(|m| m.to == to).count()
}

#[tokio::test]
async fn a_deliver_sent_as_text_whose_answer_is_cut_is_done_once_and_reported_done() {
    let cut = Cut::start().await;
    let (proxy, alice, conversation) = (&cut.proxy, &cut.alice, cut.conversation);

    proxy.arm();
    let ack = alice
        .send(conversation, "^deliver @bob hired call Monday")
        .await
        .expect("a delivery that happened is reported as done");
    assert_eq!(proxy.cuts(), 1, "the first answer never arrived");
    assert_eq!(outcomes(alice, cut.world.team_a).await, 1, "one outcome");
    assert_eq!(system_messages(alice, conversation).await, 1);
    assert!(ack.duplicate, "the resend got the original result back");
}

#[tokio::test]
async fn an_invite_sent_as_text_whose_answer_is_cut_mails_once() {
    let cut = Cut::start().await;
    let (proxy, alice, conversation) = (&cut.proxy, &cut.alice, cut.conversation);

    proxy.arm();
    let invited = alice
        .send_invite_command(conversation, "invite-1", "^invite sam@guest.test")
        .await
        .expect("the invitation is reported as made");
    assert_eq!(proxy.cuts(), 1);
    assert_eq!(invited.email, "sam@guest.test");

    let store = cut.server.server.store();
    assert_eq!(mails_to(store.as_ref(), "sam@guest.test"), 1, "one mail");
    assert_eq!(system_messages(alice, conversation).await, 1);
}

#[tokio::test]
async fn an_assign_sent_as_text_whose_answer_is_cut_is_answered_as_a_duplicate() {
    let cut = Cut::start().await;
    let (proxy, alice, conversation) = (&cut.proxy, &cut.alice, cut.conversation);

    proxy.arm();
    let ack = alice
        .send(conversation, "^assign @bob")
        .await
        .expect("the assignment is reported as done");
    assert_eq!(proxy.cuts(), 1);
    assert!(ack.duplicate, "the resend got the original result back");
    assert_eq!(system_messages(alice, conversation).await, 1);
    let page = alice
        .conversations(cut.world.team_a, None, None)
        .await
        .unwrap();
    let info = page.conversations.iter().find(|c| c.id == conversation);
    assert_eq!(info.unwrap().assignees, [cut.world.bob.user]);
}

#[tokio::test]
async fn keyed_frames_whose_answers_are_cut_are_done_once() {
    let cut = Cut::start().await;
    let (proxy, alice, conversation) = (&cut.proxy, &cut.alice, cut.conversation);

    proxy.arm();
    let outcome = alice
        .deliver(conversation, Target::User("bob".into()), None, None)
        .await
        .expect("the SDK resends a keyed frame and reports it done");
    assert_eq!(proxy.cuts(), 1);
    assert_eq!(outcomes(alice, cut.world.team_a).await, 1, "one outcome");
    assert_eq!(system_messages(alice, conversation).await, 1);
    assert_eq!(outcome.conversation, conversation);

    // `assign` and a request that creates: once each, too.
    proxy.arm();
    let assignees = alice.assign(conversation, Assignee::Me).await.unwrap();
    assert_eq!(proxy.cuts(), 2);
    assert_eq!(assignees, [cut.world.bob.user, cut.world.alice.user]);
    assert_eq!(system_messages(alice, conversation).await, 2);

    let teams_before = cut.server.server.store().account_teams(cut.world.account_1);
    proxy.arm();
    let team = alice
        .create_team(cut.world.account_1, "Support", "support", "")
        .await
        .expect("a team created once, not refused as taken on the resend");
    assert_eq!(proxy.cuts(), 3);
    let teams = cut.server.server.store().account_teams(cut.world.account_1);
    assert_eq!(teams.unwrap().len(), teams_before.unwrap().len() + 1);
    assert_eq!(team.handle, "support");

    // A member added by an unknown email: one invitation, and the resend
    // answers the original (`invited`), not a plain join.
    proxy.arm();
    let added = alice
        .add_member(cut.world.team_a, "newbie@one.test", Role::Member, None)
        .await
        .expect("a member added once");
    assert_eq!(proxy.cuts(), 4);
    assert!(added.invited, "the original answer");
    let store = cut.server.server.store();
    assert_eq!(mails_to(store.as_ref(), "newbie@one.test"), 1);

    // A bot: one, and its token, never stored, is not shown again.
    proxy.arm();
    let created = alice
        .create_bot(cut.world.team_a, "Relay", BotScope::ReadWrite)
        .await
        .expect("a bot created once");
    assert_eq!(proxy.cuts(), 5);
    assert_eq!(alice.bots(cut.world.team_a).await.unwrap(), [created.bot]);
    assert_eq!(created.token, "", "the retry does not show the token");
}

#[tokio::test]
async fn the_same_invitation_sent_at_once_on_two_connections_is_made_once() {
    use switchboard_protocol::client::ClientFrame;
    use switchboard_protocol::ids::RequestId;
    use switchboard_protocol::invite::Invite;
    use switchboard_protocol::server::ServerFrame;

    let (_dir, server, world) = seeded().await;
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let conversation = start_conversation(&alice, world.team_a, "Dana").await;
    let invite = ClientFrame::Invite(Invite {
        id: RequestId(1),
        conversation,
        email: "sam@guest.test".into(),
        note: None,
        key: Some("invite-once".into()),
    });
    let mut first = Raw::login(&server.url(), &world.alice.token).await;
    let mut second = Raw::login(&server.url(), &world.alice.token).await;
    let (a, b) = tokio::join!(first.request(invite.clone()), second.request(invite));
    let (ServerFrame::Result(a), ServerFrame::Result(b)) = (a, b) else {
        panic!("both are answered with a result");
    };
    assert_eq!(a.result, b.result, "both get the one invitation");
    assert!(a.duplicate != b.duplicate, "one of them is the retry");
    let store = server.server.store();
    assert_eq!(mails_to(store.as_ref(), "sam@guest.test"), 1, "one mail");
    assert_eq!(system_messages(&alice, conversation).await, 1);
}
