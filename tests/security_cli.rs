//! Issue 20 through the real binary, without a network: logging that cannot start, secrets given
//! on the command line, the host-name check and plain-text transports. Every connection named
//! here is refused before any socket opens (the URLs point at 127.0.0.1 port 9, where nothing is
//! expected to answer, and no DNS name is used).

#[cfg(unix)]
mod pty;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_qlik-tui");

/// The binary with private config and state folders.
fn qlik(state: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("QLIK_TUI_CONFIG_DIR", state.join("config"))
        .env("QLIK_TUI_STATE_DIR", state.join("state"))
        .env("QLIK_TUI_SECRET_STORE", "keyutils")
        .env_remove("QLIK_TUI_PROFILE")
        .env_remove("QLIK_TUI_API_KEY")
        .env_remove("QLIK_TUI_JWT")
        .env_remove("QLIK_TUI_LOG")
        .stdin(Stdio::null())
        .output()
        .expect("run qlik-tui")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn today() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[test]
fn an_unwritable_log_folder_turns_logging_off_with_one_warning() {
    let tmp = tempfile::tempdir().unwrap();
    // Today's log file cannot be opened (a folder holds its name): even root cannot write it.
    let logs = tmp.path().join("state").join("logs");
    std::fs::create_dir_all(logs.join(format!("qlik-tui.log.{}", today()))).unwrap();
    let o = qlik(tmp.path(), &["info", "--json"]);
    let err = stderr(&o);
    assert!(o.status.success(), "exit {:?}: {err}", o.status.code());
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.matches("warning: logging is off").count(), 1, "{err}");
    let info: serde_json::Value = serde_json::from_slice(&o.stdout).expect("the report on stdout");
    assert!(info["log_dir"].is_string());
}

#[cfg(unix)]
#[test]
fn the_log_file_is_private_and_its_folder_too() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let o = qlik(tmp.path(), &["info"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let logs = tmp.path().join("state").join("logs");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&logs), 0o700);
    assert_eq!(mode(&logs.join(format!("qlik-tui.log.{}", today()))), 0o600);
}

/// Certificates made now, written to files; returns (cert path, key path, root path, key PEM).
fn cert_files(dir: &Path) -> (String, String, String, String) {
    let pki = qlik_tui::tls::pki::DemoPki::generate().unwrap();
    pki.write_client_files(dir).unwrap();
    let p = |n: &str| dir.join(n).to_string_lossy().into_owned();
    (
        p("client.pem"),
        p("client_key.pem"),
        p("root.pem"),
        pki.client_key_pem.clone(),
    )
}

/// A line of the key's body: what must never be echoed.
fn key_body(pem: &str) -> String {
    pem.lines().nth(1).unwrap().to_string()
}

#[test]
fn key_text_on_the_command_line_is_refused_without_echoing_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (cert, _, root, key_pem) = cert_files(tmp.path());
    let inline = [
        "apps",
        "--engine-url",
        "wss://127.0.0.1:9",
        "--client-cert",
        &cert,
        "--client-key",
        &key_pem,
        "--root-cert",
        &root,
        "--user-directory",
        "INTERNAL",
        "--user-id",
        "sa_engine",
    ];
    let add = [
        "profile",
        "add",
        "k",
        "--engine-url",
        "wss://127.0.0.1:9",
        "--client-cert",
        &cert,
        "--client-key",
        &key_pem,
        "--root-cert",
        &root,
    ];
    for args in [&inline[..], &add[..]] {
        let o = qlik(tmp.path(), args);
        let err = stderr(&o);
        assert!(!o.status.success(), "{args:?} was accepted");
        assert!(
            err.contains("not the key's text") && err.contains("shell history"),
            "{err}"
        );
        assert!(
            !err.contains(&key_body(&key_pem)),
            "the key was echoed: {err}"
        );
    }
}

#[test]
fn a_secret_given_where_a_path_was_expected_is_not_echoed() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, _, root, key_pem) = cert_files(tmp.path());
    let token = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2Vu.c2lnbmF0dXJl";
    let body = key_body(&key_pem);
    for args in [
        vec![
            "apps",
            "--engine-url",
            "wss://127.0.0.1:9",
            "--auth",
            "cloud-key",
        ]
        .into_iter()
        .chain(["--api-key-file", token, "--root-cert", &root])
        .collect::<Vec<_>>(),
        vec!["apps", "--engine-url", "wss://127.0.0.1:9", "--auth", "jwt"]
            .into_iter()
            .chain(["--jwt-file", token, "--root-cert", &root])
            .collect(),
        vec![
            "apps",
            "--engine-url",
            "wss://127.0.0.1:9",
            "--auth",
            "jwt-key",
        ]
        .into_iter()
        .chain([
            "--jwt-key-file",
            &body,
            "--user-id",
            "u",
            "--root-cert",
            &root,
        ])
        .collect(),
        vec!["profile", "add", "t", "--engine-url", "wss://127.0.0.1:9"]
            .into_iter()
            .chain(["--auth", "cloud-key", "--api-key", token])
            .collect(),
    ] {
        let o = qlik(tmp.path(), &args);
        let err = stderr(&o);
        assert!(!o.status.success(), "{args:?} was accepted");
        assert!(err.contains("path"), "{err}");
        assert!(
            !err.contains(token) && !err.contains(&body),
            "{args:?} echoed the secret: {err}"
        );
    }
}

#[test]
fn no_host_name_check_needs_a_private_root() {
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("api_key.txt");
    std::fs::write(&key, "an-api-key-value").unwrap();
    let o = qlik(
        tmp.path(),
        &[
            "apps",
            "--engine-url",
            "wss://127.0.0.1:9",
            "--auth",
            "cloud-key",
            "--api-key-file",
            key.to_str().unwrap(),
            "--no-verify-hostname",
        ],
    );
    let err = stderr(&o);
    assert!(!o.status.success());
    assert!(
        err.contains("host-name check is off") && err.contains("--root-cert"),
        "{err}"
    );
}

#[test]
fn bearer_credentials_over_plain_ws_need_the_flag_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("api_key.txt");
    std::fs::write(&key, "an-api-key-value").unwrap();
    let args = [
        "apps",
        "--engine-url",
        "ws://127.0.0.1:9",
        "--auth",
        "cloud-key",
        "--api-key-file",
        key.to_str().unwrap(),
        "--timeout",
        "5",
    ];
    let o = qlik(tmp.path(), &args);
    let err = stderr(&o);
    assert!(!o.status.success());
    assert!(err.contains("--allow-insecure-transport"), "{err}");
    assert!(!err.contains("an-api-key-value"), "{err}");
    // Allowed by name, it goes on to connect (and fails there: nothing listens on port 9).
    let mut allowed = args.to_vec();
    allowed.push("--allow-insecure-transport");
    let o = qlik(tmp.path(), &allowed);
    let err = stderr(&o);
    assert!(!o.status.success());
    assert!(!err.contains("--allow-insecure-transport"), "{err}");
}

#[test]
fn the_message_cap_is_a_checked_setting() {
    let tmp = tempfile::tempdir().unwrap();
    let (cert, key, root, _) = cert_files(tmp.path());
    let o = qlik(
        tmp.path(),
        &[
            "apps",
            "--engine-url",
            "wss://127.0.0.1:9",
            "--client-cert",
            &cert,
            "--client-key",
            &key,
            "--root-cert",
            &root,
            "--user-directory",
            "INTERNAL",
            "--user-id",
            "sa_engine",
            "--max-message-mb",
            "0",
        ],
    );
    let err = stderr(&o);
    assert!(!o.status.success());
    assert!(
        err.contains("--max-message-mb must be between 1 and 1024"),
        "{err}"
    );
}

/// `profile add --paste` in a real pty: the pasted key is not echoed back to the terminal, and
/// the terminal has its echo back afterwards, also when Ctrl-C ends the paste.
#[cfg(unix)]
#[test]
fn a_pasted_key_is_not_echoed_and_the_terminal_is_restored() {
    let tmp = tempfile::tempdir().unwrap();
    let pki = qlik_tui::tls::pki::DemoPki::generate().unwrap();
    let spawn = |name: &str| {
        let mut cmd = Command::new(BIN);
        cmd.args([
            "profile",
            "add",
            name,
            "--engine-url",
            "wss://127.0.0.1:9",
            "--paste",
        ])
        .env("QLIK_TUI_CONFIG_DIR", tmp.path().join("config"))
        .env("QLIK_TUI_STATE_DIR", tmp.path().join("state"))
        .env("QLIK_TUI_SECRET_STORE", "keyutils")
        .env(
            "QLIK_TUI_KEYRING_SERVICE",
            format!("qlik-tui-test-paste-{}", std::process::id()),
        )
        .env("TERM", "xterm-256color");
        pty::Pty::spawn(cmd, 100, 30)
    };
    // Generous: the machine may be busy (the waits end as soon as the text appears).
    let wait = Duration::from_secs(60);
    let mut p = spawn("pasted");
    p.expect_after(0, "Paste the client certificate", wait);
    p.send(pki.client_cert_pem.as_bytes());
    let at = p.mark();
    p.expect_after(at, "Paste the client key", wait);
    let at = p.mark();
    p.send(pki.client_key_pem.as_bytes());
    p.expect_after(at, "Paste the root certificate", wait);
    p.send(b"\n");
    p.wait_exit(wait);
    let shown = p.text();
    for line in pki
        .client_key_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
    {
        assert!(!shown.contains(line), "the key was echoed:\n{shown}");
    }
    assert!(p.cooked(), "echo is back after the paste");

    // Ctrl-C in the middle of the key: the process ends and echo is back.
    let mut p = spawn("interrupted");
    p.expect_after(0, "Paste the client certificate", wait);
    p.send(pki.client_cert_pem.as_bytes());
    let at = p.mark();
    p.expect_after(at, "Paste the client key", wait);
    p.send(pki.client_key_pem.lines().next().unwrap().as_bytes());
    p.send(b"\n");
    std::thread::sleep(Duration::from_millis(200));
    p.send(&[3]);
    let status = p.wait_exit(wait);
    assert!(!status.success());
    assert!(p.cooked(), "echo is back after Ctrl-C");
}
