//! Typed requests for blasts (PROTOCOL.md, "Blasts"): preview a template
//! for an audience of the book, create a blast (sent at the team's
//! `blast_rate`, each contact one message in their own conversation),
//! list them, read one with a page of its recipients, and pause, resume
//! or cancel one. The team's Managers and Members may; Restricted Members
//! and bots may not. Progress arrives as `blast_progress` events to
//! subscribers of the team (protocol version 3).
//!
//! `create_blast` carries a key of the client's drawing and is resent with
//! it after a dropped connection: the blast is created once.

use crate::client::{unexpected, Client};
use crate::error::Error;
use crate::request::{new_key, Call};
use switchboard_protocol::blast::{self, BlastDetail, BlastInfo, BlastPreview, PreviewBlast};
use switchboard_protocol::client::ClientFrame;
use switchboard_protocol::contacts::ContactQuery;
use switchboard_protocol::server::Reply;
use switchboard_protocol::{BlastId, ContactId, RequestId, TeamId};

/// A blast request, without its id.
#[derive(Debug, Clone)]
pub(crate) enum BlastRequest {
    Preview(TeamId, ContactQuery, String),
    Create {
        team: TeamId,
        key: String,
        name: String,
        audience: ContactQuery,
        template: String,
    },
    List(TeamId),
    Read(TeamId, BlastId, Option<ContactId>),
    Pause(TeamId, BlastId),
    Resume(TeamId, BlastId),
    Cancel(TeamId, BlastId),
}

impl BlastRequest {
    pub(crate) fn into_frame(self, id: RequestId) -> ClientFrame {
        let control = |team, blast| blast::BlastControl { id, team, blast };
        match self {
            BlastRequest::Preview(team, audience, template) => {
                ClientFrame::PreviewBlast(PreviewBlast {
                    id,
                    team,
                    audience,
                    template,
                })
            }
            BlastRequest::Create {
                team,
                key,
                name,
                audience,
                template,
            } => ClientFrame::CreateBlast(blast::CreateBlast {
                id,
                team,
                key,
                name,
                audience,
                template,
            }),
            BlastRequest::List(team) => ClientFrame::Blasts(blast::Blasts { id, team }),
            BlastRequest::Read(team, blast, after) => ClientFrame::Blast(blast::BlastRequest {
                id,
                team,
                blast,
                after,
            }),
            BlastRequest::Pause(team, blast) => ClientFrame::PauseBlast(control(team, blast)),
            BlastRequest::Resume(team, blast) => ClientFrame::ResumeBlast(control(team, blast)),
            BlastRequest::Cancel(team, blast) => ClientFrame::CancelBlast(control(team, blast)),
        }
    }
}

fn info(reply: Reply) -> Result<BlastInfo, Error> {
    match reply {
        Reply::Blast(info) => Ok(info),
        other => Err(unexpected("blast", &other)),
    }
}

impl Client {
    /// What a blast of `template` to `audience` would send: the count,
    /// how many opted out, and up to three rendered messages. An unknown
    /// placeholder is refused with `bad_request`.
    pub async fn preview_blast(
        &self,
        team: TeamId,
        audience: ContactQuery,
        template: &str,
    ) -> Result<BlastPreview, Error> {
        let request = BlastRequest::Preview(team, audience, template.to_string());
        match self.call(Call::Blast(request)).await? {
            Reply::BlastPreview(preview) => Ok(preview),
            other => Err(unexpected("blast_preview", &other)),
        }
    }

    /// Creates a blast of `template` to the contacts `audience` finds now,
    /// and starts sending it, as the caller, at the team's `blast_rate`.
    pub async fn create_blast(
        &self,
        team: TeamId,
        name: &str,
        audience: ContactQuery,
        template: &str,
    ) -> Result<BlastInfo, Error> {
        let request = BlastRequest::Create {
            team,
            key: new_key(),
            name: name.to_string(),
            audience,
            template: template.to_string(),
        };
        info(self.keyed(Call::Blast(request)).await?)
    }

    /// The team's blasts, newest first (at most 100).
    pub async fn blasts(&self, team: TeamId) -> Result<Vec<BlastInfo>, Error> {
        match self.call(Call::Blast(BlastRequest::List(team))).await? {
            Reply::Blasts(list) => Ok(list.blasts),
            other => Err(unexpected("blasts", &other)),
        }
    }

    /// A blast and a page of its recipients (at most 500, by contact id)
    /// after `after`; pass the page's `next` for the following one.
    pub async fn blast(
        &self,
        team: TeamId,
        blast: BlastId,
        after: Option<ContactId>,
    ) -> Result<BlastDetail, Error> {
        let request = BlastRequest::Read(team, blast, after);
        match self.call(Call::Blast(request)).await? {
            Reply::BlastDetail(detail) => Ok(detail),
            other => Err(unexpected("blast_detail", &other)),
        }
    }

    /// Pauses a running blast: once answered, none of its messages is
    /// sent until [`Client::resume_blast`].
    pub async fn pause_blast(&self, team: TeamId, blast: BlastId) -> Result<BlastInfo, Error> {
        info(
            self.call(Call::Blast(BlastRequest::Pause(team, blast)))
                .await?,
        )
    }

    /// Resumes a paused blast, at the team's `blast_rate` as it now is.
    pub async fn resume_blast(&self, team: TeamId, blast: BlastId) -> Result<BlastInfo, Error> {
        info(
            self.call(Call::Blast(BlastRequest::Resume(team, blast)))
                .await?,
        )
    }

    /// Cancels a blast for good: once answered, none of its messages is
    /// sent; recipients not reached stay `pending`.
    pub async fn cancel_blast(&self, team: TeamId, blast: BlastId) -> Result<BlastInfo, Error> {
        info(
            self.call(Call::Blast(BlastRequest::Cancel(team, blast)))
                .await?,
        )
    }
}
