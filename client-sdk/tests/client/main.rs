//! The SDK against a scripted fake server: what an application would notice
//! about ids, resume, reconnects and closing.

mod closing;
mod failover;
mod fake;
mod refusals;
mod requests;
mod resume;
