//! Managing a team's webhook bridges (PROTOCOL.md, "Bridges"): creating
//! one with its signing secret (shown once), listing them, their dead
//! letters, and sending a dead letter again. Owner or Manager only, as
//! bots are (`team_to`: `not_found` for those who cannot see the team,
//! `forbidden` for those who can but may not). Removing a bridge is
//! revoking its bot (`revoke_bot`), which also ends its dispatcher.

use super::keys::Retry;
use super::manage::check_field;
use super::{Refusal, Session};
use crate::access::Action;
use crate::blasts::call::HubCaller;
use crate::hub::{HubCommand, Report};
use crate::store::{BotRecord, Webhook};
use crate::time::now;
use crate::webhook::{self, post, reference, Outbound};
use switchboard_protocol::bridge::DeliveryStatus;
use switchboard_protocol::ids::{RequestId, TeamId, UserId};
use switchboard_protocol::manage::BotScope;
use switchboard_protocol::server::Reply;
use switchboard_protocol::webhook::{
    BridgeCreated, BridgeInfo, BridgeList, BridgesRequest, CreateBridge, DeadLetterList,
    DeadLettersRequest, RetryDeadLetter,
};
use switchboard_protocol::ErrorCode;

impl Session {
    pub(super) async fn create_bridge(
        &mut self,
        id: RequestId,
        request: CreateBridge,
    ) -> Result<Option<Reply>, Refusal> {
        let team = self.team_to(Action::ManageTeam, request.team)?;
        let key = request.key.as_deref();
        let Retry::New(_claim) = self.retry(id, team.id, "key", key).await? else {
            return Ok(None);
        };
        let name = request.name.trim();
        check_field("name", name, false)?;
        let url = request.outbound_url.trim();
        check_field("outbound_url", url, false)?;
        post::check_url(url).map_err(|m| Refusal::new(ErrorCode::BadRequest, m))?;
        let store = self.state.store.as_ref();
        let secret = hex::encode(rand::random::<[u8; 32]>());
        // The bot has no token: the server serves it. Its hash is of
        // random bytes nobody holds, so no hello ever matches it.
        let unused: [u8; 32] = rand::random();
        let bot = BotRecord {
            id: UserId(store.next_id()?),
            team: team.id,
            name: name.to_string(),
            scope: BotScope::Bridge,
            created_by: self.principal.user.id,
            created_at: now(),
            revoked: false,
            token_hash: <sha2::Sha256 as sha2::Digest>::digest(unused).into(),
            webhook: Some(Webhook {
                outbound_url: url.to_string(),
                secret: secret.clone(),
            }),
        };
        let info = self.bridge_info(&bot, 0);
        // A retry gets the bridge back without its secret.
        let kept = Reply::Bridge(BridgeCreated {
            bridge: info.clone(),
            secret: String::new(),
        });
        // Listed first: a listed id without its bot is skipped.
        store.put_webhook_bridge(bot.id)?;
        store.create_bot(&bot, self.receipt(key, &kept))?;
        self.state.committer.flushed().await;
        webhook::start(&self.state, bot.id);
        tracing::info!(team = %team.id, bridge = %bot.id, "webhook bridge created");
        Ok(Some(Reply::Bridge(BridgeCreated {
            bridge: info,
            secret,
        })))
    }

    fn bridge_info(&self, bot: &BotRecord, dead_letters: u32) -> BridgeInfo {
        BridgeInfo {
            id: bot.id,
            name: bot.name.clone(),
            outbound_url: (bot.webhook.as_ref())
                .map_or_else(String::new, |w| w.outbound_url.clone()),
            created_at: bot.created_at,
            pending: self.state.edge.webhooks.pending(bot.id),
            dead_letters,
        }
    }

    pub(super) fn webhook_bridges(&self, request: BridgesRequest) -> Result<Reply, Refusal> {
        let team = self.team_to(Action::ManageTeam, request.team)?;
        let store = self.state.store.as_ref();
        let letters = store.team_dead_letters(team.id)?;
        let bridges = (store.team_bots(team.id)?.iter())
            .filter(|b| b.webhook.is_some() && !b.revoked)
            .map(|b| {
                let dead = letters.iter().filter(|d| d.bridge == b.id).count();
                self.bridge_info(b, u32::try_from(dead).unwrap_or(u32::MAX))
            })
            .collect();
        Ok(Reply::Bridges(BridgeList { bridges }))
    }

    pub(super) fn dead_letters(&self, request: DeadLettersRequest) -> Result<Reply, Refusal> {
        let team = self.team_to(Action::ManageTeam, request.team)?;
        let dead_letters = self.state.store.team_dead_letters(team.id)?;
        Ok(Reply::DeadLetters(DeadLetterList { dead_letters }))
    }

    /// POSTs a dead letter once: on a 2xx it leaves the list and its
    /// message's delivery becomes `sent`; otherwise it stays, counting the
    /// attempt, and the request is refused with `unavailable`.
    pub(super) async fn retry_dead_letter(
        &self,
        request: RetryDeadLetter,
    ) -> Result<Reply, Refusal> {
        let team = self.team_to(Action::ManageTeam, request.team)?;
        let store = self.state.store.as_ref();
        let no_letter = || {
            Refusal::new(
                ErrorCode::NotFound,
                format!("no dead letter {}", request.dead_letter),
            )
        };
        let mut letter = store
            .dead_letter(team.id, request.dead_letter)?
            .ok_or_else(no_letter)?;
        let bot = store
            .bot(letter.bridge)?
            .filter(|b| !b.revoked && b.team == team.id);
        let Some(webhook) = bot.as_ref().and_then(|b| b.webhook.clone()) else {
            return Err(Refusal::new(
                ErrorCode::BadRequest,
                "its bridge was removed: nothing to send it through",
            ));
        };
        let body = serde_json::to_vec(&Outbound {
            reference: reference(letter.conversation, letter.seq),
            to: &letter.to,
            body: &letter.body,
            conversation: letter.conversation,
            seq: letter.seq,
            team: team.id,
        })
        .unwrap_or_default();
        let timeout = self.state.config.webhook.timeout;
        letter.attempts = letter.attempts.saturating_add(1);
        if let Err(error) = post::post(&webhook.outbound_url, &webhook.secret, body, timeout).await
        {
            letter.last_error = error.clone();
            letter.failed_at = now();
            store.put_dead_letter(team.id, &letter)?;
            self.state.committer.flushed().await;
            return Err(Refusal::new(
                ErrorCode::Unavailable,
                format!("the gateway refused it again: {error}"),
            ));
        }
        store.remove_dead_letter(team.id, letter.id)?;
        self.write_sent(team.id, &letter).await?;
        Ok(Reply::DeadLetter(letter))
    }

    async fn write_sent(
        &self,
        team: TeamId,
        letter: &switchboard_protocol::webhook::DeadLetter,
    ) -> Result<(), Refusal> {
        let report = Report {
            conversation: letter.conversation,
            seq: letter.seq,
            status: DeliveryStatus::Sent,
            detail: None,
        };
        HubCaller::new(&self.state)
            .call(team, HubCommand::Receipt(report))
            .await
            .map_err(|r| Refusal::new(r.code, r.message))?;
        Ok(())
    }
}
