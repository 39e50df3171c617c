//! `report`: figures over a period for one team or every team the caller
//! manages, computed by [`crate::report`] from the teams' logs: of each,
//! only the period asked for (see [`crate::report::period`]).
//!
//! Managers and the account's owner only (`Action::ReadReport`): a Member
//! is `forbidden` (the figures rate colleagues), an outsider gets
//! `not_found`. Without `team`, the report covers every team the caller
//! manages (of `account`, if given); a caller managing none is
//! `forbidden`, an account they do not know `not_found`. Only what is
//! durable is counted: the log is read up to each team's flushed offset.

use super::{forbidden, Refusal, Session};
use crate::access::{Action, Resource};
use crate::report::{count_statuses, period, Period, Tally};
use crate::scans::ScanError;
use crate::store::{Store, StoreError};
use std::collections::BTreeSet;
use std::sync::Arc;
use switchboard_protocol::blast::BlastCounts;
use switchboard_protocol::deliver::{Report, ReportInfo};
use switchboard_protocol::ids::{ConversationId, Offset, TeamId};
use switchboard_protocol::model::ConversationStatus;
use switchboard_protocol::model::Role;
use switchboard_protocol::server::Reply;
use switchboard_protocol::ErrorCode;

impl From<ScanError> for Refusal {
    fn from(e: ScanError) -> Refusal {
        match e {
            ScanError::Busy => Refusal::new(ErrorCode::Unavailable, e.to_string()),
            ScanError::Failed(_) => {
                tracing::error!(error = %e, "a scan of the logs failed");
                Refusal::new(ErrorCode::Internal, "internal error")
            }
        }
    }
}

/// Conversation records read per store call.
const CONVERSATION_PAGE: usize = 1000;

impl Session {
    pub(super) async fn report(&self, request: Report) -> Result<Reply, Refusal> {
        let teams = match request.team {
            Some(team) => {
                self.team_for(Action::ReadReport, team)?;
                if let Some(account) = request.account {
                    let record = self.state.store.team(team)?;
                    if record.is_none_or(|t| t.account != account) {
                        return Err(Refusal::new(
                            ErrorCode::NotFound,
                            format!("no team {team} in account {account}"),
                        ));
                    }
                }
                vec![team]
            }
            None => self.managed_teams(request.account)?,
        };
        // Only what is durable counts.
        let scans: Vec<(TeamId, Offset)> = teams
            .iter()
            .map(|team| {
                let upto = self.state.registry.durable(*team);
                (*team, upto.unwrap_or(Offset(u64::MAX)))
            })
            .collect();
        let period = Period {
            from: request.from,
            to: request.to,
        };
        // A scan of logs: on the blocking pool, not on a thread that serves
        // connections, and only a few at once.
        let store = Arc::clone(&self.state.store);
        let figures = self
            .state
            .scans
            .run(move || scan(store.as_ref(), &scans, period))
            .await??;
        let (tally, statuses) = figures;
        let blasts = self.blast_counts(&teams, &period)?;
        Ok(Reply::Report(ReportInfo {
            teams,
            from: request.from,
            to: request.to,
            outcomes: tally.outcomes(),
            conversations: count_statuses(statuses),
            first_response: tally.first_response(),
            wait: tally.wait(),
            blasts,
        }))
    }

    /// The blasts of `teams` created in the period.
    fn blast_counts(&self, teams: &[TeamId], period: &Period) -> Result<BlastCounts, Refusal> {
        let store = &self.state.store;
        let mut counts = BlastCounts::default();
        for team in teams {
            for record in store.team_blasts(*team, usize::MAX)? {
                if !period.contains(record.info.created_at) {
                    continue;
                }
                counts.blasts += 1;
                counts.recipients += record.info.total;
                counts.opt_outs += record.info.skipped;
                counts.replies += store.blast_reply_count(*team, record.info.id)?;
            }
        }
        Ok(counts)
    }

    /// Every team the caller manages (as Manager or owner), of `account`
    /// if given, by id.
    fn managed_teams(
        &self,
        account: Option<switchboard_protocol::ids::AccountId>,
    ) -> Result<Vec<TeamId>, Refusal> {
        if let Some(account) = account {
            if !self.principal.knows_account(account) {
                return Err(Refusal::new(
                    ErrorCode::NotFound,
                    format!("no account {account}"),
                ));
            }
        }
        let store = &self.state.store;
        let user = self.principal.user.id;
        let mut candidates = BTreeSet::new();
        for owned in store.accounts_owned(user)? {
            candidates.extend(store.account_teams(owned.id)?);
        }
        for (team, role) in store.memberships(user)? {
            if role == Role::Manager {
                candidates.insert(team);
            }
        }
        let mut teams = Vec::new();
        for team in candidates {
            let Some(record) = store.team(team)? else {
                continue;
            };
            if account.is_some_and(|a| a != record.account) {
                continue;
            }
            if self
                .principal
                .allows(Action::ReadReport, Resource::Team(team))
            {
                teams.push(team);
            }
        }
        if teams.is_empty() {
            return Err(forbidden());
        }
        Ok(teams)
    }
}

/// Reads each team's log up to its offset, and its conversations'
/// statuses: the figures of a report.
fn scan(
    store: &dyn Store,
    teams: &[(TeamId, Offset)],
    period: Period,
) -> Result<(Tally, Vec<ConversationStatus>), StoreError> {
    let mut tally = Tally::default();
    let mut statuses = Vec::new();
    for &(team, upto) in teams {
        period::scan_team(store, team, upto, period, &mut tally)?;
        let mut before: Option<ConversationId> = None;
        let mut pacer = crate::scans::Pacer::new();
        loop {
            pacer.step();
            let page = store.team_conversations(team, before, CONVERSATION_PAGE)?;
            statuses.extend(page.iter().map(|c| c.status));
            match page.last() {
                Some(last) if page.len() == CONVERSATION_PAGE => before = Some(last.id),
                _ => break,
            }
        }
    }
    Ok((tally, statuses))
}
