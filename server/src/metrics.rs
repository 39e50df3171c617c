//! The server's Prometheus metrics, served at `GET /metrics` in the text
//! exposition format.
//!
//! One registry per process (every server in the process shares it: tests
//! that start several servers see their sum). Metrics are created once, on
//! first use; the hot paths (frames, deliveries) touch a pre-resolved
//! atomic counter only: no allocation, no lock, no label lookup. The one
//! labelled metric, errors by code, resolves its label on the error path,
//! which is not hot.
//!
//! Built on the `prometheus` crate (TiKV's client, the de facto standard
//! Rust client): its counters and gauges are plain atomics, it needs no
//! global recorder to install (unlike the `metrics` facade), and without
//! its default features it pulls in no protobuf.

use prometheus::{
    Encoder, Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};
use std::sync::LazyLock;
use switchboard_protocol::codes::ErrorCode;

/// Every metric the server exports.
pub(crate) struct Metrics {
    registry: Registry,
    /// WebSocket connections open now.
    pub(crate) connections_open: IntGauge,
    /// WebSocket connections accepted since start.
    pub(crate) connections_accepted: IntCounter,
    /// Frames read from clients.
    pub(crate) frames_in: IntCounter,
    /// Frames queued to clients.
    pub(crate) frames_out: IntCounter,
    /// Event frames handed to subscribers by hub fan-out.
    pub(crate) deliveries: IntCounter,
    /// Ephemeral signals dropped because a connection's queue was full.
    pub(crate) queue_sheds: IntCounter,
    /// Connections closed as slow consumers (4008).
    pub(crate) slow_consumer_closes: IntCounter,
    /// Duration of the group committer's flushes.
    pub(crate) flush_seconds: Histogram,
    /// Flush attempts of the store that failed (each is retried).
    pub(crate) flush_failures: IntCounter,
    /// Error frames sent, by error code.
    errors: IntCounterVec,
    /// Hubs (one per active team) running now.
    pub(crate) hubs_alive: IntGauge,
    /// Threads of the runtime that serves the connections.
    pub(crate) connection_threads: IntGauge,
    /// Threads of the hubs' runtime.
    pub(crate) hub_threads: IntGauge,
}

fn build() -> Result<Metrics, prometheus::Error> {
    let registry = Registry::new();
    let counter = |name: &str, help: &str| -> Result<IntCounter, prometheus::Error> {
        let c = IntCounter::new(name, help)?;
        registry.register(Box::new(c.clone()))?;
        Ok(c)
    };
    let gauge = |name: &str, help: &str| -> Result<IntGauge, prometheus::Error> {
        let g = IntGauge::new(name, help)?;
        registry.register(Box::new(g.clone()))?;
        Ok(g)
    };
    let flush_seconds = Histogram::with_opts(
        HistogramOpts::new(
            "switchboard_flush_seconds",
            "Duration of group-commit flushes of the store",
        )
        .buckets(vec![
            0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
        ]),
    )?;
    registry.register(Box::new(flush_seconds.clone()))?;
    let errors = IntCounterVec::new(
        Opts::new("switchboard_errors_total", "Error frames sent, by code"),
        &["code"],
    )?;
    registry.register(Box::new(errors.clone()))?;
    Ok(Metrics {
        connections_open: gauge(
            "switchboard_connections_open",
            "WebSocket connections open now",
        )?,
        connections_accepted: counter(
            "switchboard_connections_accepted_total",
            "WebSocket connections accepted",
        )?,
        frames_in: counter("switchboard_frames_in_total", "Frames read from clients")?,
        frames_out: counter("switchboard_frames_out_total", "Frames queued to clients")?,
        deliveries: counter(
            "switchboard_event_deliveries_total",
            "Event frames handed to subscribers",
        )?,
        queue_sheds: counter(
            "switchboard_queue_sheds_total",
            "Ephemeral signals dropped on a full connection queue",
        )?,
        slow_consumer_closes: counter(
            "switchboard_slow_consumer_closes_total",
            "Connections closed as slow consumers",
        )?,
        hubs_alive: gauge("switchboard_hubs_alive", "Team hubs running now")?,
        connection_threads: gauge(
            "switchboard_connection_threads",
            "Threads of the runtime that serves the connections",
        )?,
        hub_threads: gauge("switchboard_hub_threads", "Threads of the hubs' runtime")?,
        flush_failures: counter(
            "switchboard_flush_failures_total",
            "Store flushes that failed (each is retried until one succeeds)",
        )?,
        flush_seconds,
        errors,
        registry,
    })
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    // Names and help texts are constants checked by the unit test below:
    // building cannot fail at run time.
    build().expect("metric definitions are valid")
});

/// The process's metrics.
pub(crate) fn get() -> &'static Metrics {
    &METRICS
}

impl Metrics {
    /// Counts an error frame sent with `code`.
    pub(crate) fn error(&self, code: ErrorCode) {
        self.errors.with_label_values(&[code.as_str()]).inc();
    }

    /// The text exposition of every metric.
    pub(crate) fn render(&self) -> String {
        let mut out = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::error!(error = %e, "cannot encode metrics");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}

/// Keeps a gauge raised while alive.
pub(crate) struct GaugeGuard(&'static IntGauge);

impl GaugeGuard {
    /// Raises `gauge` until the guard drops.
    pub(crate) fn new(gauge: &'static IntGauge) -> GaugeGuard {
        gauge.inc();
        GaugeGuard(gauge)
    }
}

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn definitions_build_and_render() {
        let metrics = super::build().expect("valid definitions");
        metrics.frames_in.inc();
        metrics.flush_failures.inc();
        metrics.error(switchboard_protocol::codes::ErrorCode::BadFrame);
        let text = metrics.render();
        assert!(text.contains("switchboard_frames_in_total 1"), "{text}");
        assert!(
            text.contains("switchboard_flush_failures_total 1"),
            "{text}"
        );
        assert!(
            text.contains("switchboard_errors_total{code=\"bad_frame\"} 1"),
            "{text}"
        );
        assert!(text.contains("switchboard_flush_seconds_bucket"), "{text}");
    }
}
