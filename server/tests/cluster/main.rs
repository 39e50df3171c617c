//! Cluster tests: a 3-node NATS JetStream cluster and three Switchboard
//! nodes on loopback, each node a child process of the debug binary so it
//! can be killed (`kill -9`) or paused (SIGSTOP) for real. When
//! `nats-server` is missing these tests say so and return, except with
//! `CI=true`, where they fail (CI installs it: `.ci/run`).
//!
//! Harness: [`nats`] (the NATS servers), [`nodes`] (the Switchboard
//! processes), [`world`] (both, with a world seeded through a `Cluster` of
//! the test's own), [`sender`] and [`follower`] (clients that move to
//! another node when theirs dies). The integration tests' fixtures
//! (`util`, `api_client`) and the permission matrix's event harness are
//! included from `tests/integration` as they are.

mod access;
mod book;
mod bridges;
mod broker;
mod failover;
mod fencing;
mod follower;
mod limits;
mod matrix;
mod nats;
mod nodes;
mod ordering;
mod posts;
mod restricted;
mod sender;
mod signals;
mod webhook;
mod world;

// Not every fixture of theirs is used here.
#[allow(dead_code)]
#[path = "../integration/api_client.rs"]
mod api_client;
#[allow(dead_code)]
#[path = "../integration/bridges/gateway.rs"]
mod gateway;
#[allow(dead_code)]
#[path = "../integration/util.rs"]
mod util;
