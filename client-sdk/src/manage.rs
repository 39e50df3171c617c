//! Typed requests for running an account: teams, members, roles and usage.
//!
//! Who may send each is in PROTOCOL.md ("Teams, members and usage"): a
//! request about a team the user cannot see fails with `not_found`, one
//! their role does not allow with `forbidden`. A change to the caller's
//! own access is answered on this connection; the user's other connections
//! are closed with 4009 and reconnect with a fresh welcome by themselves.

use crate::client::{unexpected, Client};
use crate::error::Error;
use crate::request::Call;
use switchboard_protocol::client::ClientFrame;
use switchboard_protocol::manage::{self, UsageInfo};
use switchboard_protocol::model::{Role, TeamInfo};
use switchboard_protocol::server::{MemberAdded, MemberList, Reply};
use switchboard_protocol::{AccountId, RequestId, TeamId, UserId};

/// A team's settings to change; fields left `None` stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TeamChanges {
    /// A new name.
    pub name: Option<String>,
    /// A new chat identity.
    pub identity: Option<String>,
    /// The outcome statuses `^deliver` offers, replacing the list.
    pub statuses: Option<Vec<String>>,
}

/// An account-management request, without its id.
#[derive(Debug, Clone)]
pub(crate) enum ManageRequest {
    CreateTeam {
        account: AccountId,
        name: String,
        handle: String,
        identity: String,
    },
    UpdateTeam {
        team: TeamId,
        changes: TeamChanges,
    },
    RemoveTeam {
        team: TeamId,
    },
    Members {
        team: TeamId,
    },
    AddMember {
        team: TeamId,
        email: String,
        role: Role,
        name: Option<String>,
    },
    RemoveMember {
        team: TeamId,
        user: UserId,
    },
    SetRole {
        team: TeamId,
        user: UserId,
        role: Role,
    },
    Usage {
        account: AccountId,
    },
}

impl ManageRequest {
    /// The frame that carries this request under `id`.
    pub(crate) fn into_frame(self, id: RequestId) -> ClientFrame {
        match self {
            ManageRequest::CreateTeam {
                account,
                name,
                handle,
                identity,
            } => ClientFrame::CreateTeam(manage::CreateTeam {
                id,
                account,
                name,
                handle,
                identity,
            }),
            ManageRequest::UpdateTeam { team, changes } => {
                ClientFrame::UpdateTeam(manage::UpdateTeam {
                    id,
                    team,
                    name: changes.name,
                    identity: changes.identity,
                    statuses: changes.statuses,
                })
            }
            ManageRequest::RemoveTeam { team } => {
                ClientFrame::RemoveTeam(manage::RemoveTeam { id, team })
            }
            ManageRequest::Members { team } => ClientFrame::Members(manage::Members { id, team }),
            ManageRequest::AddMember {
                team,
                email,
                role,
                name,
            } => ClientFrame::AddMember(manage::AddMember {
                id,
                team,
                email,
                role,
                name,
            }),
            ManageRequest::RemoveMember { team, user } => {
                ClientFrame::RemoveMember(manage::RemoveMember { id, team, user })
            }
            ManageRequest::SetRole { team, user, role } => ClientFrame::SetRole(manage::SetRole {
                id,
                team,
                user,
                role,
            }),
            ManageRequest::Usage { account } => ClientFrame::Usage(manage::Usage { id, account }),
        }
    }
}

impl Client {
    async fn manage(&self, request: ManageRequest) -> Result<Reply, Error> {
        self.call(Call::Manage(request)).await
    }

    /// Creates a team in an account the user owns; the user is its Manager.
    pub async fn create_team(
        &self,
        account: AccountId,
        name: impl Into<String>,
        handle: impl Into<String>,
        identity: impl Into<String>,
    ) -> Result<TeamInfo, Error> {
        let request = ManageRequest::CreateTeam {
            account,
            name: name.into(),
            handle: handle.into(),
            identity: identity.into(),
        };
        match self.manage(request).await? {
            Reply::Team(team) => Ok(team),
            other => Err(unexpected("team", &other)),
        }
    }

    /// Changes a team's name, identity or statuses (owner or Manager).
    pub async fn update_team(&self, team: TeamId, changes: TeamChanges) -> Result<TeamInfo, Error> {
        match self
            .manage(ManageRequest::UpdateTeam { team, changes })
            .await?
        {
            Reply::Team(team) => Ok(team),
            other => Err(unexpected("team", &other)),
        }
    }

    /// Removes a team (the account's owner only).
    pub async fn remove_team(&self, team: TeamId) -> Result<(), Error> {
        match self.manage(ManageRequest::RemoveTeam { team }).await? {
            Reply::TeamRemoved { .. } => Ok(()),
            other => Err(unexpected("team_removed", &other)),
        }
    }

    /// Lists a team's members with their roles (any member).
    pub async fn members(&self, team: TeamId) -> Result<MemberList, Error> {
        match self.manage(ManageRequest::Members { team }).await? {
            Reply::Members(list) => Ok(list),
            other => Err(unexpected("members", &other)),
        }
    }

    /// Adds a user by email (owner or Manager). An unknown email gets a new
    /// user without a password and an invitation mail (`invited: true`);
    /// `name` is their display name (default: the email's local part).
    pub async fn add_member(
        &self,
        team: TeamId,
        email: impl Into<String>,
        role: Role,
        name: Option<String>,
    ) -> Result<MemberAdded, Error> {
        let request = ManageRequest::AddMember {
            team,
            email: email.into(),
            role,
            name,
        };
        match self.manage(request).await? {
            Reply::Member(added) => Ok(added),
            other => Err(unexpected("member", &other)),
        }
    }

    /// Removes a user from a team (owner or Manager).
    pub async fn remove_member(&self, team: TeamId, user: UserId) -> Result<(), Error> {
        match self
            .manage(ManageRequest::RemoveMember { team, user })
            .await?
        {
            Reply::MemberRemoved { .. } => Ok(()),
            other => Err(unexpected("member_removed", &other)),
        }
    }

    /// Changes a member's role (owner or Manager).
    pub async fn set_role(
        &self,
        team: TeamId,
        user: UserId,
        role: Role,
    ) -> Result<MemberAdded, Error> {
        match self
            .manage(ManageRequest::SetRole { team, user, role })
            .await?
        {
            Reply::Member(member) => Ok(member),
            other => Err(unexpected("member", &other)),
        }
    }

    /// Reads an account's usage counters (the account's owner only).
    pub async fn usage(&self, account: AccountId) -> Result<UsageInfo, Error> {
        match self.manage(ManageRequest::Usage { account }).await? {
            Reply::Usage(usage) => Ok(usage),
            other => Err(unexpected("usage", &other)),
        }
    }
}
