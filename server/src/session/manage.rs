//! Managing an account's teams, members and roles (PROTOCOL.md, "Teams,
//! members and usage").
//!
//! Every request is checked through [`Principal::allows`] first. Someone
//! who cannot see the team (or account) gets `not_found`, exactly as for
//! one that does not exist; someone who can see it but may not do this
//! gets `forbidden`.
//!
//! A change to someone's access is written to the store first; then every
//! live connection of that user is closed with 4009 (which drops what was
//! queued for it), so nothing chosen under the old access reaches them.
//! The connection that made the change is spared: it must carry the reply.
//! It reloads its own access instead and leaves the hubs of teams it can no
//! longer read. Replies go out once the change is on disk.
//!
//! Once a change to a team is on disk, the team's hub tells the team's
//! people who asked for signals (`team_changed`, `members_changed`), so
//! that open screens follow it; a signal may be dropped, so clients also
//! read again after a reconnect.

use super::keys::Retry;
use super::{Refusal, Session};
use crate::access::{self, Action, Principal, Resource};
use crate::admin::{self, AdminError};
use crate::hub::RemovalError;
use crate::store::{StoreError, TeamRecord, UserRecord};
use crate::usage;
use std::sync::Arc;
use switchboard_protocol::command::is_handle;
use switchboard_protocol::ids::{AccountId, RequestId, TeamId, UserId};
use switchboard_protocol::manage::{CreateTeam, RemoveTeam, UpdateTeam, Usage};
use switchboard_protocol::model::{Role, UserInfo};
use switchboard_protocol::presence::{Signal, TeamChange};
use switchboard_protocol::server::Reply;
use switchboard_protocol::{close, ErrorCode};

/// Longest team name, identity, status or user name, in bytes.
const MAX_FIELD: usize = 200;
/// Most outcome statuses a team may offer.
const MAX_STATUSES: usize = 32;
/// Longest email accepted (RFC 5321's path limit).
pub(super) const MAX_EMAIL: usize = 254;

impl From<AdminError> for Refusal {
    fn from(e: AdminError) -> Refusal {
        match e {
            AdminError::Invalid(message) => Refusal::new(ErrorCode::BadRequest, message),
            AdminError::NotFound(what) => Refusal::new(ErrorCode::NotFound, format!("no {what}")),
            AdminError::Store(e) => e.into(),
        }
    }
}

/// `Taken` from the store is the caller's conflict, not an internal error.
pub(super) fn taken(e: StoreError) -> Refusal {
    match e {
        StoreError::Taken(what) => {
            Refusal::new(ErrorCode::Conflict, format!("{what} is already taken"))
        }
        other => other.into(),
    }
}

pub(super) fn check_field(field: &str, value: &str, may_be_empty: bool) -> Result<(), Refusal> {
    if (value.is_empty() && !may_be_empty) || value.len() > MAX_FIELD {
        let least = if may_be_empty { 0 } else { 1 };
        return Err(Refusal::new(
            ErrorCode::BadRequest,
            format!("{field} must be {least} to {MAX_FIELD} bytes"),
        ));
    }
    Ok(())
}

pub(super) fn user_info(user: &UserRecord) -> UserInfo {
    UserInfo {
        id: user.id,
        name: user.name.clone(),
        email: user.email.clone(),
        handle: user.handle.clone(),
    }
}

impl Session {
    /// The team, if the caller may see it (else `not_found`) and may do
    /// `action` to it (else `forbidden`).
    pub(super) fn team_to(&self, action: Action, team: TeamId) -> Result<TeamRecord, Refusal> {
        let not_found = || Refusal::new(ErrorCode::NotFound, format!("no team {team}"));
        if !self
            .principal
            .allows(Action::ReadTeam, Resource::Team(team))
        {
            return Err(not_found());
        }
        let record = self.state.store.team(team)?.ok_or_else(not_found)?;
        if !self.principal.allows(action, Resource::Team(team)) {
            return Err(Refusal::new(
                ErrorCode::Forbidden,
                format!("your role in team {team} does not allow this"),
            ));
        }
        Ok(record)
    }

    /// Checks an account-level action: `not_found` for an account the
    /// caller has no team in, `forbidden` for one they work in but do not own.
    fn account_to(&self, action: Action, account: AccountId) -> Result<(), Refusal> {
        if self.principal.allows(action, Resource::Account(account)) {
            Ok(())
        } else if self.principal.knows_account(account) {
            Err(Refusal::new(
                ErrorCode::Forbidden,
                "only the account's owner may do this",
            ))
        } else {
            Err(Refusal::new(
                ErrorCode::NotFound,
                format!("no account {account}"),
            ))
        }
    }

    /// Applies an access change made to `users` (already in the store):
    /// closes their connections with 4009, refreshes this connection's own
    /// access if it is among them, and waits for the change to be durable.
    pub(super) async fn access_changed(
        &mut self,
        users: &[UserId],
        reason: &str,
    ) -> Result<(), Refusal> {
        let me = self.principal.user.id;
        for &user in users {
            if user == me {
                self.state.live.close_user_except(
                    user,
                    self.outlet.conn,
                    close::ACCESS_CHANGED,
                    reason,
                );
            } else {
                self.state
                    .live
                    .close_user(user, close::ACCESS_CHANGED, reason);
            }
        }
        if users.contains(&me) {
            self.refresh()?;
        }
        self.state.committer.flushed().await;
        Ok(())
    }

    /// Reloads this connection's access and leaves the teams it lost.
    fn refresh(&mut self) -> Result<(), Refusal> {
        let store = self.state.store.as_ref();
        let Some(user) = store.user(self.principal.user.id)? else {
            return Err(Refusal::new(ErrorCode::Internal, "internal error"));
        };
        let access = access::load(store, user, self.principal.kind)?;
        let principal: Principal = access.principal;
        if !access::enlist(store, &mut self.registration, &self.outlet, &principal)? {
            // A team it reaches was removed meanwhile: start afresh.
            self.outlet
                .close(close::ACCESS_CHANGED, "a team was removed: reconnect");
        }
        let lost: Vec<TeamId> = self
            .subscribed
            .iter()
            .copied()
            .filter(|team| !principal.allows(Action::Subscribe, Resource::Team(*team)))
            .collect();
        for team in lost {
            self.subscribed.retain(|t| *t != team);
            self.state.registry.disconnect(team, self.outlet.clone());
        }
        self.principal = Arc::new(principal);
        Ok(())
    }

    pub(super) async fn create_team(
        &mut self,
        id: RequestId,
        request: CreateTeam,
    ) -> Result<Option<Reply>, Refusal> {
        self.account_to(Action::CreateTeam, request.account)?;
        // A team belongs to no team yet: its key lives in its account's
        // scope (ids of every kind come from one counter, so never clash).
        let scope = TeamId(request.account.0);
        let key = request.key.as_deref();
        let Retry::New(_claim) = self.retry(id, scope, "key", key).await? else {
            return Ok(None);
        };
        let name = request.name.trim();
        check_field("name", name, false)?;
        check_field("identity", request.identity.trim(), true)?;
        if !is_handle(&request.handle) {
            return Err(Refusal::new(
                ErrorCode::BadRequest,
                format!("{:?} is not a valid handle", request.handle),
            ));
        }
        let store = self.state.store.as_ref();
        let (team, owner) = admin::new_team(
            store,
            request.account,
            name,
            &request.handle,
            request.identity.trim(),
        )?;
        let reply = Reply::Team(team.info(Role::Manager));
        // The team, its Manager and the key's receipt, all or nothing.
        store
            .create_team(&team, owner, self.receipt(key, &reply))
            .map_err(taken)?;
        self.access_changed(&[self.principal.user.id], "a team was created")
            .await?;
        tracing::info!(team = %team.id, account = %team.account, "team created");
        Ok(Some(reply))
    }

    pub(super) async fn update_team(&mut self, request: UpdateTeam) -> Result<Reply, Refusal> {
        let mut team = self.team_to(Action::ManageTeam, request.team)?;
        if let Some(name) = &request.name {
            check_field("name", name.trim(), false)?;
            team.name = name.trim().to_string();
        }
        if let Some(identity) = &request.identity {
            check_field("identity", identity.trim(), true)?;
            team.identity = identity.trim().to_string();
        }
        if let Some(statuses) = request.statuses {
            if statuses.len() > MAX_STATUSES {
                return Err(Refusal::new(
                    ErrorCode::BadRequest,
                    format!("a team offers at most {MAX_STATUSES} statuses"),
                ));
            }
            let mut clean: Vec<String> = Vec::with_capacity(statuses.len());
            for status in statuses {
                let status = status.trim().to_string();
                check_field("a status", &status, false)?;
                if !clean.contains(&status) {
                    clean.push(status);
                }
            }
            team.statuses = clean;
        }
        if let Some(max_members) = request.max_members {
            // A limit below the current count is allowed: it refuses new
            // members until enough leave, and removes no one.
            team.max_members = (max_members > 0).then_some(max_members);
        }
        if let Some(rate) = request.blast_rate {
            team.blast_rate = Some(checked_blast_rate(rate)?);
        }
        self.state.store.put_team(&team).map_err(taken)?;
        self.state.committer.flushed().await;
        let change = TeamChange {
            name: team.name.clone(),
            identity: team.identity.clone(),
            statuses: team.statuses.clone(),
            max_members: team.max_members,
        };
        self.state
            .registry
            .signal(team.id, Signal::TeamChanged(change));
        let role = self.principal.role(team.id).unwrap_or(Role::Manager);
        Ok(Reply::Team(team.info(role)))
    }

    pub(super) async fn remove_team(&mut self, request: RemoveTeam) -> Result<Reply, Refusal> {
        let team = self.team_to(Action::RemoveTeam, request.team)?;
        // Through the team's hub: no write it takes after this lands.
        self.state.registry.remove_team(team.id).await?;
        // Every connection whose access reached the team, however it held
        // it: a role, the account's ownership, a bot, a grant.
        let closed = self.state.live.close_team_except(
            team.id,
            self.outlet.conn,
            close::ACCESS_CHANGED,
            "a team was removed",
        );
        self.refresh()?;
        self.state.committer.flushed().await;
        tracing::info!(team = %team.id, closed, "team removed");
        Ok(Reply::TeamRemoved { team: team.id })
    }

    pub(super) async fn usage(&self, request: Usage) -> Result<Reply, Refusal> {
        self.account_to(Action::ReadUsage, request.account)?;
        // Counting scans the logs written since the last count: on the
        // blocking pool, as reports do.
        let store = Arc::clone(&self.state.store);
        let registry = Arc::clone(&self.state.registry);
        let account = request.account;
        let counted = self
            .state
            .scans
            .run(move || usage::account_usage(store.as_ref(), &registry, account))
            .await?;
        match counted? {
            Some(usage) => Ok(Reply::Usage(usage)),
            None => Err(Refusal::new(
                ErrorCode::NotFound,
                format!("no account {}", request.account),
            )),
        }
    }
}

impl From<RemovalError> for Refusal {
    fn from(e: RemovalError) -> Refusal {
        match e {
            RemovalError::NotFound => Refusal::new(ErrorCode::NotFound, "no such team"),
            RemovalError::Unavailable => Refusal::new(ErrorCode::Unavailable, e.to_string()),
            RemovalError::Store(e) => e.into(),
        }
    }
}

/// A team's blast rate, within 1 to `MAX_BLAST_RATE` messages a second.
fn checked_blast_rate(rate: u32) -> Result<u32, Refusal> {
    use switchboard_protocol::blast::MAX_BLAST_RATE;
    if (1..=MAX_BLAST_RATE).contains(&rate) {
        Ok(rate)
    } else {
        Err(Refusal::new(
            ErrorCode::BadRequest,
            format!("blast_rate is 1 to {MAX_BLAST_RATE} messages a second"),
        ))
    }
}
