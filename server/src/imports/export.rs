//! Exports, written a page at a time into a bounded channel that the HTTP
//! answer streams from: the contact book as CSV (the columns an import
//! takes, see [`book::csv_headers`]) and the conversations with their
//! messages as JSON lines, one line per conversation.
//!
//! Invariants:
//! - At most [`CHUNKS`] chunks wait for the client; a slow download slows
//!   the reader, it never fills memory.
//! - Each export is recorded when it starts (`running`) and again when it
//!   ends: `done` with how many it wrote, or `failed` when the client went
//!   away before the end.
//!
//! Blocking (store reads): the writers run under `spawn_blocking`.

use super::book;
use crate::store::{Page, Store, TransferRecord, TransferStatus};
use bytes::Bytes;
use std::sync::Arc;
use switchboard_protocol::ids::TeamId;
use tokio::sync::mpsc;

/// Chunks waiting for the client, at most.
pub(crate) const CHUNKS: usize = 8;
/// Records read from the store at once.
const PAGE: usize = 200;
/// Bytes gathered before a chunk is handed over.
const CHUNK_BYTES: usize = 64 * 1024;

/// Where an export writes: the channel, and a buffer that goes into it a
/// chunk at a time.
struct Out {
    to: mpsc::Sender<Bytes>,
    buffer: Vec<u8>,
}

/// The client went away.
struct Gone;

impl Out {
    fn write(&mut self, bytes: &[u8]) -> Result<(), Gone> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Gone> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::take(&mut self.buffer));
        self.to.blocking_send(chunk).map_err(|_| Gone)
    }
}

/// What an export writes, given its output; returns how many records.
type Writer = fn(&dyn Store, TeamId, &mut Out) -> Result<Result<u64, String>, Gone>;

/// Starts the contacts export of `record`'s team into `to`.
pub(crate) fn contacts(store: Arc<dyn Store>, record: TransferRecord, to: mpsc::Sender<Bytes>) {
    spawn(store, record, to, write_contacts);
}

/// Starts the conversations export of `record`'s team into `to`.
pub(crate) fn conversations(
    store: Arc<dyn Store>,
    record: TransferRecord,
    to: mpsc::Sender<Bytes>,
) {
    spawn(store, record, to, write_conversations);
}

fn spawn(store: Arc<dyn Store>, mut record: TransferRecord, to: mpsc::Sender<Bytes>, w: Writer) {
    tokio::task::spawn_blocking(move || {
        let mut out = Out {
            to,
            buffer: Vec::with_capacity(CHUNK_BYTES),
        };
        let outcome = match w(store.as_ref(), record.team, &mut out) {
            Ok(Ok(count)) => out.flush().map(|()| Ok(count)),
            other => other,
        };
        record.finished_at = Some(crate::time::now());
        match outcome {
            Ok(Ok(count)) => {
                record.status = TransferStatus::Done;
                record.count = count;
            }
            Ok(Err(why)) => {
                tracing::error!(team = %record.team, error = %why, "export failed");
                record.status = TransferStatus::Failed;
                record.failure = Some("the server could not read the records".into());
            }
            Err(Gone) => {
                record.status = TransferStatus::Failed;
                record.failure = Some("the download was interrupted".into());
            }
        }
        if let Err(e) = store.put_transfer(&record) {
            tracing::error!(team = %record.team, error = %e, "cannot record an export");
        }
    });
}

fn write_contacts(
    store: &dyn Store,
    team: TeamId,
    out: &mut Out,
) -> Result<Result<u64, String>, Gone> {
    let keys = match book::field_keys(store, team) {
        Ok(keys) => keys,
        Err(why) => return Ok(Err(why)),
    };
    let mut count = 0;
    let row = |out: &mut Out, cells: Vec<String>| {
        let mut line = Vec::new();
        {
            let mut csv = csv::Writer::from_writer(&mut line);
            // Writing to a Vec cannot fail.
            let _ = csv.write_record(&cells);
            let _ = csv.flush();
        }
        out.write(&line)
    };
    row(out, book::csv_headers(&keys))?;
    let mut after = None;
    loop {
        let page = match book::page(store, team, after, PAGE) {
            Ok(page) => page,
            Err(why) => return Ok(Err(why)),
        };
        for contact in &page {
            row(out, book::csv_row(contact, &keys))?;
            count += 1;
        }
        match page.last() {
            Some(last) if page.len() == PAGE => after = Some(book::id_of(last)),
            _ => return Ok(Ok(count)),
        }
    }
}

fn write_conversations(
    store: &dyn Store,
    team: TeamId,
    out: &mut Out,
) -> Result<Result<u64, String>, Gone> {
    let mut count = 0;
    let mut before = None;
    loop {
        let page = match store.team_conversations(team, before, PAGE) {
            Ok(page) => page,
            Err(e) => return Ok(Err(e.to_string())),
        };
        for conversation in &page {
            match write_conversation(store, conversation, out)? {
                Ok(()) => count += 1,
                Err(why) => return Ok(Err(why)),
            }
        }
        match page.last() {
            Some(last) if page.len() == PAGE => before = Some(last.id),
            _ => return Ok(Ok(count)),
        }
    }
}

/// One line: `{"conversation": {...}, "messages": [...]}`, its messages
/// written a page at a time.
fn write_conversation(
    store: &dyn Store,
    conversation: &crate::store::ConversationRecord,
    out: &mut Out,
) -> Result<Result<(), String>, Gone> {
    let read = || -> Result<_, crate::store::StoreError> {
        let contact = store.contact(conversation.contact)?;
        let last = store.last_seq(conversation.id)?;
        let assignees = store.assignees(conversation.id)?;
        Ok((contact, last, assignees))
    };
    let (contact, last, assignees) = match read() {
        Ok(found) => found,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let Some(contact) = contact else {
        return Ok(Err(format!(
            "conversation {} has no contact",
            conversation.id
        )));
    };
    let mut info = conversation.info(&contact, last);
    info.assignees = assignees;
    // Plain records of strings and numbers: encoding cannot fail.
    let head = serde_json::to_vec(&info).unwrap_or_default();
    out.write(b"{\"conversation\":")?;
    out.write(&head)?;
    out.write(b",\"messages\":[")?;
    let mut page = Page::After(switchboard_protocol::ids::Seq(0));
    let mut first = true;
    loop {
        let (messages, more) = match store.messages(conversation.id, page, PAGE) {
            Ok(found) => found,
            Err(e) => return Ok(Err(e.to_string())),
        };
        for message in &messages {
            if !first {
                out.write(b",")?;
            }
            first = false;
            out.write(&serde_json::to_vec(message).unwrap_or_default())?;
        }
        match messages.last() {
            Some(last) if more => page = Page::After(last.seq),
            _ => break,
        }
    }
    out.write(b"]}\n")?;
    Ok(Ok(()))
}
