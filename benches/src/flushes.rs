//! The server's group-commit flushes over a span, read from its own
//! `switchboard_flush_seconds` histogram on `/metrics`: how many there
//! were and how long they took. Beside a step's delivery latency, they
//! show how much of it is the durable flush every event waits for before
//! it fans out.

use std::net::SocketAddr;

/// The histogram's name.
const METRIC: &str = "switchboard_flush_seconds";

/// The flush histogram as scraped, or its change over a span: cumulative
/// counts per upper bound in seconds (ascending, `+Inf` last), the count
/// and the sum in seconds.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Flushes {
    buckets: Vec<(f64, u64)>,
    count: u64,
    sum: f64,
}

impl Flushes {
    /// Reads the histogram from a Prometheus text exposition; None when
    /// it is not there or a line of it does not parse.
    pub(crate) fn parse(text: &str) -> Option<Flushes> {
        let mut flushes = Flushes::default();
        let mut seen = false;
        for line in text.lines() {
            let Some(rest) = line.strip_prefix(METRIC) else {
                continue;
            };
            let (name, value) = rest.rsplit_once(' ')?;
            if let Some(labels) = name.strip_prefix("_bucket{le=\"") {
                let bound = labels.strip_suffix("\"}")?;
                let bound = match bound {
                    "+Inf" => f64::INFINITY,
                    finite => finite.parse().ok()?,
                };
                flushes.buckets.push((bound, value.parse().ok()?));
            } else if name == "_sum" {
                flushes.sum = value.parse().ok()?;
                seen = true;
            } else if name == "_count" {
                flushes.count = value.parse().ok()?;
            }
        }
        flushes.buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
        (seen && flushes.buckets.last().is_some_and(|b| b.0.is_infinite())).then_some(flushes)
    }

    /// What happened between `before` and this reading.
    pub(crate) fn since(&self, before: &Flushes) -> Flushes {
        let earlier = |bound: f64| {
            before
                .buckets
                .iter()
                .find(|b| b.0 == bound)
                .map_or(0, |b| b.1)
        };
        Flushes {
            buckets: self
                .buckets
                .iter()
                .map(|&(bound, n)| (bound, n.saturating_sub(earlier(bound))))
                .collect(),
            count: self.count.saturating_sub(before.count),
            sum: (self.sum - before.sum).max(0.0),
        }
    }

    /// The `q` quantile in milliseconds, interpolated linearly within its
    /// bucket as Prometheus's `histogram_quantile` does (so it is only as
    /// fine as the buckets); the highest finite bound when it falls past
    /// it; None without flushes.
    pub(crate) fn quantile_ms(&self, q: f64) -> Option<f64> {
        let total = self.buckets.last()?.1;
        if total == 0 {
            return None;
        }
        let rank = q.clamp(0.0, 1.0) * total as f64;
        let mut lower = (0.0, 0u64);
        for &(bound, n) in &self.buckets {
            if n as f64 >= rank {
                if bound.is_infinite() {
                    return Some(lower.0 * 1000.0);
                }
                let width = n.saturating_sub(lower.1) as f64;
                let into = if width > 0.0 {
                    (rank - lower.1 as f64) / width
                } else {
                    1.0
                };
                return Some((lower.0 + (bound - lower.0) * into) * 1000.0);
            }
            lower = (bound, n);
        }
        None
    }
}

/// The server's flush histogram now; None when `/metrics` does not answer
/// with it (a peer, or a server from before the metric).
pub(crate) async fn scrape(addr: SocketAddr) -> Option<Flushes> {
    let (status, body) = crate::http::get(addr, "/metrics").await.ok()?;
    if status != 200 {
        return None;
    }
    Flushes::parse(std::str::from_utf8(&body).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEFORE: &str = "\
# HELP switchboard_flush_seconds Duration of group-commit flushes of the store
# TYPE switchboard_flush_seconds histogram
switchboard_flush_seconds_bucket{le=\"0.0005\"} 600
switchboard_flush_seconds_bucket{le=\"0.001\"} 700
switchboard_flush_seconds_bucket{le=\"0.0025\"} 800
switchboard_flush_seconds_bucket{le=\"+Inf\"} 1000
switchboard_flush_seconds_sum 1.5
switchboard_flush_seconds_count 1000
switchboard_flush_failures_total 0
";

    const AFTER: &str = "\
switchboard_flush_seconds_bucket{le=\"0.0005\"} 650
switchboard_flush_seconds_bucket{le=\"0.001\"} 750
switchboard_flush_seconds_bucket{le=\"0.0025\"} 1000
switchboard_flush_seconds_bucket{le=\"+Inf\"} 1200
switchboard_flush_seconds_sum 2.0
switchboard_flush_seconds_count 1200
";

    #[test]
    fn a_span_s_flushes_are_the_difference_of_two_readings() {
        let before = Flushes::parse(BEFORE).expect("parses");
        let after = Flushes::parse(AFTER).expect("parses");
        let span = after.since(&before);
        assert_eq!(span.count, 200);
        // 50 under 0.5 ms, none in 0.5-1 ms, 150 in 1-2.5 ms: the 100th
        // is a third of the way into the third bucket.
        let p50 = span.quantile_ms(0.5).expect("flushes");
        assert!((p50 - 1.5).abs() < 1e-9, "p50 {p50}");
        // The 198th: 148 of that bucket's 150.
        let p99 = span.quantile_ms(0.99).expect("flushes");
        assert!(
            (p99 - (1.0 + 1.5 * 148.0 / 150.0)).abs() < 1e-9,
            "p99 {p99}"
        );
    }

    #[test]
    fn a_quantile_past_the_last_bound_is_that_bound_and_none_without_flushes() {
        let all = Flushes::parse(BEFORE).expect("parses");
        // 200 of 1,000 are past 2.5 ms: the 0.9 quantile says 2.5.
        assert_eq!(all.quantile_ms(0.9), Some(2.5));
        assert_eq!(all.since(&all).quantile_ms(0.5), None);
    }

    #[test]
    fn a_text_without_the_histogram_is_none() {
        assert_eq!(Flushes::parse("switchboard_connections_open 3\n"), None);
        assert_eq!(
            Flushes::parse("switchboard_flush_seconds_sum not-a-number\n"),
            None
        );
    }
}
