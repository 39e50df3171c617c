//! How repeated runs are shown: each figure a column, its median and
//! range per server ([`Spread`](crate::report::Spread)) a row, then the
//! ratio this build / compared; every run's own figures; the target's
//! "observed" text; the JSON of it all.

use super::runs::{Measured, Runs, THIS_BUILD};
use crate::report::Table;
use serde_json::{json, Value};

/// One figure of a run, as a column of the report.
pub(crate) struct Figure<M> {
    /// The column header.
    pub(crate) header: &'static str,
    /// Its value in a run, when known.
    pub(crate) value: fn(&M) -> Option<f64>,
    /// How a value is shown.
    pub(crate) show: fn(f64) -> String,
    /// Whether the ratio this build / compared is shown.
    pub(crate) ratio: bool,
}

impl<M: Measured> Runs<M> {
    /// What this build showed, then in brackets the compared one, for a
    /// target's "observed" cell: `text(contender)` says it for one.
    pub(crate) fn observed(&self, text: impl Fn(usize) -> String) -> String {
        let mut out = text(0);
        if self.labels.len() > 1 {
            out.push_str(&format!(" (compared: {})", text(1)));
        }
        out
    }

    /// Medians with their ranges, a row per contender, then the ratio row.
    pub(crate) fn summary_rows(&self, figures: &[Figure<M>]) -> Vec<Vec<String>> {
        let mut rows: Vec<Vec<String>> = (0..self.labels.len())
            .map(|c| {
                let mut row = vec![self.labels[c].clone(), self.of(c).count().to_string()];
                row.extend(figures.iter().map(|f| self.spread(c, f.value).cell(f.show)));
                row
            })
            .collect();
        if self.labels.len() > 1 {
            let mut row = vec![format!("{THIS_BUILD} / compared"), String::new()];
            row.extend(figures.iter().map(|f| {
                let ratio = f
                    .ratio
                    .then(|| self.spread(0, f.value).ratio(&self.spread(1, f.value)));
                ratio
                    .flatten()
                    .map_or(String::new(), |r| format!("x{r:.2}"))
            }));
            rows.push(row);
        }
        rows
    }

    /// The summary table.
    pub(crate) fn summary(&self, figures: &[Figure<M>]) -> Table {
        let mut headers = vec!["server", "runs"];
        headers.extend(figures.iter().map(|f| f.header));
        let mut table = Table::new(&headers);
        for row in self.summary_rows(figures) {
            table.row(row);
        }
        table
    }

    /// The tables a report shows: the summary, then every run's own
    /// figures when there was more than one run.
    pub(crate) fn tables(&self, figures: &[Figure<M>]) -> Vec<Table> {
        let mut tables = vec![self.summary(figures)];
        if self.runs.len() > 1 {
            tables.push(self.each(figures));
        }
        tables
    }

    /// Every run's own figures, in the order they ran.
    pub(crate) fn each(&self, figures: &[Figure<M>]) -> Table {
        let mut headers = vec!["run", "server"];
        headers.extend(figures.iter().map(|f| f.header));
        let mut table = Table::new(&headers);
        for run in &self.runs {
            let mut row = vec![
                (run.round + 1).to_string(),
                self.labels[run.contender].clone(),
            ];
            row.extend(
                figures
                    .iter()
                    .map(|f| (f.value)(&run.measure).map_or("-".to_string(), f.show)),
            );
            table.row(row);
        }
        table
    }

    /// How the runs were made, for a section's title.
    pub(crate) fn how(&self) -> String {
        let servers = if self.labels.len() > 1 {
            format!(
                "{} and {}, alternating",
                self.labels[0],
                self.labels[1..].join(", ")
            )
        } else {
            self.labels[0].clone()
        };
        format!(
            "{} run(s) of {servers}, each on a fresh server, medians (min-max)",
            self.repeat
        )
    }

    /// The summaries and every run, for the JSON file.
    pub(crate) fn json(&self, figures: &[Figure<M>]) -> Value {
        let servers: serde_json::Map<String, Value> = (0..self.labels.len())
            .map(|c| {
                let spreads: serde_json::Map<String, Value> = figures
                    .iter()
                    .map(|f| (f.header.to_string(), json!(self.spread(c, f.value))))
                    .collect();
                (self.labels[c].clone(), Value::Object(spreads))
            })
            .collect();
        let runs: Vec<Value> = self
            .runs
            .iter()
            .map(|r| {
                json!({
                    "server": self.labels[r.contender],
                    "round": r.round + 1,
                    "figures": r.measure.data(),
                })
            })
            .collect();
        json!({ "repeat": self.repeat, "servers": servers, "runs": runs })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fake {
        rate: f64,
        p99: Option<f64>,
        wrong: Option<&'static str>,
    }

    impl Measured for Fake {
        fn failures(&self) -> Vec<String> {
            self.wrong.iter().map(|w| w.to_string()).collect()
        }
        fn data(&self) -> Value {
            json!({ "rate": self.rate })
        }
    }

    fn figures() -> Vec<Figure<Fake>> {
        vec![
            Figure {
                header: "rate",
                value: |f| Some(f.rate),
                show: |v| format!("{v:.0}"),
                ratio: true,
            },
            Figure {
                header: "p99",
                value: |f| f.p99,
                show: |v| format!("{v:.1}"),
                ratio: false,
            },
        ]
    }

    fn fake(rate: f64, p99: Option<f64>) -> anyhow::Result<Fake> {
        Ok(Fake {
            rate,
            p99,
            wrong: None,
        })
    }

    #[test]
    fn medians_per_server_and_the_ratio_of_this_build_to_the_compared() {
        let mut runs = Runs::new(vec!["this build".into(), "compared (b)".into()], 3);
        for (c, rate, p99) in [
            (0, 30.0, 1.0),
            (1, 10.0, 2.0),
            (0, 20.0, 3.0),
            (1, 20.0, 4.0),
            (0, 40.0, 5.0),
            (1, 15.0, 6.0),
        ] {
            runs.record(c, 0, fake(rate, Some(p99)));
        }
        let rows = runs.summary_rows(&figures());
        assert_eq!(rows[0], ["this build", "3", "30 (20-40)", "3.0 (1.0-5.0)"]);
        assert_eq!(
            rows[1],
            ["compared (b)", "3", "15 (10-20)", "4.0 (2.0-6.0)"]
        );
        assert_eq!(rows[2], ["this build / compared", "", "x2.00", ""]);
        assert_eq!(
            runs.observed(|c| runs.spread(c, |f| Some(f.rate)).cell(|v| format!("{v:.0}"))),
            "30 (20-40) (compared: 15 (10-20))"
        );
    }

    #[test]
    fn a_run_that_saw_something_wrong_fails_the_report_and_still_counts() {
        let mut runs = Runs::new(vec!["this build".into()], 2);
        runs.record(0, 0, fake(10.0, None));
        runs.record(
            0,
            1,
            Ok(Fake {
                rate: 12.0,
                p99: None,
                wrong: Some("3 doubled"),
            }),
        );
        runs.record(0, 2, Err(anyhow::anyhow!("no server")));
        assert_eq!(
            runs.failures,
            [
                "this build, run 2: 3 doubled",
                "this build, run 3: could not run: no server"
            ]
        );
        let rows = runs.summary_rows(&figures());
        assert_eq!(rows, [["this build", "2", "11 (10-12)", "-"]]);
        assert_eq!(
            runs.json(&figures())["runs"].as_array().map(Vec::len),
            Some(2)
        );
    }
}
