//! A panic inside the explorer still restores the terminal before the message prints. Needs
//! the `test-hooks` feature (QLIK_TUI_TEST_PANIC makes the TUI panic after its first frame):
//! `cargo test --features test-hooks --test tui_panic`.

mod pty;

use std::process::Command;
use std::time::Duration;

#[test]
fn an_injected_panic_restores_the_terminal() {
    let config = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_qlik-tui"));
    cmd.arg("--demo")
        .env("QLIK_TUI_CONFIG_DIR", config.path())
        .env("QLIK_TUI_STATE_DIR", state.path())
        .env("TERM", "xterm-256color")
        .env("QLIK_TUI_TEST_PANIC", "1");
    let mut t = pty::Pty::spawn(cmd, 100, 30);
    let status = t.wait_exit(Duration::from_secs(30));
    assert!(!status.success(), "the panic ends the process: {status:?}");
    let out = t.text();
    let entered = out.find("\x1b[?1049h").expect("the TUI started");
    let left = entered
        + out[entered..]
            .find("\x1b[?1049l")
            .expect("the alternate screen was left");
    let message = out
        .find("QLIK_TUI_TEST_PANIC")
        .expect("the panic message printed");
    assert!(
        entered < left && left < message,
        "restored before the message: {out:?}"
    );
    assert!(out[entered..message].contains("\x1b[?25h"), "cursor shown");
    assert!(t.cooked(), "the terminal is back in cooked mode");
}
