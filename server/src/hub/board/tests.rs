//! The board's rules on a memory store: statuses, the `next` index and
//! dashboard order and paging.

use super::*;
use crate::store::{ContactRecord, Entry, MemoryStore, Timeline};
use switchboard_protocol::assign::Assignees;
use switchboard_protocol::ids::{ContactId, Offset};
use switchboard_protocol::model::{Message, Sender};

const TEAM: TeamId = TeamId(1);
const SAM: UserId = UserId(100);
const MAYA: UserId = UserId(101);

/// A store with conversations 10, 11, 12... started at `at` 1, 2, 3...
fn store_with(conversations: u64) -> MemoryStore {
    let store = MemoryStore::default();
    for i in 0..conversations {
        let contact = ContactRecord::new(
            ContactId(1000 + i),
            TEAM,
            format!("contact {i}"),
            None,
            None,
            Millis(i + 1),
        );
        let conversation =
            ConversationRecord::new(ConversationId(10 + i), TEAM, contact.id, Millis(i + 1));
        let entry = Entry::ConversationStarted {
            contact: &contact,
            conversation: &conversation,
        };
        store.commit(TEAM, Offset(i + 1), entry).unwrap();
    }
    store
}

/// A message event from `kind` at `at`, with the status the board says it sets.
fn say(
    board: &mut Board,
    store: &MemoryStore,
    conversation: u64,
    kind: SenderKind,
    at: u64,
) -> Option<ConversationStatus> {
    let conversation = ConversationId(conversation);
    let status = board.status_after(store, conversation, kind).unwrap();
    let seq = store.last_seq(conversation).unwrap().next();
    let message = Message {
        conversation,
        seq,
        offset: Offset(1_000 + at),
        sender: Sender {
            kind,
            id: 1,
            name: "someone".into(),
        },
        body: "hi".into(),
        client_msg_id: None,
        at: Millis(at),
        status,
        post: None,
        delivery: None,
    };
    let entry = Entry::Message {
        message: &message,
        idempotency: None,
    };
    store.commit(TEAM, message.offset, entry).unwrap();
    board.observe(&Event::Message(message));
    status
}

fn assign(board: &mut Board, conversation: u64, assignees: Vec<UserId>) {
    board.observe(&Event::Assignees(Assignees {
        conversation: ConversationId(conversation),
        assignees,
    }));
}

fn next(board: &mut Board, store: &MemoryStore, user: UserId) -> Option<(u64, NextReason)> {
    board
        .next(store, TEAM, user, Millis(10_000))
        .unwrap()
        .map(|(row, reason)| (row.conversation.0, reason))
}

fn query(view: View, status: Option<ConversationStatus>, limit: usize) -> BoardQuery {
    BoardQuery {
        user: SAM,
        view,
        status,
        after: None,
        limit,
    }
}

#[test]
fn a_contact_makes_it_waiting_a_reply_opens_it_and_system_messages_change_nothing() {
    let store = store_with(1);
    let mut board = Board::default();
    assert_eq!(say(&mut board, &store, 10, SenderKind::Agent, 5), None);
    assert_eq!(
        say(&mut board, &store, 10, SenderKind::Contact, 6),
        Some(ConversationStatus::Waiting)
    );
    assert_eq!(say(&mut board, &store, 10, SenderKind::Contact, 7), None);
    assert_eq!(say(&mut board, &store, 10, SenderKind::System, 8), None);
    assert_eq!(
        say(&mut board, &store, 10, SenderKind::Bot, 9),
        Some(ConversationStatus::Open)
    );
    // The store follows, so that a board built later agrees.
    let record = store.conversation(ConversationId(10)).unwrap().unwrap();
    assert_eq!(record.status, ConversationStatus::Open);
    assert_eq!(record.waiting_since, None);
}

#[test]
fn the_wait_counts_from_the_oldest_unanswered_message_even_after_a_restart() {
    let store = store_with(1);
    let mut board = Board::default();
    say(&mut board, &store, 10, SenderKind::Contact, 50);
    say(&mut board, &store, 10, SenderKind::Contact, 70);
    // A fresh board (a new hub) reads the same from the store.
    let mut fresh = Board::default();
    let page = fresh
        .dashboard(&store, TEAM, &query(View::All, None, 10), Millis(100))
        .unwrap();
    let row = &page.rows[0];
    assert_eq!(row.status, ConversationStatus::Waiting);
    assert_eq!(row.waiting_since, Some(Millis(50)));
    assert_eq!(row.waited_ms, 50);
    assert_eq!(row.last_seq, Seq(2));
    assert_eq!(row.last_at, Millis(70));
    assert_eq!(row.unread, 2);
}

#[test]
fn next_prefers_my_longest_waiting_then_the_longest_waiting_unassigned() {
    let store = store_with(4);
    let mut board = Board::default();
    assert_eq!(next(&mut board, &store, SAM), None);
    say(&mut board, &store, 10, SenderKind::Contact, 20); // unassigned, longest
    say(&mut board, &store, 11, SenderKind::Contact, 30); // Maya's
    say(&mut board, &store, 12, SenderKind::Contact, 40); // Sam's, later
    say(&mut board, &store, 13, SenderKind::Contact, 35); // Sam's, earlier
    assign(&mut board, 11, vec![MAYA]);
    assign(&mut board, 12, vec![SAM]);
    assign(&mut board, 13, vec![SAM, MAYA]);
    assert_eq!(
        next(&mut board, &store, SAM),
        Some((13, NextReason::Assigned))
    );
    assert_eq!(
        next(&mut board, &store, MAYA),
        Some((11, NextReason::Assigned))
    );
    // Answering 13 takes it out of both assignees' queues.
    say(&mut board, &store, 13, SenderKind::Agent, 50);
    assert_eq!(
        next(&mut board, &store, SAM),
        Some((12, NextReason::Assigned))
    );
    assert_eq!(
        next(&mut board, &store, MAYA),
        Some((11, NextReason::Assigned))
    );
    say(&mut board, &store, 12, SenderKind::Agent, 51);
    assert_eq!(
        next(&mut board, &store, SAM),
        Some((10, NextReason::Unassigned))
    );
    // Assigning the unassigned one moves it out of everyone's fallback.
    assign(&mut board, 10, vec![MAYA]);
    assert_eq!(next(&mut board, &store, SAM), None);
    assert_eq!(
        next(&mut board, &store, MAYA),
        Some((10, NextReason::Assigned))
    );
}

#[test]
fn the_dashboard_orders_by_need_filters_and_pages_without_gaps() {
    let store = store_with(6);
    let mut board = Board::default();
    say(&mut board, &store, 10, SenderKind::Contact, 40);
    say(&mut board, &store, 11, SenderKind::Contact, 30);
    say(&mut board, &store, 12, SenderKind::Agent, 50);
    assign(&mut board, 12, vec![SAM]);
    assign(&mut board, 10, vec![SAM]);
    // 13, 14, 15: open, started at 4, 5, 6, no messages.
    let all = board
        .dashboard(&store, TEAM, &query(View::All, None, 100), Millis(100))
        .unwrap();
    let order: Vec<u64> = all.rows.iter().map(|r| r.conversation.0).collect();
    assert_eq!(order, vec![11, 10, 12, 15, 14, 13]);
    assert_eq!(
        (all.counts.waiting, all.counts.open, all.counts.delivered),
        (2, 4, 0)
    );
    assert_eq!(all.next, None);

    let mine = board
        .dashboard(&store, TEAM, &query(View::Mine, None, 100), Millis(100))
        .unwrap();
    let order: Vec<u64> = mine.rows.iter().map(|r| r.conversation.0).collect();
    assert_eq!(order, vec![10, 12]);
    let unassigned_waiting = board
        .dashboard(
            &store,
            TEAM,
            &query(View::Unassigned, Some(ConversationStatus::Waiting), 100),
            Millis(100),
        )
        .unwrap();
    let order: Vec<u64> = unassigned_waiting
        .rows
        .iter()
        .map(|r| r.conversation.0)
        .collect();
    assert_eq!(order, vec![11]);

    // Pages of two walk the same order.
    let mut walked = Vec::new();
    let mut after = None;
    loop {
        let mut q = query(View::All, None, 2);
        q.after = after;
        let page = board.dashboard(&store, TEAM, &q, Millis(100)).unwrap();
        walked.extend(page.rows.iter().map(|r| r.conversation.0));
        match page.next {
            Some(cursor) => after = Some(cursor),
            None => break,
        }
    }
    assert_eq!(walked, vec![11, 10, 12, 15, 14, 13]);
}
