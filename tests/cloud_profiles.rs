//! Qlik Cloud profiles the tenant refuses (issue 19), through the real binary with the API key
//! in the REAL kernel keyutils keyring: `profile test` fails when the tenant refuses the engine
//! socket although the items list took the key, and the explorer (in a pseudo-terminal) with a
//! wrong key says the key was not accepted and shows no apps: neither looks like success.
//! Under CI a kernel without keyutils fails these tests; elsewhere they skip with a notice.

mod common;
mod keyring_support;
mod pty;

use std::process::Command;
use std::time::Duration;

use keyring_support::Cli;
use qlik_tui::sim::authmodes::{AuthModes, CloudTenant};
use qlik_tui::sim::{Behaviour, SimServer};

const WAIT: Duration = Duration::from_secs(30);
const COLS: u16 = 160;
const ROWS: u16 = 40;

/// The tenant's one API key, and one it never issued.
const KEY: &str = "qlik-cloud-profile-key-0a9b8c";
const WRONG: &str = "qlik-cloud-profile-key-never-issued-31d";

/// This thread's own kernel session keyring (the binaries it starts inherit it), a private
/// config dir and keyring service, and a tenant that knows `KEY`. None (a skip) without
/// keyutils, except under CI.
async fn keyring_and_tenant(tag: &str, behaviour: Behaviour) -> Option<(SimServer, Cli)> {
    if let Err(e) = keyring_support::join_session_keyring() {
        keyring_support::backend_missing("the kernel keyutils session keyring", &e);
        return None;
    }
    let sim = common::auth::start_with(
        AuthModes {
            cloud: Some(CloudTenant {
                api_keys: vec![(KEY.into(), "auth0|jane".into())],
                ..Default::default()
            }),
            ..Default::default()
        },
        behaviour,
    )
    .await;
    Some((sim, Cli::new("keyutils", tag)))
}

/// `profile add NAME` for `sim`'s tenant with `key` (stored in the keyring, the file removed).
fn add_cloud_profile(cli: &Cli, sim: &SimServer, name: &str, key: &str) {
    let files = tempfile::tempdir().unwrap();
    let root = files.path().join("root.pem");
    std::fs::write(&root, &sim.pki().root_cert_pem).unwrap();
    let key_file = files.path().join("api.key");
    std::fs::write(&key_file, key).unwrap();
    cli.ok(&[
        "profile",
        "add",
        name,
        "--engine-url",
        &sim.engine_url(),
        "--root-cert",
        root.to_str().unwrap(),
        "--auth",
        "cloud-key",
        "--api-key",
        key_file.to_str().unwrap(),
        "--connect-timeout",
        "10",
    ]);
}

/// No file under the config dir (profiles, logs, traces) holds either key.
fn assert_no_key_under(cli: &Cli) {
    for (path, text) in keyring_support::files_under(cli.config_dir()) {
        assert!(
            !text.contains(KEY) && !text.contains(WRONG),
            "{} holds an API key",
            path.display()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_test_fails_when_the_tenant_refuses_the_engine_socket() {
    for (behaviour, how) in [
        (Behaviour::reject_upgrade(401), "HTTP 401"),
        (
            Behaviour::close_before_greeting(),
            "closed without the engine greeting",
        ),
    ] {
        let Some((sim, cli)) = keyring_and_tenant("cloud-socket", behaviour).await else {
            return;
        };
        add_cloud_profile(&cli, &sim, "cloud", KEY);
        // The items list takes the key: the app list works.
        cli.ok(&["apps", "-p", "cloud", "--json"]);
        let out = cli.run(&["profile", "test", "cloud"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{err}");
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains("ok:"),
            "not reported as working: {err}"
        );
        for part in [
            "Qlik Cloud refused the engine socket",
            how,
            "did not accept the API key",
        ] {
            assert!(err.contains(part), "missing '{part}': {err}");
        }
        assert!(!err.contains("virtual proxy"), "{err}");
        assert_no_key_under(&cli);
    }
}

/// The explorer on a profile whose key the tenant never issued: the session is
/// `disconnected`, the error names the refused key, and no app is listed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_explorer_with_a_wrong_key_says_so_and_lists_no_apps() {
    let Some((sim, cli)) = keyring_and_tenant("cloud-tui", Behaviour::default()).await else {
        return;
    };
    add_cloud_profile(&cli, &sim, "cloud", WRONG);
    let mut cmd = Command::new(keyring_support::bin());
    cmd.args(["-p", "cloud", "--secret-store", "keyutils"])
        .env("QLIK_TUI_CONFIG_DIR", cli.config_dir())
        .env("QLIK_TUI_STATE_DIR", cli.config_dir().join("state"))
        .env("QLIK_TUI_KEYRING_SERVICE", &cli.service)
        .env("TERM", "xterm-256color")
        .env_remove("QLIK_TUI_PROFILE")
        .env_remove("QLIK_TUI_SECRET_STORE");
    let mut t = pty::Pty::spawn(cmd, COLS, ROWS);
    t.expect_after(0, "\x1b[?1049h", WAIT);
    t.expect_screen("disconnected", COLS as usize, ROWS as usize, WAIT);
    t.expect_screen("HTTP 401", COLS as usize, ROWS as usize, WAIT);
    let screen = pty::render(&t.output(), COLS as usize, ROWS as usize).join("\n");
    for app in &sim.site().apps {
        assert!(
            !screen.contains(&app.meta.title) && !screen.contains(&app.meta.id),
            "no app listed: {screen}"
        );
    }
    assert!(!screen.contains(WRONG), "{screen}");
    t.keys("q");
    assert!(t.wait_exit(WAIT).success());
    assert_no_key_under(&cli);
}
