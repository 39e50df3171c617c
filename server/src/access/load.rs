//! Reading a user's access when a connection says hello ([`load`]), and
//! listing the connection under the teams it reaches ([`enlist`]); see the
//! parent module for why the order matters.

use super::{Principal, VisitorScope};
use crate::live::Registration;
use crate::outlet::Outlet;
use crate::store::{GrantState, Store, StoreResult, TokenKind, UserRecord};
use std::collections::{HashMap, HashSet};
use switchboard_protocol::ids::{ContactId, ConversationId, TeamId};
use switchboard_protocol::manage::{AccountInfo, BotScope};
use switchboard_protocol::model::{GrantInfo, Role, TeamInfo};

/// What a user may reach, as read from the store: the principal, and the
/// teams and accounts its welcome lists.
pub struct Access {
    /// The principal.
    pub principal: Principal,
    /// The teams it can reach, with its role in each, by id.
    pub teams: Vec<TeamInfo>,
    /// The accounts it owns.
    pub accounts: Vec<AccountInfo>,
    /// Its accepted grants, by conversation id.
    pub grants: Vec<GrantInfo>,
}

/// Reads a user's access: their memberships (of teams that still exist),
/// every team of the accounts they own, and their accepted grants (in
/// teams that still exist).
pub fn load(store: &dyn Store, user: UserRecord, kind: TokenKind) -> StoreResult<Access> {
    match kind {
        TokenKind::Bot => return load_bot(store, user),
        TokenKind::Visitor => return load_visitor(store, user),
        TokenKind::Session => {}
    }
    let owned = store.accounts_owned(user.id)?;
    let mut roles = HashMap::new();
    let mut records = HashMap::new();
    for (team, role) in store.memberships(user.id)? {
        // A membership left behind by a removed team grants nothing.
        if let Some(record) = store.team(team)? {
            roles.insert(team, role);
            records.insert(team, record);
        }
    }
    for account in &owned {
        for team in store.account_teams(account.id)? {
            if let std::collections::hash_map::Entry::Vacant(slot) = records.entry(team) {
                if let Some(record) = store.team(team)? {
                    slot.insert(record);
                }
            }
        }
    }
    let mut grants = HashMap::new();
    for grant in store.user_grants(user.id)? {
        // A grant in a removed team grants nothing, like a membership.
        if grant.state == GrantState::Accepted && store.team(grant.team)?.is_some() {
            grants.insert(grant.conversation, grant.team);
        }
    }
    let team_accounts = records.iter().map(|(id, t)| (*id, t.account)).collect();
    let owned_ids = owned.iter().map(|a| a.id).collect();
    let principal = Principal::new(user, kind, roles)
        .with_accounts(owned_ids, team_accounts)
        .with_grants(grants.clone());
    let mut grants: Vec<GrantInfo> = grants
        .into_iter()
        .map(|(conversation, team)| GrantInfo { conversation, team })
        .collect();
    grants.sort_by_key(|g| g.conversation);
    let mut teams: Vec<TeamInfo> = records
        .values()
        .filter_map(|record| principal.role(record.id).map(|role| record.info(role)))
        .collect();
    teams.sort_by_key(|t| t.id);
    let accounts = owned
        .into_iter()
        .map(|a| AccountInfo {
            id: a.id,
            name: a.name,
        })
        .collect();
    Ok(Access {
        principal,
        teams,
        accounts,
        grants,
    })
}

/// Lists a registered connection under the teams `principal` reaches,
/// then checks that each still exists: a team removed after the access was
/// loaded is either seen here (false: the connection must close with 4009)
/// or, removed later, finds the connection listed and closes it.
pub(crate) fn enlist(
    store: &dyn Store,
    registration: &mut Registration,
    outlet: &Outlet,
    principal: &Principal,
) -> StoreResult<bool> {
    registration.reach(outlet, principal.teams());
    for team in principal.teams() {
        if store.team(team)?.is_none() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// A bot's access: its one team (listed with role `member`, the role it
/// acts under, narrowed by its scope), if the bot and team still exist
/// and it is not revoked; otherwise nothing.
fn load_bot(store: &dyn Store, user: UserRecord) -> StoreResult<Access> {
    let bot = store.bot(user.id)?.filter(|b| !b.revoked);
    let team = match &bot {
        Some(bot) => store.team(bot.team)?,
        None => None,
    };
    let mut principal = Principal::new(user, TokenKind::Bot, HashMap::new());
    let mut teams = Vec::new();
    if let (Some(bot), Some(team)) = (bot, team) {
        principal = Principal::new(
            principal.user,
            TokenKind::Bot,
            HashMap::from([(team.id, Role::Member)]),
        )
        .with_accounts(HashSet::new(), HashMap::from([(team.id, team.account)]))
        .with_bot(bot.scope);
        teams.push(team.info(Role::Member));
    } else {
        // No team: a bot scope with no role reaches nothing.
        principal = principal.with_bot(BotScope::Read);
    }
    Ok(Access {
        principal,
        teams,
        accounts: Vec::new(),
        grants: Vec::new(),
    })
}

/// A web chat visitor's access: its one conversation, as the contact that
/// conversation now has; no team is listed (it holds no role). A visitor
/// whose conversation is gone reaches nothing.
fn load_visitor(store: &dyn Store, user: UserRecord) -> StoreResult<Access> {
    let mut principal = Principal::new(user, TokenKind::Visitor, HashMap::new());
    let visitor = store.visitor(principal.user.id)?;
    let conversation = match &visitor {
        Some(v) => store.conversation(v.conversation)?,
        None => None,
    };
    let scope = match (visitor, conversation) {
        (Some(v), Some(c)) if c.team == v.team => VisitorScope {
            team: v.team,
            conversation: c.id,
            contact: c.contact,
        },
        // Nothing left to reach: a scope naming no real conversation.
        _ => VisitorScope {
            team: TeamId(0),
            conversation: ConversationId(0),
            contact: ContactId(0),
        },
    };
    principal = principal.with_visitor(scope);
    Ok(Access {
        principal,
        teams: Vec::new(),
        accounts: Vec::new(),
        grants: Vec::new(),
    })
}
