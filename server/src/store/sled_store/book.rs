//! The sled store's contact book: the indexes of the `contacts` tree and
//! the book's reads (see `store::book` for the contract).
//!
//! Trees (`a ++ b` big-endian; strings are normalised, never hold a zero
//! byte, and end with one where an id follows):
//!
//! | tree | key | value |
//! |---|---|---|
//! | `contact_phone` | team ++ E.164 | contact |
//! | `contact_email` | team ++ email | contact |
//! | `contact_words` | team ++ name word ++ 0 ++ contact | empty |
//! | `contact_tags` | team ++ tag ++ 0 ++ contact | empty |
//! | `contact_fields_ix` | team ++ key ++ 0 ++ value ++ 0 ++ contact | empty |
//! | `team_contacts` | team ++ contact | empty |
//! | `contact_conversations` | contact ++ conversation | empty |
//! | `contact_field_defs` | team | `[FieldDef]` |
//!
//! Every index entry is written and removed in the same transaction as
//! the contact record it derives from ([`BookTx`]), so they never
//! disagree. A search walks one index range in id order (the words index,
//! ordered by word first, is read whole for the prefix and sorted) and
//! checks the other criteria on each record.

use super::SledStore;
use crate::store::keys;
use crate::store::records::{from_bytes, to_bytes};
use crate::store::*;
use sled::transaction::{ConflictableTransactionError, Transactional, TransactionalTree};
use sled::{Db, Tree};
use switchboard_protocol::contacts::FieldDef;
use switchboard_protocol::ids::ContactId;

/// The book's index trees.
pub(super) struct BookTrees {
    phone: Tree,
    email: Tree,
    words: Tree,
    tags: Tree,
    fields: Tree,
    team_contacts: Tree,
    conversations: Tree,
    field_defs: Tree,
}

impl BookTrees {
    pub(super) fn open(db: &Db) -> StoreResult<BookTrees> {
        Ok(BookTrees {
            phone: db.open_tree("contact_phone")?,
            email: db.open_tree("contact_email")?,
            words: db.open_tree("contact_words")?,
            tags: db.open_tree("contact_tags")?,
            fields: db.open_tree("contact_fields_ix")?,
            team_contacts: db.open_tree("team_contacts")?,
            conversations: db.open_tree("contact_conversations")?,
            field_defs: db.open_tree("contact_field_defs")?,
        })
    }

    /// The trees in the order [`BookTx::new`] takes their views.
    pub(super) fn all(&self) -> [&Tree; 8] {
        [
            &self.phone,
            &self.email,
            &self.words,
            &self.tags,
            &self.fields,
            &self.team_contacts,
            &self.conversations,
            &self.field_defs,
        ]
    }
}

pub(super) type Abort = ConflictableTransactionError<StoreError>;

/// `team ++ s`.
fn team_str(team: TeamId, s: &str) -> Vec<u8> {
    let mut key = keys::one(team.0).to_vec();
    key.extend_from_slice(s.as_bytes());
    key
}

/// `team ++ parts joined by 0 ++ 0`: the prefix of the entries of one
/// word, tag or field value.
fn prefix(team: TeamId, parts: &[&str]) -> Vec<u8> {
    let mut key = keys::one(team.0).to_vec();
    for part in parts {
        key.extend_from_slice(part.as_bytes());
        key.push(0);
    }
    key
}

fn with_id(mut prefix: Vec<u8>, id: ContactId) -> Vec<u8> {
    prefix.extend_from_slice(&id.0.to_be_bytes());
    prefix
}

/// The contact id a key ends with.
fn last_id(key: &[u8]) -> ContactId {
    ContactId(keys::read_u64(&key[key.len().saturating_sub(8)..]).unwrap_or_default())
}

/// The book's index trees inside a transaction.
pub(super) struct BookTx<'a> {
    v: &'a [TransactionalTree],
}

impl<'a> BookTx<'a> {
    /// `views` in the order of [`BookTrees::all`].
    pub(super) fn new(views: &'a [TransactionalTree]) -> BookTx<'a> {
        BookTx { v: views }
    }

    /// Every index key of a contact: (tree, key, value).
    pub(super) fn entries(c: &ContactRecord) -> Vec<(usize, Vec<u8>, Vec<u8>)> {
        let id = keys::one(c.id.0).to_vec();
        let mut out = Vec::new();
        for phone in &c.phones {
            out.push((0, team_str(c.team, phone), id.clone()));
        }
        for email in &c.emails {
            out.push((1, team_str(c.team, email), id.clone()));
        }
        for word in name_words(&c.name) {
            out.push((2, with_id(prefix(c.team, &[&word]), c.id), Vec::new()));
        }
        for tag in &c.tags {
            out.push((3, with_id(prefix(c.team, &[tag]), c.id), Vec::new()));
        }
        for (key, value) in &c.fields {
            out.push((4, with_id(prefix(c.team, &[key, value]), c.id), Vec::new()));
        }
        out.push((5, keys::two(c.team.0, c.id.0).to_vec(), Vec::new()));
        out
    }

    /// Removes `old`'s index entries (those still naming it) and writes
    /// `new`'s.
    pub(super) fn reindex(
        &self,
        old: Option<&ContactRecord>,
        new: Option<&ContactRecord>,
    ) -> Result<(), Abort> {
        if let Some(old) = old {
            for (tree, key, value) in Self::entries(old) {
                // A phone or email taken over by another contact names it
                // now: leave its entry.
                let ours = match tree {
                    0 | 1 => self.v[tree].get(&key)?.is_some_and(|v| v == value),
                    _ => true,
                };
                if ours {
                    self.v[tree].remove(key)?;
                }
            }
        }
        if let Some(new) = new {
            for (tree, key, value) in Self::entries(new) {
                self.v[tree].insert(key, value)?;
            }
        }
        Ok(())
    }

    /// Lists `conversation` under `contact`, or takes it off with `false`.
    pub(super) fn link(
        &self,
        contact: ContactId,
        conversation: ConversationId,
        on: bool,
    ) -> Result<(), Abort> {
        let key = keys::two(contact.0, conversation.0);
        if on {
            self.v[6].insert(&key, &[])?;
        } else {
            self.v[6].remove(&key)?;
        }
        Ok(())
    }

    /// Replaces a team's field definitions.
    pub(super) fn define(&self, team: TeamId, fields: &[FieldDef]) -> Result<(), Abort> {
        self.v[7].insert(&keys::one(team.0), to_bytes(&fields))?;
        Ok(())
    }
}

/// The stored contact `id`, read inside a transaction.
pub(super) fn read_contact(
    contacts: &TransactionalTree,
    id: ContactId,
) -> Result<Option<ContactRecord>, Abort> {
    match contacts.get(keys::one(id.0))? {
        Some(raw) => Ok(Some(
            from_bytes("contact", &raw).map_err(ConflictableTransactionError::Abort)?,
        )),
        None => Ok(None),
    }
}

impl SledStore {
    /// Contact ids of one index's range, in id order, after `after`: the
    /// ids of exact entries (`prefix ++ id`), or with `sort` of a word
    /// prefix's entries (read whole, then sorted).
    fn ids_in(
        tree: &Tree,
        start: Vec<u8>,
        sort: bool,
        after: Option<ContactId>,
    ) -> impl Iterator<Item = StoreResult<ContactId>> {
        let after = after.map_or(0, |a| a.0);
        let items: Box<dyn Iterator<Item = StoreResult<ContactId>>> = if sort {
            let mut ids: Vec<StoreResult<ContactId>> = tree
                .scan_prefix(&start)
                .map(|item| Ok(last_id(&item?.0)))
                .collect();
            ids.sort_by_key(|r| r.as_ref().map_or(0, |id| id.0));
            ids.dedup_by_key(|r| r.as_ref().map_or(0, |id| id.0));
            Box::new(ids.into_iter())
        } else {
            let from = with_id(start.clone(), ContactId(after.saturating_add(1)));
            let mut end = start;
            end.extend_from_slice(&[0xff; 8]);
            Box::new(tree.range(from..=end).map(|item| Ok(last_id(&item?.0))))
        };
        items.filter(move |r| r.as_ref().map_or(true, |id| id.0 > after))
    }
}

impl Contacts for SledStore {
    fn contact_by_phone(&self, team: TeamId, phone: &str) -> StoreResult<Option<ContactId>> {
        let found = self.book.phone.get(team_str(team, phone))?;
        Ok(found.and_then(|raw| keys::read_u64(&raw)).map(ContactId))
    }

    fn contact_by_email(&self, team: TeamId, email: &str) -> StoreResult<Option<ContactId>> {
        let found = self.book.email.get(team_str(team, email))?;
        Ok(found.and_then(|raw| keys::read_u64(&raw)).map(ContactId))
    }

    fn search_contacts(
        &self,
        team: TeamId,
        search: &ContactSearch,
        limit: usize,
    ) -> StoreResult<Vec<ContactRecord>> {
        // Exact phone or email: one contact at most.
        let exact = match (&search.phone, &search.email) {
            (Some(phone), _) => Some(self.contact_by_phone(team, phone)?),
            (None, Some(email)) => Some(self.contact_by_email(team, email)?),
            _ => None,
        };
        let ids: Box<dyn Iterator<Item = StoreResult<ContactId>>> = if let Some(found) = exact {
            let after = search.after.map_or(0, |a| a.0);
            Box::new(found.filter(|id| id.0 > after).map(Ok).into_iter())
        } else if let Some((key, value)) = &search.field {
            let start = prefix(team, &[key, value]);
            Box::new(Self::ids_in(&self.book.fields, start, false, search.after))
        } else if let Some(tag) = &search.tag {
            let start = prefix(team, &[tag]);
            Box::new(Self::ids_in(&self.book.tags, start, false, search.after))
        } else if let Some(word) = search.words.iter().max_by_key(|w| w.len()) {
            // The longest prefix names the fewest words.
            let start = team_str(team, word);
            Box::new(Self::ids_in(&self.book.words, start, true, search.after))
        } else {
            let after = search.after.map_or(0, |a| a.0);
            let from = keys::two(team.0, after.saturating_add(1));
            let end = keys::two(team.0, u64::MAX);
            Box::new(
                self.book
                    .team_contacts
                    .range(from..=end)
                    .map(|item| Ok(ContactId(keys::second(&item?.0)))),
            )
        };
        let mut out = Vec::new();
        for id in ids {
            if out.len() >= limit {
                break;
            }
            let id = id?;
            match self.contact(id)? {
                Some(c) if c.team == team && search.matches(&c) => out.push(c),
                _ => {}
            }
        }
        Ok(out)
    }

    fn contact_conversations(&self, contact: ContactId) -> StoreResult<Vec<ConversationId>> {
        self.book
            .conversations
            .scan_prefix(keys::one(contact.0))
            .map(|item| Ok(ConversationId(keys::second(&item?.0))))
            .collect()
    }

    fn contact_fields(&self, team: TeamId) -> StoreResult<Vec<FieldDef>> {
        Ok(
            Self::get(&self.book.field_defs, "contact fields", &keys::one(team.0))?
                .unwrap_or_default(),
        )
    }
}

/// The `meta` key present once the book's indexes hold every contact and
/// conversation (stores from before the book had none).
const BOOK_BUILT: &[u8] = b"contact_book";

impl SledStore {
    /// Builds the book's indexes from the contacts and conversations, once:
    /// a store written before the book finds its contacts in it. Every
    /// insert is idempotent, so a crash midway only repeats the work.
    pub(super) fn index_contact_book(&self) -> StoreResult<()> {
        if self.meta.contains_key(BOOK_BUILT)? {
            return Ok(());
        }
        let trees = self.book.all();
        let mut indexed = 0usize;
        for item in self.contacts.iter() {
            let contact: ContactRecord = from_bytes("contact", &item?.1)?;
            for (tree, key, value) in BookTx::entries(&contact) {
                trees[tree].insert(key, value)?;
            }
            indexed += 1;
        }
        for item in self.conversations.iter() {
            let conversation: ConversationRecord = from_bytes("conversation", &item?.1)?;
            let key = keys::two(conversation.contact.0, conversation.id.0);
            self.book.conversations.insert(key, &[] as &[u8])?;
        }
        self.meta.insert(BOOK_BUILT, &[1u8] as &[u8])?;
        tracing::info!(indexed, "indexed the contact book");
        Ok(())
    }

    /// Commits an [`Entry::ContactBook`] at `offset` in one transaction.
    pub(super) fn commit_book(
        &self,
        team: TeamId,
        offset: Offset,
        change: &BookChange,
        receipt: Option<Receipt<'_>>,
    ) -> StoreResult<()> {
        let puts: Vec<_> = change.put.iter().map(|c| (c, to_bytes(c))).collect();
        let moved: Vec<_> = change.moved.iter().map(|c| (c, to_bytes(c))).collect();
        let log: Vec<_> = (0..)
            .zip(&change.log)
            .map(|(i, r)| (keys::two(team.0, offset.0 + i), to_bytes(r)))
            .collect();
        // A request outside any conversation: no recording message, so a
        // zero position (see `client_msg_ids`).
        let receipt = receipt.map(|r| super::commit::receipt_entry(team, &[0; 16], r));
        let mut trees = vec![
            &self.contacts,
            &self.conversations,
            &self.team_log,
            &self.client_msg_ids,
        ];
        trees.extend(self.book.all());
        trees
            .as_slice()
            .transaction(|v| {
                let book = BookTx::new(&v[4..]);
                for id in &change.remove {
                    let old = read_contact(&v[0], *id)?;
                    book.reindex(old.as_ref(), None)?;
                    v[0].remove(&keys::one(id.0))?;
                }
                for (contact, bytes) in &puts {
                    let old = read_contact(&v[0], contact.id)?;
                    book.reindex(old.as_ref(), Some(contact))?;
                    v[0].insert(&keys::one(contact.id.0), bytes.as_slice())?;
                }
                for (conversation, bytes) in &moved {
                    let key = keys::one(conversation.id.0);
                    if let Some(raw) = v[1].get(&key[..])? {
                        let old: ConversationRecord = from_bytes("conversation", &raw)
                            .map_err(ConflictableTransactionError::Abort)?;
                        book.link(old.contact, old.id, false)?;
                    }
                    book.link(conversation.contact, conversation.id, true)?;
                    v[1].insert(&key, bytes.as_slice())?;
                }
                if let Some(fields) = &change.fields {
                    book.define(team, fields)?;
                }
                for (key, record) in &log {
                    v[2].insert(key, record.as_slice())?;
                }
                if let Some((key, value)) = &receipt {
                    v[3].insert(key.as_slice(), value.as_slice())?;
                }
                Ok(())
            })
            .map_err(super::tx_error)
    }

    /// The book's part of a conversation's start: its contact indexed and
    /// the conversation listed under it, inside the start's transaction
    /// (`contacts` is its view of the `contacts` tree, `book` its views of
    /// [`BookTrees::all`]).
    pub(super) fn index_started(
        contacts: &TransactionalTree,
        book: &[TransactionalTree],
        contact: &ContactRecord,
        conversation: ConversationId,
    ) -> Result<(), Abort> {
        let old = read_contact(contacts, contact.id)?;
        let book = BookTx::new(book);
        book.reindex(old.as_ref(), Some(contact))?;
        book.link(contact.id, conversation, true)
    }
}
