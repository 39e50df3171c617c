//! The SDK against a scripted fake server, and against real servers
//! (`nodes`): what an application would notice about ids, resume,
//! reconnects, several servers, temporary refusals and closing.

mod closing;
mod failover;
mod fake;
mod nodes;
mod posts;
mod refusals;
mod requests;
mod resume;
