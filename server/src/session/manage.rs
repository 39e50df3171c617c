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
use crate::admin::{self, AdminError, NewUser};
use crate::hub::RemovalError;
use crate::invitation;
use crate::store::{StoreError, TeamRecord, UserRecord};
use crate::usage;
use std::sync::Arc;
use switchboard_protocol::command::{is_email, is_handle};
use switchboard_protocol::ids::{AccountId, RequestId, TeamId, UserId};
use switchboard_protocol::manage::{
    AddMember, CreateTeam, MemberInfo, Members, RemoveMember, RemoveTeam, SetRole, UpdateTeam,
    Usage,
};
use switchboard_protocol::model::{Role, UserInfo};
use switchboard_protocol::presence::{MembersChange, Signal, TeamChange};
use switchboard_protocol::server::{MemberAdded, MemberList, Reply};
use switchboard_protocol::{close, ErrorCode};

/// Longest team name, identity, status or user name, in bytes.
const MAX_FIELD: usize = 200;
/// Most outcome statuses a team may offer.
const MAX_STATUSES: usize = 32;
/// Longest email accepted (RFC 5321's path limit).
const MAX_EMAIL: usize = 254;

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
fn taken(e: StoreError) -> Refusal {
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

fn user_info(user: &UserRecord) -> UserInfo {
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

    /// A member of a team, or `not_found`.
    fn member(&self, team: TeamId, user: UserId) -> Result<(UserRecord, Role), Refusal> {
        let not_found = || {
            Refusal::new(
                ErrorCode::NotFound,
                format!("no member {user} in team {team}"),
            )
        };
        let role = self
            .state
            .store
            .team_members(team)?
            .into_iter()
            .find_map(|(u, role)| (u == user).then_some(role))
            .ok_or_else(not_found)?;
        let record = self.state.store.user(user)?.ok_or_else(not_found)?;
        Ok((record, role))
    }

    /// Applies an access change made to `users` (already in the store):
    /// closes their connections with 4009, refreshes this connection's own
    /// access if it is among them, and waits for the change to be durable.
    async fn access_changed(&mut self, users: &[UserId], reason: &str) -> Result<(), Refusal> {
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

    /// Tells the team's people that its members changed (the change is
    /// durable by now).
    fn members_changed(&self, team: TeamId) {
        let signal = Signal::MembersChanged(MembersChange { team });
        self.state.registry.signal(team, signal);
    }

    /// Reloads this connection's access and leaves the teams it lost.
    fn refresh(&mut self) -> Result<(), Refusal> {
        let store = self.state.store.as_ref();
        let Some(user) = store.user(self.principal.user.id)? else {
            return Err(Refusal::new(ErrorCode::Internal, "internal error"));
        };
        let access = access::load(store, user, self.principal.kind)?;
        let principal: Principal = access.principal;
        if !access::enlist(store, &self.state.live, &self.outlet, &principal)? {
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
            self.subscribed.remove(&team);
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

    pub(super) fn members(&self, request: Members) -> Result<Reply, Refusal> {
        let team = self.team_to(Action::ReadTeam, request.team)?;
        let store = self.state.store.as_ref();
        let mut members = Vec::new();
        for (user, role) in store.team_members(team.id)? {
            if let Some(record) = store.user(user)? {
                members.push(MemberInfo {
                    user: user_info(&record),
                    role,
                });
            }
        }
        Ok(Reply::Members(MemberList {
            team: team.id,
            members,
        }))
    }

    pub(super) async fn add_member(
        &mut self,
        id: RequestId,
        request: AddMember,
    ) -> Result<Option<Reply>, Refusal> {
        let team = self.team_to(Action::ManageTeam, request.team)?;
        // Held until the receipt is written: a retry meanwhile waits, and
        // never mails a second invitation.
        let key = request.key.as_deref();
        let Retry::New(_claim) = self.retry(id, team.id, "key", key).await? else {
            return Ok(None);
        };
        let email = request.email.trim();
        if email.len() > MAX_EMAIL || !is_email(email) {
            return Err(Refusal::new(
                ErrorCode::BadRequest,
                format!("{email:?} is not an email address"),
            ));
        }
        let store = self.state.store.as_ref();
        let existing = store.user_by_email(email)?;
        // Checked before an invited user is created, so that a refusal
        // leaves nothing behind.
        self.refuse_past_limit(&team, existing.as_ref().map(|u| u.id))?;
        let (user, invited) = match existing {
            Some(user) => (user, false),
            None => {
                let local = email.split('@').next().unwrap_or(email);
                let name = request.name.as_deref().map_or(local, str::trim);
                check_field("name", name, false)?;
                let new = NewUser {
                    email: email.to_string(),
                    name: name.to_string(),
                    handle: None,
                };
                let user = admin::create_user(store, &new).map_err(|e| match e {
                    AdminError::Store(e) => taken(e),
                    other => other.into(),
                })?;
                (user, true)
            }
        };
        if invited {
            // The membership and its receipt are written after the mail:
            // a retry after a crash before them finds the user, adds them
            // without mailing again, and the mailed link still works.
            let token = invitation::issue(store, user.id, team.id)?;
            let mail = invitation::mail(
                &user.email,
                &team.name,
                &self.state.edge.site.invitation_link(&token),
            );
            if let Err(e) = crate::mail::deliver(&self.state.mailer, mail).await {
                tracing::error!(error = %e, user = %user.id, "cannot send an invitation");
                store.add_member(team.id, user.id, request.role, None)?;
                self.state.committer.flushed().await;
                self.members_changed(team.id);
                return Err(Refusal::new(
                    ErrorCode::Internal,
                    "the member was added but the invitation could not be sent",
                ));
            }
        }
        let reply = Reply::Member(MemberAdded {
            team: team.id,
            member: MemberInfo {
                user: user_info(&user),
                role: request.role,
            },
            invited,
        });
        store.add_member(team.id, user.id, request.role, self.receipt(key, &reply))?;
        self.access_changed(&[user.id], "you were added to a team")
            .await?;
        self.members_changed(team.id);
        Ok(Some(reply))
    }

    pub(super) async fn remove_member(&mut self, request: RemoveMember) -> Result<Reply, Refusal> {
        let team = self.team_to(Action::ManageTeam, request.team)?;
        self.refuse_owner(&team, request.user)?;
        self.member(team.id, request.user)?;
        self.state.store.remove_membership(team.id, request.user)?;
        self.access_changed(&[request.user], "you were removed from a team")
            .await?;
        self.members_changed(team.id);
        Ok(Reply::MemberRemoved {
            team: team.id,
            user: request.user,
        })
    }

    pub(super) async fn set_role(&mut self, request: SetRole) -> Result<Reply, Refusal> {
        let team = self.team_to(Action::ManageTeam, request.team)?;
        self.refuse_owner(&team, request.user)?;
        let (user, _) = self.member(team.id, request.user)?;
        self.state
            .store
            .put_membership(team.id, user.id, request.role)?;
        self.access_changed(&[user.id], "your role changed").await?;
        self.members_changed(team.id);
        Ok(Reply::Member(MemberAdded {
            team: team.id,
            member: MemberInfo {
                user: user_info(&user),
                role: request.role,
            },
            invited: false,
        }))
    }

    /// Refuses to seat `user` (`None`: someone not yet a user) in a team
    /// already holding `max_members` membership rows. Someone who holds a
    /// row already takes no new seat: `add_member` only changes their role.
    ///
    /// Two concurrent `add_member`s of one team may both pass this check;
    /// the limit is a product quota, not a safety invariant, so a brief
    /// overshoot by one is accepted rather than serialising the team.
    fn refuse_past_limit(&self, team: &TeamRecord, user: Option<UserId>) -> Result<(), Refusal> {
        let Some(limit) = team.max_members else {
            return Ok(());
        };
        let members = self.state.store.team_members(team.id)?;
        if user.is_some_and(|user| members.iter().any(|(u, _)| *u == user)) {
            return Ok(());
        }
        if members.len() >= limit as usize {
            return Err(Refusal::new(
                ErrorCode::Forbidden,
                format!("team {} is at its limit of {limit} members", team.id),
            ));
        }
        Ok(())
    }

    /// The account's owner manages every team of the account whatever rows
    /// say: removing them or changing their role would change nothing.
    fn refuse_owner(&self, team: &TeamRecord, user: UserId) -> Result<(), Refusal> {
        let owner = self.state.store.account(team.account)?.map(|a| a.owner);
        if owner == Some(user) {
            return Err(Refusal::new(
                ErrorCode::BadRequest,
                "the account's owner manages every team of the account; their role cannot change",
            ));
        }
        Ok(())
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
