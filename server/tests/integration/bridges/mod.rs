//! Channel bridges: a bot of scope `bridge` relays contacts' messages into
//! its team (`relay`) and reports the delivery of the team's replies
//! (`receipt`), through the SDK against a real server.

mod audience;
pub mod gateway;
mod receipts;
mod relay;
mod webhook;
mod webhook_restart;

use crate::util::*;
use switchboard_protocol::ids::TeamId;
use switchboard_protocol::manage::BotScope;
use switchboard_server::bots;

/// A new bot of `team` with `scope`, created by `by`.
pub fn bot_of(server: &TestServer, team: TeamId, name: &str, scope: BotScope, by: &Login) -> Login {
    let store = server.server.store();
    let (bot, token) = bots::create(store.as_ref(), team, name, scope, by.user).unwrap();
    store.flush().unwrap();
    Login {
        user: bot.id,
        token,
    }
}
