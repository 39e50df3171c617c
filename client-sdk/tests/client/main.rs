//! The SDK against a scripted fake server: what an application would notice
//! about ids, resume, reconnects and closing.

mod closing;
mod fake;
mod requests;
mod resume;
