//! A team's members (PROTOCOL.md, "Teams, members and usage"): the list,
//! adding by email (an invitation mail for an unknown address), removal
//! and role changes, within the team's member limit.
//!
//! The rules of `manage` hold here: checked through the principal first
//! (`not_found` for who cannot see the team, `forbidden` for who may not
//! do this), the store changed first, then the user's connections closed
//! with 4009, the reply once durable, and the team's people told with a
//! `members_changed` signal.

use super::keys::Retry;
use super::manage::{check_field, taken, user_info, MAX_EMAIL};
use super::{Refusal, Session};
use crate::access::Action;
use crate::admin::{self, AdminError, NewUser};
use crate::invitation;
use crate::store::{TeamRecord, UserRecord};
use switchboard_protocol::command::is_email;
use switchboard_protocol::ids::{RequestId, TeamId, UserId};
use switchboard_protocol::manage::{AddMember, MemberInfo, Members, RemoveMember, SetRole};
use switchboard_protocol::model::Role;
use switchboard_protocol::presence::{MembersChange, Signal};
use switchboard_protocol::server::{MemberAdded, MemberList, Reply};
use switchboard_protocol::ErrorCode;

impl Session {
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

    /// Tells the team's people that its members changed (the change is
    /// durable by now).
    fn members_changed(&self, team: TeamId) {
        let signal = Signal::MembersChanged(MembersChange { team });
        self.state.registry.signal(team, signal);
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
}
