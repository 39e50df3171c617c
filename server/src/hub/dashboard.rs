//! The hub's answers to `dashboard` and `next`, from its [`Board`]: reads,
//! but served by the hub so that they see exactly the state its writes
//! have made, behind the flush of whatever they show.
//!
//! [`Board`]: super::board::Board

use super::actor::{error_frame, result_frame, Hub};
use super::BoardQuery;
use crate::outlet::Outlet;
use crate::store::StoreError;
use crate::time::now;
use switchboard_protocol::dashboard::NextConversation;
use switchboard_protocol::ids::{RequestId, UserId};
use switchboard_protocol::server::Reply;
use switchboard_protocol::ErrorCode;

impl Hub<'_> {
    pub(super) fn dashboard(
        &mut self,
        outlet: Outlet,
        request: RequestId,
        query: &BoardQuery,
    ) -> Result<(), StoreError> {
        let store = self.registry.context.store.as_ref();
        match self.board.dashboard(store, self.team, query, now()) {
            Ok(page) => {
                let reply = result_frame(request, Reply::Dashboard(page));
                self.wait_for_flush(Some((outlet, reply)), None);
                Ok(())
            }
            Err(e) => {
                outlet.send(&error_frame(request, ErrorCode::Internal, "internal error"));
                Err(e)
            }
        }
    }

    pub(super) fn next(
        &mut self,
        outlet: Outlet,
        request: RequestId,
        user: UserId,
    ) -> Result<(), StoreError> {
        let store = self.registry.context.store.as_ref();
        match self.board.next(store, self.team, user, now()) {
            Ok(chosen) => {
                let (row, reason) = chosen.unzip();
                let next = NextConversation {
                    team: self.team,
                    row,
                    reason,
                };
                let reply = result_frame(request, Reply::Next(next));
                self.wait_for_flush(Some((outlet, reply)), None);
                Ok(())
            }
            Err(e) => {
                outlet.send(&error_frame(request, ErrorCode::Internal, "internal error"));
                Err(e)
            }
        }
    }
}
