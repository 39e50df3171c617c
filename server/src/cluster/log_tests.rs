//! The team log over NATS: an acknowledged batch is readable here once
//! its ticket is committed; a writer whose lease was taken cannot append.

use super::nats_server::NatsServer;
use super::*;
use crate::store::{Entry, KeyUse};
use crate::team_log::{AppendError, Writer};
use switchboard_protocol::ids::{ConversationId, Millis, Offset, Seq, TeamId, UserId};
use switchboard_protocol::model::{Message, Sender, SenderKind};

const TEAM: TeamId = TeamId(41);
const WITHIN: Duration = Duration::from_secs(15);

fn message(offset: u64, body: &str) -> Message {
    Message {
        conversation: ConversationId(5),
        seq: Seq(offset),
        offset: Offset(offset),
        sender: Sender {
            kind: SenderKind::System,
            id: 0,
            name: "Switchboard".into(),
        },
        body: body.into(),
        client_msg_id: None,
        at: Millis(offset),
        status: None,
        post: None,
        delivery: None,
    }
}

fn entry(message: &Message) -> Entry<'_> {
    Entry::Message {
        message,
        idempotency: None,
    }
}

async fn writer_becomes(writer: &mut tokio::sync::watch::Receiver<Writer>, want: Writer) {
    tokio::time::timeout(WITHIN, writer.wait_for(|w| *w == want))
        .await
        .unwrap_or_else(|_| panic!("the writer did not become {want:?}"))
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acknowledged_batch_is_readable_when_its_ticket_is_committed() {
    let Some(server) = NatsServer::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ttl = Duration::from_secs(3);
    let node = Cluster::connect(server.options(dir.path(), ttl))
        .await
        .unwrap();
    let (log, store) = (node.log(), node.store());
    let mut writer = log.attach(TEAM).writer;
    writer_becomes(&mut writer, Writer::Me).await;
    let head = log.head(TEAM).unwrap();
    let mut committed = log.committed(TEAM);
    // Appended back to back: several share a batch while one is in flight.
    let messages: Vec<Message> = (1..=50).map(|n| message(n, &format!("m{n}"))).collect();
    let mut last = head.last;
    let mut tickets = Vec::new();
    for m in &messages {
        let appended = log.append(TEAM, last, entry(m)).unwrap();
        last = appended.last;
        tickets.push((appended.ticket, m));
    }
    for (ticket, m) in tickets {
        tokio::time::timeout(WITHIN, committed.wait_for(|c| *c >= ticket))
            .await
            .expect("the ticket is committed")
            .unwrap();
        let read = log.read(TEAM, Offset(m.offset.0 - 1), m.offset, 1).unwrap();
        assert_eq!(
            read.len(),
            1,
            "offset {} is in the log once committed",
            m.offset
        );
        let stored = store.message(m.conversation, m.seq).unwrap();
        assert_eq!(stored.as_ref(), Some(m), "and its message is readable");
    }
    assert_eq!(log.head(TEAM).unwrap().last, Offset(50));

    // An entry larger than NATS takes is refused at once, and the log
    // goes on after it.
    let huge = message(51, &"x".repeat(2 << 20));
    let refused = log.append(TEAM, Offset(50), entry(&huge));
    assert!(matches!(refused, Err(AppendError::Store(_))), "{refused:?}");
    let next = message(51, "after the refusal");
    let appended = log.append(TEAM, Offset(50), entry(&next)).unwrap();
    tokio::time::timeout(WITHIN, committed.wait_for(|c| *c >= appended.ticket))
        .await
        .expect("the next append is committed")
        .unwrap();
    assert_eq!(*writer.borrow(), Writer::Me, "still the writer");

    // A retry arriving before the original is applied finds its key, and
    // the message the key points at, as the embedded store would.
    let mut keyed = message(52, "keyed");
    keyed.sender = Sender {
        kind: SenderKind::Agent,
        id: 9,
        name: "A".into(),
    };
    keyed.client_msg_id = Some("k-52".into());
    let sent = Entry::Message {
        message: &keyed,
        idempotency: Some((UserId(9), "k-52")),
    };
    let appended = log.append(TEAM, Offset(51), sent).unwrap();
    let used = store.client_msg(TEAM, UserId(9), "k-52").unwrap();
    let pointed = KeyUse::Message {
        conversation: keyed.conversation,
        seq: keyed.seq,
    };
    assert_eq!(used, Some(pointed.clone()), "found before it is committed");
    assert_eq!(
        store.message(keyed.conversation, keyed.seq).unwrap(),
        Some(keyed.clone())
    );
    tokio::time::timeout(WITHIN, committed.wait_for(|c| *c >= appended.ticket))
        .await
        .unwrap()
        .unwrap();
    let used = store.client_msg(TEAM, UserId(9), "k-52").unwrap();
    assert_eq!(used, Some(pointed), "and after, from the projection");
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_whose_lease_was_taken_cannot_append() {
    let Some(server) = NatsServer::start() else {
        return;
    };
    let nodes = server.two_nodes(Duration::from_secs(1)).await;
    let (a, b) = (&nodes.a, &nodes.b);
    let (a_log, b_log) = (Arc::clone(&a.log), b.log());
    let mut a_writer = a_log.attach(TEAM).writer;
    writer_becomes(&mut a_writer, Writer::Me).await;
    let head = a_log.head(TEAM).unwrap();
    let first = message(head.last.0 + 1, "from A, while it writes");
    let appended = a_log.append(TEAM, head.last, entry(&first)).unwrap();
    let mut a_committed = a_log.committed(TEAM);
    a_committed
        .wait_for(|c| *c >= appended.ticket)
        .await
        .unwrap();
    let mut b_writer = b_log.attach(TEAM).writer;
    writer_becomes(&mut b_writer, Writer::Node(a.node().to_owned())).await;

    // A stops renewing, as a paused process would, still believing it
    // writes; its lease expires and B takes the team over.
    a_log.freeze(TEAM);
    writer_becomes(&mut b_writer, Writer::Me).await;
    assert_eq!(*a_writer.borrow(), Writer::Me, "A has not noticed");

    let stale = message(appended.last.0 + 1, "from A, deposed");
    let late = a_log.append(TEAM, appended.last, entry(&stale)).unwrap();
    writer_becomes(&mut a_writer, Writer::Unknown).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        *a_committed.borrow() < late.ticket,
        "the refused append is never reported committed"
    );
    assert!(
        matches!(
            a_log.append(TEAM, late.last, entry(&stale)),
            Err(AppendError::NotWriter)
        ),
        "A's next append is refused outright"
    );
    // Nothing of A's refused append is in the log, on either node.
    b.node.catch_up().await.unwrap();
    a.node.catch_up().await.unwrap();
    for log in [&b_log, &(a_log.clone() as Arc<dyn TeamLog>)] {
        let records = log.read(TEAM, Offset(0), Offset(100), 100).unwrap();
        assert_eq!(records.len(), 1, "only A's first append: {records:?}");
    }
    // B writes after what A had committed.
    let b_head = b_log.head(TEAM).unwrap();
    assert_eq!(b_head.last, appended.last);
    let from_b = message(b_head.last.0 + 1, "from B");
    let b_appended = b_log.append(TEAM, b_head.last, entry(&from_b)).unwrap();
    let mut b_committed = b_log.committed(TEAM);
    tokio::time::timeout(WITHIN, b_committed.wait_for(|c| *c >= b_appended.ticket))
        .await
        .unwrap()
        .unwrap();
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_sees_the_writer_s_commits_and_takes_over_when_it_lets_go() {
    let Some(server) = NatsServer::start() else {
        return;
    };
    let nodes = server.two_nodes(Duration::from_secs(30)).await;
    let (a, b) = (&nodes.a, &nodes.b);
    let (a_log, b_log) = (a.log(), b.log());
    let mut a_writer = a_log.attach(TEAM).writer;
    writer_becomes(&mut a_writer, Writer::Me).await;
    let following = b_log.attach(TEAM);
    let (mut b_writer, mut b_applied) = (following.writer, following.applied);
    writer_becomes(&mut b_writer, Writer::Node(a.node().to_owned())).await;

    let head = a_log.head(TEAM).unwrap();
    let m = message(head.last.0 + 1, "from A");
    let appended = a_log.append(TEAM, head.last, entry(&m)).unwrap();
    tokio::time::timeout(WITHIN, b_applied.wait_for(|o| *o >= appended.last))
        .await
        .expect("B's applied offset reaches A's append")
        .unwrap();
    let read = b_log.read(TEAM, head.last, appended.last, 10).unwrap();
    assert_eq!(read.len(), 1, "and B reads it from its own projection");

    // A's hub stops: its lease is released, and B takes over at once,
    // long before the lease's 30 s (or B's next look, 10 s) would.
    a_log.detach(TEAM);
    tokio::time::timeout(
        Duration::from_secs(5),
        b_writer.wait_for(|w| *w == Writer::Me),
    )
    .await
    .expect("B takes over as soon as A lets go")
    .unwrap();
    let b_head = b_log.head(TEAM).unwrap();
    assert_eq!(b_head.last, appended.last, "B writes after A's last append");
    a.shutdown().await;
    b.shutdown().await;
}
