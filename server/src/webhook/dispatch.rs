//! The outbound side of webhook bridges: one task per bridge follows its
//! team's log from the start (after a restart too), queues each message of
//! the team (an agent's or a bot's) in a conversation whose channel is the
//! bridge, and POSTs them in order while their `delivery` is empty.
//!
//! Invariants (see also the module above):
//! - The queue holds only what the log showed: at most one entry per
//!   message, bounded by [`MAX_QUEUE`]; past it the task stops reading the
//!   log until the queue drains (the log keeps the rest).
//! - A message leaves the queue once its receipt (`sent`, or `failed`
//!   after its dead letter) is written, or when it already has one.

use super::post::post;
use super::{reference, Outbound};
use crate::blasts::call::HubCaller;
use crate::hub::{HubCommand, Report};
use crate::server::ServerState;
use crate::store::{BotRecord, LogRecord, Store};
use crate::time::now;
use dashmap::{DashMap, DashSet};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;
use switchboard_protocol::bridge::DeliveryStatus;
use switchboard_protocol::ids::{ConversationId, Offset, Seq, UserId};
use switchboard_protocol::model::{Channel, SenderKind};
use switchboard_protocol::webhook::DeadLetter;

/// The most outbound messages one bridge holds in memory.
const MAX_QUEUE: usize = 1024;
/// Log records read at once.
const LOG_PAGE: usize = 256;
/// The most conversations whose channel a task remembers; past it the
/// memory is dropped and read again from the store as needed.
const MAX_REMEMBERED: usize = 65_536;
/// Longest `detail` of a receipt (as the `receipt` request's).
const MAX_DETAIL: usize = 200;

/// The webhook bridges dispatched on this server.
#[derive(Default)]
pub(crate) struct Dispatchers {
    running: DashSet<UserId>,
    /// Outbound messages queued and not yet accepted, per bridge.
    pending: DashMap<UserId, u32>,
}

impl Dispatchers {
    /// Takes `bridge` for a new task; false if one runs it.
    pub(crate) fn claim(&self, bridge: UserId) -> bool {
        self.running.insert(bridge)
    }

    fn release(&self, bridge: UserId) {
        self.running.remove(&bridge);
        self.pending.remove(&bridge);
    }

    /// How many of `bridge`'s outbound messages wait here.
    pub(crate) fn pending(&self, bridge: UserId) -> u32 {
        self.pending.get(&bridge).map_or(0, |n| *n)
    }
}

/// Starts the task of every webhook bridge not revoked.
pub(crate) fn resume(state: &Arc<ServerState>) {
    match state.store.webhook_bridges() {
        Ok(bridges) => bridges.into_iter().for_each(|b| start(state, b)),
        Err(e) => tracing::error!(error = %e, "cannot read the webhook bridges"),
    }
}

/// Starts `bridge`'s task unless it runs.
pub(crate) fn start(state: &Arc<ServerState>, bridge: UserId) {
    if !state.edge.webhooks.claim(bridge) {
        return;
    }
    let mut task = Task {
        state: Arc::clone(state),
        bridge,
        caller: HubCaller::new(state),
        after: Offset(0),
        mine: HashMap::new(),
        queue: VecDeque::new(),
    };
    tokio::spawn(async move {
        task.run().await;
        task.state.edge.webhooks.release(bridge);
    });
}

/// The webhook bridge as it now is, if it still serves.
fn live_bridge(store: &dyn Store, bridge: UserId) -> Option<BotRecord> {
    match store.bot(bridge) {
        Ok(found) => found.filter(|b| !b.revoked && b.webhook.is_some()),
        Err(e) => {
            tracing::error!(error = %e, %bridge, "cannot read a webhook bridge");
            None
        }
    }
}

struct Task {
    state: Arc<ServerState>,
    bridge: UserId,
    caller: HubCaller,
    /// How far into the team's log the task has read.
    after: Offset,
    /// Conversations seen: the contact's address when on this bridge.
    mine: HashMap<ConversationId, Option<String>>,
    queue: VecDeque<(ConversationId, Seq, String)>,
}

impl Task {
    async fn run(&mut self) {
        let mut stop = self.state.stop.clone();
        loop {
            if *stop.borrow() {
                return;
            }
            let Some(bot) = live_bridge(self.state.store.as_ref(), self.bridge) else {
                return;
            };
            if let Err(e) = self.read_log(&bot) {
                tracing::error!(error = %e, bridge = %self.bridge, "cannot read the team's log");
            }
            while let Some((conversation, seq, to)) = self.queue.front().cloned() {
                self.count();
                if !self.send(&bot, conversation, seq, &to).await {
                    return;
                }
                self.queue.pop_front();
            }
            self.count();
            tokio::select! {
                _ = tokio::time::sleep(self.state.config.webhook.poll) => {}
                _ = stop.changed() => return,
            }
        }
    }

    fn count(&self) {
        let n = u32::try_from(self.queue.len()).unwrap_or(u32::MAX);
        self.state.edge.webhooks.pending.insert(self.bridge, n);
    }

    /// Queues the bridge's outbound messages the log holds past `after`.
    fn read_log(&mut self, bot: &BotRecord) -> Result<(), crate::store::StoreError> {
        let state = Arc::clone(&self.state);
        let store = state.store.as_ref();
        let head = store.stream_head(bot.team)?.last;
        while self.after < head && self.queue.len() < MAX_QUEUE {
            let records = store.log_range(bot.team, self.after, head, LOG_PAGE)?;
            let Some((last, _)) = records.last() else {
                break;
            };
            let last = *last;
            for (offset, record) in records {
                if self.queue.len() >= MAX_QUEUE {
                    return Ok(());
                }
                self.after = offset;
                let LogRecord::Message(message) = record else {
                    continue;
                };
                if !matches!(message.sender.kind, SenderKind::Agent | SenderKind::Bot) {
                    continue;
                }
                if let Some(to) = self.address(message.conversation)? {
                    self.queue
                        .push_back((message.conversation, message.seq, to));
                }
            }
            self.after = last;
        }
        Ok(())
    }

    /// The contact's address when `conversation` is on this bridge.
    fn address(
        &mut self,
        conversation: ConversationId,
    ) -> Result<Option<String>, crate::store::StoreError> {
        if let Some(known) = self.mine.get(&conversation) {
            return Ok(known.clone());
        }
        if self.mine.len() >= MAX_REMEMBERED {
            self.mine.clear();
        }
        let found = self.state.store.conversation(conversation)?;
        let address = match found.and_then(|c| c.channel) {
            Some(Channel::Bridge { bridge, address }) if bridge == self.bridge => Some(address),
            _ => None,
        };
        self.mine.insert(conversation, address.clone());
        Ok(address)
    }

    /// Delivers one message unless it has a delivery already; false when
    /// the server stops first.
    async fn send(
        &mut self,
        bot: &BotRecord,
        conversation: ConversationId,
        seq: Seq,
        to: &str,
    ) -> bool {
        let message = match self.state.store.message(conversation, seq) {
            Ok(Some(m)) if m.delivery.is_none() => m,
            Ok(_) => return true,
            Err(e) => {
                tracing::error!(error = %e, %conversation, %seq, "cannot read an outbound message");
                return true;
            }
        };
        // `live_bridge` checked the webhook is there.
        let Some(webhook) = &bot.webhook else {
            return true;
        };
        let body = serde_json::to_vec(&Outbound {
            reference: reference(conversation, seq),
            to,
            body: &message.body,
            conversation,
            seq,
            team: bot.team,
        })
        .unwrap_or_default();
        let config = &self.state.config.webhook;
        let mut stop = self.state.stop.clone();
        let mut wait = config.backoff;
        let mut last_error = String::new();
        for attempt in 1..=config.attempts.max(1) {
            match post(
                &webhook.outbound_url,
                &webhook.secret,
                body.clone(),
                config.timeout,
            )
            .await
            {
                Ok(()) => {
                    return self
                        .report(bot, conversation, seq, DeliveryStatus::Sent, None)
                        .await
                }
                Err(e) => last_error = e,
            }
            if attempt < config.attempts {
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = stop.changed() => return false,
                }
                wait = (wait * 2).min(config.max_backoff);
            }
        }
        tracing::warn!(bridge = %self.bridge, %conversation, %seq, error = %last_error, "outbound message dead-lettered");
        let letter = DeadLetter {
            id: 0,
            bridge: self.bridge,
            conversation,
            seq,
            to: to.to_string(),
            body: message.body.clone(),
            attempts: config.attempts.max(1),
            last_error: last_error.clone(),
            failed_at: now(),
        };
        if let Err(e) = keep(self.state.store.as_ref(), bot, letter) {
            tracing::error!(error = %e, "cannot store a dead letter");
        }
        let detail = Some(truncate(&last_error));
        self.report(bot, conversation, seq, DeliveryStatus::Failed, detail)
            .await
    }

    /// Writes a receipt through the hub, trying until it is written or the
    /// server stops (false).
    async fn report(
        &mut self,
        bot: &BotRecord,
        conversation: ConversationId,
        seq: Seq,
        status: DeliveryStatus,
        detail: Option<String>,
    ) -> bool {
        let mut stop = self.state.stop.clone();
        loop {
            let report = Report {
                conversation,
                seq,
                status,
                detail: detail.clone(),
            };
            match self
                .caller
                .call(bot.team, HubCommand::Receipt(report))
                .await
            {
                Ok(_) => return true,
                Err(refused) => {
                    tracing::warn!(code = ?refused.code, message = %refused.message, "receipt not written; retrying");
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(200)) => {}
                _ = stop.changed() => return false,
            }
        }
    }
}

/// Stores a dead letter, replacing an older one of the same message.
pub(crate) fn keep(
    store: &dyn Store,
    bot: &BotRecord,
    mut letter: DeadLetter,
) -> Result<DeadLetter, crate::store::StoreError> {
    let older = store.team_dead_letters(bot.team)?.into_iter().find(|d| {
        d.bridge == letter.bridge && d.conversation == letter.conversation && d.seq == letter.seq
    });
    letter.id = match older {
        Some(older) => older.id,
        None => store.next_id()?,
    };
    store.put_dead_letter(bot.team, &letter)?;
    Ok(letter)
}

/// A receipt's detail: at most [`MAX_DETAIL`] bytes, cut on a character.
pub(crate) fn truncate(detail: &str) -> String {
    let mut end = detail.len().min(MAX_DETAIL);
    while !detail.is_char_boundary(end) {
        end -= 1;
    }
    detail[..end].to_string()
}
