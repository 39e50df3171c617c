//! Wall-clock time as the protocol carries it.

use std::time::{SystemTime, UNIX_EPOCH};
use switchboard_protocol::ids::Millis;

/// Milliseconds since the Unix epoch.
pub fn now() -> Millis {
    // A clock before 1970 is a broken machine; treat it as the epoch.
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Millis(u64::try_from(since.as_millis()).unwrap_or(u64::MAX))
}
