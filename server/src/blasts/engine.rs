//! Running a blast: each pending recipient, in contact order, is sent the
//! rendered template in their own conversation, at most `rate` messages a
//! second, until none is pending (`finished`), or a control stops it
//! (`paused`, `cancelled`), or the server stops (resumed at its next
//! start, from the recipients still pending).
//!
//! A pacer hands the pending recipients out at their slots to a few
//! senders, whose messages overlap. One message, holding the blast's lock
//! shared (a control takes it alone, see the parent module): the status
//! is read again (a control may have changed it); the contact is
//! read again (removed: `failed`; opted out: `skipped`, no message); the
//! conversation is the contact's newest one not delivered, or a new one
//! started through the hub from their phone or email (neither: `failed`);
//! the message is sent through the hub as the creator, keyed
//! `blast:{blast}:{contact}`; then the recipient and the counts are
//! stored. A crash before the last step leaves the recipient `pending`
//! and the resend finds the key: the same message, stored once.

use super::call::{HubCaller, Refused};
use super::status::{recount, set_status, tell, with_replies};
use super::template::Template;
use crate::access::{Action, Principal, Resource};
use crate::hub::HubCommand;
use crate::server::ServerState;
use crate::store::{BlastRecord, ContactRecord, StoreError, TokenKind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard_protocol::blast::{BlastInfo, BlastRecipient, BlastStatus, RecipientState};
use switchboard_protocol::ids::{BlastId, ConversationId, Seq, TeamId};
use switchboard_protocol::model::{ConversationStatus, NewContact};
use switchboard_protocol::server::Reply;
use switchboard_protocol::ErrorCode;
use tokio::sync::{mpsc, Notify};
use tokio::task::JoinSet;
use tokio::time::Instant;

/// Messages of one blast in flight at once: enough that the durable
/// write each waits for does not cap the rate (one at a time reached
/// about 420 a second of a 1,000 ceiling in the release build).
const SENDERS: usize = 8;
/// How far behind its schedule the pacer may catch up at once.
const CATCH_UP: Duration = Duration::from_millis(20);
/// Recipients read per page.
pub(crate) const PAGE: usize = 200;
/// The least time between two progress events of a blast.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);
/// How long a refused send (the hub busy, the writer changing) waits.
const RETRY: Duration = Duration::from_millis(200);
/// Refusals in a row after which the runner stops (the blast stays
/// `running`, and is resumed at the next start).
const PATIENCE: u32 = 300;

/// Starts running `blast` of `team` in the background, unless it runs.
pub(crate) fn start(state: &Arc<ServerState>, team: TeamId, blast: BlastId) {
    let state = Arc::clone(state);
    tokio::spawn(async move {
        if !state.edge.blasts.claim(blast) {
            return;
        }
        if let Err(why) = run(&state, team, blast).await {
            tracing::warn!(%team, %blast, error = %why, "blast stopped");
        }
        state.edge.blasts.release(blast);
    });
}

/// Resumes every blast a stop left running.
pub(crate) fn resume(state: &Arc<ServerState>) {
    match state.store.running_blasts() {
        Ok(blasts) => {
            for record in blasts {
                tracing::info!(team = %record.info.team, blast = %record.info.id, "resuming a blast");
                start(state, record.info.team, record.info.id);
            }
        }
        Err(e) => tracing::error!(error = %e, "cannot read the blasts to resume"),
    }
}

/// What became of one recipient.
enum Reached {
    Sent(ConversationId, Seq),
    Skipped,
    Failed,
    /// Not now: the blast stopped, or the server is stopping.
    Stopped,
}

/// What a run shares between its senders.
struct Runner {
    state: Arc<ServerState>,
    team: TeamId,
    blast: BlastId,
    creator: Arc<Principal>,
    template: Template,
    /// When the last progress event went out.
    last_progress: Mutex<Option<Instant>>,
    /// Held while a sender stores its recipient and the counts: senders
    /// run side by side, and each count is a read-modify-write.
    counts: Mutex<()>,
    /// Set by the sender that finds the blast stopped (or fails): the
    /// pacer hands out no more recipients.
    halted: AtomicBool,
    /// Told each time a sender is done with a recipient (or stops).
    stepped: Notify,
}

async fn run(state: &Arc<ServerState>, team: TeamId, blast: BlastId) -> Result<(), String> {
    let store = &state.store;
    let record = {
        let lock = state.edge.blasts.lock(blast);
        let _held = lock.write().await;
        match recount(state, team, blast).map_err(text)? {
            Some(record) => record,
            None => return Err("no such blast".into()),
        }
    };
    if record.info.status != BlastStatus::Running {
        return Ok(());
    }
    let creator = match creator(state, &record).map_err(text)? {
        Some(creator) => creator,
        None => {
            // Sent in their name: without their access, it stops.
            let lock = state.edge.blasts.lock(blast);
            let _held = lock.write().await;
            return set_status(state, team, blast, BlastStatus::Cancelled)
                .await
                .map(|_| ())
                .map_err(text);
        }
    };
    let fields: Vec<String> = (store.contact_fields(team).map_err(text)?)
        .into_iter()
        .map(|f| f.key)
        .collect();
    // Parsed at creation; a field removed since renders as missing.
    let template = Template::parse(&record.info.template, &fields)
        .or_else(|_| Template::parse(&record.info.template, &all_keys(&record.info.template)))?;
    let runner = Arc::new(Runner {
        state: Arc::clone(state),
        team,
        blast,
        creator,
        template,
        last_progress: Mutex::new(None),
        counts: Mutex::new(()),
        halted: AtomicBool::new(false),
        stepped: Notify::new(),
    });
    // The pacer hands each pending recipient to the senders at its slot;
    // the senders' answers overlap (each waits for its durable write), so
    // the rate, not one write's latency, sets the pace.
    let (handout, queue) = mpsc::channel::<BlastRecipient>(SENDERS);
    let queue = Arc::new(tokio::sync::Mutex::new(queue));
    let mut senders = JoinSet::new();
    for _ in 0..SENDERS {
        let (runner, queue) = (Arc::clone(&runner), Arc::clone(&queue));
        senders.spawn(async move { runner.send_from(&queue).await });
    }
    // The senders hold the queue alone: once they are all gone, the
    // pacer's handout fails instead of waiting.
    drop(queue);
    let interval = Duration::from_secs_f64(1.0 / f64::from(record.info.rate.max(1)));
    let paced = pace(&runner, handout, interval).await;
    let mut outcome = paced.map_err(text);
    while let Some(joined) = senders.join_next().await {
        let sent = joined.map_err(text).and_then(|r| r.map_err(text));
        if let (Ok(_), Err(why)) = (&outcome, sent) {
            outcome = Err(why);
        }
    }
    let exhausted = outcome?;
    if !exhausted || runner.halted.load(Ordering::Acquire) || *state.stop.borrow() {
        return Ok(());
    }
    let lock = state.edge.blasts.lock(blast);
    let _held = lock.write().await;
    let Some(mut record) = store.blast(team, blast).map_err(text)? else {
        return Ok(());
    };
    if record.info.status == BlastStatus::Running {
        record.info.status = BlastStatus::Finished;
        store.put_blast(&record).map_err(text)?;
        runner.progress(record.info, true).await.map_err(text)?;
    }
    Ok(())
}

/// Hands every pending recipient to the senders, the k-th no sooner than
/// k intervals after the first; true once all were handed out, false when
/// the run stopped first (a control, the server stopping, the senders
/// gone).
async fn pace(
    runner: &Runner,
    handout: mpsc::Sender<BlastRecipient>,
    interval: Duration,
) -> Result<bool, StoreError> {
    let store = &runner.state.store;
    let mut stop = runner.state.stop.clone();
    let mut next_at = Instant::now();
    let (mut after, mut first) = (None, true);
    loop {
        let page = store.blast_recipients(runner.team, runner.blast, after, PAGE)?;
        let Some(last) = page.last() else {
            return Ok(true);
        };
        after = Some(last.contact);
        for recipient in page {
            if recipient.state != RecipientState::Pending {
                continue;
            }
            // A slot already due is taken without sleeping: the timer's
            // millisecond ticks would otherwise cap a fast rate at about
            // one message per tick.
            if next_at > Instant::now() {
                tokio::select! {
                    _ = tokio::time::sleep_until(next_at) => {}
                    _ = stop.wait_for(|stopped| *stopped) => return Ok(false),
                }
            } else if *stop.borrow() {
                return Ok(false);
            }
            if runner.halted.load(Ordering::Acquire) || handout.send(recipient).await.is_err() {
                return Ok(false);
            }
            if first {
                // The schedule counts from the first message stored, not
                // handed out: its own write does not shorten the span.
                first = false;
                tokio::select! {
                    _ = runner.stepped.notified() => {}
                    _ = stop.wait_for(|stopped| *stopped) => return Ok(false),
                }
                next_at = Instant::now();
            }
            // The next slot. Slots missed while waiting (a late tick, a
            // busy hub) are caught up within CATCH_UP at most, never more:
            // no burst after a long wait.
            next_at = (next_at + interval).max(Instant::now() - CATCH_UP.max(interval));
        }
    }
}

impl Runner {
    /// One sender: takes recipients from the pacer until it stops handing
    /// them out or the blast stops.
    async fn send_from(
        &self,
        queue: &tokio::sync::Mutex<mpsc::Receiver<BlastRecipient>>,
    ) -> Result<(), StoreError> {
        let mut caller = HubCaller::new(&self.state);
        loop {
            let next = queue.lock().await.recv().await;
            let Some(recipient) = next else {
                return Ok(());
            };
            if self.halted.load(Ordering::Acquire) {
                return Ok(());
            }
            let stepped = self.step(&mut caller, recipient).await;
            self.stepped.notify_one();
            match stepped {
                Ok(true) => {}
                Ok(false) => {
                    self.halted.store(true, Ordering::Release);
                    return Ok(());
                }
                Err(e) => {
                    self.halted.store(true, Ordering::Release);
                    return Err(e);
                }
            }
        }
    }

    /// Sends one recipient their message (or skips them), holding the
    /// blast's lock shared (a control takes it alone); false when the
    /// blast is stopped.
    async fn step(
        &self,
        caller: &mut HubCaller,
        mut recipient: BlastRecipient,
    ) -> Result<bool, StoreError> {
        let lock = self.state.edge.blasts.lock(self.blast);
        let _held = lock.read().await;
        let store = Arc::clone(&self.state.store);
        let running = store
            .blast(self.team, self.blast)?
            .is_some_and(|record| record.info.status == BlastStatus::Running);
        if !running {
            return Ok(false);
        }
        let reached = self.reach(caller, &recipient).await?;
        let info = {
            // No await below: a std lock.
            let _counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
            let Some(mut record) = store.blast(self.team, self.blast)? else {
                return Ok(false);
            };
            match reached {
                Reached::Stopped => return Ok(false),
                Reached::Sent(conversation, seq) => {
                    recipient.state = RecipientState::Sent;
                    recipient.conversation = Some(conversation);
                    recipient.seq = Some(seq);
                    record.info.sent += 1;
                }
                Reached::Skipped => {
                    recipient.state = RecipientState::Skipped;
                    record.info.skipped += 1;
                }
                Reached::Failed => {
                    recipient.state = RecipientState::Failed;
                    record.info.failed += 1;
                }
            }
            store.put_blast_recipients(self.team, self.blast, &[recipient])?;
            store.put_blast(&record)?;
            record.info
        };
        self.progress(info, false).await?;
        Ok(true)
    }

    async fn reach(
        &self,
        caller: &mut HubCaller,
        recipient: &BlastRecipient,
    ) -> Result<Reached, StoreError> {
        let store = Arc::clone(&self.state.store);
        let contact = store
            .contact(recipient.contact)?
            .filter(|c| c.team == self.team);
        let Some(contact) = contact else {
            return Ok(Reached::Failed);
        };
        if super::opted_out(&contact) {
            return Ok(Reached::Skipped);
        }
        let body = self.template.render(&contact);
        let conversation = match open_conversation(&self.state, &contact)? {
            Some(conversation) => conversation,
            None => match self.start_conversation(caller, &contact).await? {
                Some(Some(conversation)) => conversation,
                Some(None) => return Ok(Reached::Failed),
                None => return Ok(Reached::Stopped),
            },
        };
        let key = format!("blast:{}:{}", self.blast, contact.id);
        let creator = Arc::clone(&self.creator);
        let send = || HubCommand::Send {
            principal: Arc::clone(&creator),
            conversation,
            client_msg_id: key.clone(),
            body: body.clone(),
            as_contact: None,
            post: None,
        };
        match self.call(caller, send).await {
            Some(Ok(Reply::Sent(ack))) => Ok(Reached::Sent(ack.conversation, ack.seq)),
            Some(Ok(_)) => Ok(Reached::Failed),
            Some(Err(refused)) => {
                tracing::warn!(blast = %self.blast, contact = %contact.id, error = %refused.message, "a blast message was refused");
                Ok(Reached::Failed)
            }
            None => Ok(Reached::Stopped),
        }
    }

    /// A new conversation with the contact, through the hub (which finds
    /// the contact by its phone or email); `Some(None)` when they have
    /// neither, or the hub refused; `None` when stopping.
    async fn start_conversation(
        &self,
        caller: &mut HubCaller,
        contact: &ContactRecord,
    ) -> Result<Option<Option<ConversationId>>, StoreError> {
        let (phone, email) = (contact.phones.first(), contact.emails.first());
        if phone.is_none() && email.is_none() {
            return Ok(Some(None));
        }
        let new = NewContact {
            name: contact.name.clone(),
            email: email.cloned(),
            phone: phone.cloned(),
        };
        // Started by the team, through no channel of the contact's.
        let start = || HubCommand::StartConversation {
            contact: new.clone(),
            channel: None,
        };
        Ok(match self.call(caller, start).await {
            Some(Ok(Reply::Conversation(info))) if info.contact.id == contact.id => {
                Some(Some(info.id))
            }
            Some(_) => Some(None),
            None => None,
        })
    }

    /// Calls the hub, trying again while it is busy; `None` when the
    /// server stops or the hub stays busy too long.
    async fn call(
        &self,
        caller: &mut HubCaller,
        command: impl Fn() -> HubCommand,
    ) -> Option<Result<Reply, Refused>> {
        for _ in 0..PATIENCE {
            if *self.state.stop.borrow() {
                return None;
            }
            match caller.call(self.team, command()).await {
                Err(Refused {
                    code: ErrorCode::Unavailable,
                    ..
                }) => tokio::time::sleep(RETRY).await,
                answer => return Some(answer),
            }
        }
        None
    }

    /// Tells the team where the blast stands: at most every
    /// [`PROGRESS_EVERY`], unless `now`.
    async fn progress(&self, info: BlastInfo, now: bool) -> Result<(), StoreError> {
        let due = {
            let mut last = self.last_progress.lock().unwrap_or_else(|e| e.into_inner());
            let due = now || last.is_none_or(|at| at.elapsed() >= PROGRESS_EVERY);
            if due {
                *last = Some(Instant::now());
            }
            due
        };
        if due {
            tell(&self.state, with_replies(&self.state, info)?).await;
        }
        Ok(())
    }
}

/// The blast's creator's principal, if they still may send blasts.
fn creator(
    state: &ServerState,
    record: &BlastRecord,
) -> Result<Option<Arc<Principal>>, StoreError> {
    let store = state.store.as_ref();
    let Some(user) = store.user(record.info.created_by)? else {
        return Ok(None);
    };
    let principal = crate::access::load(store, user, TokenKind::Session)?.principal;
    let allowed = principal.allows(Action::SendBlasts, Resource::Team(record.info.team));
    Ok(allowed.then(|| Arc::new(principal)))
}

/// The contact's newest conversation that is not delivered.
fn open_conversation(
    state: &ServerState,
    contact: &ContactRecord,
) -> Result<Option<ConversationId>, StoreError> {
    let store = &state.store;
    for id in store.contact_conversations(contact.id)?.into_iter().rev() {
        if let Some(conversation) = store.conversation(id)? {
            if conversation.team == contact.team
                && conversation.status != ConversationStatus::Delivered
            {
                return Ok(Some(id));
            }
        }
    }
    Ok(None)
}

/// Every placeholder key the template names, so that a template whose
/// field was removed since still parses (the value is then missing).
fn all_keys(template: &str) -> Vec<String> {
    template
        .split("{{")
        .skip(1)
        .filter_map(|s| s.split_once("}}"))
        .map(|(inner, _)| inner.split('|').next().unwrap_or("").trim().to_string())
        .collect()
}

fn text(e: impl std::fmt::Display) -> String {
    e.to_string()
}
