//! Compatibility with the official Qlik client: drives the simulator with npm `enigma.js@2.15.0`
//! under Node (tests/enigma/compat.js) over mutual TLS and fails on any mismatch it reports.
//!
//! Needs `tests/enigma/node_modules` (`npm ci --prefix tests/enigma`). Without it the test fails
//! under CI (env `CI` set) and is skipped with a notice elsewhere.
#![allow(clippy::disallowed_macros)] // a test or bench prints its own report

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use qlik_tui::sim::{SimConfig, SimServer};

/// The longest the Node run may take before it is killed (compat.js bounds itself at 45 s).
const NODE_LIMIT: Duration = Duration::from_secs(60);

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// True when the npm packages are installed; otherwise fails under CI, or prints a notice.
fn enigma_installed(dir: &Path) -> bool {
    if dir.join("node_modules/enigma.js").is_dir() && dir.join("node_modules/ws").is_dir() {
        return true;
    }
    let fix = format!(
        "the enigma.js compatibility test needs its npm packages in {}: run `npm ci --prefix tests/enigma`",
        dir.display()
    );
    if std::env::var_os("CI").is_some() {
        panic!("{fix} (CI is set, so a missing install is a failure, not a skip)");
    }
    eprintln!("NOTICE: skipping the enigma.js compatibility test: {fix}");
    false
}

/// Runs `cmd` to completion or kills it after `limit`; returns (success, stdout, stderr).
fn run_bounded(mut cmd: Command, limit: Duration) -> (bool, String, String) {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start node (is Node.js installed and on PATH?): {e}"));
    // Read the pipes on their own threads so a chatty child can never block on a full pipe.
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut out, &mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut err, &mut s);
        s
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait().expect("waiting for node") {
            Some(status) => break Some(status),
            None if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    let stdout = out_reader.join().unwrap_or_default();
    let mut stderr = err_reader.join().unwrap_or_default();
    if status.is_none() {
        stderr.push_str(&format!("\n(killed: no exit within {limit:?})"));
    }
    (status.is_some_and(|s| s.success()), stdout, stderr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enigma_js_drives_the_simulator() {
    let enigma_dir = repo().join("tests/enigma");
    if !enigma_installed(&enigma_dir) {
        return;
    }
    let sim = SimServer::start(SimConfig::default())
        .await
        .expect("the simulator starts");
    let certs = tempfile::tempdir().expect("a temp dir");
    sim.pki()
        .write_client_files(certs.path())
        .expect("the client PEMs are written");

    let mut cmd = Command::new("node");
    cmd.arg(enigma_dir.join("compat.js"))
        .arg("--url")
        .arg(sim.engine_url())
        .arg("--root")
        .arg(certs.path().join("root.pem"))
        .arg("--cert")
        .arg(certs.path().join("client.pem"))
        .arg("--key")
        .arg(certs.path().join("client_key.pem"))
        .arg("--schema")
        .arg(repo().join("assets/enigma-schema-12.2027.0.json"))
        .arg("--site")
        .arg(repo().join("assets/demo-site.json"));
    // The simulator runs on this runtime's workers; the child is waited for on a blocking thread.
    let (ok, stdout, stderr) = tokio::task::spawn_blocking(move || run_bounded(cmd, NODE_LIMIT))
        .await
        .expect("the node runner thread");
    assert!(
        ok,
        "enigma.js against the simulator failed:\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    assert!(
        stdout.contains("enigma compat: OK"),
        "compat.js exited 0 without its OK line:\n{stdout}"
    );
    // The steps it ran, for the test log (`cargo test -- --nocapture`).
    eprintln!("{}", stdout.trim());
    assert!(
        sim.requests_served() > 0,
        "the simulator served no request, so enigma.js cannot have talked to it"
    );
}
