//! A report over a period reads only that period of each log, and what
//! came before it only for the conversations active in it.
//!
//! A team's log is in time order: each record is written at the server's
//! clock as it happens. History a handoff copies in keeps its old times,
//! but is written in one entry with its conversation's start, whose time
//! stands for it. So the period's first record is found by a binary search
//! on offsets (a few store reads), and the scan stops at the last record
//! before the period's end. Where a conversation stood when the period
//! began (its first contact message, whether it was answered, a run of
//! messages waiting) is read from that conversation's own messages, up to
//! the period's first offset, when the scan first meets it.
//!
//! The figures are those of a scan of the whole log (see `super`), as long
//! as the server's clock does not step back; a step back moves a period's
//! boundaries by at most that step.

use super::{Period, Scan, Tally};
use crate::store::{LogRecord, Page, Store, StoreError};
use switchboard_protocol::ids::{ConversationId, Millis, Offset, Seq, TeamId};

/// Log records read per store call.
const CHUNK: usize = 1000;
/// Records read per probe of the binary search, to find a timed one.
const PROBE: usize = 32;
/// Messages read per store call when looking back at a conversation.
const HISTORY_PAGE: usize = 200;

/// Adds to `tally` what team `team`'s log up to `upto` holds for `period`;
/// returns how many log records it read.
pub fn scan_team(
    store: &dyn Store,
    team: TeamId,
    upto: Offset,
    period: Period,
    tally: &mut Tally,
) -> Result<u64, StoreError> {
    let upto = upto.min(store.stream_head(team)?.last);
    let start = match period.from {
        Some(from) => last_before(store, team, upto, from)?,
        None => Offset(0),
    };
    let end = match period.to {
        Some(to) => last_before(store, team, upto, to)?,
        None => upto,
    };
    let mut scan = Scan::new(period);
    let mut after = start;
    let mut read = 0u64;
    let mut pacer = crate::scans::Pacer::new();
    while after < end {
        pacer.step();
        let records = store.log_range(team, after, end, CHUNK)?;
        let Some((last, _)) = records.last() else {
            break;
        };
        after = *last;
        read += records.len() as u64;
        for (_, record) in &records {
            if let Some(conversation) = scan.unknown(record).filter(|_| start > Offset(0)) {
                look_back(store, &mut scan, conversation, start)?;
            }
            scan.feed(tally, std::iter::once(record));
        }
    }
    Ok(read)
}

/// Tells `scan` where `conversation` stood at offset `start`: when it
/// began, and its messages up to then.
fn look_back(
    store: &dyn Store,
    scan: &mut Scan,
    conversation: ConversationId,
    start: Offset,
) -> Result<(), StoreError> {
    let created_at = store.conversation(conversation)?.map(|c| c.created_at);
    let mut earlier = Vec::new();
    let mut after = Seq(0);
    'pages: loop {
        let (page, more) = store.messages(conversation, Page::After(after), HISTORY_PAGE)?;
        for message in page {
            if message.offset > start {
                break 'pages;
            }
            after = message.seq;
            earlier.push(message);
        }
        if !more {
            break;
        }
    }
    scan.prime(conversation, created_at, earlier);
    Ok(())
}

/// The last offset (0 if none) whose log time is before `at`: every timed
/// record after it is at `at` or later. A binary search on offsets, the log
/// being in time order.
fn last_before(
    store: &dyn Store,
    team: TeamId,
    upto: Offset,
    at: Millis,
) -> Result<Offset, StoreError> {
    let (mut low, mut high) = (0u64, upto.0);
    while low < high {
        let middle = low + (high - low).div_ceil(2);
        match time_from(store, team, Offset(middle), upto)? {
            Some(time) if time < at => low = middle,
            _ => high = middle - 1,
        }
    }
    Ok(Offset(low))
}

/// The log time of the first timed record at `offset` or after (up to
/// `upto`), if there is one. Read markers, contact and assignee changes
/// carry no time of their own.
fn time_from(
    store: &dyn Store,
    team: TeamId,
    offset: Offset,
    upto: Offset,
) -> Result<Option<Millis>, StoreError> {
    let mut after = Offset(offset.0.saturating_sub(1));
    loop {
        let records = store.log_range(team, after, upto, PROBE)?;
        let Some((last, _)) = records.last() else {
            return Ok(None);
        };
        after = *last;
        for (_, record) in &records {
            let time = match record {
                LogRecord::ConversationStarted(info) => info.created_at,
                LogRecord::Delivered(outcome) => outcome.at,
                // A copied message was written when its conversation began.
                LogRecord::Message(message) => {
                    let created = store.conversation(message.conversation)?;
                    created.map_or(message.at, |c| c.created_at.max(message.at))
                }
                LogRecord::Read(_)
                | LogRecord::ContactUpdated(_)
                | LogRecord::Assignees(_)
                | LogRecord::ContactChanged(_)
                | LogRecord::ContactDeleted(_)
                | LogRecord::ContactsMerged(_)
                | LogRecord::ContactFields(_)
                | LogRecord::Receipt(_)
                | LogRecord::ImportProgress(_)
                | LogRecord::BlastProgress(_) => continue,
                LogRecord::PostChanged { .. } => continue,
            };
            return Ok(Some(time));
        }
    }
}
