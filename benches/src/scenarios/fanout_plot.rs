//! The fan-out latency plot: one percentile spectrum per server, step and
//! group, each over all of the step's rounds (the rounds of one step are
//! the same load, so their deliveries are one sample).

use super::fanout::Workload;
use super::fanout_report::Runs;
use crate::plot;
use crate::report;

/// Draws every step of every server, one line per step and group, each
/// over all of the step's rounds.
pub(super) fn draw(
    path: &std::path::Path,
    workload: &Workload<'_>,
    runs: &Runs<'_>,
) -> anyhow::Result<()> {
    let several = runs.all().count() > 1;
    let merged: Vec<(String, hdrhistogram::Histogram<u64>)> = runs
        .all()
        .flat_map(|run| {
            let name = run.who.name();
            run.steps.iter().flat_map(move |step| {
                let name = name.clone();
                (0..workload.groups.len()).map(move |g| {
                    let mut histogram = report::histogram();
                    for round in &step.rounds {
                        report::merge(&mut histogram, &round.outcomes[g].histogram);
                    }
                    let group = &workload.groups[g].name;
                    let label = if several {
                        format!("{name}, {group} at {:.0} msg/s", step.offered)
                    } else {
                        format!("{group} at {:.0} msg/s", step.offered)
                    };
                    (label, histogram)
                })
            })
        })
        .collect();
    let series: Vec<plot::Series<'_>> = merged
        .iter()
        .map(|(label, histogram)| plot::Series {
            label: label.clone(),
            histogram,
        })
        .collect();
    let title = if several {
        "Fan-out latency, side by side"
    } else {
        "Switchboard fan-out latency"
    };
    plot::spectrum(path, title, &series, Some(workload.args.threshold_ms))
}
