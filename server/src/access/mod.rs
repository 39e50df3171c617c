//! Who may do what: every permission check of the server goes through
//! [`Principal::allows`], for requests and live events alike.
//!
//! The rule that outsiders learn nothing lives here too: a denied read of a
//! team or conversation is reported by the caller as `not_found`, exactly
//! like an id that does not exist.
//!
//! A Restricted Member holds no role in a team, only accepted grants to
//! some of its conversations: they may subscribe to the team (the hub then
//! delivers them only those conversations' events, see [`Principal::reads`]),
//! read, send, mark read and edit the contact there (through the
//! conversation, or in the book: `ReadContacts` and `EditContact` done to
//! the conversation), and nothing else.
//!
//! A bot (a `TokenKind::Bot` principal) reaches its one team only, as a
//! Member would, narrowed by its scope: `read` subscribes and reads
//! (history, conversations, members), `read_write` also sends, starts
//! conversations, marks read and edits contacts (the book's too: create,
//! edit, delete, merge); `bridge` reads as `read` does (and relays its
//! channel, section 26 of PROTOCOL.md); no bot ever manages anything, nor imports or
//! exports a team's data (`ImportExport`). `^commands` are the team's people's alone: neither a bot nor
//! a Restricted Member may carry one out (`forbidden`, they see the
//! conversation). Reports (`Action::ReadReport`) are for Managers and the
//! owner: they rate colleagues, so a Member gets `forbidden`.
//! A team's posts (`ReadPosts`, `WritePosts`) are its people's and its
//! bots' (a `read` bot lists them only), never a Restricted Member's.
//!
//! A web chat visitor (a `TokenKind::Visitor` principal) is a contact, not
//! one of the team's people: it reaches its one conversation only, where
//! it subscribes (to the team, receiving that conversation's non-system
//! messages and the agents' typing alone: see [`Principal::receives`] and
//! [`Principal::receives_signal`]), reads, sends as the contact, marks
//! read, types and views; everything else is answered as to an outsider.
//!
//! A principal is a snapshot of the user's access, read once when the
//! connection says hello ([`load`]). Whoever takes access away writes the
//! store first and then closes with 4009 (`ACCESS_CHANGED`) every live
//! connection that held it, found through the live registry: by user for a
//! change to one user (role, membership, grant), by team for the removal
//! of a team, which reaches its bots and Restricted Members as well as its
//! people. So no connection outlives the access it was given. A connection
//! registers before it loads its access, and is listed under its teams
//! before it checks once more that they exist ([`enlist`]), so a change
//! racing a hello is either seen by the load or reaches the new connection.

mod load;

pub(crate) use load::enlist;
pub use load::{load, Access};

use crate::store::{ConversationRecord, TokenKind, UserRecord};
use std::collections::{HashMap, HashSet};
use switchboard_protocol::ids::{AccountId, ContactId, ConversationId, TeamId};
use switchboard_protocol::manage::BotScope;
use switchboard_protocol::model::{Role, Sender, SenderKind, UserInfo};
use switchboard_protocol::presence::Signal;
use switchboard_protocol::server::Audience;

/// An authenticated user on one connection, with their roles as of login.
/// Serializable: a write forwarded to the server that writes its team
/// carries the principal it was checked for.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Principal {
    /// The user.
    pub user: UserRecord,
    /// How they authenticated.
    pub kind: TokenKind,
    /// Roles held through membership rows.
    roles: HashMap<TeamId, Role>,
    /// The accounts the user owns.
    owned: HashSet<AccountId>,
    /// The account of every team the user can reach.
    team_accounts: HashMap<TeamId, AccountId>,
    /// Accepted grants: conversation -> its team.
    grants: HashMap<ConversationId, TeamId>,
    /// For a bot, its scope (its one team is its only role, as Member).
    bot: Option<BotScope>,
    /// For a web chat visitor, its one conversation (it holds no role).
    #[serde(default)]
    visitor: Option<VisitorScope>,
}

/// What a web chat visitor reaches: one conversation of one team, as one
/// contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VisitorScope {
    /// The team.
    pub team: TeamId,
    /// Its conversation.
    pub conversation: ConversationId,
    /// The contact it is (the conversation's, when the access was loaded).
    pub contact: ContactId,
}

/// Something a principal may try to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Subscribe to a team's stream (a Restricted Member receives only
    /// their conversations' events from it).
    Subscribe,
    /// See a team's conversation list and members (the dashboard).
    ReadTeam,
    /// Start a conversation in a team.
    StartConversation,
    /// Read a conversation's history and live events.
    ReadConversation,
    /// Send a message into a conversation.
    Send,
    /// Move one's own read marker in a conversation.
    MarkRead,
    /// Edit the details of a conversation's contact.
    UpdateContact,
    /// Post a message as the conversation's contact: bots bridging a
    /// channel (an SMS gateway), with the `read_write` scope, and no one
    /// else.
    RelayContact,
    /// Carry out a `^command` in a conversation (`^invite`, `^assign`,
    /// `^unassign`): the team's people only, not Restricted Members, not
    /// bots.
    Command,
    /// Change a team's settings, members and roles.
    ManageTeam,
    /// Remove a team (done to the team; only its account's owner may).
    RemoveTeam,
    /// Create a team in an account.
    CreateTeam,
    /// Read an account's usage counters.
    ReadUsage,
    /// Read a team's report (outcome counts, response times): its
    /// Managers and the account's owner; not Members, not bots.
    ReadReport,
    /// Read the team's contact book (done to the team: its people and
    /// bots) or one contact (done to a conversation of the contact: also a
    /// Restricted Member who reads it).
    ReadContacts,
    /// Create, edit, delete and merge contacts of the book (done to the
    /// team: its people and `read_write` bots); edit one contact (done to
    /// a conversation of the contact: also a Restricted Member who reads
    /// it).
    EditContact,
    /// Import and export a team's data: its people alone, not Restricted
    /// Members, not bots (a bulk copy of the book is a person's decision).
    ImportExport,
    /// List a team's posts: its Managers, Members and bots; never a
    /// Restricted Member (a message's card is all they see of a post).
    ReadPosts,
    /// Create and edit a team's posts: its Managers and Members and its
    /// `read_write` bots (a bot may keep posts in step with a job board).
    WritePosts,
}

/// What an action is done to.
#[derive(Debug, Clone, Copy)]
pub enum Resource<'a> {
    /// An account.
    Account(AccountId),
    /// A team.
    Team(TeamId),
    /// A conversation.
    Conversation(&'a ConversationRecord),
}

impl Principal {
    /// A principal holding `roles`. The user's password hash is not kept:
    /// a connection never needs it.
    pub fn new(mut user: UserRecord, kind: TokenKind, roles: HashMap<TeamId, Role>) -> Principal {
        user.password_hash = None;
        Principal {
            user,
            kind,
            roles,
            owned: HashSet::new(),
            team_accounts: HashMap::new(),
            grants: HashMap::new(),
            bot: None,
            visitor: None,
        }
    }

    /// The same principal, as a web chat visitor of this scope (it must
    /// hold no role).
    pub fn with_visitor(mut self, scope: VisitorScope) -> Principal {
        self.visitor = Some(scope);
        self
    }

    /// For a web chat visitor, what it reaches.
    pub fn visitor(&self) -> Option<VisitorScope> {
        self.visitor
    }

    /// What a web chat visitor may do: its team's stream, and its own
    /// conversation's reads and writes (checked by the caller).
    fn visitor_allows(&self, action: Action, resource: Resource<'_>) -> bool {
        let Some(visitor) = self.visitor else {
            return false;
        };
        match (action, resource) {
            (Action::Subscribe, Resource::Team(team)) => team == visitor.team,
            (
                Action::ReadConversation | Action::Send | Action::MarkRead,
                Resource::Conversation(c),
            ) => c.team == visitor.team && c.id == visitor.conversation,
            _ => false,
        }
    }

    /// Whether a signal of `team` may go to this Restricted Member or
    /// visitor (the team's people receive them all): a conversation's
    /// signals of their conversations; for a visitor, only the typing of
    /// the team's people there (not its own, not who views).
    pub fn receives_signal(&self, team: TeamId, signal: &Signal) -> bool {
        let Some(conversation) = signal.conversation() else {
            return false;
        };
        if !self.reads(team, conversation) {
            return false;
        }
        match (self.visitor, signal) {
            (None, _) => true,
            (Some(_), Signal::Typing(t)) => !t.contact,
            (Some(_), _) => false,
        }
    }

    /// The same principal, as a bot of this scope: its roles must hold its
    /// one team, as Member.
    pub fn with_bot(mut self, scope: BotScope) -> Principal {
        self.bot = Some(scope);
        self
    }

    /// Whether a bot's scope lets it do `action` (anything else is no bot).
    fn scope_allows(&self, action: Action) -> bool {
        match (self.bot, action) {
            (None, _) => true,
            (
                Some(_),
                Action::Subscribe
                | Action::ReadTeam
                | Action::ReadConversation
                | Action::ReadContacts
                | Action::ReadPosts,
            ) => true,
            (
                Some(BotScope::ReadWrite),
                Action::StartConversation
                | Action::Send
                | Action::MarkRead
                | Action::UpdateContact
                | Action::EditContact
                | Action::RelayContact
                | Action::WritePosts,
            ) => true,
            // Management of any kind, and writes for a read-only bot.
            (Some(_), _) => false,
        }
    }

    /// The same principal, holding these accepted grants
    /// (conversation -> team).
    pub fn with_grants(mut self, grants: HashMap<ConversationId, TeamId>) -> Principal {
        self.grants = grants;
        self
    }

    /// Whether the principal is a Restricted Member of the team: no role
    /// there, but accepted grants to some of its conversations.
    pub fn is_restricted_in(&self, team: TeamId) -> bool {
        self.role(team).is_none()
            && (self.grants.values().any(|t| *t == team)
                || self.visitor.is_some_and(|v| v.team == team))
    }

    /// Whether the principal may read the events of a conversation of
    /// `team`: the hub's per-subscriber filter, and the rule behind every
    /// conversation-level action.
    pub fn reads(&self, team: TeamId, conversation: ConversationId) -> bool {
        matches!(self.role(team), Some(Role::Manager | Role::Member))
            || self.grants.get(&conversation) == Some(&team)
            || self
                .visitor
                .is_some_and(|v| v.team == team && v.conversation == conversation)
    }

    /// Whether the principal may receive an event of `team` for `audience`:
    /// the hub's per-subscriber filter (see [`Audience`]). `for_contact`
    /// says whether the event is one a contact may see (a message not
    /// written by the system): a visitor receives no other.
    pub fn receives(&self, team: TeamId, audience: &Audience, for_contact: bool) -> bool {
        if self.visitor.is_some() {
            return for_contact
                && matches!(audience, Audience::Conversation(c) if self.reads(team, *c));
        }
        match audience {
            Audience::Conversation(conversation) => self.reads(team, *conversation),
            Audience::Contact(conversations) => {
                matches!(self.role(team), Some(Role::Manager | Role::Member))
                    || conversations.iter().any(|c| self.reads(team, *c))
            }
            Audience::Team => matches!(self.role(team), Some(Role::Manager | Role::Member)),
        }
    }

    /// The same principal, owning `owned` accounts, with the account of
    /// each team it can reach.
    pub fn with_accounts(
        mut self,
        owned: HashSet<AccountId>,
        team_accounts: HashMap<TeamId, AccountId>,
    ) -> Principal {
        self.owned = owned;
        self.team_accounts = team_accounts;
        self
    }

    /// The user's role in a team, if any. An account's owner is Manager of
    /// every team of the account, with or without a membership row.
    pub fn role(&self, team: TeamId) -> Option<Role> {
        if self.owns_account_of(team) {
            return Some(Role::Manager);
        }
        self.roles.get(&team).copied()
    }

    /// Every team the principal's access reaches: through a role (every
    /// team of an owned account included), as a bot, through an accepted
    /// grant, or as a web chat visitor. Unordered; a team may come more
    /// than once.
    pub fn teams(&self) -> impl Iterator<Item = TeamId> + '_ {
        let owned = self.team_accounts.keys().copied();
        self.roles
            .keys()
            .copied()
            .chain(owned.filter(|team| self.owns_account_of(*team)))
            .chain(self.grants.values().copied())
            .chain(self.visitor.map(|v| v.team))
    }

    /// Whether the user owns the account.
    pub fn owns(&self, account: AccountId) -> bool {
        self.owned.contains(&account)
    }

    /// Whether the user holds a role in any team of the account (and so
    /// knows that it exists), or owns it.
    pub fn knows_account(&self, account: AccountId) -> bool {
        self.owns(account)
            || self
                .team_accounts
                .iter()
                .any(|(team, a)| *a == account && self.role(*team).is_some())
    }

    fn owns_account_of(&self, team: TeamId) -> bool {
        self.team_accounts
            .get(&team)
            .is_some_and(|account| self.owned.contains(account))
    }

    /// Whether the principal may do `action` to `resource`. This is the
    /// permission matrix of DESIGN.md section 2, the one place it lives.
    pub fn allows(&self, action: Action, resource: Resource<'_>) -> bool {
        if self.visitor.is_some() {
            return self.visitor_allows(action, resource);
        }
        if !self.scope_allows(action) {
            return false;
        }
        let team = match resource {
            Resource::Account(account) => {
                // Account-level actions belong to the owner alone.
                return matches!(action, Action::CreateTeam | Action::ReadUsage)
                    && self.owns(account);
            }
            Resource::Team(team) => team,
            Resource::Conversation(conversation) => conversation.team,
        };
        match (action, self.role(team)) {
            // Restricted Members: their granted conversations only, and the
            // team's stream (filtered to those conversations).
            (Action::Subscribe, None) => self.is_restricted_in(team),
            (
                Action::ReadConversation
                | Action::Send
                | Action::MarkRead
                | Action::UpdateContact
                | Action::ReadContacts
                | Action::EditContact,
                None,
            ) => match resource {
                Resource::Conversation(c) => self.reads(team, c.id),
                _ => false,
            },
            // A person never speaks as the contact; a team's bot may.
            (Action::RelayContact, Some(_)) => self.bot.is_some(),
            // Managers and Members may do every conversation-level action in
            // their teams.
            (
                Action::Subscribe
                | Action::ReadTeam
                | Action::StartConversation
                | Action::ReadConversation
                | Action::Send
                | Action::MarkRead
                | Action::UpdateContact
                | Action::Command
                | Action::ReadContacts
                | Action::EditContact
                | Action::ImportExport,
                Some(Role::Manager | Role::Member),
            ) => true,
            // A team's posts: its people (and bots, as their scope says).
            (Action::ReadPosts | Action::WritePosts, Some(Role::Manager | Role::Member)) => true,
            // Settings, members and roles: Managers (and so the owner).
            (Action::ManageTeam | Action::ReadReport, Some(Role::Manager)) => true,
            (Action::RemoveTeam, Some(_)) => self.owns_account_of(team),
            (Action::ManageTeam | Action::ReadReport, Some(Role::Member)) => false,
            (Action::CreateTeam | Action::ReadUsage, _) => false,
            (_, None) => false,
        }
    }

    /// How the principal appears as a message's author.
    pub fn sender(&self) -> Sender {
        if let Some(visitor) = self.visitor {
            // A visitor writes as its contact, under the contact's name.
            return Sender {
                kind: SenderKind::Contact,
                id: visitor.contact.0,
                name: self.user.name.clone(),
            };
        }
        Sender {
            kind: match self.kind {
                TokenKind::Session => SenderKind::Agent,
                TokenKind::Bot => SenderKind::Bot,
                TokenKind::Visitor => SenderKind::Contact,
            },
            id: self.user.id.0,
            name: self.user.name.clone(),
        }
    }

    /// The user as shown in `welcome`.
    pub fn info(&self) -> UserInfo {
        UserInfo {
            id: self.user.id,
            name: self.user.name.clone(),
            email: self.user.email.clone(),
            handle: self.user.handle.clone(),
        }
    }
}

#[cfg(test)]
mod tests;
