//! The hub's side of an import: a batch of rows merged into the book and
//! written, with the job's new cursor, counts and rejected rows, as one
//! entry (`Entry::ContactsImported`), then an `import_progress` event to
//! the team behind the commit.
//!
//! Invariants:
//! - A batch is written only if the job's stored cursor is where the batch
//!   starts; one that was written already (the cursor is past it) is
//!   answered with the stored counts and writes nothing, one ahead of the
//!   stored cursor is refused as busy. So a batch sent twice is written
//!   once, and no row is imported twice.
//! - A contact is never doubled: each row's phones and emails are looked up
//!   among the contacts this batch writes, then in the book; a row found
//!   is merged into that contact, a row whose identifiers belong to two
//!   different contacts is refused, and only a row found nowhere creates
//!   one. The hub being the team's one writer, no other write slips in
//!   between the lookup and the commit.

use super::actor::Hub;
use crate::imports::book;
use crate::imports::job::{BatchRefused, BatchResult, ImportBatch};
use crate::store::{
    BookChange, ContactRecord, Entry, LogRecord, Rejection, StoreError, TransferStatus,
};
use std::collections::HashMap;
use switchboard_protocol::contacts::ContactChanged;
use switchboard_protocol::ids::ContactId;
use switchboard_protocol::server::Event;
use tokio::sync::oneshot;

impl Hub<'_> {
    pub(super) fn import_batch(
        &mut self,
        batch: ImportBatch,
        done: oneshot::Sender<BatchResult>,
    ) -> Result<(), StoreError> {
        let store = std::sync::Arc::clone(&self.registry.context.store);
        let stopped = |why: &str| Err(BatchRefused::Stopped(why.to_string()));
        let Some(mut record) = store.transfer(self.team, batch.job)? else {
            let _ = done.send(stopped("no such import"));
            return Ok(());
        };
        let Some(import) = record.import.as_mut() else {
            let _ = done.send(stopped("not an import"));
            return Ok(());
        };
        if import.cursor.byte >= batch.next.byte && import.cursor != batch.from {
            // Written already.
            let _ = done.send(Ok(import.progress.clone()));
            return Ok(());
        }
        if record.status != TransferStatus::Running {
            let _ = done.send(stopped("the import is not running"));
            return Ok(());
        }
        if import.cursor != batch.from {
            let _ = done.send(Err(BatchRefused::Busy));
            return Ok(());
        }
        let lines = (batch.rows.len() + batch.rejects.len()) as u64;
        let mut rejects = batch.rejects;
        let mut written: Vec<ContactRecord> = Vec::new();
        let mut at: HashMap<ContactId, usize> = HashMap::new();
        // The contacts of the book this batch merges into, as loaded.
        let mut loaded: Vec<ContactId> = Vec::new();
        let mut holders: HashMap<String, usize> = HashMap::new();
        let (mut created, mut merged) = (0, 0);
        let now = crate::time::now();
        for (line, draft) in batch.rows {
            let mut target: Option<usize> = None;
            let mut conflict = false;
            for id in draft.phones.iter().chain(&draft.emails) {
                let found = match holders.get(id) {
                    Some(index) => Some(*index),
                    None => match self.owner(id)? {
                        Some(contact) => Some(match at.get(&contact) {
                            Some(index) => *index,
                            None => {
                                let Some(record) = self.team_contact(contact)? else {
                                    return Err(StoreError::Inconsistent(format!(
                                        "the book's index names missing contact {contact}"
                                    )));
                                };
                                written.push(record);
                                loaded.push(contact);
                                at.insert(contact, written.len() - 1);
                                written.len() - 1
                            }
                        }),
                        None => None,
                    },
                };
                match (target, found) {
                    (None, found) => target = found,
                    (Some(t), Some(f)) if t != f => conflict = true,
                    _ => {}
                }
            }
            if conflict {
                rejects.push(Rejection {
                    line,
                    reason: "its phones and emails belong to two different contacts".into(),
                });
                continue;
            }
            let index = match target {
                Some(index) => {
                    book::merge(&mut written[index], &draft, now);
                    merged += 1;
                    index
                }
                None => {
                    let id = ContactId(store.next_id()?);
                    written.push(book::create(id, self.team, &draft, now));
                    at.insert(id, written.len() - 1);
                    created += 1;
                    written.len() - 1
                }
            };
            for id in book::identifiers(&written[index]) {
                holders.insert(id, index);
            }
        }
        rejects.sort_by_key(|r| r.line);
        let progress = &mut import.progress;
        progress.lines += lines;
        progress.created += created;
        progress.merged += merged;
        progress.rejected += rejects.len() as u64;
        progress.done = batch.end;
        import.cursor = batch.next;
        let progress = progress.clone();
        record.count = progress.created + progress.merged;
        if batch.end {
            record.status = TransferStatus::Done;
            record.finished_at = Some(now);
        }
        // A merged contact with conversations is shown in them: its
        // viewers hear the change as for an edit. New contacts have none.
        let mut log = Vec::new();
        let mut events = Vec::new();
        for contact in &loaded {
            let conversations = self.conversations_of(*contact)?;
            if !conversations.is_empty() {
                let change = ContactChanged {
                    contact: written[at[contact]].card(),
                    conversations,
                };
                log.push(LogRecord::ContactChanged(change.clone()));
                events.push(Event::ContactChanged(change));
            }
        }
        log.push(LogRecord::ImportProgress(progress.clone()));
        events.push(Event::ImportProgress(progress.clone()));
        let change = BookChange {
            put: written,
            log,
            ..BookChange::default()
        };
        let entry = Entry::ContactsImported {
            change: &change,
            record: &record,
            rejects: &rejects,
        };
        match self.append(entry, events, None) {
            Ok(()) => {
                let _ = done.send(Ok(progress));
                Ok(())
            }
            Err(e) => {
                let _ = done.send(Err(BatchRefused::Busy));
                Err(e)
            }
        }
    }
}
