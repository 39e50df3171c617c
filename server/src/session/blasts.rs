//! The blast requests: `preview_blast`, `create_blast`, `blasts`, `blast`,
//! `pause_blast`, `resume_blast` and `cancel_blast`, for the team's people
//! (`Action::SendBlasts`: Managers and Members; not Restricted Members,
//! not bots). The sending itself is `blasts::engine`'s.
//!
//! Reading the audience may take a while on a large book: it is done on
//! the blocking pool, a page at a time, never on the connection's task.

use super::{Refusal, Session};
use crate::access::Action;
use crate::blasts::{audience, engine, opted_out, status, template::Template};
use crate::store::{BlastRecord, Store, StoreError};
use std::sync::Arc;
use switchboard_protocol::blast::*;
use switchboard_protocol::contacts::ContactQuery;
use switchboard_protocol::ids::{BlastId, TeamId};
use switchboard_protocol::server::Reply;
use switchboard_protocol::{ClientFrame, ErrorCode};

/// Samples a preview shows.
const SAMPLES: usize = 3;
/// Recipients written per store call while taking the snapshot.
const SNAPSHOT_CHUNK: usize = 500;
/// Longest blast name, in characters.
const MAX_NAME: usize = 200;

impl Session {
    pub(super) async fn blasts(&self, frame: ClientFrame) -> Result<Reply, Refusal> {
        match frame {
            ClientFrame::PreviewBlast(p) => {
                self.team_for(Action::SendBlasts, p.team)?;
                let template = self.template(p.team, &p.template)?;
                let preview = blocking(&self.state.store, move |store| {
                    preview(store, p.team, &p.audience, &template)
                })
                .await?;
                Ok(Reply::BlastPreview(preview))
            }
            ClientFrame::CreateBlast(c) => self.create_blast(c).await,
            ClientFrame::Blasts(b) => {
                self.team_for(Action::SendBlasts, b.team)?;
                let mut list = Vec::new();
                for record in self.state.store.team_blasts(b.team, LISTED)? {
                    list.push(status::with_replies(&self.state, record.info)?);
                }
                Ok(Reply::Blasts(BlastList {
                    team: b.team,
                    blasts: list,
                }))
            }
            ClientFrame::Blast(b) => self.blast_detail(b),
            ClientFrame::PauseBlast(c) => {
                self.control(c, BlastStatus::Paused, &[BlastStatus::Running])
                    .await
            }
            ClientFrame::ResumeBlast(c) => {
                let (team, blast) = (c.team, c.blast);
                let reply = self
                    .control(c, BlastStatus::Running, &[BlastStatus::Paused])
                    .await?;
                engine::start(&self.state, team, blast);
                Ok(reply)
            }
            ClientFrame::CancelBlast(c) => {
                let from = [BlastStatus::Running, BlastStatus::Paused];
                self.control(c, BlastStatus::Cancelled, &from).await
            }
            _ => Err(Refusal::new(ErrorCode::BadRequest, "not a blast request")),
        }
    }

    /// The template parsed against the team's fields (`bad_request` naming
    /// what is wrong).
    fn template(&self, team: TeamId, source: &str) -> Result<Template, Refusal> {
        let fields: Vec<String> = (self.state.store.contact_fields(team)?)
            .into_iter()
            .map(|f| f.key)
            .collect();
        Template::parse(source, &fields).map_err(|e| Refusal::new(ErrorCode::BadRequest, e))
    }

    async fn create_blast(&self, c: CreateBlast) -> Result<Reply, Refusal> {
        self.team_for(Action::SendBlasts, c.team)?;
        if c.key.is_empty() || c.key.len() > 64 {
            return Err(Refusal::new(
                ErrorCode::BadRequest,
                "a key holds 1 to 64 bytes",
            ));
        }
        let name = c.name.trim().to_string();
        if name.is_empty() || name.chars().count() > MAX_NAME {
            return Err(Refusal::new(
                ErrorCode::BadRequest,
                format!("a blast's name holds 1 to {MAX_NAME} characters"),
            ));
        }
        // Checked now; rendered per recipient as it is sent.
        self.template(c.team, &c.template)?;
        let by = self.principal.user.id;
        let store = Arc::clone(&self.state.store);
        // One creation at a time on this server: a retry of the same key
        // waits for the first, then finds it.
        let _creating = self.state.edge.blasts.creating.lock().await;
        let earlier = store.team_blasts(c.team, usize::MAX)?;
        if let Some(found) = earlier
            .into_iter()
            .find(|b| b.info.created_by == by && b.key == c.key)
        {
            return Ok(Reply::Blast(status::with_replies(&self.state, found.info)?));
        }
        let Some(team) = store.team(c.team)? else {
            return Err(Refusal::new(
                ErrorCode::NotFound,
                format!("no team {}", c.team),
            ));
        };
        let id = BlastId(store.next_id()?);
        let audience = c.audience.clone();
        let total = blocking(&store, move |store| snapshot(store, c.team, id, &audience)).await?;
        let record = BlastRecord {
            info: BlastInfo {
                id,
                team: c.team,
                name,
                template: c.template,
                created_by: by,
                created_at: crate::time::now(),
                status: BlastStatus::Running,
                total,
                sent: 0,
                skipped: 0,
                failed: 0,
                replies: 0,
                rate: team.blast_rate(),
            },
            audience: c.audience,
            key: c.key,
        };
        // The recipients are all stored before the record that makes the
        // blast exist: a running blast always has its whole snapshot.
        store.put_blast(&record)?;
        self.state.committer.flushed().await;
        engine::start(&self.state, c.team, id);
        Ok(Reply::Blast(record.info))
    }

    fn blast_detail(&self, b: BlastRequest) -> Result<Reply, Refusal> {
        self.team_for(Action::SendBlasts, b.team)?;
        let store = &self.state.store;
        let record = self.found(b.team, b.blast)?;
        let mut recipients =
            store.blast_recipients(b.team, b.blast, b.after, RECIPIENT_PAGE + 1)?;
        let next = (recipients.len() > RECIPIENT_PAGE).then(|| {
            recipients.truncate(RECIPIENT_PAGE);
            recipients.last().map(|r| r.contact)
        });
        for r in &mut recipients {
            r.replied = store.blast_replied(b.team, b.blast, r.contact)?;
        }
        Ok(Reply::BlastDetail(BlastDetail {
            info: status::with_replies(&self.state, record.info)?,
            recipients,
            next: next.flatten(),
        }))
    }

    /// Moves a blast to `to` if it stands in one of `from` (already at
    /// `to`: answered as it is), under its lock: the runner sends no
    /// message after the answer.
    async fn control(
        &self,
        c: BlastControl,
        to: BlastStatus,
        from: &[BlastStatus],
    ) -> Result<Reply, Refusal> {
        self.team_for(Action::SendBlasts, c.team)?;
        let lock = self.state.edge.blasts.lock(c.blast);
        let _held = lock.write().await;
        let record = self.found(c.team, c.blast)?;
        if record.info.status == to {
            return Ok(Reply::Blast(status::with_replies(
                &self.state,
                record.info,
            )?));
        }
        if !from.contains(&record.info.status) {
            return Err(Refusal::new(
                ErrorCode::BadState,
                format!("the blast is {:?}", record.info.status).to_lowercase(),
            ));
        }
        match status::set_status(&self.state, c.team, c.blast, to).await? {
            Some(info) => {
                self.state.committer.flushed().await;
                Ok(Reply::Blast(info))
            }
            None => Err(no_blast(c.blast)),
        }
    }

    fn found(&self, team: TeamId, blast: BlastId) -> Result<BlastRecord, Refusal> {
        self.state
            .store
            .blast(team, blast)?
            .ok_or_else(|| no_blast(blast))
    }
}

fn no_blast(blast: BlastId) -> Refusal {
    Refusal::new(ErrorCode::NotFound, format!("no blast {blast}"))
}

/// Runs `work` on the blocking pool.
async fn blocking<T: Send + 'static>(
    store: &Arc<dyn Store>,
    work: impl FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, Refusal> {
    let store = Arc::clone(store);
    match tokio::task::spawn_blocking(move || work(store.as_ref())).await {
        Ok(result) => Ok(result?),
        Err(e) => {
            tracing::error!(error = %e, "a blast's audience could not be read");
            Err(Refusal::new(ErrorCode::Internal, "internal error"))
        }
    }
}

/// The count, the opted-out count and the first samples of an audience.
fn preview(
    store: &dyn Store,
    team: TeamId,
    query: &ContactQuery,
    template: &Template,
) -> Result<BlastPreview, StoreError> {
    let mut preview = BlastPreview {
        count: 0,
        opted_out: 0,
        samples: Vec::new(),
    };
    audience::for_each(store, team, query, |contact| {
        preview.count += 1;
        if opted_out(&contact) {
            preview.opted_out += 1;
        } else if preview.samples.len() < SAMPLES {
            preview.samples.push(BlastSample {
                contact: contact.id,
                body: template.render(&contact),
                name: contact.name,
            });
        }
        true
    })?;
    Ok(preview)
}

/// Stores every contact of the audience as a pending recipient; their
/// count.
fn snapshot(
    store: &dyn Store,
    team: TeamId,
    blast: BlastId,
    query: &ContactQuery,
) -> Result<u64, StoreError> {
    let mut total = 0u64;
    let mut chunk = Vec::with_capacity(SNAPSHOT_CHUNK);
    let mut failure = None;
    audience::for_each(store, team, query, |contact| {
        total += 1;
        chunk.push(BlastRecipient {
            contact: contact.id,
            name: contact.name,
            state: RecipientState::Pending,
            conversation: None,
            seq: None,
            replied: false,
        });
        if chunk.len() == SNAPSHOT_CHUNK {
            if let Err(e) = store.put_blast_recipients(team, blast, &chunk) {
                failure = Some(e);
                return false;
            }
            chunk.clear();
        }
        true
    })?;
    if let Some(e) = failure {
        return Err(e);
    }
    store.put_blast_recipients(team, blast, &chunk)?;
    Ok(total)
}
