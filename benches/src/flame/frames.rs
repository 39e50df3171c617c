//! What a profile says in a few lines: `perf script` output folded into
//! one line per distinct stack (inferno's perf collapser), and the folded
//! stacks tallied per frame into the share of samples *in* the frame
//! (self: the frame was running) and *under* it (inclusive: the frame was
//! anywhere on the stack, counted once per sample however deep it recurs).
//! Each sample weighs its period, as inferno folds it: with the `cpu-clock`
//! event, the nanoseconds of CPU time it stands for.
//!
//! Frames are tallied by their shortened name (see [`shorten`]), so two
//! rows never look alike; the first frame of a folded stack is the thread's
//! name, tallied apart. Everything here is pure: no process, no file.

use inferno::collapse::perf::{Folder, Options};
use inferno::collapse::Collapse;
use std::collections::{HashMap, HashSet};
use std::io::BufRead;

/// Folds `perf script` output into inferno's folded-stack lines
/// (`thread;outer;...;inner WEIGHT`); kernel frames end in `_[k]`.
pub(crate) fn fold(perf_script: impl BufRead) -> std::io::Result<String> {
    let mut options = Options::default();
    options.annotate_kernel = true;
    let mut folded = Vec::new();
    Folder::from(options).collapse(perf_script, &mut folded)?;
    Ok(String::from_utf8_lossy(&folded).into_owned())
}

/// One frame's share of the samples.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    /// The shortened name.
    pub(crate) name: String,
    /// Share (0 to 1) of the samples with the frame anywhere on the stack.
    pub(crate) inclusive: f64,
    /// Share (0 to 1) of the samples with the frame running.
    pub(crate) own: f64,
}

#[derive(Debug, Default)]
struct Tally {
    inclusive: u64,
    own: u64,
    /// Whether the frame is Switchboard's own code.
    ours: bool,
}

/// Per-frame tallies of a profile.
#[derive(Debug, Default)]
pub(crate) struct Frames {
    /// The samples' total weight (their periods summed).
    pub(crate) weight: u64,
    frames: HashMap<String, Tally>,
    threads: HashMap<String, u64>,
}

impl Frames {
    /// Tallies folded stacks (`thread;outer;...;inner WEIGHT`); lines that are not `stack COUNT` are skipped.
    pub(crate) fn of_folded(folded: &str) -> Frames {
        let mut tallies = Frames::default();
        let mut seen = HashSet::new();
        for line in folded.lines() {
            let Some((stack, count)) = line.trim_end().rsplit_once(' ') else {
                continue;
            };
            let Ok(count) = count.parse::<u64>() else {
                continue;
            };
            let mut frames = stack.split(';');
            let Some(thread) = frames.next() else {
                continue;
            };
            tallies.weight += count;
            *tallies.threads.entry(thread.to_string()).or_default() += count;
            seen.clear();
            let mut leaf = None;
            for frame in frames {
                let name = shorten(frame);
                let tally = tallies.frames.entry(name.clone()).or_default();
                // By its path, not its generic parameters:
                // `drop_in_place<switchboard_server::X>` is the library's.
                tally.ours |= drop_generics(frame).contains("switchboard_");
                if seen.insert(name.clone()) {
                    tally.inclusive += count;
                }
                leaf = Some(name);
            }
            if let Some(leaf) = leaf {
                if let Some(tally) = tallies.frames.get_mut(&leaf) {
                    tally.own += count;
                }
            }
        }
        tallies
    }

    /// The `n` frames most often running, the most first.
    pub(crate) fn by_self(&self, n: usize) -> Vec<Row> {
        self.top(n, |t| t.own, |_| true)
    }

    /// The `n` frames of Switchboard's own code most often on the stack,
    /// the most first: where the server's time goes, above the runtime and
    /// below the libraries it calls.
    pub(crate) fn ours_by_inclusive(&self, n: usize) -> Vec<Row> {
        self.top(n, |t| t.inclusive, |t| t.ours)
    }

    /// Each thread's share of the samples, the most first.
    pub(crate) fn threads(&self) -> Vec<(String, f64)> {
        let mut threads: Vec<(String, f64)> = self
            .threads
            .iter()
            .map(|(name, &count)| (name.clone(), self.share(count)))
            .collect();
        threads.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        threads
    }

    fn top(&self, n: usize, key: fn(&Tally) -> u64, keep: fn(&Tally) -> bool) -> Vec<Row> {
        let mut chosen: Vec<(&String, &Tally)> = self
            .frames
            .iter()
            .filter(|(_, t)| keep(t) && key(t) > 0)
            .collect();
        // Ties in name order, so that a report is the same from run to run.
        chosen.sort_by(|a, b| key(b.1).cmp(&key(a.1)).then_with(|| a.0.cmp(b.0)));
        chosen
            .into_iter()
            .take(n)
            .map(|(name, t)| Row {
                name: name.clone(),
                inclusive: self.share(t.inclusive),
                own: self.share(t.own),
            })
            .collect()
    }

    fn share(&self, count: u64) -> f64 {
        if self.weight == 0 {
            0.0
        } else {
            count as f64 / self.weight as f64
        }
    }
}

/// A frame's name as a table shows it: generic parameters dropped, every
/// type cut to its last path segment, and the path to its last two
/// segments (closures kept), so
/// `<tokio_tungstenite::WebSocketStream<T> as futures_sink::Sink<M>>::start_send`
/// reads `<WebSocketStream as Sink>::start_send` and
/// `switchboard_server::hub::writes::<impl switchboard_server::hub::actor::Hub>::send`
/// reads `Hub::send`. Names that are not Rust paths are left as they are.
pub(crate) fn shorten(name: &str) -> String {
    let segments: Vec<String> = split_path(&drop_generics(name))
        .into_iter()
        .map(|segment| short_segment(&segment))
        .collect();
    // The last two named segments, with the closures that follow them.
    let mut named = 0;
    let mut first = segments.len();
    for (i, segment) in segments.iter().enumerate().rev() {
        if !segment.starts_with('{') {
            named += 1;
        }
        first = i;
        if named == 2 {
            break;
        }
    }
    segments[first..].join("::")
}

/// Drops every `<...>` that follows a name (generic parameters), keeping
/// those that open a segment (`<A as B>`, `<impl A>`).
fn drop_generics(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut skipping = 0usize;
    let mut previous = ' ';
    for c in name.chars() {
        if skipping > 0 {
            match c {
                '<' => skipping += 1,
                // `->` inside `Fn(A) -> B` closes nothing.
                '>' if previous != '-' => skipping -= 1,
                _ => {}
            }
        } else if c == '<' && (previous.is_alphanumeric() || previous == '_') {
            skipping = 1;
        } else {
            out.push(c);
        }
        previous = c;
    }
    out
}

/// Splits a path on the `::` outside any `<...>` or `{...}`.
fn split_path(path: &str) -> Vec<String> {
    let mut segments = Vec::new();
    let mut current = String::new();
    let mut depth = 0i32;
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '<' | '{' => depth += 1,
            '>' | '}' => depth -= 1,
            ':' if depth == 0 && chars.peek() == Some(&':') => {
                chars.next();
                segments.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    segments.push(current);
    segments
}

/// `<impl a::B>` reads `B`; `<a::B as c::D>` reads `<B as D>`.
fn short_segment(segment: &str) -> String {
    let Some(inner) = segment.strip_prefix('<').and_then(|s| s.strip_suffix('>')) else {
        return segment.to_string();
    };
    let last = |path: &str| {
        let path = path
            .trim()
            .trim_start_matches('&')
            .trim_start_matches("mut ");
        split_path(path)
            .last()
            .map_or(String::new(), |s| short_segment(s))
    };
    if let Some(ty) = inner.strip_prefix("impl ") {
        return last(ty);
    }
    match split_top_level(inner, " as ") {
        Some((ty, tr)) => format!("<{} as {}>", last(ty), last(tr)),
        None => format!("<{}>", last(inner)),
    }
}

/// Splits `text` at the first `separator` outside any `<...>`.
fn split_top_level<'a>(text: &'a str, separator: &str) -> Option<(&'a str, &'a str)> {
    let mut depth = 0i32;
    for (i, c) in text.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => depth -= 1,
            _ if depth == 0 && text[i..].starts_with(separator) => {
                return Some((&text[..i], &text[i + separator.len()..]));
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests;
