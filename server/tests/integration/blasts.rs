//! Blasts through the SDK against a real server: a blast to 1,000
//! contacts reaches each exactly once at no more than the team's rate;
//! cancel and pause stop it before the next message; a server killed with
//! SIGKILL in the middle finishes it after a restart with nobody messaged
//! twice; the preview counts and renders; replies are counted and leave
//! the conversation waiting; who may send blasts.

mod optout;
mod restart;
mod support;

use crate::util::{connect, restricted_member, seeded, start_conversation};
use std::time::Duration;
use support::*;
use switchboard_protocol::blast::{BlastStatus, RecipientState};
use switchboard_protocol::contacts::ContactQuery;
use switchboard_protocol::model::ConversationStatus;
use switchboard_protocol::ErrorCode;

fn tagged(tag: &str) -> ContactQuery {
    ContactQuery {
        tag: Some(tag.into()),
        ..ContactQuery::default()
    }
}

#[tokio::test]
async fn a_blast_reaches_each_of_1000_contacts_once_within_the_team_rate() {
    let (_dir, server, world) = seeded().await;
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let team = world.team_a;
    let contacts = make_contacts(&alice, team, "all", 1000).await;
    // Someone outside the audience gets nothing.
    make_contacts(&alice, team, "other", 3).await;
    let rate = 250;
    set_rate(&alice, team, rate).await;
    let blast = alice
        .create_blast(team, "Launch", tagged("all"), "Hi {{first_name|there}}!")
        .await
        .expect("blast created");
    assert_eq!((blast.total, blast.rate), (1000, rate));
    let done = finished(&alice, team, blast.id, Duration::from_secs(120)).await;
    assert_eq!((done.sent, done.skipped, done.failed), (1000, 0, 0));

    let stored = stored_messages(&alice, team, blast.id).await;
    assert_eq!(stored.len(), 1000, "every contact got the blast");
    for contact in &contacts {
        let messages = &stored[contact];
        assert_eq!(messages.len(), 1, "contact {contact} got one message");
        assert!(
            messages[0].body.starts_with("Hi Person"),
            "{}",
            messages[0].body
        );
        assert_eq!(
            messages[0].sender.id, world.alice.user.0,
            "sent as its creator"
        );
    }
    let (first, last) = span(stored.values().flatten());
    let floor = (contacts.len() as u64 - 1) * 1000 / u64::from(rate);
    assert!(
        last.0 - first.0 >= floor,
        "1,000 messages took {} ms, under the {floor} ms the rate allows",
        last.0 - first.0
    );
}

#[tokio::test]
async fn a_blast_goes_to_an_open_conversation_of_the_contact_or_a_new_one() {
    let (_dir, server, world) = seeded().await;
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let team = world.team_a;
    let contacts = make_contacts(&alice, team, "pair", 2).await;
    set_rate(&alice, team, 100).await;
    // The first contact already has a conversation (found by email).
    let open = alice
        .start_conversation(
            team,
            switchboard_protocol::model::NewContact {
                name: "x".into(),
                email: Some("pair0@blast.test".into()),
                phone: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(open.contact.id, contacts[0]);
    let blast = alice
        .create_blast(team, "Pair", tagged("pair"), "Hello {{name}}")
        .await
        .unwrap();
    finished(&alice, team, blast.id, Duration::from_secs(20)).await;
    let all = recipients(&alice, team, blast.id).await;
    assert_eq!(
        all[0].conversation,
        Some(open.id),
        "into their open conversation"
    );
    assert!(all[1].conversation.is_some_and(|c| c != open.id));
    let page = alice.contact(team, contacts[1]).await.unwrap();
    assert_eq!(page.conversations.len(), 1, "a new one for the other");
}

#[tokio::test]
async fn cancel_stops_a_blast_and_no_message_follows_its_answer() {
    let (_dir, server, world) = seeded().await;
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let team = world.team_a;
    make_contacts(&alice, team, "c", 200).await;
    set_rate(&alice, team, 20).await;
    let blast = alice
        .create_blast(team, "Stop me", tagged("c"), "Hello")
        .await
        .unwrap();
    wait_for(&alice, team, blast.id, Duration::from_secs(30), |i| {
        i.sent >= 5
    })
    .await;
    let cancelled = alice.cancel_blast(team, blast.id).await.unwrap();
    assert_eq!(cancelled.status, BlastStatus::Cancelled);
    let at_answer = stored_messages(&alice, team, blast.id).await;
    let sent_at_answer: usize = at_answer.values().map(Vec::len).sum();
    // The guarantee: every message stored when cancel answers is counted
    // in its answer, and none comes after it.
    assert_eq!(sent_at_answer as u64, cancelled.sent);
    tokio::time::sleep(Duration::from_millis(600)).await;
    let later = stored_messages(&alice, team, blast.id).await;
    assert_eq!(later.values().map(Vec::len).sum::<usize>(), sent_at_answer);
    let info = alice.blast(team, blast.id, None).await.unwrap().info;
    assert_eq!(
        (info.status, info.sent),
        (BlastStatus::Cancelled, cancelled.sent)
    );
    assert!(info.sent < 200, "stopped before the end");
    let (code, _) = crate::util::refusal(alice.resume_blast(team, blast.id).await);
    assert_eq!(
        code,
        ErrorCode::BadState,
        "a cancelled blast stays cancelled"
    );
}

#[tokio::test]
async fn pause_holds_a_blast_and_resume_finishes_it_once_each() {
    let (_dir, server, world) = seeded().await;
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let team = world.team_a;
    let contacts = make_contacts(&alice, team, "p", 60).await;
    set_rate(&alice, team, 20).await;
    let blast = alice
        .create_blast(team, "Pause me", tagged("p"), "Hello")
        .await
        .unwrap();
    wait_for(&alice, team, blast.id, Duration::from_secs(30), |i| {
        i.sent >= 3
    })
    .await;
    let paused = alice.pause_blast(team, blast.id).await.unwrap();
    assert_eq!(paused.status, BlastStatus::Paused);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let held = alice.blast(team, blast.id, None).await.unwrap().info;
    assert_eq!(held.sent, paused.sent, "nothing sent while paused");
    let stored: usize = stored_messages(&alice, team, blast.id)
        .await
        .values()
        .map(Vec::len)
        .sum();
    assert_eq!(stored as u64, paused.sent);
    let resumed = alice.resume_blast(team, blast.id).await.unwrap();
    assert_eq!(resumed.status, BlastStatus::Running);
    let done = finished(&alice, team, blast.id, Duration::from_secs(60)).await;
    assert_eq!(done.sent, 60);
    let stored = stored_messages(&alice, team, blast.id).await;
    for contact in &contacts {
        assert_eq!(stored[contact].len(), 1, "contact {contact} once");
    }
}

#[tokio::test]
async fn the_preview_counts_the_audience_and_renders_three_samples() {
    let (_dir, server, world) = seeded().await;
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let team = world.team_a;
    make_contacts(&alice, team, "v", 5).await;
    let preview = alice
        .preview_blast(
            team,
            tagged("v"),
            "Hey {{first_name}}, {{ name | friend }}.",
        )
        .await
        .unwrap();
    assert_eq!((preview.count, preview.opted_out), (5, 0));
    assert_eq!(preview.samples.len(), 3);
    assert_eq!(preview.samples[0].body, "Hey Person0, Person0 Tester.");
    assert_eq!(preview.samples[0].name, "Person0 Tester");
    let (code, message) = crate::util::refusal(
        alice
            .preview_blast(team, tagged("v"), "Hi {{nickname}}")
            .await,
    );
    assert_eq!(code, ErrorCode::BadRequest);
    assert!(message.contains("nickname"), "{message}");
    let (code, _) = crate::util::refusal(
        alice
            .create_blast(team, "Bad", tagged("v"), "Hi {{nope")
            .await,
    );
    assert_eq!(
        code,
        ErrorCode::BadRequest,
        "nothing sent with a broken template"
    );
    assert!(alice.blasts(team).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_reply_is_counted_once_and_leaves_the_conversation_waiting() {
    let (_dir, server, world) = seeded().await;
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let team = world.team_a;
    make_contacts(&alice, team, "r", 3).await;
    set_rate(&alice, team, 100).await;
    let blast = alice
        .create_blast(team, "Ask", tagged("r"), "Still looking?")
        .await
        .unwrap();
    finished(&alice, team, blast.id, Duration::from_secs(20)).await;
    let all = recipients(&alice, team, blast.id).await;
    let conversation = all[1].conversation.expect("sent");
    // The contact writes back twice, through a bridging bot.
    let bot = alice
        .create_bot(
            team,
            "gateway",
            switchboard_protocol::manage::BotScope::ReadWrite,
        )
        .await
        .unwrap();
    let (gateway, _bot_events) = connect(&server.url(), &bot.token).await;
    gateway
        .send_as_contact(conversation, "in-1", "Yes!")
        .await
        .unwrap();
    gateway
        .send_as_contact(conversation, "in-2", "Call me")
        .await
        .unwrap();
    let info = alice.blast(team, blast.id, None).await.unwrap();
    assert_eq!(info.info.replies, 1, "one recipient replied");
    let replied: Vec<bool> = info.recipients.iter().map(|r| r.replied).collect();
    assert_eq!(replied, vec![false, true, false]);
    let details = alice.conversation(conversation).await.unwrap();
    assert_eq!(details.conversation.status, ConversationStatus::Waiting);
    let next = alice.next(team).await.unwrap();
    assert_eq!(
        next.row.map(|r| r.conversation),
        Some(conversation),
        "next: the reply"
    );
    let listed = alice.blasts(team).await.unwrap();
    assert_eq!((listed.len(), listed[0].replies), (1, 1));
    let usage = alice.usage(world.account_1).await.unwrap();
    assert_eq!(usage.blasts, 1);
    let query = switchboard_client::ReportQuery {
        team: Some(team),
        ..Default::default()
    };
    let report = alice.report(query).await.unwrap();
    let counts = &report.blasts;
    assert_eq!(
        (
            counts.blasts,
            counts.recipients,
            counts.replies,
            counts.opt_outs
        ),
        (1, 3, 1, 0)
    );
    assert!(all.iter().all(|r| r.state == RecipientState::Sent));
}

#[tokio::test]
async fn only_the_teams_people_may_send_blasts() {
    let (_dir, server, world) = seeded().await;
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let team = world.team_a;
    make_contacts(&alice, team, "m", 2).await;
    let (bob, _bob_events) = connect(&server.url(), &world.bob.token).await;
    bob.preview_blast(team, tagged("m"), "Hi")
        .await
        .expect("a Member may");
    let bot = alice
        .create_bot(
            team,
            "reader",
            switchboard_protocol::manage::BotScope::ReadWrite,
        )
        .await
        .unwrap();
    let (bot, _bot_events) = connect(&server.url(), &bot.token).await;
    let (code, _) = crate::util::refusal(bot.create_blast(team, "x", tagged("m"), "Hi").await);
    assert_eq!(code, ErrorCode::Forbidden, "not a bot");
    let conversation = start_conversation(&alice, team, "Granted").await;
    let restricted = restricted_member(&server, conversation, "r@x.test", "R", world.alice.user);
    let (restricted, _r_events) = connect(&server.url(), &restricted.token).await;
    let (code, _) = crate::util::refusal(restricted.blasts(team).await);
    assert_eq!(code, ErrorCode::NotFound, "not a Restricted Member");
    let (carol, _c_events) = connect(&server.url(), &world.carol.token).await;
    let (code, _) = crate::util::refusal(carol.blasts(team).await);
    assert_eq!(code, ErrorCode::NotFound, "not another team");
    assert!(alice.blasts(team).await.unwrap().is_empty());
}

#[tokio::test]
async fn progress_events_tell_the_team_a_few_times_a_second() {
    use switchboard_client::ClientEvent;
    use switchboard_protocol::server::Event;
    let (_dir, server, world) = seeded().await;
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let team = world.team_a;
    make_contacts(&alice, team, "e", 40).await;
    set_rate(&alice, team, 40).await;
    let (bob, mut events) = connect(&server.url(), &world.bob.token).await;
    bob.subscribe(team).await.unwrap();
    let started = tokio::time::Instant::now();
    let blast = alice
        .create_blast(team, "Told", tagged("e"), "Hi")
        .await
        .unwrap();
    let mut told = Vec::new();
    let last = loop {
        let event = tokio::time::timeout(Duration::from_secs(30), events.next())
            .await
            .expect("progress in time")
            .expect("events open");
        if let ClientEvent::Event(frame) = event {
            if let Event::BlastProgress(info) = frame.event {
                assert_eq!(info.id, blast.id);
                told.push(info.sent);
                if info.status == BlastStatus::Finished {
                    break info;
                }
            }
        }
    };
    assert_eq!(last.sent, 40);
    assert!(
        told.windows(2).all(|w| w[0] <= w[1]),
        "counts only grow: {told:?}"
    );
    // At most one every 250 ms, and one for the end.
    let bound = started.elapsed().as_millis() as usize / 250 + 2;
    assert!(
        told.len() <= bound,
        "{} events over {:?}",
        told.len(),
        started.elapsed()
    );
    assert!(
        told.len() >= 2,
        "told while it ran, not only at the end: {told:?}"
    );
}
