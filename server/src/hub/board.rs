//! The team's board: every conversation as an agent triages it (status,
//! assignees, last activity, how long the contact has waited), kept in the
//! hub and serving `dashboard`, `next` and each message's status change.
//!
//! Invariants:
//! - A row, once loaded, reflects every entry the hub committed after it:
//!   the hub hands each event to [`Board::observe`] as it commits it. A
//!   conversation without a row is read from the store when first needed,
//!   and the store already holds every committed entry, so loading late
//!   misses nothing.
//! - `unassigned` and `assigned` index exactly the `waiting` rows, by
//!   `(waiting_since, conversation)`: nobody's in `unassigned`, each
//!   assignee's in theirs. `next` reads the first entry of two sets, never
//!   the whole board.
//! - Rows are loaded one by one as messages arrive, and all of them
//!   (`complete`) for the first `dashboard` or `next`: by the hub, a page
//!   at a time off its task (see `loader`), or at once by `load_all`.

use crate::store::{ConversationRecord, Store, StoreError};
use std::collections::{BTreeSet, HashMap};
use switchboard_protocol::dashboard::{
    DashboardCursor, DashboardPage, DashboardRow, NextReason, StatusCounts, View,
};
use switchboard_protocol::ids::{ConversationId, Millis, Seq, TeamId, UserId};
use switchboard_protocol::model::{ContactInfo, ConversationStatus, SenderKind};
use switchboard_protocol::server::{Audience, Event};

/// How many conversations one store read loads when filling the board.
const LOAD_PAGE: usize = 512;

/// One conversation on the board.
#[derive(Debug, Clone)]
struct Row {
    contact: ContactInfo,
    status: ConversationStatus,
    assignees: Vec<UserId>,
    last_seq: Seq,
    last_at: Millis,
    waiting_since: Option<Millis>,
}

impl Row {
    /// The key `next` orders by, when the row is waiting.
    fn waiting_key(&self, id: ConversationId) -> Option<(Millis, ConversationId)> {
        match (self.status, self.waiting_since) {
            (ConversationStatus::Waiting, Some(since)) => Some((since, id)),
            _ => None,
        }
    }

    /// The dashboard's order: waiting first, longest wait first; then
    /// open, then delivered, most recently active first.
    fn sort_key(&self, id: ConversationId) -> (u8, u64, ConversationId) {
        match self.waiting_key(id) {
            Some((since, _)) => (0, since.0, id),
            None => {
                let rank = match self.status {
                    ConversationStatus::Delivered => 2,
                    _ => 1,
                };
                (rank, u64::MAX - self.last_at.0, id)
            }
        }
    }
}

/// The sort key a cursor stands for.
fn cursor_key(cursor: &DashboardCursor) -> (u8, u64, ConversationId) {
    match cursor.status {
        ConversationStatus::Waiting => (0, cursor.at.0, cursor.conversation),
        ConversationStatus::Open => (1, u64::MAX - cursor.at.0, cursor.conversation),
        ConversationStatus::Delivered => (2, u64::MAX - cursor.at.0, cursor.conversation),
    }
}

/// A dashboard request, as the hub serves it.
pub(crate) struct BoardQuery {
    pub(crate) user: UserId,
    pub(crate) view: View,
    pub(crate) status: Option<ConversationStatus>,
    pub(crate) after: Option<DashboardCursor>,
    pub(crate) limit: usize,
}

mod loader;

pub(crate) use loader::{BoardRows, BoardWaiter};

#[derive(Default)]
pub(super) struct Board {
    complete: bool,
    /// The load under way, if one is.
    loading: Option<loader::Loading>,
    rows: HashMap<ConversationId, Row>,
    unassigned: BTreeSet<(Millis, ConversationId)>,
    assigned: HashMap<UserId, BTreeSet<(Millis, ConversationId)>>,
}

impl Board {
    /// The status a message from `kind` moves the conversation to, if it
    /// changes it (see [`ConversationStatus`] for the rules).
    pub(super) fn status_after(
        &mut self,
        store: &dyn Store,
        conversation: ConversationId,
        kind: SenderKind,
    ) -> Result<Option<ConversationStatus>, StoreError> {
        let Some(row) = self.row(store, conversation)? else {
            return Ok(None);
        };
        Ok(match (kind, row.status) {
            (SenderKind::System, _) => None,
            (SenderKind::Contact, ConversationStatus::Waiting) => None,
            (SenderKind::Contact, _) => Some(ConversationStatus::Waiting),
            (SenderKind::Agent | SenderKind::Bot, ConversationStatus::Waiting) => {
                Some(ConversationStatus::Open)
            }
            (SenderKind::Agent | SenderKind::Bot, _) => None,
        })
    }

    /// Takes in an event the hub has just committed.
    pub(super) fn observe(&mut self, event: &Event) {
        if let Some(loading) = &mut self.loading {
            // A row loaded from the store before this event would miss it.
            match event.audience() {
                Audience::Conversation(conversation) => loading.touched(conversation),
                Audience::Contact(conversations) => {
                    conversations.into_iter().for_each(|c| loading.touched(c));
                }
                Audience::Team => {}
            }
        }
        match event {
            Event::ConversationStarted(info) => {
                let row = Row {
                    contact: info.contact.clone(),
                    status: info.status,
                    assignees: info.assignees.clone(),
                    last_seq: info.last_seq,
                    last_at: info.created_at,
                    waiting_since: None,
                };
                self.insert(info.id, row);
            }
            Event::Message(message) => {
                self.update(message.conversation, |row| {
                    row.last_seq = row.last_seq.max(message.seq);
                    row.last_at = row.last_at.max(message.at);
                    if let Some(status) = message.status {
                        row.status = status;
                        row.waiting_since =
                            (status == ConversationStatus::Waiting).then_some(message.at);
                    }
                });
            }
            Event::Assignees(update) => {
                self.update(update.conversation, |row| {
                    row.assignees.clone_from(&update.assignees);
                });
            }
            Event::ContactUpdated(update) => {
                self.update(update.conversation, |row| {
                    row.contact = ContactInfo {
                        id: update.contact,
                        name: update.name.clone(),
                        email: update.email.clone(),
                        phone: update.phone.clone(),
                    };
                });
            }
            Event::ContactChanged(change) => {
                for conversation in &change.conversations {
                    self.update(*conversation, |row| row.contact = change.contact.info());
                }
            }
            Event::ContactsMerged(merged) => {
                for conversation in &merged.conversations {
                    self.update(*conversation, |row| row.contact = merged.into.info());
                }
            }
            // The delivery's system message, just before, carried the
            // status; the outcome itself changes nothing on the board.
            Event::Read(_)
            | Event::Delivered(_)
            | Event::PostChanged(_)
            | Event::ContactDeleted(_)
            | Event::ContactFields(_)
            | Event::Receipt(_) => {}
            // Contacts, not conversations: an import writes new contacts,
            // which have none yet.
            Event::ImportProgress(_) => {}
            // A blast's messages are message events of their own.
            Event::BlastProgress(_) => {}
        }
    }

    /// A page of the dashboard for `query.user`.
    pub(super) fn dashboard(
        &mut self,
        store: &dyn Store,
        team: TeamId,
        query: &BoardQuery,
        now: Millis,
    ) -> Result<DashboardPage, StoreError> {
        self.load_all(store, team)?;
        let mut counts = StatusCounts::default();
        let mut chosen: Vec<_> = Vec::new();
        let after = query.after.as_ref().map(cursor_key);
        for (id, row) in &self.rows {
            let in_view = match query.view {
                View::All => true,
                View::Mine => row.assignees.contains(&query.user),
                View::Unassigned => row.assignees.is_empty(),
            };
            if !in_view {
                continue;
            }
            match row.status {
                ConversationStatus::Open => counts.open += 1,
                ConversationStatus::Waiting => counts.waiting += 1,
                ConversationStatus::Delivered => counts.delivered += 1,
            }
            let key = row.sort_key(*id);
            if query.status.is_none_or(|s| s == row.status) && after.is_none_or(|a| key > a) {
                chosen.push((key, *id));
            }
        }
        chosen.sort_unstable();
        let more = chosen.len() > query.limit;
        chosen.truncate(query.limit);
        let mut rows = Vec::with_capacity(chosen.len());
        for (_, id) in chosen {
            rows.push(self.row_for(store, id, query.user, now)?);
        }
        let next = if more {
            rows.last().map(DashboardRow::cursor)
        } else {
            None
        };
        Ok(DashboardPage {
            team,
            rows,
            next,
            counts,
        })
    }

    /// The conversation that most needs `user`, and why.
    pub(super) fn next(
        &mut self,
        store: &dyn Store,
        team: TeamId,
        user: UserId,
        now: Millis,
    ) -> Result<Option<(DashboardRow, NextReason)>, StoreError> {
        self.load_all(store, team)?;
        let mine = self
            .assigned
            .get(&user)
            .and_then(|waiting| waiting.first())
            .map(|(_, id)| (*id, NextReason::Assigned));
        let chosen = mine.or_else(|| {
            self.unassigned
                .first()
                .map(|(_, id)| (*id, NextReason::Unassigned))
        });
        match chosen {
            Some((id, reason)) => Ok(Some((self.row_for(store, id, user, now)?, reason))),
            None => Ok(None),
        }
    }

    /// A row as `user` sees it.
    fn row_for(
        &self,
        store: &dyn Store,
        id: ConversationId,
        user: UserId,
        now: Millis,
    ) -> Result<DashboardRow, StoreError> {
        let row = &self.rows[&id];
        let read_seq = store.read_marker(id, user)?;
        let waiting_since = row.waiting_key(id).map(|(since, _)| since);
        Ok(DashboardRow {
            conversation: id,
            contact: row.contact.clone(),
            status: row.status,
            assignees: row.assignees.clone(),
            last_seq: row.last_seq,
            last_at: row.last_at,
            waiting_since,
            waited_ms: waiting_since.map_or(0, |since| now.0.saturating_sub(since.0)),
            read_seq,
            unread: row.last_seq.0.saturating_sub(read_seq.0),
        })
    }

    /// The row of a conversation, read from the store if not yet loaded.
    fn row(&mut self, store: &dyn Store, id: ConversationId) -> Result<Option<&Row>, StoreError> {
        if !self.rows.contains_key(&id) {
            let Some(record) = store.conversation(id)? else {
                return Ok(None);
            };
            let Some(row) = load(store, &record)? else {
                return Ok(None);
            };
            self.insert(id, row);
        }
        Ok(self.rows.get(&id))
    }

    /// Loads every conversation of the team not yet on the board.
    fn load_all(&mut self, store: &dyn Store, team: TeamId) -> Result<(), StoreError> {
        if self.complete {
            return Ok(());
        }
        let mut before = None;
        loop {
            let page = store.team_conversations(team, before, LOAD_PAGE)?;
            let Some(last) = page.last() else { break };
            before = Some(last.id);
            let full = page.len() == LOAD_PAGE;
            for record in page {
                if self.rows.contains_key(&record.id) {
                    continue;
                }
                if let Some(row) = load(store, &record)? {
                    self.insert(record.id, row);
                }
            }
            if !full {
                break;
            }
        }
        self.complete = true;
        Ok(())
    }

    fn insert(&mut self, id: ConversationId, row: Row) {
        self.unindex(id);
        self.rows.insert(id, row);
        self.index(id);
    }

    /// Changes a loaded row, keeping the indexes in step. A row not loaded
    /// is left to be read from the store when needed.
    fn update(&mut self, id: ConversationId, change: impl FnOnce(&mut Row)) {
        if !self.rows.contains_key(&id) {
            return;
        }
        self.unindex(id);
        if let Some(row) = self.rows.get_mut(&id) {
            change(row);
        }
        self.index(id);
    }

    fn index(&mut self, id: ConversationId) {
        let Some(row) = self.rows.get(&id) else {
            return;
        };
        let Some(key) = row.waiting_key(id) else {
            return;
        };
        if row.assignees.is_empty() {
            self.unassigned.insert(key);
        }
        for user in &row.assignees {
            self.assigned.entry(*user).or_default().insert(key);
        }
    }

    fn unindex(&mut self, id: ConversationId) {
        let Some(row) = self.rows.get(&id) else {
            return;
        };
        let Some(key) = row.waiting_key(id) else {
            return;
        };
        self.unassigned.remove(&key);
        for user in &row.assignees {
            if let Some(waiting) = self.assigned.get_mut(user) {
                waiting.remove(&key);
                if waiting.is_empty() {
                    self.assigned.remove(user);
                }
            }
        }
    }
}

/// A conversation's row, from the store.
fn load(store: &dyn Store, record: &ConversationRecord) -> Result<Option<Row>, StoreError> {
    let Some(contact) = store.contact(record.contact)? else {
        tracing::error!(conversation = %record.id, "conversation without its contact");
        return Ok(None);
    };
    let last_seq = store.last_seq(record.id)?;
    let last_at = match store.message(record.id, last_seq)? {
        Some(message) => message.at,
        None => record.created_at,
    };
    Ok(Some(Row {
        contact: contact.info(),
        status: record.status,
        assignees: store.assignees(record.id)?,
        last_seq,
        last_at,
        waiting_since: record.waiting_since,
    }))
}

#[cfg(test)]
mod tests;
