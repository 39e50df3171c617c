//! What a run measured, and how it is shown: latency histograms and their
//! summaries, markdown tables, target checks and the JSON file.
//!
//! Latencies are recorded in microseconds in HDR histograms (3 significant
//! digits, up to a minute; slower values are clamped to the top, which a
//! report showing a one-minute max makes plain). A scenario returns one
//! [`Section`]; a run prints its sections as markdown and writes them, with
//! the machine they ran on, as one JSON document.
//!
//! Two kinds of verdict are kept apart: a *failure* means the run saw
//! something wrong (a missing or doubled message, a refused connection
//! where none was expected) and makes the process exit 1; a missed
//! *target* is a performance figure below the goal, shown as such, and
//! only fails the run under `--strict`.

use anyhow::Context;
use hdrhistogram::Histogram;
use serde::Serialize;
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

/// The largest latency a histogram tells apart, in microseconds.
const MAX_MICROS: u64 = 60_000_000;

/// A fresh latency histogram, in microseconds.
pub(crate) fn histogram() -> Histogram<u64> {
    // 1 µs to a minute at 3 significant digits is a valid configuration.
    Histogram::new_with_bounds(1, MAX_MICROS, 3).expect("valid histogram bounds")
}

/// Records a latency given in nanoseconds.
pub(crate) fn record_nanos(histogram: &mut Histogram<u64>, nanos: u64) {
    histogram.saturating_record((nanos / 1_000).clamp(1, MAX_MICROS));
}

/// Adds `from` into `into`.
pub(crate) fn merge(into: &mut Histogram<u64>, from: &Histogram<u64>) {
    // Both come from `histogram()`, with the same bounds, so adding cannot
    // overflow their range; a failure would only lose samples.
    let _ = into.add(from);
}

/// A latency distribution in milliseconds, as reported.
#[derive(Debug, Clone, Copy, Serialize, Default)]
pub(crate) struct Latency {
    /// Samples.
    pub(crate) count: u64,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
    pub(crate) p999_ms: f64,
    pub(crate) max_ms: f64,
    pub(crate) mean_ms: f64,
}

impl Latency {
    /// The summary of a histogram of microseconds.
    pub(crate) fn of(h: &Histogram<u64>) -> Latency {
        if h.is_empty() {
            return Latency::default();
        }
        let ms = |micros: u64| micros as f64 / 1_000.0;
        Latency {
            count: h.len(),
            p50_ms: ms(h.value_at_quantile(0.50)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            p999_ms: ms(h.value_at_quantile(0.999)),
            max_ms: ms(h.max()),
            mean_ms: h.mean() / 1_000.0,
        }
    }

    /// The four figures as table cells: p50, p99, p99.9, max.
    pub(crate) fn cells(&self) -> [String; 4] {
        if self.count == 0 {
            return ["-".into(), "-".into(), "-".into(), "-".into()];
        }
        [
            ms(self.p50_ms),
            ms(self.p99_ms),
            ms(self.p999_ms),
            ms(self.max_ms),
        ]
    }
}

/// Milliseconds for a table cell.
pub(crate) fn ms(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

/// A count per second over `span` (0 for an empty span).
pub(crate) fn per_second(count: u64, span: Duration) -> f64 {
    if span.is_zero() {
        0.0
    } else {
        count as f64 / span.as_secs_f64()
    }
}

/// An optional figure for a table cell, with `digits` decimals.
pub(crate) fn opt(value: Option<f64>, digits: usize) -> String {
    value.map_or("-".to_string(), |v| format!("{v:.digits$}"))
}

/// Repeated measurements of one figure: their median and their range.
#[derive(Debug, Clone, Copy, Serialize, Default, PartialEq)]
pub(crate) struct Spread {
    /// How many values.
    pub(crate) n: usize,
    pub(crate) median: f64,
    pub(crate) min: f64,
    pub(crate) max: f64,
}

impl Spread {
    /// The spread of `values` (NaNs ignored); all zero when there are none.
    /// With an even count the median is the mean of the middle two.
    pub(crate) fn of(values: impl IntoIterator<Item = f64>) -> Spread {
        let mut v: Vec<f64> = values.into_iter().filter(|x| !x.is_nan()).collect();
        if v.is_empty() {
            return Spread::default();
        }
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        Spread {
            n,
            median,
            min: v[0],
            max: v[n - 1],
        }
    }

    /// The median with the range, e.g. `12.3 (11.0-14.1)`, each value shown
    /// by `show`; the median alone when there is one value.
    pub(crate) fn cell(&self, show: impl Fn(f64) -> String) -> String {
        match self.n {
            0 => "-".to_string(),
            1 => show(self.median),
            _ => format!(
                "{} ({}-{})",
                show(self.median),
                show(self.min),
                show(self.max)
            ),
        }
    }

    /// This median over `other`'s (`None` when `other`'s is zero or absent).
    pub(crate) fn ratio(&self, other: &Spread) -> Option<f64> {
        (self.n > 0 && other.n > 0 && other.median != 0.0).then(|| self.median / other.median)
    }
}

/// A markdown table.
#[derive(Debug, Clone, Default)]
pub(crate) struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// An empty table with these column headers.
    pub(crate) fn new(headers: &[&str]) -> Table {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells are left empty.
    pub(crate) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn render(&self, out: &mut String) {
        let line = |cells: &[String]| {
            let mut text = String::from("|");
            for i in 0..self.headers.len() {
                let cell = cells.get(i).map_or("", String::as_str);
                text.push(' ');
                text.push_str(&cell.replace('|', "\\|"));
                text.push_str(" |");
            }
            text
        };
        let _ = writeln!(out, "{}", line(&self.headers));
        let _ = writeln!(out, "|{}", "---|".repeat(self.headers.len()));
        for row in &self.rows {
            let _ = writeln!(out, "{}", line(row));
        }
    }
}

/// A performance goal and how the run fared against it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TargetCheck {
    /// What the goal is, e.g. "p99 < 15 ms in the big team".
    pub(crate) goal: String,
    /// What the run saw.
    pub(crate) observed: String,
    /// Whether it was met.
    pub(crate) met: bool,
}

/// What one scenario reports.
#[derive(Debug, Clone)]
pub(crate) struct Section {
    /// The scenario's name (`idle`, `fanout`...): the JSON key.
    pub(crate) name: String,
    /// A one-line description of what ran.
    pub(crate) title: String,
    /// The figures.
    pub(crate) tables: Vec<Table>,
    /// Lines printed under the tables.
    pub(crate) notes: Vec<String>,
    /// Performance goals.
    pub(crate) targets: Vec<TargetCheck>,
    /// Things the run saw go wrong (each makes the run fail).
    pub(crate) failures: Vec<String>,
    /// Everything measured, for the JSON file.
    pub(crate) data: Value,
}

impl Section {
    /// An empty section.
    pub(crate) fn new(name: &str, title: String) -> Section {
        Section {
            name: name.to_string(),
            title,
            tables: Vec::new(),
            notes: Vec::new(),
            targets: Vec::new(),
            failures: Vec::new(),
            data: Value::Null,
        }
    }

    /// Adds a target check.
    pub(crate) fn target(&mut self, goal: &str, observed: String, met: bool) {
        self.targets.push(TargetCheck {
            goal: goal.to_string(),
            observed,
            met,
        });
    }

    fn render(&self, out: &mut String) {
        let _ = writeln!(out, "## {}\n\n{}\n", self.name, self.title);
        for table in &self.tables {
            table.render(out);
            out.push('\n');
        }
        if !self.targets.is_empty() {
            let mut targets = Table::new(&["target", "observed", "met"]);
            for t in &self.targets {
                let met = if t.met { "yes" } else { "**no**" };
                targets.row(vec![t.goal.clone(), t.observed.clone(), met.into()]);
            }
            targets.render(out);
            out.push('\n');
        }
        for note in &self.notes {
            let _ = writeln!(out, "- {note}");
        }
        for failure in &self.failures {
            let _ = writeln!(out, "- **FAILED**: {failure}");
        }
        if !self.notes.is_empty() || !self.failures.is_empty() {
            out.push('\n');
        }
    }

    fn json(&self) -> Value {
        json!({
            "title": self.title,
            "targets": self.targets,
            "failures": self.failures,
            "notes": self.notes,
            "data": self.data,
        })
    }
}

/// A whole run: one or more sections.
#[derive(Debug, Default)]
pub(crate) struct Report {
    /// In the order they ran.
    pub(crate) sections: Vec<Section>,
}

impl Report {
    /// The markdown printed on stdout.
    pub(crate) fn markdown(&self) -> String {
        let mut out = String::from("# switchboard-bench\n\n");
        let machine = machine();
        let _ = writeln!(
            out,
            "Machine: {} cores ({}), {:.1} GiB, Linux {}, open files limit {}{}.\n",
            machine["cores"],
            machine["cpu"].as_str().unwrap_or("?"),
            machine["memory_gib"].as_f64().unwrap_or(0.0),
            machine["kernel"].as_str().unwrap_or("?"),
            machine["open_files_limit"],
            machine["pinned"]
                .as_str()
                .map_or(String::new(), |split| format!("; pinned: {split}")),
        );
        for section in &self.sections {
            section.render(&mut out);
        }
        out
    }

    /// Writes the JSON document to `path`.
    pub(crate) fn write_json(&self, path: &Path) -> anyhow::Result<()> {
        let scenarios: serde_json::Map<String, Value> = self
            .sections
            .iter()
            .map(|s| (s.name.clone(), s.json()))
            .collect();
        let unix = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let doc = json!({
            "tool": "switchboard-bench",
            "version": env!("CARGO_PKG_VERSION"),
            "unix_time": unix,
            "machine": machine(),
            "scenarios": scenarios,
        });
        let text = serde_json::to_string_pretty(&doc).context("encoding the JSON report")?;
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
    }

    /// Everything that went wrong, over all sections.
    pub(crate) fn failures(&self) -> Vec<String> {
        self.sections
            .iter()
            .flat_map(|s| s.failures.iter().map(move |f| format!("{}: {f}", s.name)))
            .collect()
    }

    /// Every target missed, over all sections.
    pub(crate) fn missed_targets(&self) -> Vec<String> {
        self.sections
            .iter()
            .flat_map(|s| {
                s.targets
                    .iter()
                    .filter(|t| !t.met)
                    .map(move |t| format!("{}: {} (saw {})", s.name, t.goal, t.observed))
            })
            .collect()
    }
}

/// The machine the run happened on, from /proc.
fn machine() -> Value {
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let cpu = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or("unknown".to_string(), |s| s.trim().to_string());
    let meminfo = read("/proc/meminfo");
    let mem_kib: u64 = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    // Pinned, the bench itself may run on only part of the machine.
    let cores = match crate::pin::split() {
        Some(split) => split.bench.len() + split.servers.len(),
        None => std::thread::available_parallelism().map_or(0, |n| n.get()),
    };
    json!({
        "cores": cores,
        "pinned": crate::pin::split().map(|split| split.describe()),
        "cpu": cpu,
        "memory_gib": mem_kib as f64 / 1024.0 / 1024.0,
        "kernel": read("/proc/sys/kernel/osrelease").trim(),
        "open_files_limit": crate::proc_stats::open_files_limit(),
    })
}

#[cfg(test)]
mod tests {
    use super::Spread;

    #[test]
    fn a_spread_has_the_middle_value_and_the_range() {
        let s = Spread::of([3.0, 1.0, 2.0]);
        assert_eq!((s.n, s.median, s.min, s.max), (3, 2.0, 1.0, 3.0));
        assert_eq!(s.cell(|v| format!("{v:.0}")), "2 (1-3)");
        let even = Spread::of([4.0, 1.0, 2.0, 10.0]);
        assert_eq!(even.median, 3.0);
        assert_eq!(Spread::of([f64::NAN, 5.0]).cell(|v| format!("{v}")), "5");
        assert_eq!(Spread::of([]).cell(|v| format!("{v}")), "-");
        assert_eq!(Spread::of([6.0]).ratio(&Spread::of([2.0, 4.0])), Some(2.0));
        assert_eq!(Spread::of([6.0]).ratio(&Spread::of([])), None);
    }
}
