//! What every bench message carries: a stamp with the run, the step, the
//! stream, the message's number and its send time, so that a receiver can
//! time the delivery end to end and tell this run's messages from any
//! other traffic on the server.
//!
//! The stamp is plain text at the start of the body (`sb RUN STEP STREAM K
//! SENT ...` then padding), so the same stamp works for Switchboard, whose
//! events carry the body, and for a peer server that relays raw payloads.
//! Times are nanoseconds since the run's base [`Instant`]: sender and
//! receivers share one process, hence one clock.

use std::time::Instant;

/// The clock and identity every task of a run shares.
#[derive(Debug)]
pub(crate) struct Clock {
    base: Instant,
    /// Marks this run's messages.
    pub(crate) run: u64,
}

impl Clock {
    /// A new run, starting now.
    pub(crate) fn new() -> Clock {
        let wall = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Clock {
            base: Instant::now(),
            // Unique enough to tell two runs against one server apart.
            run: (wall.as_nanos() as u64) ^ (u64::from(std::process::id()) << 32),
        }
    }

    /// Nanoseconds since the run's base instant.
    pub(crate) fn now(&self) -> u64 {
        self.nanos(Instant::now())
    }

    /// An instant as nanoseconds since the run's base.
    pub(crate) fn nanos(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.base).as_nanos()).unwrap_or(u64::MAX)
    }
}

/// A parsed stamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    /// The step of the run (a rate step, a storm phase).
    pub(crate) step: u32,
    /// The stream (a team's share of the traffic) it belongs to.
    pub(crate) stream: u32,
    /// Its number within the stream and step, from 0.
    pub(crate) k: u64,
    /// When it was written, in nanoseconds since the run's base.
    pub(crate) sent: u64,
}

/// A body of `len` bytes (at least the stamp) carrying `stamp`.
pub(crate) fn body(run: u64, stamp: Stamp, len: usize) -> String {
    let mut body = format!(
        "sb {run:x} {} {} {} {} ",
        stamp.step, stamp.stream, stamp.k, stamp.sent
    );
    let pad = len.saturating_sub(body.len());
    body.extend(std::iter::repeat_n('.', pad));
    body
}

/// The stamp of a body written by run `run`, if it is one.
pub(crate) fn read(body: &str, run: u64) -> Option<Stamp> {
    let mut words = body.split_ascii_whitespace();
    if words.next()? != "sb" || u64::from_str_radix(words.next()?, 16).ok()? != run {
        return None;
    }
    Some(Stamp {
        step: words.next()?.parse().ok()?,
        stream: words.next()?.parse().ok()?,
        k: words.next()?.parse().ok()?,
        sent: words.next()?.parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_reads_back_and_pads_the_body() {
        let stamp = Stamp {
            step: 3,
            stream: 41,
            k: 977,
            sent: 123_456_789,
        };
        let text = body(0xabc, stamp, 200);
        assert_eq!(text.len(), 200);
        assert_eq!(read(&text, 0xabc), Some(stamp));
        assert_eq!(read(&text, 0xabd), None, "another run's message");
        assert_eq!(read("hello there", 0xabc), None);
    }
}
