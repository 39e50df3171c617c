//! The integrity check run every time the store opens, after the repair of
//! index entries a crash separated from their log records.
//!
//! It reads what a hub relies on when it starts serving a team:
//! - every team stream head (`team_streams`) decodes, and the newest
//!   [`NEWEST_RECORDS`] log records of the team decode; each message among
//!   them is indexed at its conversation and seq, pointing back at it;
//! - every conversation record decodes, and the newest message its index
//!   names (what [`Store::last_seq`] answers, and where a hub continues
//!   numbering) is a message of that conversation with that seq.
//!
//! Anything else is damage the repair could not undo: the store is not
//! opened, rather than serving from it and numbering over lost messages.

use super::SledStore;
use crate::store::keys;
use crate::store::records::from_bytes;
use crate::store::{ConversationRecord, LogRecord, StoreError, StoreResult};

/// How many of each team's newest log records the check decodes.
const NEWEST_RECORDS: usize = 64;

/// What the check read.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CheckReport {
    /// Team streams.
    pub teams: usize,
    /// Conversations, each with its last seq checked against the log.
    pub conversations: usize,
    /// Log records decoded.
    pub records: usize,
}

impl std::fmt::Display for CheckReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} team streams, {} conversations, {} log records checked",
            self.teams, self.conversations, self.records
        )
    }
}

fn corrupt(what: &'static str, detail: String) -> StoreError {
    StoreError::Corrupt { what, detail }
}

fn inconsistent(detail: String) -> StoreError {
    StoreError::Inconsistent(detail)
}

impl SledStore {
    /// Checks the store (see the module docs); the first problem found is
    /// the error.
    pub fn check(&self) -> StoreResult<CheckReport> {
        let mut report = CheckReport::default();
        for item in self.team_streams.iter() {
            let (key, _) = item?;
            let team = keys::read_u64(&key)
                .ok_or_else(|| corrupt("team stream", format!("key of {} bytes", key.len())))?;
            report.teams += 1;
            for item in self
                .team_log
                .scan_prefix(keys::one(team))
                .rev()
                .take(NEWEST_RECORDS)
            {
                let (key, value) = item?;
                report.records += 1;
                let LogRecord::Message(message) = from_bytes("log record", &value)? else {
                    continue;
                };
                let position = keys::two(message.conversation.0, message.seq.0);
                match self.conversation_messages.get(position)? {
                    Some(pointer) if pointer.as_ref() == key.as_ref() => {}
                    _ => {
                        return Err(inconsistent(format!(
                            "team {team}: message {} of conversation {} is not indexed",
                            message.seq.0, message.conversation.0
                        )))
                    }
                }
            }
        }
        for item in self.conversations.iter() {
            let (key, value) = item?;
            let _: ConversationRecord = from_bytes("conversation", &value)?;
            let conversation = keys::read_u64(&key)
                .ok_or_else(|| corrupt("conversation", format!("key of {} bytes", key.len())))?;
            report.conversations += 1;
            let Some(item) = self
                .conversation_messages
                .scan_prefix(keys::one(conversation))
                .next_back()
            else {
                continue;
            };
            let (position, pointer) = item?;
            let seq = keys::second(&position);
            match self.indexed_message(&pointer)? {
                Some(message) if message.conversation.0 == conversation && message.seq.0 == seq => {
                }
                Some(_) => {
                    return Err(inconsistent(format!(
                        "conversation {conversation}: seq {seq} points at another message"
                    )))
                }
                None => {
                    return Err(inconsistent(format!(
                    "conversation {conversation}: last message (seq {seq}) is missing from the log"
                )))
                }
            }
        }
        Ok(report)
    }
}
