//! Managing a team's bots (PROTOCOL.md, "Bots"): creating one with its
//! token, revoking it, listing them. Owner or Manager only, checked through
//! `team_to` like every management request: `not_found` for those who
//! cannot see the team, `forbidden` for those who can but may not.
//!
//! Revoking deletes the token in the store first, then closes every live
//! connection that said hello with it with 4001 (dropping what was queued),
//! so the bot receives nothing more and its token says hello no more.

use super::keys::Retry;
use super::manage::check_field;
use super::{Refusal, Session};
use crate::access::Action;
use crate::bots;
use switchboard_protocol::close;
use switchboard_protocol::ids::RequestId;
use switchboard_protocol::manage::{Bots, CreateBot, RevokeBot};
use switchboard_protocol::server::{BotCreated, BotList, Reply};

impl Session {
    pub(super) async fn create_bot(
        &mut self,
        id: RequestId,
        request: CreateBot,
    ) -> Result<Option<Reply>, Refusal> {
        let team = self.team_to(Action::ManageTeam, request.team)?;
        let key = request.key.as_deref();
        let Retry::New(_claim) = self.retry(id, team.id, "key", key).await? else {
            return Ok(None);
        };
        let name = request.name.trim();
        check_field("name", name, false)?;
        let store = self.state.store.as_ref();
        // The token is shown once and never stored: a retry gets the bot
        // back without it (revoke it and create another if the first
        // answer was lost).
        let me = self.principal.user.id;
        let (bot, token) = bots::create_with_key(store, team.id, name, request.scope, me, key)?;
        self.state.committer.flushed().await;
        tracing::info!(team = %team.id, bot = %bot.id, scope = ?bot.scope, "bot created");
        Ok(Some(Reply::Bot(BotCreated {
            bot: bot.info(),
            token,
        })))
    }

    pub(super) async fn revoke_bot(&mut self, request: RevokeBot) -> Result<Reply, Refusal> {
        let team = self.team_to(Action::ManageTeam, request.team)?;
        let bot = bots::revoke(self.state.store.as_ref(), team.id, request.bot)?;
        let closed = self.state.live.close_token(
            &bot.token_hash,
            close::UNAUTHORIZED,
            "the bot's token was revoked",
        );
        self.state.committer.flushed().await;
        tracing::info!(team = %team.id, bot = %bot.id, closed, "bot revoked");
        Ok(Reply::BotRevoked {
            team: team.id,
            bot: bot.id,
        })
    }

    pub(super) fn bots(&self, request: Bots) -> Result<Reply, Refusal> {
        let team = self.team_to(Action::ManageTeam, request.team)?;
        let bots = self.state.store.team_bots(team.id)?;
        Ok(Reply::Bots(BotList {
            team: team.id,
            bots: bots.iter().map(|b| b.info()).collect(),
        }))
    }
}
