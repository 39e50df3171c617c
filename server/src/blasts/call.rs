//! How a blast's runner asks the team's hub for what a connection would
//! (start a conversation, send a message): through an outlet of its own,
//! as an ordinary caller, so that its sends take the hub's one path (the
//! idempotency key, the seq, the flush, the event) and, on several
//! servers, are forwarded to the team's writer like anyone's.
//!
//! Invariant: one request at a time per caller; an answer to an earlier
//! request (one given up on after [`PATIENCE`]) is skipped by its id.

use crate::hub::{HubCommand, HubRequest};
use crate::outlet::{Bounds, Outbox, Outlet, Work};
use crate::server::ServerState;
use std::sync::Arc;
use std::time::Duration;
use switchboard_protocol::ids::{RequestId, TeamId};
use switchboard_protocol::server::{Reply, ServerFrame};
use switchboard_protocol::{Encoding, ErrorCode};

/// How long an answer is waited for before the request counts as refused
/// (`unavailable`: the runner tries again, and the key keeps the retry
/// from storing twice).
const PATIENCE: Duration = Duration::from_secs(30);

/// A hub's answer that was not a result.
#[derive(Debug)]
pub(crate) struct Refused {
    pub(crate) code: ErrorCode,
    pub(crate) message: String,
}

/// A private connection to the hubs.
pub(crate) struct HubCaller {
    state: Arc<ServerState>,
    outlet: Outlet,
    outbox: Arc<Outbox>,
    next: u64,
}

impl HubCaller {
    pub(crate) fn new(state: &Arc<ServerState>) -> HubCaller {
        let bounds = Bounds {
            frames: 16,
            bytes: 1 << 20,
        };
        let conn = state.next_connection_id();
        let (outlet, outbox) = Outlet::bounded(conn, Encoding::Json, bounds, Arc::default());
        HubCaller {
            state: Arc::clone(state),
            outlet,
            outbox,
            next: 0,
        }
    }

    /// Hands `command` to `team`'s hub and waits for its answer.
    pub(crate) async fn call(
        &mut self,
        team: TeamId,
        command: HubCommand,
    ) -> Result<Reply, Refused> {
        self.next += 1;
        let id = RequestId(self.next);
        let request = HubRequest::from(self.outlet.clone(), Some(id), command);
        if self.state.registry.dispatch(team, request).await.is_err() {
            return Err(refused(ErrorCode::Unavailable, "the server is stopping"));
        }
        match tokio::time::timeout(PATIENCE, self.answer(id)).await {
            Ok(answer) => answer,
            Err(_) => Err(refused(ErrorCode::Unavailable, "no answer in time")),
        }
    }

    async fn answer(&mut self, id: RequestId) -> Result<Reply, Refused> {
        loop {
            let frames = match self.outbox.work().await {
                Work::Write(frames) => frames,
                // Only a connection's reader asks for pings; never here.
                Work::Ping => continue,
                Work::Close(..) => return Err(refused(ErrorCode::Unavailable, "closed")),
            };
            let bytes = frames.iter().map(|f| f.len()).sum();
            self.outbox.written(bytes);
            let mut found = None;
            for frame in frames {
                match serde_json::from_slice::<ServerFrame>(&frame) {
                    Ok(ServerFrame::Result(r)) if r.id == id => found = Some(Ok(r.result)),
                    Ok(ServerFrame::Error(e)) if e.id == Some(id) => {
                        found = Some(Err(refused(e.code, &e.message)))
                    }
                    // An answer to a request given up on, or nothing for us.
                    _ => {}
                }
            }
            if let Some(found) = found {
                return found;
            }
        }
    }
}

fn refused(code: ErrorCode, message: &str) -> Refused {
    Refused {
        code,
        message: message.to_string(),
    }
}
