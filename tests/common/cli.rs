//! Running the real binary from a test: temporary files, the bounded run with a private config
//! and state directory, and the check that nothing it wrote holds a secret.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

pub struct TempFiles {
    pub dir: tempfile::TempDir,
}

impl TempFiles {
    pub fn new() -> Self {
        TempFiles {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    pub fn write(&self, name: &str, text: &str) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_string_lossy().into_owned()
    }
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Runs the real binary with `args` (and a private config/state dir), off the runtime's threads
/// so the in-process simulator keeps serving. Bounded: a hang fails the test.
pub async fn qlik_tui(
    args: Vec<String>,
    env: Vec<(&'static str, String)>,
    state: PathBuf,
) -> Output {
    let run = tokio::task::spawn_blocking(move || {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_qlik-tui"));
        cmd.args(&args)
            .env("QLIK_TUI_CONFIG_DIR", state.join("config"))
            .env("QLIK_TUI_STATE_DIR", &state)
            .env("QLIK_TUI_LOG", "debug")
            .env_remove("QLIK_TUI_PROFILE")
            .env_remove("QLIK_TUI_API_KEY")
            .env_remove("QLIK_TUI_JWT");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().expect("run qlik-tui")
    });
    tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("qlik-tui must finish")
        .unwrap()
}

/// Everything the run wrote (stdout, stderr, its log files) must be free of `secrets`.
pub fn assert_no_secret(out: &Output, state: &Path, secrets: &[&str]) {
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    if let Ok(entries) = std::fs::read_dir(state.join("logs")) {
        for e in entries.flatten() {
            text.push_str(&std::fs::read_to_string(e.path()).unwrap_or_default());
        }
    }
    for s in secrets {
        assert!(!s.is_empty());
        assert!(
            !text.contains(s),
            "a secret leaked into the output or log:\n{text}"
        );
    }
}

/// Runs `qlik-tui` with `args` (a `doctor --json` command line) and parses the report it prints.
pub async fn doctor_json(args: Vec<String>) -> (serde_json::Value, Output) {
    let state = tempfile::tempdir().unwrap();
    let out = qlik_tui(args, vec![], state.path().to_path_buf()).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "doctor --json must print a JSON report ({e}); stdout:\n{stdout}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (report, out)
}

/// The report failed at `step` with `cause`, gave a fix, listed every step, and exited 1;
/// returns the fix.
pub fn assert_cli_report(
    report: &serde_json::Value,
    out: &Output,
    step: &str,
    cause: &str,
) -> String {
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    assert_eq!(report["ok"], false);
    assert_eq!(report["cause"], cause, "{report:#}");
    let steps = report["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 8, "every step is in the report");
    let failed = steps
        .iter()
        .find(|s| s["status"] == "fail")
        .expect("a failed step");
    assert_eq!(failed["step"], step, "{report:#}");
    let hint = failed["hint"].as_str().unwrap_or("").to_string();
    assert!(hint.len() > 20, "a fix is given: {failed}");
    hint
}
