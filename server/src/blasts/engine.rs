//! Running a blast: each pending recipient, in contact order, is sent the
//! rendered template in their own conversation, at most `rate` messages a
//! second, until none is pending (`finished`), or a control stops it
//! (`paused`, `cancelled`), or the server stops (resumed at its next
//! start, from the recipients still pending).
//!
//! One message, under the blast's lock (see the parent module): the
//! status is read again (a control may have changed it); the contact is
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
use std::sync::Arc;
use std::time::Duration;
use switchboard_protocol::blast::{BlastInfo, BlastRecipient, BlastStatus, RecipientState};
use switchboard_protocol::ids::{BlastId, ConversationId, Seq, TeamId};
use switchboard_protocol::model::{ConversationStatus, NewContact};
use switchboard_protocol::server::Reply;
use switchboard_protocol::ErrorCode;
use tokio::time::Instant;

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

struct Runner {
    state: Arc<ServerState>,
    team: TeamId,
    blast: BlastId,
    creator: Arc<Principal>,
    template: Template,
    caller: HubCaller,
    last_progress: Option<Instant>,
}

async fn run(state: &Arc<ServerState>, team: TeamId, blast: BlastId) -> Result<(), String> {
    let store = &state.store;
    let record = {
        let lock = state.edge.blasts.lock(blast);
        let _held = lock.lock().await;
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
            let _held = lock.lock().await;
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
    let mut runner = Runner {
        state: Arc::clone(state),
        team,
        blast,
        creator,
        template,
        caller: HubCaller::new(state),
        last_progress: None,
    };
    let interval = Duration::from_secs_f64(1.0 / f64::from(record.info.rate.max(1)));
    let mut next_at = Instant::now();
    let mut after = None;
    let mut stop = state.stop.clone();
    loop {
        let page = store
            .blast_recipients(team, blast, after, PAGE)
            .map_err(text)?;
        let Some(last) = page.last() else {
            break;
        };
        after = Some(last.contact);
        for recipient in page {
            if recipient.state != RecipientState::Pending {
                continue;
            }
            tokio::select! {
                _ = tokio::time::sleep_until(next_at) => {}
                _ = stop.wait_for(|stopped| *stopped) => return Ok(()),
            }
            match runner.step(recipient).await.map_err(text)? {
                Step::Sent => {
                    // The next slot; after a long wait (a busy hub) no burst
                    // to catch up.
                    next_at = (next_at + interval).max(Instant::now() - interval);
                }
                Step::Other => {}
                Step::Stopped => return Ok(()),
            }
        }
    }
    let lock = state.edge.blasts.lock(blast);
    let _held = lock.lock().await;
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

enum Step {
    Sent,
    Other,
    Stopped,
}

impl Runner {
    /// Sends one recipient their message (or skips them), under the lock.
    async fn step(&mut self, mut recipient: BlastRecipient) -> Result<Step, StoreError> {
        let lock = self.state.edge.blasts.lock(self.blast);
        let _held = lock.lock().await;
        let store = Arc::clone(&self.state.store);
        let Some(mut record) = store.blast(self.team, self.blast)? else {
            return Ok(Step::Stopped);
        };
        if record.info.status != BlastStatus::Running {
            return Ok(Step::Stopped);
        }
        let step = match self.reach(&recipient).await? {
            Reached::Stopped => return Ok(Step::Stopped),
            Reached::Sent(conversation, seq) => {
                recipient.state = RecipientState::Sent;
                recipient.conversation = Some(conversation);
                recipient.seq = Some(seq);
                record.info.sent += 1;
                Step::Sent
            }
            Reached::Skipped => {
                recipient.state = RecipientState::Skipped;
                record.info.skipped += 1;
                Step::Other
            }
            Reached::Failed => {
                recipient.state = RecipientState::Failed;
                record.info.failed += 1;
                Step::Other
            }
        };
        store.put_blast_recipients(self.team, self.blast, &[recipient])?;
        store.put_blast(&record)?;
        self.progress(record.info, false).await?;
        Ok(step)
    }

    async fn reach(&mut self, recipient: &BlastRecipient) -> Result<Reached, StoreError> {
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
            None => match self.start_conversation(&contact).await? {
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
        match self.call(send).await {
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
        &mut self,
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
        Ok(match self.call(start).await {
            Some(Ok(Reply::Conversation(info))) if info.contact.id == contact.id => {
                Some(Some(info.id))
            }
            Some(_) => Some(None),
            None => None,
        })
    }

    /// Calls the hub, trying again while it is busy; `None` when the
    /// server stops or the hub stays busy too long.
    async fn call(&mut self, command: impl Fn() -> HubCommand) -> Option<Result<Reply, Refused>> {
        for _ in 0..PATIENCE {
            if *self.state.stop.borrow() {
                return None;
            }
            match self.caller.call(self.team, command()).await {
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
    async fn progress(&mut self, info: BlastInfo, now: bool) -> Result<(), StoreError> {
        let due = self
            .last_progress
            .is_none_or(|at| at.elapsed() >= PROGRESS_EVERY);
        if now || due {
            self.last_progress = Some(Instant::now());
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
