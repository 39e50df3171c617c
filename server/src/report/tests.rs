//! The report's figures on a known data set, committed into a
//! [`MemoryStore`] the way a hub would and read back from its log.

use super::*;
use crate::store::{ContactRecord, ConversationRecord, Entry, MemoryStore, Timeline};
use switchboard_protocol::deliver::{DeliveredTo, Durations, Outcome};
use switchboard_protocol::ids::{ContactId, ConversationId, Millis, Offset, Seq, TeamId, UserId};
use switchboard_protocol::model::{ConversationStatus, Message, Sender, SenderKind};

pub(super) const TEAM: TeamId = TeamId(7);
const OTHER_TEAM: TeamId = TeamId(8);
pub(super) const ALICE: UserId = UserId(1);
const BOB: UserId = UserId(2);

/// Writes entries at consecutive offsets, like the team's hub.
pub(super) struct Writer {
    pub(super) store: MemoryStore,
    pub(super) head: Offset,
    pub(super) seqs: HashMap<ConversationId, Seq>,
}

impl Writer {
    pub(super) fn new() -> Writer {
        Writer {
            store: MemoryStore::new(),
            head: Offset(0),
            seqs: HashMap::new(),
        }
    }

    pub(super) fn start(&mut self, id: u64, at: u64) -> ConversationRecord {
        let contact = ContactRecord::new(
            ContactId(100 + id),
            TEAM,
            format!("Contact {id}"),
            None,
            None,
            Millis(at),
        );
        let conversation =
            ConversationRecord::new(ConversationId(id), TEAM, contact.id, Millis(at));
        self.head = self.head.next();
        let entry = Entry::ConversationStarted {
            contact: &contact,
            conversation: &conversation,
        };
        self.store.commit(TEAM, self.head, entry).unwrap();
        conversation
    }

    fn say(&mut self, conversation: u64, kind: SenderKind, at: u64) {
        let conversation = ConversationId(conversation);
        let seq = self.seqs.entry(conversation).or_insert(Seq(0));
        *seq = seq.next();
        self.head = self.head.next();
        let message = Message {
            conversation,
            seq: *seq,
            offset: self.head,
            sender: Sender {
                kind,
                id: 1,
                name: format!("{kind:?}"),
            },
            body: format!("at {at}"),
            client_msg_id: None,
            at: Millis(at),
            status: None,
            post: None,
            delivery: None,
        };
        let entry = Entry::Message {
            message: &message,
            idempotency: None,
        };
        self.store.commit(TEAM, self.head, entry).unwrap();
    }

    pub(super) fn deliver(
        &mut self,
        record: &ConversationRecord,
        by: UserId,
        to: DeliveredTo,
        status: Option<&str>,
        at: u64,
    ) {
        let seq = self.seqs.entry(record.id).or_insert(Seq(0));
        *seq = seq.next();
        let offset = self.head.next();
        let outcome = Outcome {
            conversation: record.id,
            team: TEAM,
            seq: *seq,
            by,
            by_name: if by == ALICE { "Alice" } else { "Bob" }.into(),
            to,
            status: status.map(str::to_string),
            note: None,
            at: Millis(at),
        };
        let message = Message {
            conversation: record.id,
            seq: *seq,
            offset,
            sender: Sender {
                kind: SenderKind::System,
                id: 0,
                name: "Switchboard".into(),
            },
            body: "delivered".into(),
            client_msg_id: None,
            at: Millis(at),
            status: None,
            post: None,
            delivery: None,
        };
        let mut delivered = record.clone();
        delivered.status = ConversationStatus::Delivered;
        delivered.outcome = Some(outcome.clone());
        let entry = Entry::Delivered {
            message: &message,
            assignees: None,
            outcome: &outcome,
            conversation: &delivered,
            handoff: None,
            receipt: None,
        };
        self.head = entry.last_offset(offset);
        self.store.commit(TEAM, offset, entry).unwrap();
    }

    /// The tally of the whole log over `period`, read three records at a
    /// time (so that a conversation spans chunks).
    pub(super) fn tally(&self, period: Period) -> Tally {
        let mut tally = Tally::default();
        let mut scan = Scan::new(period);
        let mut after = Offset(0);
        loop {
            let records = self.store.log_range(TEAM, after, self.head, 3).unwrap();
            let Some((last, _)) = records.last() else {
                return tally;
            };
            after = *last;
            scan.feed(&mut tally, records.iter().map(|(_, r)| r));
        }
    }
}

pub(super) fn to_bob() -> DeliveredTo {
    DeliveredTo::User {
        user: BOB,
        name: "Bob".into(),
    }
}

fn to_other_team() -> DeliveredTo {
    DeliveredTo::Team {
        team: OTHER_TEAM,
        name: "Other".into(),
        conversation: ConversationId(99),
    }
}

/// Three conversations, four replies that answer a run of contact messages,
/// three deliveries.
fn data_set() -> Writer {
    use SenderKind::*;
    let mut w = Writer::new();
    let c1 = w.start(1, 1_000);
    w.say(1, Contact, 1_000);
    w.say(1, Contact, 1_500);
    w.say(1, Agent, 4_000); // first response 3000, wait 3000
    w.say(1, Contact, 10_000);
    w.say(1, System, 10_500); // does not break the run
    w.say(1, Agent, 12_000); // wait 2000
    w.say(1, Bot, 13_000); // answers nothing
    let c2 = w.start(2, 2_000);
    w.say(2, Agent, 2_000); // the agent opens: nothing to answer yet
    w.say(2, Contact, 5_000);
    w.say(2, Bot, 6_000); // first response 1000, wait 1000
    w.say(2, Contact, 20_000); // never answered
    w.start(3, 3_000);
    w.say(3, Contact, 100); // copied history: older than the conversation
    w.say(3, Agent, 200);
    w.say(3, Contact, 30_000);
    w.say(3, Agent, 50_000); // first response 20000, wait 20000
    w.deliver(&c1, ALICE, to_bob(), Some("Hired"), 7_000);
    w.deliver(&c2, BOB, to_other_team(), None, 8_000);
    w.deliver(&c1, ALICE, to_other_team(), Some("Hired"), 60_000);
    w
}

#[test]
fn the_whole_log_gives_exact_figures() {
    let w = data_set();
    let tally = w.tally(Period::default());
    assert_eq!(
        tally.first_response(),
        Durations {
            count: 3,
            p50: Some(3_000),
            p90: Some(20_000),
            p99: Some(20_000),
        }
    );
    assert_eq!(
        tally.wait(),
        Durations {
            count: 4,
            p50: Some(2_000),
            p90: Some(20_000),
            p99: Some(20_000),
        }
    );
    let outcomes = tally.outcomes();
    assert_eq!(outcomes.total, 3);
    assert_eq!(
        outcomes.by_status,
        [
            ByStatus {
                status: None,
                count: 1
            },
            ByStatus {
                status: Some("Hired".into()),
                count: 2
            },
        ]
    );
    assert_eq!(
        outcomes.by_user,
        [
            ByUser {
                user: ALICE,
                name: "Alice".into(),
                count: 2
            },
            ByUser {
                user: BOB,
                name: "Bob".into(),
                count: 1
            },
        ]
    );
    assert_eq!(
        outcomes.by_team,
        [ByTeam {
            team: TEAM,
            count: 3
        }]
    );
    assert_eq!(
        outcomes.by_destination,
        [
            ByDestination {
                to: Destination::User { user: BOB },
                count: 1
            },
            ByDestination {
                to: Destination::Team { team: OTHER_TEAM },
                count: 2
            },
        ]
    );
    let statuses = w
        .store
        .team_conversations(TEAM, None, 10)
        .unwrap()
        .into_iter()
        .map(|c| c.status);
    assert_eq!(
        count_statuses(statuses),
        [
            StatusCount {
                status: ConversationStatus::Delivered,
                count: 2
            },
            StatusCount {
                status: ConversationStatus::Open,
                count: 1
            },
        ]
    );
}

#[test]
fn a_period_counts_replies_and_outcomes_made_in_it() {
    let w = data_set();
    // 50_000 is the end, excluded: c3's reply falls outside, as does the
    // delivery at 60_000; c1's first reply (4_000) is before the start.
    let tally = w.tally(Period {
        from: Some(Millis(5_000)),
        to: Some(Millis(50_000)),
    });
    assert_eq!(
        tally.first_response(),
        Durations {
            count: 1,
            p50: Some(1_000),
            p90: Some(1_000),
            p99: Some(1_000),
        }
    );
    assert_eq!(
        tally.wait(),
        Durations {
            count: 2,
            p50: Some(1_000),
            p90: Some(2_000),
            p99: Some(2_000),
        }
    );
    let outcomes = tally.outcomes();
    assert_eq!(outcomes.total, 2);
    assert_eq!(
        outcomes.by_status,
        [
            ByStatus {
                status: None,
                count: 1
            },
            ByStatus {
                status: Some("Hired".into()),
                count: 1
            },
        ]
    );
    assert_eq!(
        outcomes.by_team,
        [ByTeam {
            team: TEAM,
            count: 2
        }]
    );
}

#[test]
fn percentiles_are_nearest_rank() {
    let values: Vec<u64> = (1..=100).rev().collect();
    assert_eq!(
        durations(&values),
        Durations {
            count: 100,
            p50: Some(50),
            p90: Some(90),
            p99: Some(99),
        }
    );
    assert_eq!(
        durations(&[7]),
        Durations {
            count: 1,
            p50: Some(7),
            p90: Some(7),
            p99: Some(7),
        }
    );
    assert_eq!(durations(&[]), Durations::default());
}

#[test]
fn a_period_reads_only_its_part_of_the_log_and_gives_the_whole_logs_figures() {
    use SenderKind::*;
    // Fifty conversations a second apart, in time order; each is answered
    // while the next one is going, some are delivered.
    let mut w = Writer::new();
    let mut at = 0;
    for id in 1..=50 {
        let record = w.start(id, at);
        w.say(id, Contact, at);
        at += 500;
        if id > 1 {
            w.say(id - 1, Agent, at);
        }
        w.say(id, Contact, at + 100);
        at += 500;
        if id % 5 == 0 {
            w.deliver(&record, ALICE, to_bob(), Some("Hired"), at);
            at += 10;
        }
    }
    let total = w.head.0;
    for (from, to) in [
        (10_000, 20_000),
        (10_250, 30_700),
        (0, 5_000),
        (45_000, 99_000),
    ] {
        let period = Period {
            from: Some(Millis(from)),
            to: Some(Millis(to)),
        };
        let whole = w.tally(period);
        let mut part = Tally::default();
        let read = period::scan_team(&w.store, TEAM, w.head, period, &mut part).unwrap();
        assert_eq!(part.first_response(), whole.first_response(), "{period:?}");
        assert_eq!(part.wait(), whole.wait(), "{period:?}");
        assert_eq!(part.outcomes(), whole.outcomes(), "{period:?}");
        assert!(
            whole.first_response().count > 0,
            "{period:?} counts something"
        );
        assert!(
            read * 2 < total,
            "{period:?} read {read} of {total} records"
        );
    }
}
