//! The hub's answers to `dashboard` and `next`, from its [`Board`]: reads,
//! but served by the hub so that they see exactly the state its writes
//! have made, behind the flush of whatever they show.
//!
//! Both need every conversation on the board. Until it is, they wait for
//! the board's load (a page at a time, off the hub's task), and the hub
//! goes on serving its team meanwhile.
//!
//! [`Board`]: super::board::Board

use super::actor::{result_frame, Hub};
use super::board::{BoardRows, BoardWaiter};
use super::{BoardQuery, ReplyTo};
use crate::store::StoreError;
use crate::time::now;
use switchboard_protocol::dashboard::NextConversation;
use switchboard_protocol::ids::UserId;
use switchboard_protocol::server::Reply;
use switchboard_protocol::ErrorCode;

impl Hub<'_> {
    pub(super) fn dashboard(&mut self, to: ReplyTo, query: BoardQuery) -> Result<(), StoreError> {
        if !self.board.is_complete() {
            let waiter = BoardWaiter::Dashboard { to, query };
            self.wait_for_board(waiter);
            return Ok(());
        }
        let store = self.registry.context.store.as_ref();
        match self.board.dashboard(store, self.team, &query, now()) {
            Ok(page) => {
                self.answer_when_durable(to, |id| result_frame(id, Reply::Dashboard(page)));
                Ok(())
            }
            Err(e) => {
                to.refuse(ErrorCode::Internal, "internal error");
                Err(e)
            }
        }
    }

    pub(super) fn next(&mut self, to: ReplyTo, user: UserId) -> Result<(), StoreError> {
        if !self.board.is_complete() {
            let waiter = BoardWaiter::Next { to, user };
            self.wait_for_board(waiter);
            return Ok(());
        }
        let store = self.registry.context.store.as_ref();
        match self.board.next(store, self.team, user, now()) {
            Ok(chosen) => {
                let (row, reason) = chosen.unzip();
                let next = NextConversation {
                    team: self.team,
                    row,
                    reason,
                };
                self.answer_when_durable(to, |id| result_frame(id, Reply::Next(next)));
                Ok(())
            }
            Err(e) => {
                to.refuse(ErrorCode::Internal, "internal error");
                Err(e)
            }
        }
    }

    /// Takes a page of the board's load; once it is over, answers the
    /// requests that waited for it (refused if the load failed).
    pub(super) fn board_page(
        &mut self,
        token: u64,
        page: Result<BoardRows, StoreError>,
        done: bool,
    ) -> Result<(), StoreError> {
        let store = self.registry.context.store.as_ref();
        let Some(waiters) = self.board.take(store, token, page, done)? else {
            return Ok(());
        };
        let complete = self.board.is_complete();
        for waiter in waiters {
            match waiter {
                BoardWaiter::Dashboard { to, query } if complete => self.dashboard(to, query)?,
                BoardWaiter::Next { to, user } if complete => self.next(to, user)?,
                waiter => refuse(waiter, ErrorCode::Internal, "internal error"),
            }
        }
        Ok(())
    }

    /// Refuses the requests still waiting for the board (the hub stops).
    pub(super) fn abandon_board(&mut self) {
        for waiter in self.board.abandon() {
            refuse(
                waiter,
                ErrorCode::Unavailable,
                "the server is shutting down",
            );
        }
    }

    /// Queues a request until the board is whole.
    fn wait_for_board(&mut self, waiter: BoardWaiter) {
        if let Err(waiter) = self.board.wait(waiter, self.registry, self.team) {
            refuse(
                waiter,
                ErrorCode::Unavailable,
                "the dashboard is still loading: retry shortly",
            );
        }
    }
}

/// Answers a waiting request with an error.
fn refuse(waiter: BoardWaiter, code: ErrorCode, message: &str) {
    let (BoardWaiter::Dashboard { to, .. } | BoardWaiter::Next { to, .. }) = waiter;
    to.refuse(code, message);
}
