//! Outcomes by post: a delivery counts for the latest post its
//! conversation's messages carried before it, and keeps it whatever is
//! sent after; a scan of a period gives what a scan of the whole log does.

use super::tests::{to_bob, Writer, ALICE, TEAM};
use super::*;
use crate::store::{Entry, Timeline};
use switchboard_protocol::content::{PostCard, PostStatus};
use switchboard_protocol::deliver::{ByPost, ByStatus};
use switchboard_protocol::ids::{Offset, Seq};
use switchboard_protocol::model::{Message, Sender};

impl Writer {
    /// An agent's message carrying post `post` titled `title`.
    fn send_post(&mut self, conversation: u64, post: u64, title: &str, at: u64) {
        let conversation = ConversationId(conversation);
        let seq = self.seqs.entry(conversation).or_insert(Seq(0));
        *seq = seq.next();
        self.head = self.head.next();
        let message = Message {
            conversation,
            seq: *seq,
            offset: self.head,
            sender: Sender {
                kind: SenderKind::Agent,
                id: 1,
                name: "Alice".into(),
            },
            body: String::new(),
            client_msg_id: None,
            at: Millis(at),
            status: None,
            post: Some(PostCard {
                id: PostId(post),
                title: title.into(),
                location: None,
                link: None,
                status: PostStatus::Open,
            }),
            delivery: None,
        };
        let entry = Entry::Message {
            message: &message,
            idempotency: None,
        };
        self.store.commit(TEAM, self.head, entry).unwrap();
    }
}

fn by_status(counts: &[(Option<&str>, u64)]) -> Vec<ByStatus> {
    counts
        .iter()
        .map(|(status, count)| ByStatus {
            status: status.map(str::to_string),
            count: *count,
        })
        .collect()
}

fn data_set() -> Writer {
    let mut w = Writer::new();
    let c1 = w.start(1, 1_000);
    w.send_post(1, 5, "Forklift driver", 1_100);
    // The latest post before the delivery is the one that counts.
    w.send_post(1, 6, "Welder", 1_200);
    w.deliver(&c1, ALICE, to_bob(), Some("Hired"), 2_000);
    // Sent after the delivery: the next one counts for it, the last not.
    w.send_post(1, 5, "Forklift driver (nights)", 3_000);
    w.deliver(&c1, ALICE, to_bob(), Some("Rejected"), 4_000);
    let c2 = w.start(2, 5_000);
    w.send_post(2, 5, "Forklift driver (nights)", 5_100);
    w.deliver(&c2, ALICE, to_bob(), Some("Hired"), 6_000);
    // Without a post: counted in the totals, listed under no post.
    let c3 = w.start(3, 7_000);
    w.deliver(&c3, ALICE, to_bob(), None, 8_000);
    w
}

#[test]
fn each_delivery_counts_for_its_conversations_latest_post() {
    let outcomes = data_set().tally(Period::default()).outcomes();
    assert_eq!(outcomes.total, 4);
    assert_eq!(
        outcomes.by_post,
        vec![
            ByPost {
                post: PostId(5),
                title: "Forklift driver (nights)".into(),
                count: 2,
                by_status: by_status(&[(Some("Hired"), 1), (Some("Rejected"), 1)]),
            },
            ByPost {
                post: PostId(6),
                title: "Welder".into(),
                count: 1,
                by_status: by_status(&[(Some("Hired"), 1)]),
            },
        ]
    );
}

#[test]
fn a_period_that_starts_after_the_post_was_sent_still_counts_it() {
    let w = data_set();
    for from in [1_500, 3_500, 5_500] {
        let period = Period {
            from: Some(Millis(from)),
            to: None,
        };
        let whole = w.tally(period).outcomes();
        let mut part = Tally::default();
        period::scan_team(&w.store, TEAM, w.head, period, &mut part).unwrap();
        assert_eq!(part.outcomes(), whole, "from {from}");
        assert!(!whole.by_post.is_empty(), "from {from} counts a post");
    }
    assert!(w.store.stream_head(TEAM).unwrap().last > Offset(0));
}
