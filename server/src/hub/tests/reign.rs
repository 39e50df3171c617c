//! A hub whose log says "you write" again while it was writing: the log
//! lost the team and took it back meanwhile (a new reign), so what the hub
//! appended before may never be committed. The hub refuses it with
//! `unavailable` (the client retries under its key) rather than waiting
//! for, and answering with, a commit of the new reign.

use super::*;
use crate::store::{Entry, LogRecord, StoreResult, StreamHead};
use crate::team_log::{AppendError, Appended, Attachment, LocalLog, Writer};

/// The embedded log, with who writes the team in the test's hands.
struct Reigns {
    inner: LocalLog,
    writer: Arc<watch::Sender<Writer>>,
    applied: watch::Sender<Offset>,
}

impl TeamLog for Reigns {
    fn head(&self, team: TeamId) -> StoreResult<StreamHead> {
        self.inner.head(team)
    }

    fn append(
        &self,
        team: TeamId,
        expected: Offset,
        entry: Entry<'_>,
    ) -> Result<Appended, AppendError> {
        self.inner.append(team, expected, entry)
    }

    fn read(
        &self,
        team: TeamId,
        after: Offset,
        upto: Offset,
        limit: usize,
    ) -> StoreResult<Vec<(Offset, LogRecord)>> {
        self.inner.read(team, after, upto, limit)
    }

    fn barrier(&self, team: TeamId) -> u64 {
        self.inner.barrier(team)
    }

    fn committed(&self, team: TeamId) -> watch::Receiver<u64> {
        self.inner.committed(team)
    }

    fn attach(&self, _team: TeamId) -> Attachment {
        Attachment {
            writer: self.writer.subscribe(),
            applied: self.applied.subscribe(),
        }
    }

    fn detach(&self, _team: TeamId) {}
}

#[tokio::test]
async fn a_write_waiting_when_the_log_starts_a_new_reign_is_refused_not_acknowledged() {
    let writer = Arc::new(watch::channel(Writer::Me).0);
    let told = Arc::clone(&writer);
    let f = fixture_on(
        |_| {},
        move |inner| {
            Arc::new(Reigns {
                inner,
                writer: told,
                applied: watch::channel(Offset(0)).0,
            })
        },
    );
    let (outlet, mut rx) = outlet(1, 64);
    let conversation = f.conversation(&outlet, &mut rx).await;

    f.gate.hold();
    let attempts = f.gate.attempts();
    let command = HubRequest::from(
        outlet.clone(),
        Some(RequestId(7)),
        HubCommand::Send {
            principal: Arc::clone(&f.principal),
            conversation,
            client_msg_id: "m-1".into(),
            body: "written in the old reign".into(),
            as_contact: None,
            post: None,
        },
    );
    f.registry.dispatch(TEAM, command).await.unwrap();
    // The append is made and waits for its flush.
    while f.gate.attempts() == attempts {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // The log took the team back: the same value, told again.
    writer.send_replace(Writer::Me);
    let answer = next(&mut rx).await;
    match answer {
        ServerFrame::Error(error) => {
            assert_eq!(
                (error.id, error.code),
                (Some(RequestId(7)), ErrorCode::Unavailable)
            );
        }
        other => panic!("expected the write refused, got {other:?}"),
    }
    // Its flush, had it come, acknowledges nothing more.
    f.gate.open();
    nothing_within(&rx, Duration::from_millis(300)).await;
}
