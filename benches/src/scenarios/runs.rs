//! A scenario run again and again, each time against a fresh server: this
//! build and, with `--compare`, the compared binary, interleaved round by
//! round (A, B, A, B...) so that whatever else the machine is doing falls
//! on both alike. Each figure is reported as a median with its range per
//! server ([`Spread`]), with the ratio this build / compared, and every
//! run's own figures in a second table.
//!
//! Invariants: every run gets a server of its own (seeded the same way);
//! what a run saw go wrong stays a failure of the whole report, labelled
//! with the server and the run; a run that could not take place is such a
//! failure too, and the others still run. How the runs are shown is
//! `runs_report`.

pub(crate) use super::runs_report::Figure;
use crate::report::Spread;
use crate::target::ServerArgs;
use serde_json::Value;
use std::future::Future;
use std::io::IsTerminal as _;

/// The label of the build under test.
pub(crate) const THIS_BUILD: &str = "this build";

/// A server the runs are made against.
pub(crate) struct Contender {
    /// "this build", or "compared (NAME)".
    pub(crate) label: String,
    /// How to start it (never with `compare` set).
    pub(crate) server: ServerArgs,
}

/// This build, then the `--compare` binary when one is given.
pub(crate) fn contenders(server: &ServerArgs) -> Vec<Contender> {
    let mut list = vec![Contender {
        label: THIS_BUILD.to_string(),
        server: ServerArgs {
            compare: None,
            ..server.clone()
        },
    }];
    if let Some(other) = &server.compare {
        let name = other.file_name().map_or_else(
            || other.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        list.push(Contender {
            label: format!("compared ({name})"),
            // Only this build is profiled (`--flamegraph`).
            server: ServerArgs {
                server_bin: Some(other.clone()),
                compare: None,
                flamegraph: None,
                ..server.clone()
            },
        });
    }
    list
}

/// The order of the runs: `repeat` rounds, each running every contender
/// once, in the same order: (round, contender).
pub(crate) fn schedule(repeat: u32, contenders: usize) -> Vec<(u32, usize)> {
    (0..repeat)
        .flat_map(|round| (0..contenders).map(move |c| (round, c)))
        .collect()
}

/// What one run measured.
pub(crate) trait Measured {
    /// What the run saw go wrong (missed or doubled messages...).
    fn failures(&self) -> Vec<String>;
    /// Everything it measured, for the JSON file.
    fn data(&self) -> Value;
}

/// One run that took place.
pub(crate) struct Run<M> {
    pub(crate) contender: usize,
    pub(crate) round: u32,
    pub(crate) measure: M,
}

/// Every run of a scenario.
pub(crate) struct Runs<M> {
    /// The contenders' labels, this build first.
    pub(crate) labels: Vec<String>,
    /// In the order they ran.
    pub(crate) runs: Vec<Run<M>>,
    /// What went wrong, labelled with the server and the run.
    pub(crate) failures: Vec<String>,
    /// Rounds asked for.
    pub(crate) repeat: u32,
}

/// Runs `once` against a fresh server per run, as [`schedule`] orders; an
/// error only when no run of this build could take place.
pub(crate) async fn repeat<M, F, Fut>(
    server: &ServerArgs,
    scenario: &str,
    mut once: F,
) -> anyhow::Result<Runs<M>>
where
    M: Measured,
    F: FnMut(ServerArgs) -> Fut,
    Fut: Future<Output = anyhow::Result<M>>,
{
    let contenders = contenders(server);
    let mut runs = Runs::new(
        contenders.iter().map(|c| c.label.clone()).collect(),
        server.repeat,
    );
    let mut first_error = None;
    let order = schedule(server.repeat, contenders.len());
    for (n, &(round, c)) in order.iter().enumerate() {
        let contender = &contenders[c];
        if std::io::stderr().is_terminal() {
            eprintln!(
                "{scenario}: run {} of {} ({}, round {})",
                n + 1,
                order.len(),
                contender.label,
                round + 1
            );
        }
        let result = once(contender.server.clone()).await;
        if let (Err(e), None, 0) = (&result, &first_error, c) {
            first_error = Some(anyhow::anyhow!("{e:#}"));
        }
        runs.record(c, round, result);
    }
    match first_error {
        Some(e) if !runs.runs.iter().any(|r| r.contender == 0) => Err(e),
        _ => Ok(runs),
    }
}

impl<M: Measured> Runs<M> {
    /// No runs yet.
    pub(crate) fn new(labels: Vec<String>, repeat: u32) -> Runs<M> {
        Runs {
            labels,
            runs: Vec::new(),
            failures: Vec::new(),
            repeat,
        }
    }

    /// Keeps a run's outcome, and its failures labelled.
    pub(crate) fn record(&mut self, contender: usize, round: u32, result: anyhow::Result<M>) {
        let label = &self.labels[contender];
        match result {
            Ok(measure) => {
                self.failures.extend(
                    measure
                        .failures()
                        .into_iter()
                        .map(|f| format!("{label}, run {}: {f}", round + 1)),
                );
                self.runs.push(Run {
                    contender,
                    round,
                    measure,
                });
            }
            Err(e) => self
                .failures
                .push(format!("{label}, run {}: could not run: {e:#}", round + 1)),
        }
    }

    /// The runs of one contender.
    pub(crate) fn of(&self, contender: usize) -> impl Iterator<Item = &M> {
        self.runs
            .iter()
            .filter(move |r| r.contender == contender)
            .map(|r| &r.measure)
    }

    /// One figure over a contender's runs.
    pub(crate) fn spread(&self, contender: usize, value: fn(&M) -> Option<f64>) -> Spread {
        Spread::of(self.of(contender).filter_map(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_take_turns_round_by_round() {
        assert_eq!(
            schedule(3, 2),
            vec![(0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (2, 1)]
        );
        assert_eq!(schedule(2, 1), vec![(0, 0), (1, 0)]);
    }

    #[test]
    fn the_compared_binary_is_started_in_its_own_runs() {
        let args = ServerArgs {
            server_bin: Some("/a/switchboard".into()),
            url: None,
            token: None,
            team: None,
            conversation: None,
            server_pid: None,
            compare: Some("/b/switchboard-before".into()),
            repeat: 3,
            sources: 16,
            pin: false,
            flamegraph: Some("/tmp/flame.svg".into()),
        };
        let list = contenders(&args);
        let labels: Vec<&str> = list.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, ["this build", "compared (switchboard-before)"]);
        assert!(
            list[0].server.flamegraph.is_some(),
            "this build is profiled"
        );
        assert_eq!(list[1].server.flamegraph, None, "the compared one is not");
        assert_eq!(list[0].server.server_bin, Some("/a/switchboard".into()));
        assert_eq!(
            list[1].server.server_bin,
            Some("/b/switchboard-before".into())
        );
        assert!(list.iter().all(|c| c.server.compare.is_none()));
        assert_eq!(
            contenders(&ServerArgs {
                compare: None,
                ..args
            })
            .len(),
            1
        );
    }
}
