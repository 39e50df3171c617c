//! What the blast tests share: a book of contacts made through the SDK,
//! the team's rate set, waiting for a blast to reach a state, and the
//! blast's messages as they are stored (read back conversation by
//! conversation, the way a user would find them).

use crate::util::PATIENCE;
use std::collections::HashMap;
use std::time::Duration;
use switchboard_client::{Client, TeamChanges};
use switchboard_protocol::blast::{BlastInfo, BlastRecipient, BlastStatus};
use switchboard_protocol::contacts::ContactDraft;
use switchboard_protocol::ids::{BlastId, ContactId, Millis, TeamId};
use switchboard_protocol::model::Message;
use tokio::time::Instant;

/// Creates `n` contacts named "Person {i}" with the tag `tag` and an
/// email each, a few dozen requests at a time; their ids, in order.
pub async fn make_contacts(client: &Client, team: TeamId, tag: &str, n: usize) -> Vec<ContactId> {
    let mut ids = Vec::with_capacity(n);
    for chunk in (0..n).collect::<Vec<_>>().chunks(50) {
        let saves = chunk.iter().map(|i| {
            client.create_contact(
                team,
                ContactDraft {
                    name: format!("Person{i} Tester"),
                    phones: vec![],
                    emails: vec![format!("{tag}{i}@blast.test")],
                    tags: vec![tag.to_string()],
                    fields: Default::default(),
                    notes: String::new(),
                },
            )
        });
        for saved in futures::future::join_all(saves).await {
            ids.push(saved.expect("contact created").contact.id);
        }
    }
    ids
}

/// Sets the team's blast rate.
pub async fn set_rate(client: &Client, team: TeamId, rate: u32) {
    let changes = TeamChanges {
        blast_rate: Some(rate),
        ..TeamChanges::default()
    };
    let info = client.update_team(team, changes).await.expect("rate set");
    assert_eq!(info.blast_rate, rate);
}

/// Waits until the blast meets `done` (polling its record), within `bound`.
pub async fn wait_for(
    client: &Client,
    team: TeamId,
    blast: BlastId,
    bound: Duration,
    done: impl Fn(&BlastInfo) -> bool,
) -> BlastInfo {
    let deadline = Instant::now() + bound.max(PATIENCE);
    loop {
        let info = client
            .blast(team, blast, None)
            .await
            .expect("blast read")
            .info;
        if done(&info) {
            return info;
        }
        assert!(Instant::now() < deadline, "blast never got there: {info:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the blast is finished.
pub async fn finished(client: &Client, team: TeamId, blast: BlastId, bound: Duration) -> BlastInfo {
    wait_for(client, team, blast, bound, |i| {
        i.status == BlastStatus::Finished
    })
    .await
}

/// Every recipient of a blast, page by page.
pub async fn recipients(client: &Client, team: TeamId, blast: BlastId) -> Vec<BlastRecipient> {
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = client.blast(team, blast, after).await.expect("blast read");
        all.extend(page.recipients);
        match page.next {
            Some(next) => after = Some(next),
            None => return all,
        }
    }
}

/// The blast's messages as stored, by contact: every message of the
/// team's conversations sent under the blast's keys, read through
/// `conversations` and `history`.
pub async fn stored_messages(
    client: &Client,
    team: TeamId,
    blast: BlastId,
) -> HashMap<ContactId, Vec<Message>> {
    let prefix = format!("blast:{blast}:");
    let mut found: HashMap<ContactId, Vec<Message>> = HashMap::new();
    let mut before = None;
    loop {
        let page = client
            .conversations(team, before, Some(100))
            .await
            .expect("conversations");
        for conversation in &page.conversations {
            for message in crate::util::all_messages(client, conversation.id).await {
                let key = message.client_msg_id.clone().unwrap_or_default();
                if key.starts_with(&prefix) {
                    found
                        .entry(conversation.contact.id)
                        .or_default()
                        .push(message);
                }
            }
        }
        match page.next {
            Some(next) => before = Some(next),
            None => return found,
        }
    }
}

/// The first and last `at` of the messages.
pub fn span<'m>(messages: impl Iterator<Item = &'m Message>) -> (Millis, Millis) {
    let ats: Vec<Millis> = messages.map(|m| m.at).collect();
    (
        *ats.iter().min().expect("some messages"),
        *ats.iter().max().expect("some messages"),
    )
}
