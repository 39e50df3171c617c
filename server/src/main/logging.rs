//! Logging to stderr. Stdout is kept for what scripts read (the
//! `listening on` line, admin output), so log lines never go there.

use crate::cli::LogFormat;

/// Logs to stderr, filtered by `SWITCHBOARD_LOG`, else `RUST_LOG`, else
/// `info`.
pub(crate) fn init_logs(format: LogFormat) {
    let filter = ["SWITCHBOARD_LOG", "RUST_LOG"]
        .iter()
        .find_map(|var| tracing_subscriber::EnvFilter::try_from_env(var).ok())
        .unwrap_or_else(|| "info".into());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().init(),
    }
}
