//! The HTTP edge under abuse: sign-up that does not tell who is
//! registered ([`signup`]), throttled password attempts and a bounded
//! hashing queue ([`throttle`]), timeouts and a cap on open connections
//! ([`connections`]), the backup endpoint's credential and single slot
//! ([`backup`]), and the sweep and password change that end old access
//! ([`account`]).

mod account;
mod backup;
mod confirm;
mod connections;
mod signup;
mod throttle;

use crate::util::TestServer;
use switchboard_server::Config;

const PASSWORD: &str = "correct horse battery staple";

/// A server on `dir` with its configuration changed by `change`.
async fn start_with(dir: &std::path::Path, change: impl FnOnce(&mut Config)) -> TestServer {
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), dir);
    change(&mut config);
    TestServer::start_with(config).await
}
