//! Progress bars on stderr while a scenario runs (indicatif). They draw
//! only on a terminal, so piped or CI output stays clean, and they never
//! touch stdout, where the report goes.

use indicatif::{ProgressBar, ProgressStyle};
use std::time::Duration;

/// How often a bar redraws on its own (for phases that only wait).
const TICK: Duration = Duration::from_millis(100);

/// A bar counting `total` things (connections, messages...).
pub(crate) fn counter(total: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(total);
    // The template is a constant known to parse.
    let style = ProgressStyle::with_template(
        "{prefix:>10} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_prefix(what.to_string());
    bar.enable_steady_tick(TICK);
    bar
}

/// A bar for a phase that lasts `span`, advanced in milliseconds by the
/// caller (or left to its spinner for open-ended waits).
pub(crate) fn timed(span: Duration, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(u64::try_from(span.as_millis()).unwrap_or(u64::MAX).max(1));
    // The template is a constant known to parse.
    let style = ProgressStyle::with_template("{prefix:>10} [{elapsed_precise}] {wide_bar} {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_prefix(what.to_string());
    bar.enable_steady_tick(TICK);
    bar
}

/// Waits `span`, moving a timed bar along; the bar is cleared at the end.
pub(crate) async fn wait(span: Duration, what: &str) {
    let bar = timed(span, what);
    let start = tokio::time::Instant::now();
    let end = start + span;
    while tokio::time::Instant::now() < end {
        tokio::time::sleep(TICK.min(end - tokio::time::Instant::now())).await;
        bar.set_position(u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX));
    }
    bar.finish_and_clear();
}
