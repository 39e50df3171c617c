//! An in-memory [`Store`] for unit tests: the same contract as the sled one,
//! kept in ordered maps behind one mutex. `flush` does nothing; nothing
//! survives the process.

use super::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use switchboard_protocol::ids::ContactId;

mod bots;

/// A [`Store`] that lives in memory.
#[derive(Default)]
pub struct MemoryStore {
    ids: AtomicU64,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    accounts: HashMap<AccountId, AccountRecord>,
    teams: HashMap<TeamId, TeamRecord>,
    streams: HashMap<TeamId, Epoch>,
    users: HashMap<UserId, UserRecord>,
    memberships: BTreeMap<(UserId, TeamId), Role>,
    tokens: HashMap<[u8; 32], TokenRecord>,
    invitations: HashMap<[u8; 32], InvitationRecord>,
    mails: BTreeMap<u64, MailRecord>,
    usage: HashMap<TeamId, UsageCheckpoint>,
    contacts: HashMap<ContactId, ContactRecord>,
    conversations: BTreeMap<(TeamId, ConversationId), ConversationRecord>,
    messages: BTreeMap<(ConversationId, Seq), Message>,
    log: BTreeMap<(TeamId, Offset), LogRecord>,
    client_ids: HashMap<(TeamId, UserId, String), (ConversationId, Seq)>,
    markers: HashMap<(ConversationId, UserId), Seq>,
    assignees: HashMap<ConversationId, Vec<UserId>>,
    grants: BTreeMap<(ConversationId, UserId), GrantRecord>,
    bots: BTreeMap<UserId, BotRecord>,
    handoffs: BTreeMap<(TeamId, ConversationId), HandoffRecord>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock would already have failed the test
        // that caused it; the maps themselves stay consistent.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Store for MemoryStore {
    fn next_id(&self) -> StoreResult<u64> {
        Ok(self.ids.fetch_add(1, Ordering::Relaxed) + 1)
    }

    fn flush(&self) -> StoreResult<()> {
        Ok(())
    }
}

impl Directory for MemoryStore {
    fn put_account(&self, account: &AccountRecord) -> StoreResult<()> {
        self.lock().accounts.insert(account.id, account.clone());
        Ok(())
    }

    fn account(&self, id: AccountId) -> StoreResult<Option<AccountRecord>> {
        Ok(self.lock().accounts.get(&id).cloned())
    }

    fn accounts_owned(&self, user: UserId) -> StoreResult<Vec<AccountRecord>> {
        let mut owned: Vec<AccountRecord> = (self.lock().accounts.values())
            .filter(|a| a.owner == user)
            .cloned()
            .collect();
        owned.sort_by_key(|a| a.id);
        Ok(owned)
    }

    fn put_team(&self, team: &TeamRecord) -> StoreResult<()> {
        let mut inner = self.lock();
        let taken = inner
            .teams
            .values()
            .any(|t| t.id != team.id && t.handle.eq_ignore_ascii_case(&team.handle));
        if taken {
            return Err(StoreError::Taken(format!("team handle {}", team.handle)));
        }
        inner.teams.insert(team.id, team.clone());
        inner.streams.entry(team.id).or_insert_with(new_epoch);
        Ok(())
    }

    fn team(&self, id: TeamId) -> StoreResult<Option<TeamRecord>> {
        Ok(self.lock().teams.get(&id).cloned())
    }

    fn account_teams(&self, account: AccountId) -> StoreResult<Vec<TeamId>> {
        let mut teams: Vec<TeamId> = (self.lock().teams.values())
            .filter(|t| t.account == account)
            .map(|t| t.id)
            .collect();
        teams.sort();
        Ok(teams)
    }

    fn remove_team(&self, id: TeamId) -> StoreResult<Option<TeamRecord>> {
        let mut inner = self.lock();
        let old = inner.teams.remove(&id);
        if old.is_some() {
            inner.memberships.retain(|&(_, team), _| team != id);
        }
        Ok(old)
    }

    fn put_user(&self, user: &UserRecord) -> StoreResult<()> {
        let mut inner = self.lock();
        let taken = inner
            .users
            .values()
            .any(|u| u.id != user.id && u.email.eq_ignore_ascii_case(&user.email));
        if taken {
            return Err(StoreError::Taken(format!("email {}", user.email)));
        }
        inner.users.insert(user.id, user.clone());
        Ok(())
    }

    fn user(&self, id: UserId) -> StoreResult<Option<UserRecord>> {
        Ok(self.lock().users.get(&id).cloned())
    }

    fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        Ok(self
            .lock()
            .users
            .values()
            .find(|u| u.email.eq_ignore_ascii_case(email))
            .cloned())
    }

    fn put_membership(&self, team: TeamId, user: UserId, role: Role) -> StoreResult<()> {
        self.lock().memberships.insert((user, team), role);
        Ok(())
    }

    fn remove_membership(&self, team: TeamId, user: UserId) -> StoreResult<Option<Role>> {
        Ok(self.lock().memberships.remove(&(user, team)))
    }

    fn team_members(&self, team: TeamId) -> StoreResult<Vec<(UserId, Role)>> {
        // A scan of every membership: fine for the test-sized data this
        // store holds.
        Ok(self
            .lock()
            .memberships
            .iter()
            .filter(|(&(_, t), _)| t == team)
            .map(|(&(user, _), &role)| (user, role))
            .collect())
    }

    fn memberships(&self, user: UserId) -> StoreResult<Vec<(TeamId, Role)>> {
        Ok(self
            .lock()
            .memberships
            .range((user, TeamId(0))..=(user, TeamId(u64::MAX)))
            .map(|(&(_, team), &role)| (team, role))
            .collect())
    }

    fn put_token(&self, hash: &[u8; 32], token: &TokenRecord) -> StoreResult<()> {
        self.lock().tokens.insert(*hash, token.clone());
        Ok(())
    }

    fn token(&self, hash: &[u8; 32]) -> StoreResult<Option<TokenRecord>> {
        Ok(self.lock().tokens.get(hash).cloned())
    }

    fn delete_token(&self, hash: &[u8; 32]) -> StoreResult<Option<TokenRecord>> {
        Ok(self.lock().tokens.remove(hash))
    }

    fn put_invitation(&self, hash: &[u8; 32], invitation: &InvitationRecord) -> StoreResult<()> {
        self.lock().invitations.insert(*hash, invitation.clone());
        Ok(())
    }

    fn take_invitation(&self, hash: &[u8; 32]) -> StoreResult<Option<InvitationRecord>> {
        Ok(self.lock().invitations.remove(hash))
    }

    fn put_mail(&self, mail: &MailRecord) -> StoreResult<()> {
        self.lock().mails.insert(mail.id, mail.clone());
        Ok(())
    }

    fn mails(&self) -> StoreResult<Vec<MailRecord>> {
        Ok(self.lock().mails.values().cloned().collect())
    }

    fn usage_checkpoint(&self, team: TeamId) -> StoreResult<Option<UsageCheckpoint>> {
        Ok(self.lock().usage.get(&team).copied())
    }

    fn put_usage_checkpoint(&self, team: TeamId, checkpoint: &UsageCheckpoint) -> StoreResult<()> {
        self.lock().usage.insert(team, *checkpoint);
        Ok(())
    }
}

impl Grants for MemoryStore {
    fn put_grant(&self, grant: &GrantRecord) -> StoreResult<()> {
        self.lock()
            .grants
            .insert((grant.conversation, grant.user), grant.clone());
        Ok(())
    }

    fn grant(
        &self,
        conversation: ConversationId,
        user: UserId,
    ) -> StoreResult<Option<GrantRecord>> {
        Ok(self.lock().grants.get(&(conversation, user)).cloned())
    }

    fn user_grants(&self, user: UserId) -> StoreResult<Vec<GrantRecord>> {
        // Keys sort by conversation, so this is in conversation order.
        Ok((self.lock().grants.values())
            .filter(|g| g.user == user)
            .cloned()
            .collect())
    }

    fn conversation_grants(&self, conversation: ConversationId) -> StoreResult<Vec<GrantRecord>> {
        Ok((self.lock().grants.range((conversation, UserId(0))..))
            .take_while(|((c, _), _)| *c == conversation)
            .map(|(_, g)| g.clone())
            .collect())
    }
}

impl Timeline for MemoryStore {
    fn contact(&self, id: ContactId) -> StoreResult<Option<ContactRecord>> {
        Ok(self.lock().contacts.get(&id).cloned())
    }

    fn conversation(&self, id: ConversationId) -> StoreResult<Option<ConversationRecord>> {
        Ok(self
            .lock()
            .conversations
            .values()
            .find(|c| c.id == id)
            .cloned())
    }

    fn team_conversations(
        &self,
        team: TeamId,
        before: Option<ConversationId>,
        limit: usize,
    ) -> StoreResult<Vec<ConversationRecord>> {
        let end = before.unwrap_or(ConversationId(u64::MAX));
        Ok(self
            .lock()
            .conversations
            .range((team, ConversationId(0))..(team, end))
            .rev()
            .take(limit)
            .map(|(_, c)| c.clone())
            .collect())
    }

    fn stream_head(&self, team: TeamId) -> StoreResult<StreamHead> {
        let mut inner = self.lock();
        let epoch = *inner.streams.entry(team).or_insert_with(new_epoch);
        let last = inner
            .log
            .range((team, Offset(0))..=(team, Offset(u64::MAX)))
            .next_back()
            .map_or(Offset(0), |(&(_, offset), _)| offset);
        Ok(StreamHead { epoch, last })
    }

    fn commit(&self, team: TeamId, offset: Offset, entry: Entry<'_>) -> StoreResult<()> {
        let mut inner = self.lock();
        let record = match entry {
            Entry::Message {
                message,
                idempotency,
            } => {
                inner
                    .messages
                    .insert((message.conversation, message.seq), message.clone());
                if let Some((user, id)) = idempotency {
                    inner.client_ids.insert(
                        (team, user, id.to_string()),
                        (message.conversation, message.seq),
                    );
                }
                if let Some(conversation) =
                    inner.conversations.get_mut(&(team, message.conversation))
                {
                    conversation.observe(message);
                }
                LogRecord::Message(message.clone())
            }
            Entry::ConversationStarted {
                contact,
                conversation,
            } => {
                inner.contacts.insert(contact.id, contact.clone());
                inner
                    .conversations
                    .insert((team, conversation.id), conversation.clone());
                LogRecord::ConversationStarted(conversation.info(contact, Seq(0)))
            }
            Entry::Read(marker) => {
                inner
                    .markers
                    .insert((marker.conversation, marker.user), marker.seq);
                LogRecord::Read(marker.clone())
            }
            Entry::ContactUpdated { contact, update } => {
                inner.contacts.insert(contact.id, contact.clone());
                LogRecord::ContactUpdated(update.clone())
            }
            Entry::Assignees { message, update } => {
                inner
                    .assignees
                    .insert(update.conversation, update.assignees.clone());
                inner
                    .messages
                    .insert((message.conversation, message.seq), message.clone());
                inner
                    .log
                    .insert((team, offset), LogRecord::Message(message.clone()));
                inner
                    .log
                    .insert((team, offset.next()), LogRecord::Assignees(update.clone()));
                return Ok(());
            }
            Entry::Delivered {
                message,
                assignees,
                outcome,
                conversation,
                handoff,
            } => {
                // One lock: all or nothing, like the sled transaction.
                inner
                    .messages
                    .insert((message.conversation, message.seq), message.clone());
                inner
                    .log
                    .insert((team, offset), LogRecord::Message(message.clone()));
                let mut next = offset.next();
                if let Some(update) = assignees {
                    inner
                        .assignees
                        .insert(update.conversation, update.assignees.clone());
                    inner
                        .log
                        .insert((team, next), LogRecord::Assignees(update.clone()));
                    next = next.next();
                }
                inner
                    .log
                    .insert((team, next), LogRecord::Delivered(outcome.clone()));
                inner
                    .conversations
                    .insert((conversation.team, conversation.id), conversation.clone());
                if let Some(handoff) = handoff {
                    inner
                        .handoffs
                        .insert((handoff.to_team, handoff.conversation), handoff.clone());
                }
                return Ok(());
            }
            Entry::HandoffImported {
                handoff,
                contact,
                conversation,
                messages,
            } => {
                inner.contacts.insert(contact.id, contact.clone());
                inner
                    .conversations
                    .insert((team, conversation.id), conversation.clone());
                inner.log.insert(
                    (team, offset),
                    LogRecord::ConversationStarted(conversation.info(contact, Seq(0))),
                );
                for message in messages {
                    inner
                        .messages
                        .insert((message.conversation, message.seq), message.clone());
                    inner
                        .log
                        .insert((team, message.offset), LogRecord::Message(message.clone()));
                }
                inner
                    .handoffs
                    .remove(&(handoff.to_team, handoff.conversation));
                return Ok(());
            }
        };
        inner.log.insert((team, offset), record);
        Ok(())
    }

    fn log_range(
        &self,
        team: TeamId,
        after: Offset,
        upto: Offset,
        limit: usize,
    ) -> StoreResult<Vec<(Offset, LogRecord)>> {
        if upto <= after {
            return Ok(Vec::new());
        }
        Ok(self
            .lock()
            .log
            .range((team, after.next())..=(team, upto))
            .take(limit)
            .map(|(&(_, offset), record)| (offset, record.clone()))
            .collect())
    }

    fn message(&self, conversation: ConversationId, seq: Seq) -> StoreResult<Option<Message>> {
        Ok(self.lock().messages.get(&(conversation, seq)).cloned())
    }

    fn messages(
        &self,
        conversation: ConversationId,
        page: Page,
        limit: usize,
    ) -> StoreResult<(Vec<Message>, bool)> {
        let inner = self.lock();
        let c = conversation;
        let (mut messages, more): (Vec<Message>, bool) = match page {
            Page::After(seq) => {
                let mut all = inner
                    .messages
                    .range((c, seq.next())..=(c, Seq(u64::MAX)))
                    .map(|(_, m)| m.clone())
                    .take(limit + 1)
                    .collect::<Vec<_>>();
                let more = all.len() > limit;
                all.truncate(limit);
                (all, more)
            }
            Page::Latest | Page::Before(_) => {
                let end = match page {
                    Page::Before(seq) => seq,
                    _ => Seq(u64::MAX),
                };
                let mut newest_first = inner
                    .messages
                    .range((c, Seq(0))..(c, end))
                    .rev()
                    .map(|(_, m)| m.clone())
                    .take(limit + 1)
                    .collect::<Vec<_>>();
                let more = newest_first.len() > limit;
                newest_first.truncate(limit);
                newest_first.reverse();
                (newest_first, more)
            }
        };
        messages.shrink_to_fit();
        Ok((messages, more))
    }

    fn last_seq(&self, conversation: ConversationId) -> StoreResult<Seq> {
        Ok(self
            .lock()
            .messages
            .range((conversation, Seq(0))..=(conversation, Seq(u64::MAX)))
            .next_back()
            .map_or(Seq(0), |(&(_, seq), _)| seq))
    }

    fn client_msg(
        &self,
        team: TeamId,
        user: UserId,
        client_msg_id: &str,
    ) -> StoreResult<Option<(ConversationId, Seq)>> {
        Ok(self
            .lock()
            .client_ids
            .get(&(team, user, client_msg_id.to_string()))
            .copied())
    }

    fn read_marker(&self, conversation: ConversationId, user: UserId) -> StoreResult<Seq> {
        Ok(self
            .lock()
            .markers
            .get(&(conversation, user))
            .copied()
            .unwrap_or(Seq(0)))
    }

    fn assignees(&self, conversation: ConversationId) -> StoreResult<Vec<UserId>> {
        Ok(self
            .lock()
            .assignees
            .get(&conversation)
            .cloned()
            .unwrap_or_default())
    }

    fn handoffs(&self, team: TeamId) -> StoreResult<Vec<HandoffRecord>> {
        Ok(self
            .lock()
            .handoffs
            .range((team, ConversationId(0))..=(team, ConversationId(u64::MAX)))
            .map(|(_, h)| h.clone())
            .collect())
    }

    fn handoff_teams(&self) -> StoreResult<Vec<TeamId>> {
        let mut teams: Vec<TeamId> = self.lock().handoffs.keys().map(|(t, _)| *t).collect();
        teams.dedup();
        Ok(teams)
    }
}
