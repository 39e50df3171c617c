//! `--pin`: the bench on some of the machine's cores, every server it
//! starts on the others.
//!
//! On a machine of a few cores, the bench's readers and the server under
//! test compete for the same cores, and a server's latency then measures
//! its share of them as much as its own work: a server that leaves the
//! bench less time to read is slowed down by its own efficiency. Pinned,
//! every server runs on the same cores of its own, as an operator gives a
//! server with `taskset` or systemd's `CPUAffinity`, and sees only those
//! (a Switchboard server sizes its thread pools from them).
//!
//! Invariants: the split is made once, before any server starts. Every
//! thread the bench has is moved to its own cores at once, and the threads
//! it starts later inherit them. A server is spawned from a thread standing
//! on the servers' cores, so the child inherits that mask from its first
//! instruction, before it starts a thread of its own.

use anyhow::{bail, Context};
use rustix::process::Pid;
use rustix::thread::{sched_getaffinity, sched_setaffinity, CpuSet};
use std::process::{Child, Command};
use std::sync::OnceLock;

/// The cores of each side, in the order of their numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Split {
    pub(crate) bench: Vec<usize>,
    pub(crate) servers: Vec<usize>,
}

impl Split {
    /// Halves the cores the bench may run on: the lower half (at least
    /// one) for the bench, the rest for the servers.
    pub(crate) fn of(allowed: &[usize]) -> anyhow::Result<Split> {
        if allowed.len() < 2 {
            bail!(
                "--pin needs at least two cores to split, and this process may run on {}",
                allowed.len()
            );
        }
        let (bench, servers) = allowed.split_at(allowed.len() / 2);
        Ok(Split {
            bench: bench.to_vec(),
            servers: servers.to_vec(),
        })
    }

    /// As a report says it: "the bench on CPU 0, the servers on CPUs 1-3".
    pub(crate) fn describe(&self) -> String {
        format!(
            "the bench on {}, the servers on {}",
            cpus(&self.bench),
            cpus(&self.servers)
        )
    }
}

/// "CPU 3", "CPUs 2, 5" or "CPUs 0-3".
fn cpus(list: &[usize]) -> String {
    match list {
        [one] => format!("CPU {one}"),
        [first, .., last] if last - first + 1 == list.len() => format!("CPUs {first}-{last}"),
        _ => {
            let each: Vec<String> = list.iter().map(usize::to_string).collect();
            format!("CPUs {}", each.join(", "))
        }
    }
}

/// The split in force, once [`apply`] has run.
static SPLIT: OnceLock<Split> = OnceLock::new();

/// The split in force, if the bench was pinned.
pub(crate) fn split() -> Option<&'static Split> {
    SPLIT.get()
}

/// Splits the cores this process may run on and moves every thread of the
/// bench to its half. Called once, before any server starts.
pub(crate) fn apply() -> anyhow::Result<()> {
    let allowed = sched_getaffinity(None).context("cannot read the bench's cores")?;
    let split = Split::of(&cores_in(&allowed))?;
    let bench = set_of(&split.bench);
    let tasks = std::fs::read_dir("/proc/self/task").context("cannot list the bench's threads")?;
    for task in tasks {
        let name = task?.file_name();
        let Some(tid) = name
            .to_str()
            .and_then(|t| t.parse().ok())
            .and_then(Pid::from_raw)
        else {
            continue;
        };
        match sched_setaffinity(Some(tid), &bench) {
            Ok(()) => {}
            // A thread that ended since the listing.
            Err(rustix::io::Errno::SRCH) => {}
            Err(e) => return Err(e).context("cannot move the bench's threads to their cores"),
        }
    }
    if SPLIT.set(split).is_err() {
        bail!("the bench's cores were already split");
    }
    Ok(())
}

/// Spawns `command`, on the servers' cores if the bench was pinned.
pub(crate) fn spawn(command: &mut Command) -> std::io::Result<Child> {
    match split() {
        Some(split) => spawn_on(&split.servers, command),
        None => command.spawn(),
    }
}

/// Spawns `command` on `cores` only.
fn spawn_on(cores: &[usize], command: &mut Command) -> std::io::Result<Child> {
    let cores = set_of(cores);
    // The child inherits the mask of the thread that forks it: a thread of
    // its own, moved first, so that the bench's threads keep theirs.
    std::thread::scope(|scope| {
        let spawner = scope.spawn(|| {
            sched_setaffinity(None, &cores)?;
            command.spawn()
        });
        spawner
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// The cores in `set`, in the order of their numbers.
fn cores_in(set: &CpuSet) -> Vec<usize> {
    (0..CpuSet::MAX_CPU).filter(|&c| set.is_set(c)).collect()
}

fn set_of(cores: &[usize]) -> CpuSet {
    let mut set = CpuSet::new();
    for &core in cores {
        set.set(core);
    }
    set
}

#[cfg(test)]
mod tests {
    use super::{cores_in, cpus, spawn_on, Split};
    use rustix::thread::sched_getaffinity;
    use std::process::{Command, Stdio};

    #[test]
    fn a_child_runs_on_the_servers_cores_and_the_spawner_keeps_its_own() {
        let before = sched_getaffinity(None).unwrap();
        let Some(&last) = cores_in(&before).last() else {
            panic!("this thread may run on no core");
        };
        let mut command = Command::new("grep");
        command
            .args(["^Cpus_allowed_list:", "/proc/self/status"])
            .stdout(Stdio::piped());
        let output = spawn_on(&[last], &mut command)
            .unwrap()
            .wait_with_output()
            .unwrap();
        let line = String::from_utf8(output.stdout).unwrap();
        assert_eq!(
            line.split_whitespace().nth(1),
            Some(last.to_string().as_str()),
            "{line}"
        );
        assert!(
            sched_getaffinity(None).unwrap() == before,
            "the calling thread was moved"
        );
    }

    #[test]
    fn the_bench_takes_the_lower_half_and_the_servers_the_rest() {
        let two = Split::of(&[0, 1]).unwrap();
        assert_eq!((two.bench, two.servers), (vec![0], vec![1]));
        let three = Split::of(&[0, 1, 2]).unwrap();
        assert_eq!((three.bench, three.servers), (vec![0], vec![1, 2]));
        let gaps = Split::of(&[2, 5, 6, 9]).unwrap();
        assert_eq!((gaps.bench, gaps.servers), (vec![2, 5], vec![6, 9]));
        let error = Split::of(&[3]).unwrap_err().to_string();
        assert!(error.contains("at least two cores"), "{error}");
    }

    #[test]
    fn a_split_reads_as_ranges_or_lists() {
        assert_eq!(cpus(&[1]), "CPU 1");
        assert_eq!(cpus(&[0, 1, 2, 3]), "CPUs 0-3");
        assert_eq!(cpus(&[2, 5]), "CPUs 2, 5");
        let split = Split::of(&[0, 1, 2, 3]).unwrap();
        assert_eq!(
            split.describe(),
            "the bench on CPUs 0-1, the servers on CPUs 2-3"
        );
    }
}
