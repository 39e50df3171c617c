//! The files the process may hold open, and the connections that leaves
//! room for.
//!
//! Every accepted TCP connection holds a file. At startup the soft limit
//! on open files is raised to the hard one, and `--max-open-connections`
//! is held below what that leaves after a reserve for the server's own
//! files (the store's, logs, a backup's). At the cap the acceptor leaves
//! new clients in the kernel's backlog until a connection closes; past the
//! limit every accept would fail (`EMFILE`) and be retried after a pause,
//! with an error logged each time: a reconnect storm of 19,000 clients on
//! a 20,000-file limit did that 3 to 6 times a storm.

/// Files kept for everything but connections, at most a quarter of the
/// limit (a small limit still leaves most of it to connections).
const RESERVE: u64 = 512;

/// Raises the soft limit on open files to the hard one, and returns the
/// cap on open connections that fits under it: `requested`, or less (with
/// a warning saying so).
pub(crate) fn fit_connections(requested: usize) -> usize {
    let files = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(files) => files,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read or raise the open files limit");
            return requested;
        }
    };
    let cap = connections_within(requested, files);
    if cap < requested {
        tracing::warn!(
            requested,
            open_files_limit = files,
            cap,
            "--max-open-connections is more than the open files limit allows after a reserve \
             for the server's own files: holding connections to the cap (raise the hard limit, \
             e.g. LimitNOFILE, to allow more)"
        );
    }
    cap
}

/// The most connections `files` open files allow, up to `requested`.
fn connections_within(requested: usize, files: u64) -> usize {
    let room = files.saturating_sub(RESERVE.min(files / 4));
    requested.min(usize::try_from(room).unwrap_or(usize::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_are_held_below_the_files_limit_less_a_reserve() {
        assert_eq!(connections_within(110_000, 20_000), 19_488);
        assert_eq!(connections_within(10_000, 20_000), 10_000);
        assert_eq!(connections_within(110_000, 1_024), 768);
        assert_eq!(connections_within(110_000, u64::MAX), 110_000);
    }
}
