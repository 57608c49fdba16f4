//! What Qlik sites really do (issue 19), each signal through a simulator mode, the real binary
//! (`doctor --json`, with its cause and fix asserted, and a command such as `apps`) over real
//! TLS and WebSockets on 127.0.0.1:
//! - an expired or unknown proxy session, three ways: a 302 to the login page on the upgrade,
//!   HTTP 500 "Authentication error: Restart the browser.", an upgraded socket closed without a
//!   greeting;
//! - a cold proxy that is slow to start a session (short delays here; the hint's text is what
//!   is asserted, not a 15 s wait);
//! - the per-user session limit;
//! - idle cuts: a gateway that cuts idle sockets after a set (short) time; `doctor --soak`
//!   reports when and how, and the explorer's sessions survive it with the keep-alive;
//! - the walk: a user without the reload right (the script comes from GetScriptEx), one with no
//!   right to the script at all ("needs the reload right", not a failure), and an app open
//!   without data in an attached session (the data model says why it is empty).

mod common;

use std::time::Duration;

use common::cli::{TempFiles, assert_cli_report, doctor_json, qlik_tui};
use qlik_tui::explore::Site;
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

/// `qlik-tui COMMAND` against `sim` with `--timeout timeout` and `extra` flags.
fn command(
    sim: &SimServer,
    files: &TempFiles,
    command: &[&str],
    timeout: &str,
    extra: &[&str],
) -> Vec<String> {
    let mut args: Vec<String> = command.iter().map(|s| s.to_string()).collect();
    args.extend(conn_flags(sim, files, timeout));
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// Runs `qlik-tui COMMAND` against `sim`.
async fn run(sim: &SimServer, cmd: &[&str], timeout: &str, extra: &[&str]) -> std::process::Output {
    let files = TempFiles::new();
    let state = tempfile::tempdir().unwrap();
    qlik_tui(
        command(sim, &files, cmd, timeout, extra),
        vec![],
        state.path().to_path_buf(),
    )
    .await
}

/// `qlik-tui doctor --json` against `sim`.
async fn doctor(
    sim: &SimServer,
    timeout: &str,
    extra: &[&str],
) -> (serde_json::Value, std::process::Output) {
    let files = TempFiles::new();
    doctor_json(command(sim, &files, &["doctor", "--json"], timeout, extra)).await
}

/// `qlik-tui apps` against `sim`: its exit code and stderr.
async fn apps(sim: &SimServer, timeout: &str) -> (Option<i32>, String) {
    let out = run(sim, &["apps"], timeout, &[]).await;
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
    let (report, out) = doctor(&sim, "5", &[]).await;
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
    let (report, out) = doctor(&sim, "5", &[]).await;
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
    let (report, out) = doctor(&sim, "5", &[]).await;
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
        let (report, out) = doctor(&sim, "0.5", &[]).await;
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
    let (report, out) = doctor(&sim, "5", &[]).await;
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
    let (report, out) = doctor(&sim, "5", &[]).await;
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

/// The gateway of these tests cuts a socket idle this long.
const IDLE_CUT: Duration = Duration::from_millis(800);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_soak_reports_when_and_how_an_idle_session_was_cut() {
    let sim = sim_with(Behaviour::idle_cut(IDLE_CUT)).await;
    let (report, out) = doctor(&sim, "5", &["--soak", "4"]).await;
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    assert_eq!(report["ok"], false);
    assert_eq!(report["cause"], "idle_cut", "{report:#}");
    let steps = report["steps"].as_array().unwrap();
    assert!(
        steps.iter().all(|s| s["status"] != "fail"),
        "every check passed; only the soak failed: {report:#}"
    );
    let soak = &report["soak"];
    assert_eq!(soak["cut"], true, "{soak:#}");
    assert_eq!(soak["asked_ms"], 4000);
    let held = soak["held_ms"].as_u64().unwrap();
    assert!(
        (700..2500).contains(&held),
        "cut after about {IDLE_CUT:?}, not {held} ms"
    );
    let how = soak["how"].as_str().unwrap();
    assert!(how.contains("dropped without a close frame"), "{how}");
    let hint = soak["hint"].as_str().unwrap();
    assert!(hint.contains("--keep-alive"), "{hint}");
    assert!(hint.contains("cut after"), "{hint}");

    // The text report says it in its closing lines.
    assert_text_soak(&sim, "Soak: the idle session was cut after").await;
}

/// The text report of `doctor --soak 2` says `expect`.
async fn assert_text_soak(sim: &SimServer, expect: &str) {
    let out = run(sim, &["doctor"], "5", &["--soak", "2"]).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(expect), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_soak_on_a_site_that_keeps_idle_sockets_reports_it_held() {
    let sim = sim_with(Behaviour::healthy()).await;
    let (report, out) = doctor(&sim, "5", &["--soak", "1.5"]).await;
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_eq!(report["ok"], true);
    assert_eq!(report["soak"]["cut"], false, "{report:#}");
    assert!(report["soak"]["held_ms"].as_u64().unwrap() >= 1500);
    assert_text_soak(&sim, "Soak: the session stayed open").await;

    // A bad value is a usage error naming the flag.
    let out = run(&sim, &["doctor"], "5", &["--soak", "forever"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--soak"));
}

/// The explorer's session behind a gateway that cuts idle sockets: with the keep-alive below
/// the cut it is still open and answering after several cuts' worth of idle time; without it
/// the gateway cuts it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_keep_alive_holds_an_idle_explorer_session_past_the_gateway_cut() {
    let sim = sim_with(Behaviour::idle_cut(IDLE_CUT)).await;
    let mut spec = common::sim_spec(&sim);
    spec.timeouts.keep_alive = Some(Duration::from_millis(250));
    let site = Site::new(spec.clone());
    let session = site.global().await.expect("a session");
    let served = sim.requests_served();
    tokio::time::sleep(IDLE_CUT * 3).await;
    assert!(
        !session.rpc().is_closed(),
        "{:?}",
        session.rpc().closed_reason()
    );
    assert!(
        sim.requests_served() > served,
        "the keep-alive sent requests while idle"
    );
    site.info().await.expect("the idle session still answers");

    spec.timeouts.keep_alive = None;
    let site = Site::new(spec);
    let session = site.global().await.expect("a session");
    tokio::time::sleep(IDLE_CUT * 3).await;
    let reason = session.rpc().closed_reason().expect("cut by the gateway");
    assert!(reason.contains("socket broke"), "{reason}");
}

/// The demo app with the most objects: its id and its script as the engine holds it.
fn richest_app() -> (String, String) {
    let app = common::richest_demo_app();
    let script = app["script"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    (app["id"].as_str().unwrap().to_string(), script)
}

/// `export --app ID --include-script --format json` against `sim`: the exit code and the
/// exported app.
async fn export_app(sim: &SimServer, app: &str) -> (Option<i32>, serde_json::Value) {
    let out = run(
        sim,
        &["export"],
        "5",
        &["--app", app, "--include-script", "--format", "json"],
    )
    .await;
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "export prints JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(
        doc["errors"].as_array().map(Vec::len),
        Some(0),
        "nothing failed: {doc:#}"
    );
    (out.status.code(), doc["apps"][0].clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_script_is_read_with_the_read_right_alone() {
    let sim = sim_with(Behaviour::without_reload_right()).await;
    let (id, script) = richest_app();
    let (code, app) = export_app(&sim, &id).await;
    assert_eq!(code, Some(0));
    assert_eq!(app["script"], script.as_str());
    let out = run(&sim, &["get", "script"], "5", &["--app", &id]).await;
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), script);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_the_user_may_not_read_says_it_needs_the_reload_right() {
    let sim = sim_with(Behaviour::without_script_rights()).await;
    let (id, _) = richest_app();
    let (code, app) = export_app(&sim, &id).await;
    assert_eq!(code, Some(0), "not a failure");
    assert!(app["script"].is_null(), "{app:#}");
    let note = app["script_note"].as_str().unwrap();
    assert!(note.contains("needs the reload right"), "{note}");
    assert!(
        !app["sheets"].as_array().unwrap().is_empty(),
        "the rest is there"
    );

    // The Markdown export says it where the script would be.
    let out = run(
        &sim,
        &["export"],
        "5",
        &["--app", &id, "--include-script", "--format", "md"],
    )
    .await;
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.contains("### Load script"), "{md}");
    assert!(md.contains("needs the reload right"), "{md}");

    // Asked for the script alone, the CLI says why it has none (the engine's refusal: 4).
    let out = run(&sim, &["get", "script"], "5", &["--app", &id]).await;
    assert_eq!(out.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("needs the reload right"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_open_without_data_says_why_its_data_model_is_empty() {
    let sim = sim_with(Behaviour::attached_no_data()).await;
    let (id, _) = richest_app();
    let (code, app) = export_app(&sim, &id).await;
    assert_eq!(code, Some(0));
    let model = &app["data_model"];
    assert_eq!(
        model["tables"].as_array().map(Vec::len),
        Some(0),
        "{model:#}"
    );
    let why = model["empty_because"].as_str().unwrap();
    assert!(why.contains("qIsOpenedWithoutData"), "{why}");
    assert!(why.contains("without its data"), "{why}");

    let out = run(&sim, &["get", "tables"], "5", &["--app", &id]).await;
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("qIsOpenedWithoutData"), "{stderr}");

    // A healthy site loads the data: no note, tables present.
    let sim = sim_with(Behaviour::healthy()).await;
    let (_, app) = export_app(&sim, &id).await;
    assert!(app["data_model"]["empty_because"].is_null());
    assert!(!app["data_model"]["tables"].as_array().unwrap().is_empty());
}
