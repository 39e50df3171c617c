//! What a run measured, and how it is printed.
//!
//! Latencies are recorded in microseconds in HDR histograms (3 significant
//! digits, up to a minute; slower values are clamped to the top, which a
//! report showing a one-minute max makes plain). The verdict is the part a
//! script checks: a run with a missing delivery or acknowledgement fails.

use hdrhistogram::Histogram;
use std::fmt::Write as _;
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

/// Everything the report prints.
pub(crate) struct Outcome {
    /// Subscribers connected and subscribed.
    pub(crate) clients: usize,
    /// Sending connections.
    pub(crate) senders: usize,
    /// Aggregate target rate, messages per second.
    pub(crate) rate: f64,
    /// How long the senders were scheduled to send.
    pub(crate) duration: Duration,
    /// Message body size.
    pub(crate) body_bytes: usize,
    /// Messages scheduled.
    pub(crate) planned: u64,
    /// Messages written to a socket.
    pub(crate) sent: u64,
    /// Time from the first scheduled send to the last actual send.
    pub(crate) send_span: Duration,
    /// How late sends went out against their schedule.
    pub(crate) lag: Histogram<u64>,
    /// Sends acknowledged as stored.
    pub(crate) acked: u64,
    /// Acknowledgements flagged `duplicate` (none expected: ids are unique).
    pub(crate) duplicate_acks: u64,
    /// Sends answered with an error, and the first few messages.
    pub(crate) errors: u64,
    pub(crate) error_samples: Vec<String>,
    /// Send to acknowledgement.
    pub(crate) ack: Histogram<u64>,
    /// Deliveries of this run's messages, over all subscribers.
    pub(crate) delivered: u64,
    /// Time from the first scheduled send to the last delivery.
    pub(crate) delivery_span: Duration,
    /// Send to decoded event at a subscriber.
    pub(crate) e2e: Histogram<u64>,
    /// Events whose offset did not increase on their connection.
    pub(crate) out_of_order: u64,
    /// Frames the bench could not decode.
    pub(crate) undecodable: u64,
    /// Connections (subscribers or senders) the server closed or broke
    /// during the run, with the first few reasons.
    pub(crate) dropped: u64,
    pub(crate) drop_samples: Vec<String>,
}

impl Outcome {
    /// Deliveries the run should have produced: every sent message to
    /// every subscriber.
    pub(crate) fn expected(&self) -> u64 {
        self.sent * self.clients as u64
    }

    /// Deliveries that did not arrive within the grace period.
    pub(crate) fn missing(&self) -> u64 {
        self.expected().saturating_sub(self.delivered)
    }

    /// Sends that got no answer at all.
    pub(crate) fn unanswered(&self) -> u64 {
        self.sent.saturating_sub(self.acked + self.errors)
    }

    /// Why the run failed, if it did.
    pub(crate) fn failure(&self) -> Option<String> {
        let mut problems = Vec::new();
        if self.missing() > 0 {
            problems.push(format!(
                "{} of {} deliveries missing",
                self.missing(),
                self.expected()
            ));
        }
        if self.sent < self.planned {
            problems.push(format!(
                "{} of {} messages not sent",
                self.planned - self.sent,
                self.planned
            ));
        }
        if self.errors > 0 || self.unanswered() > 0 {
            problems.push(format!(
                "{} sends refused, {} unanswered",
                self.errors,
                self.unanswered()
            ));
        }
        if self.out_of_order > 0 || self.undecodable > 0 || self.dropped > 0 {
            problems.push(format!(
                "{} events out of order, {} undecodable frames, {} connections dropped",
                self.out_of_order, self.undecodable, self.dropped
            ));
        }
        (!problems.is_empty()).then(|| problems.join("; "))
    }

    /// The report, as printed.
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let mut line = |text: String| {
            let _ = writeln!(out, "{text}");
        };
        line(format!(
            "switchboard-bench: {} subscribers, {} senders, target {:.0} msg/s for {:.1} s, body {} B",
            self.clients,
            self.senders,
            self.rate,
            self.duration.as_secs_f64(),
            self.body_bytes
        ));
        line(format!(
            "  sent         {} of {} ({:.1} msg/s; send lag p99 {}, max {})",
            self.sent,
            self.planned,
            per_second(self.sent, self.send_span),
            ms(&self.lag, 99.0),
            max_ms(&self.lag)
        ));
        line(format!(
            "  acked        {} (refused {}, unanswered {}, duplicate {})",
            self.acked,
            self.errors,
            self.unanswered(),
            self.duplicate_acks
        ));
        line(format!(
            "  deliveries   {} of {} expected (missing {}), {:.0} deliveries/s",
            self.delivered,
            self.expected(),
            self.missing(),
            per_second(self.delivered, self.delivery_span)
        ));
        line(format!(
            "  e2e latency  p50 {}  p99 {}  p99.9 {}  max {}  (n={})",
            ms(&self.e2e, 50.0),
            ms(&self.e2e, 99.0),
            ms(&self.e2e, 99.9),
            max_ms(&self.e2e),
            self.e2e.len()
        ));
        line(format!(
            "  ack latency  p50 {}  p99 {}  max {}  (n={})",
            ms(&self.ack, 50.0),
            ms(&self.ack, 99.0),
            max_ms(&self.ack),
            self.ack.len()
        ));
        line(format!(
            "  connections  out-of-order events {}, undecodable frames {}, dropped {}",
            self.out_of_order, self.undecodable, self.dropped
        ));
        for sample in &self.error_samples {
            line(format!("  refused: {sample}"));
        }
        for sample in &self.drop_samples {
            line(format!("  dropped: {sample}"));
        }
        out
    }
}

fn per_second(count: u64, span: Duration) -> f64 {
    if span.is_zero() {
        0.0
    } else {
        count as f64 / span.as_secs_f64()
    }
}

/// A percentile in milliseconds, or "-" for an empty histogram.
fn ms(histogram: &Histogram<u64>, percentile: f64) -> String {
    if histogram.is_empty() {
        return "-".to_string();
    }
    format!(
        "{:.2} ms",
        histogram.value_at_percentile(percentile) as f64 / 1_000.0
    )
}

fn max_ms(histogram: &Histogram<u64>) -> String {
    if histogram.is_empty() {
        return "-".to_string();
    }
    format!("{:.2} ms", histogram.max() as f64 / 1_000.0)
}
