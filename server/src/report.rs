//! Reports: figures computed from teams' logs, the record of truth, by pure
//! functions over log records (no store, no clock), so that a known data
//! set gives known figures.
//!
//! What is measured, per team log scanned in offset order:
//! - **Outcomes**: every `delivered` record whose `at` falls in the period,
//!   counted by status, by who delivered, by team and by destination.
//! - **First response**, per conversation: from its first contact message
//!   to the first agent or bot message after it. A conversation that an
//!   agent opened counts from the contact's first message all the same.
//! - **Wait**: each run of contact messages (system messages do not break
//!   a run), from the run's first message to the next agent or bot
//!   message.
//!
//! A duration counts when its reply's `at` falls in the period: `from`
//! inclusive, `to` exclusive, either end open when absent. Percentiles are
//! nearest-rank: p of n sorted values is the value of rank ⌈p·n/100⌉.
//! Messages older than their conversation (history copied in by a handoff
//! keeps its original times) count for nothing: that wait was the
//! delivering team's, and its log already counts it.
//!
//! - **Outcomes by post**: a conversation's post is the latest post a
//!   message of it carried (its card), as of each delivery: a delivery
//!   keeps the post its conversation had then, whatever is sent after.
//!
//! Conversations by status are counted from the conversation records as
//! they are now, whatever the period (see [`count_statuses`]).

use crate::store::LogRecord;
use std::collections::{BTreeMap, HashMap};
use switchboard_protocol::deliver::{
    ByDestination, ByPost, ByStatus, ByTeam, ByUser, DeliveredTo, Destination, Durations, Outcome,
    OutcomeCounts, StatusCount,
};
use switchboard_protocol::ids::{ConversationId, Millis, PostId, UserId};
use switchboard_protocol::model::{ConversationStatus, Message, SenderKind};

/// A report's period: `from` inclusive, `to` exclusive; `None` is open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Period {
    /// The first instant counted.
    pub from: Option<Millis>,
    /// The first instant no longer counted.
    pub to: Option<Millis>,
}

impl Period {
    /// Whether `at` falls in the period.
    pub fn contains(&self, at: Millis) -> bool {
        self.from.is_none_or(|from| at >= from) && self.to.is_none_or(|to| at < to)
    }
}

/// What a scan of one or more logs has gathered, before percentiles.
#[derive(Debug, Default)]
pub struct Tally {
    outcomes: Vec<Outcome>,
    /// The post of each outcome's conversation when it was delivered (id
    /// and title), in step with `outcomes`.
    posts: Vec<Option<(PostId, String)>>,
    first_response: Vec<u64>,
    wait: Vec<u64>,
}

/// Where one conversation stands in a scan.
#[derive(Debug, Default)]
struct Thread {
    created_at: Option<Millis>,
    first_contact: Option<Millis>,
    responded: bool,
    run_start: Option<Millis>,
    /// The latest post a message of it carried.
    post: Option<(PostId, String)>,
}

/// Scans one team's log, in offset order, a chunk at a time.
#[derive(Debug)]
pub struct Scan {
    period: Period,
    threads: HashMap<ConversationId, Thread>,
}

impl Scan {
    /// A scan of one log over `period`.
    pub fn new(period: Period) -> Scan {
        Scan {
            period,
            threads: HashMap::new(),
        }
    }

    /// The conversation of `record`, if it is a message of a conversation
    /// this scan has not seen begin (a scan that starts mid-log needs to be
    /// told where it stood: see [`Scan::prime`]).
    pub fn unknown(&self, record: &LogRecord) -> Option<ConversationId> {
        match record {
            LogRecord::Message(m) if !self.threads.contains_key(&m.conversation) => {
                Some(m.conversation)
            }
            _ => None,
        }
    }

    /// Takes in where a conversation stood before the scan's first record:
    /// when it began, and its messages until then, in seq order. They
    /// count for nothing themselves.
    pub fn prime(
        &mut self,
        conversation: ConversationId,
        created_at: Option<Millis>,
        earlier: Vec<Message>,
    ) {
        self.threads.entry(conversation).or_default().created_at = created_at;
        let earlier: Vec<LogRecord> = earlier.into_iter().map(LogRecord::Message).collect();
        self.feed(&mut Tally::default(), &earlier);
    }

    /// Adds the next records of the log (in offset order) to `tally`.
    pub fn feed<'a>(
        &mut self,
        tally: &mut Tally,
        records: impl IntoIterator<Item = &'a LogRecord>,
    ) {
        for record in records {
            match record {
                LogRecord::ConversationStarted(info) => {
                    self.threads.entry(info.id).or_default().created_at = Some(info.created_at);
                }
                LogRecord::Message(message) => {
                    let thread = self.threads.entry(message.conversation).or_default();
                    // Copied history's posts count too: the conversation
                    // is about them.
                    if let Some(card) = &message.post {
                        thread.post = Some((card.id, card.title.clone()));
                    }
                    if thread.created_at.is_some_and(|c| message.at < c) {
                        continue;
                    }
                    match message.sender.kind {
                        SenderKind::Contact => {
                            thread.first_contact.get_or_insert(message.at);
                            thread.run_start.get_or_insert(message.at);
                        }
                        SenderKind::Agent | SenderKind::Bot => {
                            let counted = self.period.contains(message.at);
                            if let (Some(first), false) = (thread.first_contact, thread.responded) {
                                thread.responded = true;
                                if counted {
                                    tally.first_response.push(elapsed(first, message.at));
                                }
                            }
                            if let Some(start) = thread.run_start.take() {
                                if counted {
                                    tally.wait.push(elapsed(start, message.at));
                                }
                            }
                        }
                        SenderKind::System => {}
                    }
                }
                LogRecord::Delivered(outcome) if self.period.contains(outcome.at) => {
                    let post = self.threads.get(&outcome.conversation);
                    tally.posts.push(post.and_then(|t| t.post.clone()));
                    tally.outcomes.push(outcome.clone());
                }
                _ => {}
            }
        }
    }
}

fn elapsed(from: Millis, to: Millis) -> u64 {
    to.0.saturating_sub(from.0)
}

impl Tally {
    /// The outcome counts, every list ordered by its key.
    pub fn outcomes(&self) -> OutcomeCounts {
        let mut by_status: BTreeMap<Option<String>, u64> = BTreeMap::new();
        let mut by_user: BTreeMap<UserId, (Millis, String, u64)> = BTreeMap::new();
        let mut by_team = BTreeMap::new();
        let mut by_destination = BTreeMap::new();
        // Post -> (latest `at`, title then, count, counts by status).
        type PostTally = (Millis, String, u64, BTreeMap<Option<String>, u64>);
        let mut by_post: BTreeMap<PostId, PostTally> = BTreeMap::new();
        for (o, post) in self.outcomes.iter().zip(&self.posts) {
            if let Some((id, title)) = post {
                let entry = by_post
                    .entry(*id)
                    .or_insert_with(|| (o.at, title.clone(), 0, BTreeMap::new()));
                if o.at >= entry.0 {
                    (entry.0, entry.1) = (o.at, title.clone());
                }
                entry.2 += 1;
                *entry.3.entry(o.status.clone()).or_default() += 1;
            }
            *by_status.entry(o.status.clone()).or_default() += 1;
            let user = by_user
                .entry(o.by)
                .or_insert_with(|| (o.at, o.by_name.clone(), 0));
            if o.at >= user.0 {
                (user.0, user.1) = (o.at, o.by_name.clone());
            }
            user.2 += 1;
            *by_team.entry(o.team).or_default() += 1;
            let to = match &o.to {
                DeliveredTo::User { user, .. } => Destination::User { user: *user },
                DeliveredTo::Team { team, .. } => Destination::Team { team: *team },
            };
            *by_destination.entry(to).or_default() += 1;
        }
        OutcomeCounts {
            total: self.outcomes.len() as u64,
            by_status: by_status
                .into_iter()
                .map(|(status, count)| ByStatus { status, count })
                .collect(),
            by_user: by_user
                .into_iter()
                .map(|(user, (_, name, count))| ByUser { user, name, count })
                .collect(),
            by_team: by_team
                .into_iter()
                .map(|(team, count)| ByTeam { team, count })
                .collect(),
            by_destination: by_destination
                .into_iter()
                .map(|(to, count)| ByDestination { to, count })
                .collect(),
            by_post: by_post
                .into_iter()
                .map(|(post, (_, title, count, statuses))| ByPost {
                    post,
                    title,
                    count,
                    by_status: statuses
                        .into_iter()
                        .map(|(status, count)| ByStatus { status, count })
                        .collect(),
                })
                .collect(),
        }
    }

    /// The first-response times.
    pub fn first_response(&self) -> Durations {
        durations(&self.first_response)
    }

    /// The wait times.
    pub fn wait(&self) -> Durations {
        durations(&self.wait)
    }
}

/// Count and nearest-rank p50, p90, p99 of `values`.
pub fn durations(values: &[u64]) -> Durations {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let rank = |p: u64| -> Option<u64> {
        let n = sorted.len() as u64;
        if n == 0 {
            return None;
        }
        // ⌈p·n/100⌉, at least 1.
        let rank = (p * n).div_ceil(100).max(1);
        sorted.get((rank - 1) as usize).copied()
    };
    Durations {
        count: sorted.len() as u64,
        p50: rank(50),
        p90: rank(90),
        p99: rank(99),
    }
}

/// Conversations by status, ordered by the status's name.
pub fn count_statuses(statuses: impl IntoIterator<Item = ConversationStatus>) -> Vec<StatusCount> {
    let mut counts: Vec<StatusCount> = Vec::new();
    for status in statuses {
        match counts.iter_mut().find(|c| c.status == status) {
            Some(count) => count.count += 1,
            None => counts.push(StatusCount { status, count: 1 }),
        }
    }
    // By name, without naming every status here.
    counts.sort_by_key(|c| format!("{:?}", c.status));
    counts
}

pub mod period;

#[cfg(test)]
mod post_tests;
#[cfg(test)]
mod tests;
