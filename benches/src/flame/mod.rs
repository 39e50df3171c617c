//! `--flamegraph PATH`: where the server's CPU goes during a scenario's
//! measured span. `perf record` is attached to the server's pid for the
//! span (see [`perf`]), its samples are folded and drawn as an SVG flame
//! graph with inferno, and the report gets the frames most often running
//! (self share) and the server's own frames with the most time under them
//! (inclusive share), so a change to the hot path can say what it aimed at.
//!
//! A scenario holds a [`Profiler`] over its span and describes the
//! resulting [`Profile`] in its section; without the flag both do nothing.
//! `perf` missing or not permitted is an error before the run starts
//! ([`check`]); a recording with no sample is an error too, never an empty
//! graph. Only the server is profiled, never the bench's own load.

mod frames;
mod perf;

use crate::report::{Section, Table};
use crate::target::ServerArgs;
use anyhow::{bail, Context};
use frames::{Frames, Row};
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Rows in each table of top frames.
const TOP: usize = 15;

/// Whether `--flamegraph PATH` can work here, checked before the run:
/// `perf` on PATH and permitted, and a folder for the SVG.
pub(crate) fn check(path: &Path) -> anyhow::Result<()> {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !folder.is_dir() {
        bail!(
            "--flamegraph {}: no folder {}",
            path.display(),
            folder.display()
        );
    }
    perf::check()
}

/// Records the server over a span when `--flamegraph` is given.
pub(crate) struct Profiler {
    recording: Option<(PathBuf, perf::Recording)>,
    label: &'static str,
}

impl Profiler {
    /// Starts recording process `pid` when `--flamegraph` is given;
    /// `label` names the span in the graph's title, e.g. "fan-out steps".
    pub(crate) async fn attach(
        server: &ServerArgs,
        pid: Option<u32>,
        label: &'static str,
    ) -> anyhow::Result<Profiler> {
        let Some(path) = &server.flamegraph else {
            return Ok(Profiler {
                recording: None,
                label,
            });
        };
        let Some(pid) = pid else {
            bail!("--flamegraph needs the server's process id: with --url, give --server-pid");
        };
        let recording = perf::Recording::start(pid).await?;
        Ok(Profiler {
            recording: Some((path.clone(), recording)),
            label,
        })
    }

    /// Stops recording, draws the flame graph and tallies the frames.
    pub(crate) async fn stop(self) -> anyhow::Result<Profile> {
        let Some((path, recording)) = self.recording else {
            return Ok(Profile { drawn: None });
        };
        let recorded = recording.stop().await?;
        let label = self.label;
        let drawn = tokio::task::spawn_blocking(move || draw(&path, label, recorded))
            .await
            .context("the flame graph task failed")??;
        Ok(Profile { drawn: Some(drawn) })
    }
}

/// A profile drawn, ready to describe (nothing without `--flamegraph`).
pub(crate) struct Profile {
    drawn: Option<Drawn>,
}

struct Drawn {
    path: PathBuf,
    frames: Frames,
    span: Duration,
    capped: bool,
}

impl Profile {
    /// Adds the two tables of top frames and a note on the graph.
    pub(crate) fn describe(&self, section: &mut Section) {
        let Some(drawn) = &self.drawn else {
            return;
        };
        let frames = &drawn.frames;
        section.tables.push(table(
            &["hottest frames (self)", "self %", "inclusive %"],
            &frames.by_self(TOP),
            |r| [r.own, r.inclusive],
        ));
        section.tables.push(table(
            &["Switchboard's frames (inclusive)", "inclusive %", "self %"],
            &frames.ours_by_inclusive(TOP),
            |r| [r.inclusive, r.own],
        ));
        let threads: Vec<String> = frames
            .threads()
            .iter()
            .filter(|(_, share)| *share >= 0.005)
            .take(4)
            .map(|(name, share)| format!("{name} {:.0}%", share * 100.0))
            .collect();
        section.notes.push(format!(
            "flame graph: {} ({}; perf with DWARF stacks, inlined functions counted \
             in their caller; by thread: {}); the figures above include perf's overhead",
            drawn.path.display(),
            sampled(frames, drawn.span),
            threads.join(", ")
        ));
        if drawn.capped {
            section.notes.push(
                "perf.data reached its size cap: the profile covers the first part of the span"
                    .to_string(),
            );
        }
    }
}

/// Folds the recording, draws it at `path` and tallies its frames.
fn draw(path: &Path, label: &str, recorded: perf::Recorded) -> anyhow::Result<Drawn> {
    let folded = perf::script(&recorded.data)?;
    let frames = Frames::of_folded(&folded);
    if frames.weight == 0 {
        bail!("perf recorded no sample of the server: no flame graph drawn");
    }
    let mut options = inferno::flamegraph::Options::default();
    options.title = format!("Switchboard server, {label}");
    options.subtitle = Some(sampled(&frames, recorded.span));
    // A sample's weight is nanoseconds of CPU: shown in milliseconds.
    options.factor = 1e-6;
    options.count_name = "ms of CPU".to_string();
    let file =
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut svg = BufWriter::new(file);
    inferno::flamegraph::from_lines(&mut options, folded.lines(), &mut svg)
        .and_then(|()| svg.flush())
        .with_context(|| format!("drawing the flame graph {}", path.display()))?;
    Ok(Drawn {
        path: path.to_path_buf(),
        frames,
        span: recorded.span,
        capped: recorded.capped,
    })
}

/// How much was sampled, e.g. `1,200 samples, 6.0 s of CPU over 3.1 s`.
fn sampled(frames: &Frames, span: Duration) -> String {
    format!(
        "{} samples, {:.1} s of CPU over {:.1} s",
        frames.weight / perf::PERIOD_NS,
        frames.weight as f64 / 1e9,
        span.as_secs_f64()
    )
}

/// A table of frames with two shares as percentages, names as code.
fn table(headers: &[&str], rows: &[Row], shares: impl Fn(&Row) -> [f64; 2]) -> Table {
    let mut table = Table::new(headers);
    for row in rows {
        let [first, second] = shares(row);
        table.row(vec![
            format!("`{}`", row.name),
            format!("{:.1}", first * 100.0),
            format!("{:.1}", second * 100.0),
        ]);
    }
    table
}
