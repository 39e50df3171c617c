//! `dashboard` and `next`: checked here, served by the team's hub from its
//! board. Both need to see the whole team (`ReadTeam`): its Managers,
//! Members, the account's owner and its bots. A Restricted Member, who may
//! know of single conversations only, gets `not_found`, as for the team's
//! conversation list.

use super::{Refusal, Session};
use crate::access::Action;
use crate::hub::{BoardQuery, HubCommand};
use switchboard_protocol::dashboard::Dashboard;
use switchboard_protocol::ids::{RequestId, TeamId};
use switchboard_protocol::server::Reply;
use switchboard_protocol::ErrorCode;

/// Most rows in one dashboard page.
const MAX_DASHBOARD_PAGE: usize = 100;

impl Session {
    pub(super) async fn dashboard(
        &self,
        request: RequestId,
        dashboard: Dashboard,
    ) -> Result<Option<Reply>, Refusal> {
        self.team_for(Action::ReadTeam, dashboard.team)?;
        let limit = match dashboard.limit {
            None => MAX_DASHBOARD_PAGE,
            Some(0) => {
                return Err(Refusal::new(
                    ErrorCode::BadRequest,
                    "limit must be at least 1",
                ))
            }
            Some(limit) => (limit as usize).min(MAX_DASHBOARD_PAGE),
        };
        let query = BoardQuery {
            user: self.principal.user.id,
            view: dashboard.view,
            status: dashboard.status,
            after: dashboard.after,
            limit,
        };
        let command = HubCommand::Dashboard { query };
        self.dispatch(dashboard.team, request, command).await
    }

    pub(super) async fn next(
        &self,
        request: RequestId,
        team: TeamId,
    ) -> Result<Option<Reply>, Refusal> {
        self.team_for(Action::ReadTeam, team)?;
        let command = HubCommand::Next {
            user: self.principal.user.id,
        };
        self.dispatch(team, request, command).await
    }
}
