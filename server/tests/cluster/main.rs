//! Cluster tests: a 3-node NATS JetStream cluster and three Switchboard
//! nodes on loopback, each node a child process of the debug binary so it
//! can be killed (`kill -9`) or paused (SIGSTOP) for real. When
//! `nats-server` is missing these tests say so and return, except with
//! `CI=true`, where they fail (CI installs it: `.ci/run`).

mod broker;
mod nats;
