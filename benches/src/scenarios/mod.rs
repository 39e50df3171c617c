//! The scenarios, one file each. Every scenario prepares its own server
//! (a fresh child process on a fresh folder, or `--url`), runs, and returns
//! a [`Section`](crate::report::Section) of the report; `all` runs them in
//! turn at moderate sizes.
//!
//! Sizes are checked against the open-files limit before anything starts:
//! the bench and the server each hold one descriptor per connection.

pub(crate) mod all;
pub(crate) mod durable;
pub(crate) mod fanout;
mod fanout_compare;
mod fanout_peers;
mod fanout_report;
mod fanout_steps;
pub(crate) mod history;
pub(crate) mod idle;
pub(crate) mod ramp;
pub(crate) mod storm;
mod storm_client;
mod storm_report;
mod subscriber;

use crate::proc_stats::ProcSample;
use crate::report::Section;

/// KiB as MiB.
pub(crate) fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Clamps a requested connection count to what the open-files limit allows,
/// noting it in the section when it had to.
pub(crate) fn capped(requested: usize, section: &mut Section) -> usize {
    let cap = crate::target::connection_cap();
    if requested > cap {
        section.notes.push(format!(
            "{requested} connections requested; capped at {cap} by the open-files limit \
             (ulimit -n) less a margin"
        ));
        cap
    } else {
        requested
    }
}

/// Server CPU between two samples, in percent of one core.
pub(crate) fn cpu(before: Option<ProcSample>, after: Option<ProcSample>) -> Option<f64> {
    Some(after?.cpu_percent_since(&before?))
}
