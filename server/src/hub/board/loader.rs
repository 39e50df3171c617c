//! Filling the board without stalling the hub: the team's conversations
//! are read a page at a time on the blocking pool, and the pages handed to
//! the hub as commands, between which it goes on serving its team.
//!
//! Invariants:
//! - while the board loads, every conversation an event touches is noted;
//!   a loaded row of a noted conversation (read, perhaps, before that
//!   event was committed) is read again by the hub, so that a row, once on
//!   the board, reflects every committed entry; a row already on the board
//!   is never replaced by a loaded one;
//! - requests that need the whole board (`dashboard`, `next`) wait for the
//!   last page, at most `MAX_WAITING` of them; past that they are refused
//!   with the retryable `unavailable`;
//! - a page is taken only by the load that asked for it (`token`): a page
//!   of an earlier hub of the team, or of a failed load, is dropped.

use super::{load, Board, Row, LOAD_PAGE};
use crate::hub::{BoardQuery, HubCommand, HubRequest, Registry, ReplyTo};
use crate::store::{Store, StoreError};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use switchboard_protocol::ids::{ConversationId, TeamId, UserId};

/// Most requests that may wait for the board to load.
const MAX_WAITING: usize = 256;

/// Tokens unique in this process.
static TOKENS: AtomicU64 = AtomicU64::new(1);

/// A page of rows read off the hub's task.
pub(crate) struct BoardRows(Vec<(ConversationId, Row)>);

/// A request waiting for the whole board.
pub(crate) enum BoardWaiter {
    Dashboard { to: ReplyTo, query: BoardQuery },
    Next { to: ReplyTo, user: UserId },
}

/// A load under way.
pub(super) struct Loading {
    token: u64,
    /// Conversations an event touched since the load began.
    touched: HashSet<ConversationId>,
    waiting: Vec<BoardWaiter>,
}

impl Loading {
    pub(super) fn touched(&mut self, conversation: ConversationId) {
        self.touched.insert(conversation);
    }
}

impl Board {
    /// Whether every conversation of the team is on the board.
    pub(crate) fn is_complete(&self) -> bool {
        self.complete
    }

    /// Whether a load is under way (its waiters need the hub alive).
    pub(crate) fn is_loading(&self) -> bool {
        self.loading.is_some()
    }

    /// Queues `waiter` until the board is whole, starting the load if none
    /// is under way (on `registry`'s runtime, for `team`); hands it back if
    /// too many wait already.
    pub(crate) fn wait(
        &mut self,
        waiter: BoardWaiter,
        registry: &Arc<Registry>,
        team: TeamId,
    ) -> Result<(), BoardWaiter> {
        let loading = match &mut self.loading {
            Some(loading) => loading,
            None => {
                let token = TOKENS.fetch_add(1, Ordering::Relaxed);
                start(Arc::clone(registry), team, token);
                self.loading.insert(Loading {
                    token,
                    touched: HashSet::new(),
                    waiting: Vec::new(),
                })
            }
        };
        if loading.waiting.len() >= MAX_WAITING {
            return Err(waiter);
        }
        loading.waiting.push(waiter);
        Ok(())
    }

    /// Takes a page of the load named `token`. Returns the waiters once the
    /// load is over: the board whole when `done`, or failed.
    pub(crate) fn take(
        &mut self,
        store: &dyn Store,
        token: u64,
        page: Result<BoardRows, StoreError>,
        done: bool,
    ) -> Result<Option<Vec<BoardWaiter>>, StoreError> {
        if self.loading.as_ref().is_none_or(|l| l.token != token) {
            return Ok(None);
        }
        let rows = match page {
            Ok(BoardRows(rows)) => rows,
            Err(e) => {
                tracing::error!(error = %e, "could not load the board");
                return Ok(self.loading.take().map(|l| l.waiting));
            }
        };
        for (id, row) in rows {
            if self.rows.contains_key(&id) {
                continue;
            }
            let touched = self
                .loading
                .as_ref()
                .is_some_and(|l| l.touched.contains(&id));
            if touched {
                // Read again now: the hub's store holds every commit.
                self.row(store, id)?;
            } else {
                self.insert(id, row);
            }
        }
        if !done {
            return Ok(None);
        }
        self.complete = true;
        Ok(self.loading.take().map(|l| l.waiting))
    }

    /// The requests still waiting, when the hub stops.
    pub(crate) fn abandon(&mut self) -> Vec<BoardWaiter> {
        self.loading.take().map(|l| l.waiting).unwrap_or_default()
    }
}

/// Reads the team's conversations page by page on the blocking pool and
/// hands each page to the hub.
fn start(registry: Arc<Registry>, team: TeamId, token: u64) {
    tokio::spawn(async move {
        let mut before = None;
        loop {
            let store = Arc::clone(&registry.context.store);
            let read = tokio::task::spawn_blocking(move || page(store.as_ref(), team, before))
                .await
                .unwrap_or_else(|e| Err(StoreError::Io(format!("the board's load failed: {e}"))));
            let (page, done) = match read {
                Ok((rows, next)) => {
                    before = next;
                    (Ok(rows), next.is_none())
                }
                Err(e) => (Err(e), true),
            };
            let command = HubRequest::internal(HubCommand::BoardPage { token, page, done });
            if registry.dispatch(team, command).await.is_err() || done {
                return;
            }
        }
    });
}

/// One page of rows older than `before`, and where the next page starts
/// (None after the last).
fn page(
    store: &dyn Store,
    team: TeamId,
    before: Option<ConversationId>,
) -> Result<(BoardRows, Option<ConversationId>), StoreError> {
    let records = store.team_conversations(team, before, LOAD_PAGE)?;
    let next = match records.last() {
        Some(last) if records.len() == LOAD_PAGE => Some(last.id),
        _ => None,
    };
    let mut rows = Vec::with_capacity(records.len());
    for record in &records {
        if let Some(row) = load(store, record)? {
            rows.push((record.id, row));
        }
    }
    Ok((BoardRows(rows), next))
}
