//! Harness 2: every connected subject subscribes (through the SDK) to every
//! team it may, replaying each stream from its start so that the
//! `conversation_started` of conversations created before its grants count
//! too; then a message, a read, a contact update, a contact-book edit and
//! merge and a sentinel message happen in each place, and in each team a
//! post is created, a contact is created and deleted without a
//! conversation and the contact fields are defined (team-wide events,
//! checked against [`TEAM_EVENTS`]).
//! The set of subjects that received each event must equal [`EVENTS`]'s row
//! exactly. A subject stops listening after the sentinels of every place it
//! may read (a hub delivers a team's events in order), then drains briefly.

use super::table::{subscriptions, Place, Subject, Team, CONNECTED, EVENTS, SUBJECTS, TEAM_EVENTS};
use super::world::MatrixWorld;
use crate::util::*;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use switchboard_client::{
    Assignee, ClientEvent, ContactChanges, ContactDraft, ContactPatch, Events, PostDraft,
    PostStatus,
};
use switchboard_protocol::ids::{ConversationId, Offset, Seq, TeamId};
use switchboard_protocol::model::{Position, SenderKind};
use switchboard_protocol::server::{Audience, Event, EventFrame};

/// How long a subject keeps listening after its last sentinel.
const DRAIN: Duration = Duration::from_millis(200);

/// A contact of the book with a name alone.
fn book_draft(name: &str) -> ContactDraft {
    ContactDraft {
        name: name.into(),
        phones: Vec::new(),
        emails: Vec::new(),
        tags: Vec::new(),
        fields: Default::default(),
        notes: String::new(),
    }
}

/// What kind of event it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Started,
    Message,
    /// A message written by the system (the `^assign`'s).
    System,
    Read,
    ContactUpdated,
    Assignees,
    Sentinel,
    Delivered,
    PostChanged,
    ContactChanged,
    ContactsMerged,
    ContactDeleted,
    ContactFields,
}

/// An event, named by its kind and place (each happens once per place).
type Label = (Kind, Place);

fn place_of(world: &MatrixWorld, conversation: ConversationId) -> Place {
    [
        (world.c, Place::C),
        (world.d, Place::D),
        (world.s1, Place::Sibling),
        (world.b1, Place::OtherAccount),
    ]
    .into_iter()
    .find_map(|(c, p)| (c == conversation).then_some(p))
    .unwrap_or_else(|| panic!("an event of an unknown conversation {conversation}"))
}

/// The world's name of a team.
fn team_of(world: &MatrixWorld, team: TeamId) -> Team {
    [
        (world.team_a, Team::A),
        (world.team_s, Team::S),
        (world.team_b, Team::B),
    ]
    .into_iter()
    .find_map(|(t, name)| (t == team).then_some(name))
    .unwrap_or_else(|| panic!("an event of an unknown team {team}"))
}

fn label(world: &MatrixWorld, team: TeamId, event: &Event) -> Label {
    let kind = match event {
        Event::ConversationStarted(_) => Kind::Started,
        Event::Message(m) if m.body == "sentinel" => Kind::Sentinel,
        Event::Message(m) if m.sender.kind == SenderKind::System => Kind::System,
        Event::Message(_) => Kind::Message,
        Event::Read(_) => Kind::Read,
        Event::ContactUpdated(_) => Kind::ContactUpdated,
        Event::Assignees(_) => Kind::Assignees,
        Event::Delivered(_) => Kind::Delivered,
        Event::PostChanged(_) => Kind::PostChanged,
        Event::ContactChanged(_) => Kind::ContactChanged,
        Event::ContactsMerged(_) => Kind::ContactsMerged,
        Event::ContactDeleted(_) => Kind::ContactDeleted,
        Event::ContactFields(_) => Kind::ContactFields,
        // No import runs in the matrix; `imports` checks who hears them.
        Event::ImportProgress(_) => panic!("an import's progress in the matrix: {event:?}"),
    };
    // Each contact of the world has one conversation at most: the place
    // of a contact's events is its conversation, or (none) its team.
    let place = match event.audience() {
        Audience::Conversation(c) => place_of(world, c),
        Audience::Contact(cs) if cs.len() == 1 => place_of(world, cs[0]),
        Audience::Contact(cs) if cs.is_empty() => Place::Team(team_of(world, team)),
        Audience::Team => Place::Team(team_of(world, team)),
        Audience::Contact(cs) => panic!("a contact of several conversations: {cs:?}"),
    };
    (kind, place)
}

/// Collects a subject's events until it has seen the sentinel of every
/// place in `awaited`, then for [`DRAIN`] more.
async fn collect(world: &MatrixWorld, events: &mut Events, awaited: &[Place]) -> Vec<Label> {
    let mut seen = Vec::new();
    let mut waiting: BTreeSet<Place> = awaited.iter().copied().collect();
    loop {
        let wait = if waiting.is_empty() { DRAIN } else { PATIENCE };
        let Ok(next) = tokio::time::timeout(wait, events.next()).await else {
            assert!(waiting.is_empty(), "no sentinel from {waiting:?} in time");
            return seen;
        };
        match next.expect("the event stream is open") {
            ClientEvent::Event(EventFrame { team, event, .. }) => {
                let label = label(world, team, &event);
                if label.0 == Kind::Sentinel {
                    waiting.remove(&label.1);
                }
                seen.push(label);
            }
            ClientEvent::Disconnected { code, reason } => {
                panic!("disconnected during the harness: {code:?} {reason}")
            }
            _ => continue,
        }
    }
}

/// Runs harness 2 on a freshly seeded world.
pub async fn run(server: &TestServer, world: &MatrixWorld) {
    run_on(&[server.url()], world).await
}

/// Runs harness 2 with its subjects spread over the servers at `urls` in
/// turn (the nodes of a cluster); the actors act on the first.
pub async fn run_on(urls: &[String], world: &MatrixWorld) {
    let url = &urls[0];
    // Actors: the owner acts in account 1's conversations, Owen in B.
    let (alice, _alice_events) = connect(url, &world.owner.token).await;
    let (owen, _owen_events) = connect(url, &world.owen.token).await;
    let mut epochs = BTreeMap::new();
    for (team, actor) in [(world.team_a, &alice), (world.team_s, &alice)] {
        epochs.insert(team, actor.subscribe(team).await.unwrap().epoch);
    }
    epochs.insert(
        world.team_b,
        owen.subscribe(world.team_b).await.unwrap().epoch,
    );

    let mut listeners = Vec::new();
    for (n, subject) in SUBJECTS[..CONNECTED].iter().enumerate() {
        let url = &urls[n % urls.len()];
        let (client, events) = connect(url, world.token(*subject)).await;
        for team in subscriptions(*subject) {
            let team = world.team(*team);
            let from = Position {
                epoch: epochs[&team],
                offset: Offset(0),
            };
            client.subscribe_from(team, from).await.unwrap();
        }
        listeners.push((*subject, client, events));
    }

    let places = [
        (world.c, &alice),
        (world.d, &alice),
        (world.s1, &alice),
        (world.b1, &owen),
    ];
    for (conversation, actor) in places {
        let ack = actor.send(conversation, "an event").await.unwrap();
        // An email of this contact's alone: the book keeps them unique.
        let changes = ContactChanges {
            email: Some(format!("new-{conversation}@contact.test")),
            ..ContactChanges::default()
        };
        // A `contact_updated` event, then the book's `contact_changed`.
        let updated = actor.update_contact(conversation, changes).await.unwrap();
        let team = actor
            .conversation(conversation)
            .await
            .unwrap()
            .conversation
            .team;
        // The book's edit and a merge into the contact, told to whoever
        // reads its conversation.
        let notes = ContactPatch {
            notes: Some("seen in the matrix".into()),
            ..ContactPatch::default()
        };
        actor
            .edit_contact(team, updated.contact, notes)
            .await
            .unwrap();
        let spare = book_draft(&format!("Spare of {conversation}"));
        let spare = actor.create_contact(team, spare).await.unwrap().contact.id;
        actor
            .merge_contacts(team, updated.contact, spare)
            .await
            .unwrap();
        // A system message (a `message` event) and an `assignees` event.
        actor.assign(conversation, Assignee::Me).await.unwrap();
        // The actor's own message moved its marker already; reading the
        // system message moves it on (a `read` event).
        actor
            .mark_read(conversation, Seq(ack.seq.0 + 1))
            .await
            .unwrap();
    }
    // A post in each team (a `post_changed` event), before the sentinels:
    // a hub delivers a team's events in order.
    for (team, actor) in [
        (world.team_a, &alice),
        (world.team_s, &alice),
        (world.team_b, &owen),
    ] {
        let draft = PostDraft {
            kind: "job".into(),
            title: format!("A post of team {team}"),
            body: String::new(),
            link: None,
            location: None,
            status: PostStatus::Open,
        };
        actor.create_post(team, draft).await.unwrap();
        // A contact created and deleted without a conversation, and the
        // team's contact fields.
        let lone = actor
            .create_contact(team, book_draft("Lone"))
            .await
            .unwrap();
        actor.delete_contact(team, lone.contact.id).await.unwrap();
        actor.define_contact_fields(team, Vec::new()).await.unwrap();
    }
    for (conversation, actor) in places {
        actor.send(conversation, "sentinel").await.unwrap();
    }

    let mut received: BTreeMap<Label, BTreeSet<Subject>> = BTreeMap::new();
    for (subject, _client, mut events) in listeners {
        let column = SUBJECTS.iter().position(|s| *s == subject).unwrap_or(0);
        let awaited: Vec<Place> = EVENTS
            .iter()
            .filter(|(_, row)| row[column])
            .map(|(place, _)| *place)
            .collect();
        for label in collect(world, &mut events, &awaited).await {
            received.entry(label).or_default().insert(subject);
        }
    }

    let mut failures = Vec::new();
    for (place, row) in EVENTS {
        let expected: BTreeSet<Subject> = SUBJECTS[..CONNECTED]
            .iter()
            .zip(row)
            .filter_map(|(s, allowed)| allowed.then_some(*s))
            .collect();
        let kinds = [
            Kind::Started,
            Kind::Message,
            Kind::System,
            Kind::Read,
            Kind::ContactUpdated,
            Kind::Assignees,
            Kind::Sentinel,
            Kind::ContactChanged,
            Kind::ContactsMerged,
        ];
        for kind in kinds {
            // A web chat visitor receives its conversation's messages not
            // written by the system, and nothing else of it.
            let mut expected = expected.clone();
            if !matches!(kind, Kind::Message | Kind::Sentinel) {
                expected.remove(&Subject::Visitor);
            }
            let got = received.remove(&(kind, place)).unwrap_or_default();
            if got != expected {
                failures.push(format!(
                    "{kind:?} in {place:?}: expected {expected:?}, got {got:?}"
                ));
            }
        }
    }
    for (team, row) in TEAM_EVENTS {
        let expected: BTreeSet<Subject> = SUBJECTS[..CONNECTED]
            .iter()
            .zip(row)
            .filter_map(|(s, allowed)| allowed.then_some(*s))
            .collect();
        let kinds = [
            Kind::PostChanged,
            Kind::ContactChanged,
            Kind::ContactDeleted,
            Kind::ContactFields,
        ];
        for kind in kinds {
            let got = received
                .remove(&(kind, Place::Team(team)))
                .unwrap_or_default();
            if got != expected {
                failures.push(format!(
                    "{kind:?} in {team:?}: expected {expected:?}, got {got:?}"
                ));
            }
        }
    }
    assert!(received.is_empty(), "unexpected events: {received:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
