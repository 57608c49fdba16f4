//! The log's last lines survive `process::exit`: main ends with it, which runs no destructors,
//! so the non-blocking log writer's guard must be dropped (flushed) first. Needs the
//! `test-hooks` feature (QLIK_TUI_TEST_SLOW_LOG_MS pauses every log write, so the writer is
//! certain to be behind when the command ends): `cargo test --features test-hooks --test log_flush`.

use std::process::Command;

fn today() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[test]
fn the_last_log_line_is_written_before_an_error_exit() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let missing = tmp.path().join("no-such-certs");
    let out = Command::new(env!("CARGO_BIN_EXE_qlik-tui"))
        .args(["apps", "--engine-url", "wss://127.0.0.1:9", "--cert-dir"])
        .arg(&missing)
        .args(["--user-directory", "INTERNAL", "--user-id", "sa_engine"])
        .env("QLIK_TUI_CONFIG_DIR", tmp.path().join("config"))
        .env("QLIK_TUI_STATE_DIR", &state)
        .env("QLIK_TUI_LOG", "debug")
        .env("QLIK_TUI_TEST_SLOW_LOG_MS", "300")
        .env_remove("QLIK_TUI_PROFILE")
        .output()
        .expect("run qlik-tui");
    let code = out.status.code().expect("an exit code, not a signal");
    assert_ne!(code, 0, "{}", String::from_utf8_lossy(&out.stderr));
    let log = std::fs::read_to_string(state.join("logs").join(format!("qlik-tui.log.{}", today())))
        .expect("today's log file");
    assert!(
        log.contains("logging started"),
        "the first line is missing:\n{log}"
    );
    assert!(
        log.contains(&format!("exiting code={code}")),
        "the run's last line is missing from the log:\n{log}"
    );
}
