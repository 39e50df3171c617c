//! The server binary as a child process: a server started from the
//! command line (so that it can be killed for real, or stopped with
//! SIGTERM), and the binary run once with some arguments.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A server in a child process, so that it can be killed for real.
pub struct ChildServer {
    child: Child,
    pub url: String,
    /// The server's stdout after its first line.
    pub lines: std::sync::mpsc::Receiver<String>,
}

impl ChildServer {
    pub fn start(data: &Path, extra: &[&str]) -> ChildServer {
        let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .args(["serve", "--listen", "127.0.0.1:0", "--data"])
            .arg(data)
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server binary starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut stdout = BufReader::new(stdout);
        let mut line = String::new();
        stdout.read_line(&mut line).expect("a first line");
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        // Keep reading so that the server never writes into a closed pipe;
        // the rest of its output is handed to the test through a channel.
        let (lines_tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                let _ = lines_tx.send(line);
            }
        });
        ChildServer {
            child,
            url: format!("ws://{addr}/ws"),
            lines,
        }
    }

    /// The server's address, for HTTP.
    pub fn addr(&self) -> SocketAddr {
        self.url
            .trim_start_matches("ws://")
            .trim_end_matches("/ws")
            .parse()
            .expect("an address")
    }

    /// The server's process id (to read its memory from /proc).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn kill_9(mut self) {
        // Child::kill sends SIGKILL on Unix: no handler, no flush, no goodbye.
        self.child.kill().expect("kill");
        self.child.wait().expect("reaped");
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ChildServer {
    /// Sends SIGTERM (the `kill` command: no extra crate for one signal).
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("the kill command runs");
        assert!(status.success(), "kill -TERM failed: {status}");
    }

    /// Waits up to `bound` for the process to exit; its exit status, or
    /// None if it was still running (it is then killed).
    pub fn wait_exit(mut self, bound: Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + bound;
        while std::time::Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

/// Runs the binary with `args`; returns its exit status and stderr.
pub fn run_binary(args: &[&str], data: &Path) -> (std::process::ExitStatus, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(args)
        .arg("--data")
        .arg(data)
        .env("RUST_BACKTRACE", "0")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("the binary runs");
    (
        output.status,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}
