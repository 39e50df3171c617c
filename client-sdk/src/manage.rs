//! Typed requests for running an account: teams, members, roles, bots,
//! contact details, reports and usage; and the frames of the
//! conversation commands (`assign`, `unassign`, `deliver`), whose methods
//! are in `commands`.
//!
//! Who may send each is in PROTOCOL.md ("Teams, members and usage"): a
//! request about a team the user cannot see fails with `not_found`, one
//! their role does not allow with `forbidden`. A change to the caller's
//! own access is answered on this connection; the user's other connections
//! are closed with 4009 and reconnect with a fresh welcome by themselves.

use crate::client::{unexpected, Client};
use crate::error::Error;
use crate::request::{new_key, Call};
use switchboard_protocol::assign;
use switchboard_protocol::client::ClientFrame;
use switchboard_protocol::command::{Assignee, Target};
use switchboard_protocol::deliver::{self, ReportInfo};
use switchboard_protocol::manage::{self, BotInfo, BotScope, ContactUpdated, UsageInfo};
use switchboard_protocol::model::{Role, TeamInfo};
use switchboard_protocol::server::{BotCreated, MemberAdded, MemberList, Reply};
use switchboard_protocol::{AccountId, ConversationId, Millis, RequestId, TeamId, UserId};

/// A team's settings to change; fields left `None` stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TeamChanges {
    /// A new name.
    pub name: Option<String>,
    /// A new chat identity.
    pub identity: Option<String>,
    /// The outcome statuses `^deliver` offers, replacing the list.
    pub statuses: Option<Vec<String>>,
    /// A new member limit; `Some(0)` removes the limit.
    pub max_members: Option<u32>,
    /// A new blast rate, messages per second (1 to 1,000).
    pub blast_rate: Option<u32>,
}

/// A contact's details to change; fields left `None` stay as they are, and
/// an empty email or phone clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactChanges {
    /// A new name (not empty).
    pub name: Option<String>,
    /// A new email.
    pub email: Option<String>,
    /// A new phone number.
    pub phone: Option<String>,
}

/// What a report covers; the default is every team the user manages, over
/// all time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReportQuery {
    /// One team; `None`: every team the user manages (as Manager or
    /// owner), of `account` if given.
    pub team: Option<TeamId>,
    /// Narrows a report of every team to one account.
    pub account: Option<AccountId>,
    /// The period's start, inclusive (`None`: the beginning).
    pub from: Option<Millis>,
    /// The period's end, exclusive (`None`: no end).
    pub to: Option<Millis>,
}

/// An account-management request, without its id.
#[derive(Debug, Clone)]
pub(crate) enum ManageRequest {
    CreateTeam {
        account: AccountId,
        name: String,
        handle: String,
        identity: String,
        key: String,
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
        key: String,
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
    CreateBot {
        team: TeamId,
        name: String,
        scope: BotScope,
        key: String,
    },
    RevokeBot {
        team: TeamId,
        bot: UserId,
    },
    Bots {
        team: TeamId,
    },
    UpdateContact {
        conversation: ConversationId,
        changes: ContactChanges,
    },
    Assign {
        conversation: ConversationId,
        who: Assignee,
        add: bool,
        key: String,
    },
    Deliver {
        conversation: ConversationId,
        to: Target,
        status: Option<String>,
        note: Option<String>,
        key: String,
    },
    Report(ReportQuery),
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
                key,
            } => ClientFrame::CreateTeam(manage::CreateTeam {
                id,
                account,
                name,
                handle,
                identity,
                key: Some(key),
            }),
            ManageRequest::UpdateTeam { team, changes } => {
                ClientFrame::UpdateTeam(manage::UpdateTeam {
                    id,
                    team,
                    name: changes.name,
                    identity: changes.identity,
                    statuses: changes.statuses,
                    max_members: changes.max_members,
                    blast_rate: changes.blast_rate,
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
                key,
            } => ClientFrame::AddMember(manage::AddMember {
                id,
                team,
                email,
                role,
                name,
                key: Some(key),
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
            ManageRequest::CreateBot {
                team,
                name,
                scope,
                key,
            } => ClientFrame::CreateBot(manage::CreateBot {
                id,
                team,
                name,
                scope,
                key: Some(key),
            }),
            ManageRequest::RevokeBot { team, bot } => {
                ClientFrame::RevokeBot(manage::RevokeBot { id, team, bot })
            }
            ManageRequest::Bots { team } => ClientFrame::Bots(manage::Bots { id, team }),
            ManageRequest::UpdateContact {
                conversation,
                changes,
            } => ClientFrame::UpdateContact(manage::UpdateContact {
                id,
                conversation,
                name: changes.name,
                email: changes.email,
                phone: changes.phone,
            }),
            ManageRequest::Assign {
                conversation,
                who,
                add: true,
                key,
            } => ClientFrame::Assign(assign::Assign {
                id,
                conversation,
                who: who.into(),
                key: Some(key),
            }),
            ManageRequest::Assign {
                conversation,
                who,
                add: false,
                key,
            } => ClientFrame::Unassign(assign::Unassign {
                id,
                conversation,
                who: who.into(),
                key: Some(key),
            }),
            ManageRequest::Deliver {
                conversation,
                to,
                status,
                note,
                key,
            } => ClientFrame::Deliver(deliver::Deliver {
                id,
                conversation,
                to: to.into(),
                status,
                note,
                key: Some(key),
            }),
            ManageRequest::Report(query) => ClientFrame::Report(deliver::Report {
                id,
                team: query.team,
                account: query.account,
                from: query.from,
                to: query.to,
            }),
        }
    }
}

impl Client {
    async fn manage(&self, request: ManageRequest) -> Result<Reply, Error> {
        self.call(Call::Manage(request)).await
    }

    /// Creates a team in an account the user owns; the user is its Manager.
    ///
    /// The request carries a key of the client's drawing and is resent with
    /// it after a dropped connection: the team is created once, and the
    /// resend gets it back (never a `conflict` over its own handle). The
    /// same holds for [`Client::add_member`] (one invitation mail) and
    /// [`Client::create_bot`].
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
            key: new_key(),
        };
        match self.keyed(Call::Manage(request)).await? {
            Reply::Team(team) => Ok(team),
            other => Err(unexpected("team", &other)),
        }
    }

    /// Changes a team's name, identity, statuses or member limit (owner or
    /// Manager).
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
            key: new_key(),
        };
        match self.keyed(Call::Manage(request)).await? {
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

    /// Creates a bot of a team with a token of its own (owner or Manager).
    /// The token is in the reply only: the server keeps its hash. Connect
    /// with it like with a session token; the bot reaches this team only.
    ///
    /// Created once, like [`Client::create_team`]: if the connection drops
    /// before the answer, the resend gets the original bot, but with an
    /// empty `token` (it was never stored): revoke that bot and create
    /// another.
    pub async fn create_bot(
        &self,
        team: TeamId,
        name: impl Into<String>,
        scope: BotScope,
    ) -> Result<BotCreated, Error> {
        let request = ManageRequest::CreateBot {
            team,
            name: name.into(),
            scope,
            key: new_key(),
        };
        match self.keyed(Call::Manage(request)).await? {
            Reply::Bot(created) => Ok(created),
            other => Err(unexpected("bot", &other)),
        }
    }

    /// Revokes a bot's token (owner or Manager): its connections close
    /// with 4001 and the token is refused from then on.
    pub async fn revoke_bot(&self, team: TeamId, bot: UserId) -> Result<(), Error> {
        match self.manage(ManageRequest::RevokeBot { team, bot }).await? {
            Reply::BotRevoked { .. } => Ok(()),
            other => Err(unexpected("bot_revoked", &other)),
        }
    }

    /// Lists a team's bots, revoked ones included (owner or Manager).
    pub async fn bots(&self, team: TeamId) -> Result<Vec<BotInfo>, Error> {
        match self.manage(ManageRequest::Bots { team }).await? {
            Reply::Bots(list) => Ok(list.bots),
            other => Err(unexpected("bots", &other)),
        }
    }

    /// Edits the contact of a conversation (whoever may send in it, but a
    /// `read` bot). Subscribers who may read the conversation receive a
    /// `contact_updated` event.
    pub async fn update_contact(
        &self,
        conversation: ConversationId,
        changes: ContactChanges,
    ) -> Result<ContactUpdated, Error> {
        let request = ManageRequest::UpdateContact {
            conversation,
            changes,
        };
        match self.manage(request).await? {
            Reply::Contact(updated) => Ok(updated),
            other => Err(unexpected("contact", &other)),
        }
    }

    /// Reads outcome counts, conversations by status, and first-response
    /// and wait times (Managers and owners; a Member is `forbidden`).
    pub async fn report(&self, query: ReportQuery) -> Result<ReportInfo, Error> {
        match self.manage(ManageRequest::Report(query)).await? {
            Reply::Report(report) => Ok(report),
            other => Err(unexpected("report", &other)),
        }
    }
}
