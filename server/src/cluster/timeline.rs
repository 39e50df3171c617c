//! The second half of [`NatsStore`] (see `store.rs`): keyed writes, the
//! team streams and sign-ups.
//!
//! A [`Timeline::commit`] made through the store (the demo's seeding, a
//! test) is a one-entry batch on the team's subject, published without
//! the writer's fence: a team's writer appends through the team log
//! (`log.rs`), which is fenced, and learns of any other message on its
//! subject when its next append is refused.

use super::applier::Applied;
use super::node::{team_subject, DIRECTORY};
use super::ops::{Op, OwnedEntry, OwnedReceipt};
use super::store::{unexpected, NatsStore};
use crate::store::*;
use switchboard_protocol::ids::{ContactId, Millis};
use switchboard_protocol::ids::{ConversationId, Epoch, Offset, Seq, TeamId, UserId};
use switchboard_protocol::model::{Message, Role};

impl NatsStore {
    /// A team's stream head, its epoch drawn once through the stream if
    /// it has none yet, so that every node names the same epoch.
    pub(crate) fn head(&self, team: TeamId) -> StoreResult<StreamHead> {
        if self.projection().stream_epoch(team)?.is_none() {
            self.node.block(self.node.catch_up())?;
            if self.projection().stream_epoch(team)?.is_none() {
                let op = Op::StartStream {
                    team,
                    epoch: new_epoch(),
                };
                self.write_to(DIRECTORY, op)?;
            }
        }
        self.projection().stream_head(team)
    }

    /// The epoch a batch of `team` carries: its stream's, or a new one.
    pub(crate) fn epoch(&self, team: TeamId) -> StoreResult<Epoch> {
        Ok(self
            .projection()
            .stream_epoch(team)?
            .unwrap_or_else(new_epoch))
    }
}

impl KeyedWrites for NatsStore {
    fn create_team(
        &self,
        team: &TeamRecord,
        owner: UserId,
        receipt: Option<Receipt<'_>>,
    ) -> StoreResult<()> {
        self.done(Op::CreateTeam {
            team: team.clone(),
            epoch: new_epoch(),
            owner,
            receipt: receipt.map(OwnedReceipt::from_receipt),
        })
    }

    fn add_member(
        &self,
        team: TeamId,
        user: UserId,
        role: Role,
        receipt: Option<Receipt<'_>>,
    ) -> StoreResult<()> {
        self.done(Op::AddMember {
            team,
            user,
            role,
            receipt: receipt.map(OwnedReceipt::from_receipt),
        })
    }

    fn create_bot(&self, bot: &BotRecord, receipt: Option<Receipt<'_>>) -> StoreResult<()> {
        self.done(Op::CreateBot {
            bot: bot.clone(),
            receipt: receipt.map(OwnedReceipt::from_receipt),
        })
    }
}

impl Timeline for NatsStore {
    fn contact(&self, id: ContactId) -> StoreResult<Option<ContactRecord>> {
        self.found(|p| p.contact(id))
    }

    fn conversation(&self, id: ConversationId) -> StoreResult<Option<ConversationRecord>> {
        self.found(|p| p.conversation(id))
    }

    fn team_conversations(
        &self,
        team: TeamId,
        before: Option<ConversationId>,
        limit: usize,
    ) -> StoreResult<Vec<ConversationRecord>> {
        self.projection().team_conversations(team, before, limit)
    }

    fn stream_head(&self, team: TeamId) -> StoreResult<StreamHead> {
        self.head(team)
    }

    fn commit(&self, team: TeamId, offset: Offset, entry: Entry<'_>) -> StoreResult<()> {
        let op = Op::Batch {
            team,
            epoch: self.epoch(team)?,
            entries: vec![(offset, OwnedEntry::from_entry(&entry))],
        };
        match self.write_to(&team_subject(team), op)? {
            Applied::Done => Ok(()),
            other => Err(unexpected(other)),
        }
    }

    fn log_range(
        &self,
        team: TeamId,
        after: Offset,
        upto: Offset,
        limit: usize,
    ) -> StoreResult<Vec<(Offset, LogRecord)>> {
        self.projection().log_range(team, after, upto, limit)
    }

    fn message(&self, conversation: ConversationId, seq: Seq) -> StoreResult<Option<Message>> {
        // Appended here, not yet applied: what a retry's answer is made of.
        if let Some(message) = self.node.pending.message(conversation, seq) {
            return Ok(Some(message));
        }
        self.found(|p| p.message(conversation, seq))
    }

    fn messages(
        &self,
        conversation: ConversationId,
        page: Page,
        limit: usize,
    ) -> StoreResult<(Vec<Message>, bool)> {
        // A history asked here right after a message was acknowledged on
        // another node holds it, as it would on that node.
        if !matches!(page, Page::Before(_)) {
            if let Err(e) = self.node.block(self.node.catch_up()) {
                // What this node holds, rather than nothing, while NATS
                // cannot say what it holds.
                tracing::warn!(error = %e, "a history read without catching up");
            }
        }
        self.projection().messages(conversation, page, limit)
    }

    fn last_seq(&self, conversation: ConversationId) -> StoreResult<Seq> {
        self.projection().last_seq(conversation)
    }

    fn client_msg(
        &self,
        team: TeamId,
        user: UserId,
        client_msg_id: &str,
    ) -> StoreResult<Option<KeyUse>> {
        // A retry reaching another node finds the first attempt's receipt;
        // the team's writer has every receipt of its team already (its
        // takeover waited for them), and looks up every key it is sent.
        if let Some(used) = self.node.pending.key(team, user, client_msg_id) {
            return Ok(Some(used));
        }
        if self.node.writing.contains(&team) {
            return self.projection().client_msg(team, user, client_msg_id);
        }
        self.found(|p| p.client_msg(team, user, client_msg_id))
    }

    fn read_marker(&self, conversation: ConversationId, user: UserId) -> StoreResult<Seq> {
        self.projection().read_marker(conversation, user)
    }

    fn read_markers(&self, conversation: ConversationId) -> StoreResult<Vec<(UserId, Seq)>> {
        self.projection().read_markers(conversation)
    }

    fn assignees(&self, conversation: ConversationId) -> StoreResult<Vec<UserId>> {
        self.projection().assignees(conversation)
    }

    fn handoffs(&self, team: TeamId) -> StoreResult<Vec<HandoffRecord>> {
        self.projection().handoffs(team)
    }

    fn handoff_teams(&self) -> StoreResult<Vec<TeamId>> {
        self.projection().handoff_teams()
    }
}

impl Contacts for NatsStore {
    fn contact_by_phone(&self, team: TeamId, phone: &str) -> StoreResult<Option<ContactId>> {
        // Read by the team's writer, which holds every write of its team.
        self.projection().contact_by_phone(team, phone)
    }

    fn contact_by_email(&self, team: TeamId, email: &str) -> StoreResult<Option<ContactId>> {
        self.projection().contact_by_email(team, email)
    }

    fn search_contacts(
        &self,
        team: TeamId,
        search: &ContactSearch,
        limit: usize,
    ) -> StoreResult<Vec<ContactRecord>> {
        self.projection().search_contacts(team, search, limit)
    }

    fn contact_conversations(&self, contact: ContactId) -> StoreResult<Vec<ConversationId>> {
        self.projection().contact_conversations(contact)
    }

    fn contact_fields(
        &self,
        team: TeamId,
    ) -> StoreResult<Vec<switchboard_protocol::contacts::FieldDef>> {
        self.projection().contact_fields(team)
    }
}

impl Signups for NatsStore {
    fn put_signup(&self, hash: &[u8; 32], signup: &SignupRecord) -> StoreResult<()> {
        self.done(Op::PutSignup {
            hash: *hash,
            signup: signup.clone(),
        })
    }

    fn signup(&self, hash: &[u8; 32]) -> StoreResult<Option<SignupRecord>> {
        self.found(|p| p.signup(hash))
    }

    fn confirm_signup(
        &self,
        hash: &[u8; 32],
        user: &UserRecord,
        account: &AccountRecord,
        now: Millis,
    ) -> StoreResult<Confirmation> {
        let op = Op::ConfirmSignup {
            hash: *hash,
            user: user.clone(),
            account: account.clone(),
            now,
        };
        match self.write(op)? {
            Applied::Confirmation(confirmation) => Ok(confirmation),
            other => Err(unexpected(other)),
        }
    }

    fn signups_after(
        &self,
        after: Option<&[u8; 32]>,
        limit: usize,
    ) -> StoreResult<Vec<([u8; 32], SignupRecord)>> {
        self.projection().signups_after(after, limit)
    }

    fn delete_expired_signup(&self, hash: &[u8; 32], now: Millis) -> StoreResult<bool> {
        match self.write(Op::DeleteExpiredSignup { hash: *hash, now })? {
            Applied::Deleted(deleted) => Ok(deleted),
            other => Err(unexpected(other)),
        }
    }

    fn signup_count(&self) -> StoreResult<usize> {
        self.projection().signup_count()
    }
}
