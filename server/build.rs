//! Builds the browser app (`web/app`) into `$OUT_DIR/web`, which
//! `src/http/app.rs` embeds into the binary: so `cargo build` (and the
//! README's `cargo run`) serves the app with no extra step.
//!
//! Runs `npm ci` when `web/app/node_modules` is missing or was installed
//! from another lockfile, then `npm run build` (type check and Vite).
//! Fails with a clear message when Node or npm is missing. With
//! `SWITCHBOARD_SKIP_WEB_BUILD=1` it builds nothing and embeds a page that
//! says the app was not built: for work on the server alone (CI never sets
//! it, and its browser tests fail on that page).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The inputs of the app's build: a change to any reruns this script.
const INPUTS: [&str; 8] = [
    "src",
    "public",
    "index.html",
    "package.json",
    "package-lock.json",
    "vite.config.ts",
    "tsconfig.json",
    // The protocol client, compiled into the app from its source.
    "../client/src",
];

/// The copy of the lockfile `node_modules` was installed from.
const INSTALLED_LOCK: &str = "node_modules/.switchboard-package-lock.json";

const NOT_BUILT: &str = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Switchboard</title></head><body><h1>Switchboard</h1>\
<p>This server was built with SWITCHBOARD_SKIP_WEB_BUILD=1: the browser app was not built. \
Build without that variable (Node.js and npm needed) to serve it.</p></body></html>\n";

fn main() {
    let manifest = PathBuf::from(env("CARGO_MANIFEST_DIR"));
    let app = manifest.join("../web/app");
    let out = PathBuf::from(env("OUT_DIR")).join("web");
    println!("cargo:rerun-if-env-changed=SWITCHBOARD_SKIP_WEB_BUILD");
    for input in INPUTS {
        println!("cargo:rerun-if-changed={}", app.join(input).display());
    }

    if std::env::var("SWITCHBOARD_SKIP_WEB_BUILD").is_ok_and(|v| v == "1") {
        println!("cargo:warning=SWITCHBOARD_SKIP_WEB_BUILD=1: the browser app is not built");
        fresh_dir(&out);
        write(&out.join("index.html"), NOT_BUILT.as_bytes());
        return;
    }

    check_npm();
    install_if_stale(&app);
    fresh_dir(&out);
    let out_arg = out.to_str().unwrap_or_else(|| fail("OUT_DIR is not UTF-8"));
    npm(
        &app,
        &["run", "build", "--", "--outDir", out_arg, "--emptyOutDir"],
    );
    if !out.join("index.html").is_file() {
        fail("`npm run build` in web/app made no index.html");
    }
}

/// Fails the build unless `npm` runs.
fn check_npm() {
    let ran = Command::new("npm")
        .arg("--version")
        .stdout(Stdio::null())
        .status();
    if !ran.is_ok_and(|status| status.success()) {
        fail(
            "building the browser app (web/app) needs Node.js 20 or later and npm on the PATH, \
             and `npm --version` did not run. Install them (on Debian: \
             `apt-get install nodejs npm`), or set SWITCHBOARD_SKIP_WEB_BUILD=1 to build \
             the server without the app.",
        );
    }
}

/// Runs `npm ci` unless `node_modules` was installed from this lockfile.
fn install_if_stale(app: &Path) {
    let lock = read(&app.join("package-lock.json"));
    if fs::read(app.join(INSTALLED_LOCK)).is_ok_and(|installed| installed == lock) {
        return;
    }
    npm(app, &["ci", "--no-audit", "--no-fund"]);
    write(&app.join(INSTALLED_LOCK), &lock);
}

/// Runs npm in `app`; its output goes to stderr (cargo shows it when the
/// build fails), never to stdout, where cargo reads this script's orders.
fn npm(app: &Path, args: &[&str]) {
    let status = Command::new("npm")
        .args(args)
        .current_dir(app)
        .stdout(Stdio::from(std::io::stderr()))
        .status()
        .unwrap_or_else(|e| fail(&format!("could not run npm: {e}")));
    if !status.success() {
        fail(&format!(
            "`npm {}` in web/app failed ({status}): see its output above",
            args.join(" ")
        ));
    }
}

fn fresh_dir(dir: &Path) {
    if dir.exists() {
        fs::remove_dir_all(dir)
            .unwrap_or_else(|e| fail(&format!("cannot clear {}: {e}", dir.display())));
    }
    fs::create_dir_all(dir)
        .unwrap_or_else(|e| fail(&format!("cannot create {}: {e}", dir.display())));
}

fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| fail(&format!("cannot read {}: {e}", path.display())))
}

fn write(path: &Path, bytes: &[u8]) {
    fs::write(path, bytes)
        .unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", path.display())))
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| fail(&format!("cargo did not set {name}")))
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1);
}
