//! What Qlik sites really do (issue 19), each signal through a simulator mode, the real binary
//! (`doctor --json`, with its cause and fix asserted, and a command such as `apps`) over real
//! TLS and WebSockets on 127.0.0.1:
//! - an expired or unknown proxy session, three ways: a 302 to the login page on the upgrade,
//!   HTTP 500 "Authentication error: Restart the browser.", an upgraded socket closed without a
//!   greeting;
//! - a cold proxy that is slow to start a session (short delays here; the hint's text is what
//!   is asserted, not a 15 s wait);
//! - the per-user session limit.

mod common;

use std::time::Duration;

use common::cli::{TempFiles, assert_cli_report, doctor_json, qlik_tui};
use qlik_tui::explore::doctor::{DoctorOptions, Status, StepName};
use qlik_tui::sim::{Behaviour, SimServer};

async fn sim_with(behaviour: Behaviour) -> SimServer {
    common::auth::start_with(Default::default(), behaviour).await
}

/// Certificate auth as INTERNAL\sa_engine against `sim` through `--cert-dir`.
fn conn_flags(sim: &SimServer, files: &TempFiles, timeout: &str) -> Vec<String> {
    let certs = common::write_cert_dir(sim, files.path());
    [
        "--engine-url",
        &sim.engine_url(),
        "--cert-dir",
        &certs.to_string_lossy(),
        "--user-directory",
        "INTERNAL",
        "--user-id",
        "sa_engine",
        "--timeout",
        timeout,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// `qlik-tui doctor --json` against `sim`.
async fn doctor(sim: &SimServer, timeout: &str) -> (serde_json::Value, std::process::Output) {
    let files = TempFiles::new();
    let mut args = vec!["doctor".to_string(), "--json".to_string()];
    args.extend(conn_flags(sim, &files, timeout));
    doctor_json(args).await
}

/// `qlik-tui apps` against `sim`: its exit code and stderr.
async fn apps(sim: &SimServer, timeout: &str) -> (Option<i32>, String) {
    let files = TempFiles::new();
    let mut args = vec!["apps".to_string()];
    args.extend(conn_flags(sim, &files, timeout));
    let state = tempfile::tempdir().unwrap();
    let out = qlik_tui(args, vec![], state.path().to_path_buf()).await;
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The fix for an expired or unknown session names all three things to check.
fn assert_session_fix(text: &str) {
    for part in [
        "renew the JWT or ticket",
        "prefix",
        "Session cookie header name",
    ] {
        assert!(text.contains(part), "missing '{part}': {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_authentication_error_500_is_an_expired_session() {
    let sim = sim_with(Behaviour::reject_upgrade(500)).await;
    let (report, out) = doctor(&sim, "5").await;
    let hint = assert_cli_report(&report, &out, "websocket", "session_expired");
    assert!(hint.contains("Authentication error"), "{hint}");
    assert_session_fix(&hint);

    let (code, stderr) = apps(&sim, "5").await;
    assert_eq!(code, Some(3), "a connection failure: {stderr}");
    assert!(stderr.contains("HTTP 500"), "{stderr}");
    assert_session_fix(&stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_closed_without_a_greeting_is_an_expired_session() {
    let sim = sim_with(Behaviour::close_before_greeting()).await;
    let (report, out) = doctor(&sim, "5").await;
    let hint = assert_cli_report(&report, &out, "greeting", "session_expired");
    assert!(hint.contains("closed without a greeting"), "{hint}");
    assert_session_fix(&hint);
    let steps = report["steps"].as_array().unwrap();
    assert_eq!(steps[4]["step"], "websocket");
    assert_eq!(steps[4]["status"], "ok", "the upgrade itself worked");

    let (code, stderr) = apps(&sim, "5").await;
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("without the engine greeting"), "{stderr}");
    assert_session_fix(&stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_to_the_login_page_says_the_session_may_have_expired() {
    let sim = sim_with(Behaviour::reject_upgrade(302)).await;
    let (report, out) = doctor(&sim, "5").await;
    let hint = assert_cli_report(&report, &out, "websocket", "upgrade_rejected");
    assert!(hint.contains("redirects to a login page"), "{hint}");
    assert!(hint.contains("renew the JWT or ticket"), "{hint}");
    assert!(hint.contains("Session cookie header name"), "{hint}");
    assert!(hint.contains("default virtual proxy"), "{hint}");

    let (code, stderr) = apps(&sim, "5").await;
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("HTTP 302"), "{stderr}");
    assert!(
        stderr.contains("session or JWT/ticket has expired"),
        "{stderr}"
    );
}

/// A proxy slower to start the session than the timeout the user gave: the timeout names the
/// step and says a cold start takes 15–21 s and is not an outage.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cold_proxy_past_a_short_timeout_is_called_a_cold_start_not_an_outage() {
    let slow = Duration::from_millis(1500);
    for (behaviour, step) in [
        (Behaviour::cold_start(slow, Duration::ZERO), "websocket"),
        (Behaviour::cold_start(Duration::ZERO, slow), "greeting"),
    ] {
        let sim = sim_with(behaviour).await;
        let (report, out) = doctor(&sim, "0.5").await;
        let hint = assert_cli_report(&report, &out, step, "timeout");
        assert!(hint.contains("15–21 s"), "{hint}");
        assert!(hint.contains("not an outage"), "{hint}");
        assert!(hint.contains("--timeout 30"), "{hint}");

        let (code, stderr) = apps(&sim, "0.5").await;
        assert_eq!(code, Some(3), "{stderr}");
        assert!(stderr.contains("15–21 s"), "{stderr}");
    }
}

/// Within the timeout, a slow session start works: the upgrade is bounded by the session-start
/// timeout, and the doctor says the start was slow, as a warning with the cold-start hint.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_session_start_within_the_timeout_works_and_is_a_warning() {
    let sim = sim_with(Behaviour::cold_start(
        Duration::from_millis(300),
        Duration::from_millis(300),
    ))
    .await;
    let (report, out) = doctor(&sim, "5").await;
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_eq!(report["ok"], true);

    let opts = DoctorOptions {
        slow_session_start: Some(Duration::from_millis(400)),
        ..Default::default()
    };
    let r = common::doctor::diagnose_with(&common::sim_spec(&sim), opts).await;
    assert!(r.ok, "{r:#?}");
    let greeting = r
        .steps
        .iter()
        .find(|s| s.step == StepName::Greeting)
        .unwrap();
    assert_eq!(greeting.status, Status::Warn, "{greeting:?}");
    let hint = greeting.hint.as_deref().unwrap();
    assert!(
        hint.contains("to start") && hint.contains("15–21 s"),
        "{hint}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_limit_hint_says_five_per_user_qmc_and_minutes() {
    let sim = sim_with(Behaviour::max_parallel_sessions()).await;
    let (report, out) = doctor(&sim, "5").await;
    let hint = assert_cli_report(&report, &out, "greeting", "max_sessions");
    for part in [
        "5 parallel sessions per user",
        "QMC",
        "minutes",
        "--concurrency",
    ] {
        assert!(hint.contains(part), "missing '{part}': {hint}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_concurrency_default_stays_below_the_session_limit_and_says_why() {
    use qlik_tui::explore::export::DEFAULT_CONCURRENCY;
    // The export also holds the site's own session.
    const { assert!(DEFAULT_CONCURRENCY + 1 < 5) };
    let state = tempfile::tempdir().unwrap();
    let out = qlik_tui(
        vec!["export".into(), "--help".into()],
        vec![],
        state.path().to_path_buf(),
    )
    .await;
    // clap wraps the help to the terminal's width: compare words, not lines.
    let help = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(help.contains("--concurrency"), "{help}");
    assert!(help.contains("5 parallel sessions per user"), "{help}");
    assert!(
        help.contains(&format!("[default: {DEFAULT_CONCURRENCY}]")),
        "{help}"
    );
}
