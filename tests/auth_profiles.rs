//! Auth modes 2-5 through the REAL binary and the REAL kernel keyutils keyring: `profile add`
//! stores the JWT key, token or API key in the keyring, then `profile test`, `apps -p` and
//! `doctor -p` reach the simulator (in this process, real TLS on 127.0.0.1). Each family also
//! fails once with the doctor's cause code, and no secret (key, token, API key, session
//! cookie, CSRF token) may appear in any output or log of those runs.
//!
//! Under CI a kernel without keyutils fails these tests; elsewhere they skip with a notice.

mod common;
mod keyring_support;

use std::path::Path;
use std::process::Output;
use std::time::SystemTime;

use common::auth::{header_proxy, jwt_proxy, listed_app_ids, rsa_pair, served_app_ids, start_with};
use keyring_support::*;
use qlik_tui::engine::jwt::{self, JwtTemplate};
use qlik_tui::profile::secrets::{SecretKind, SecretStore, StoreChoice};
use qlik_tui::sim::authmodes::{AuthModes, CloudJwtIdp, CloudTenant};
use qlik_tui::sim::{Behaviour, SimServer};

/// Files for the CLI (keys, tokens, the root) in a temp folder.
struct Files(tempfile::TempDir);

impl Files {
    fn new(sim: &SimServer) -> Files {
        let f = Files(tempfile::tempdir().unwrap());
        f.write("root.pem", &sim.pki().root_cert_pem);
        f
    }
    fn write(&self, name: &str, text: &str) -> String {
        let p = self.0.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_string_lossy().into_owned()
    }
    fn root(&self) -> String {
        self.0
            .path()
            .join("root.pem")
            .to_string_lossy()
            .into_owned()
    }
}

/// Runs `f` on a blocking thread that joined its own kernel session keyring (so the binary it
/// spawns sees it), while the runtime's workers keep the simulator serving. None: skipped.
async fn with_keyring<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    tokio::task::spawn_blocking(move || keyutils_session().then(f))
        .await
        .expect("the CLI steps ran")
}

/// Every run logs at trace level, third-party crates included as far as the filter goes: the
/// log is then scanned for each secret (issue 20: tungstenite logged the upgrade request, the
/// Authorization header and cookies included).
fn cli(tag: &str) -> Cli {
    let mut c = Cli::new("keyutils", tag);
    c.envs.push(("QLIK_TUI_LOG".into(), "trace".into()));
    // Every run also records `--trace` (issue 12); the traces are scanned with the logs.
    let traces = c.config_dir().join("traces");
    std::fs::create_dir_all(&traces).unwrap();
    c.trace_dir = Some(traces);
    c
}

/// `profile add NAME --engine-url URL --root-cert ROOT --connect-timeout 10 EXTRA..`.
fn add(cli: &Cli, name: &str, url: &str, root: &str, extra: &[&str]) {
    let mut a = vec![
        "profile",
        "add",
        name,
        "--engine-url",
        url,
        "--root-cert",
        root,
        "--connect-timeout",
        "10",
    ];
    a.extend_from_slice(extra);
    cli.ok(&a);
    assert_no_pem_under(cli.config_dir());
}

/// `profile test`, `apps -p --json` and `doctor -p --json` all pass; the doctor's engine step
/// says `engine_says`. Returns the doctor report and every output (the text doctor's too).
fn all_pass(
    cli: &Cli,
    name: &str,
    served: &[String],
    engine_says: &str,
) -> (serde_json::Value, Vec<String>) {
    let test = cli.ok(&["profile", "test", name]);
    assert!(test.starts_with("ok: engine "), "{test}");
    let apps = cli.ok(&["apps", "-p", name, "--json"]);
    assert_eq!(listed_app_ids(apps.as_bytes()), served);
    let text = cli.ok(&["doctor", "-p", name]);
    let report = doctor(cli, name, true);
    let engine = step(&report, "engine");
    assert!(
        engine["detail"].as_str().unwrap().contains(engine_says),
        "{report:#}"
    );
    let outputs = vec![test, apps, text, report.to_string()];
    (report, outputs)
}

/// `doctor -p NAME --json`; `ok` says whether it must pass.
fn doctor(cli: &Cli, name: &str, ok: bool) -> serde_json::Value {
    let out = cli.run(&["doctor", "-p", name, "--json"]);
    assert_eq!(
        out.status.success(),
        ok,
        "doctor: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(report["ok"], ok, "{report:#}");
    report
}

fn step<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == name)
        .unwrap_or_else(|| panic!("no step {name}: {report:#}"))
}

/// The doctor fails at `failing` with `cause`, a hint, and `detail_has` in the detail.
fn doctor_fails(cli: &Cli, name: &str, failing: &str, cause: &str, detail_has: &str) {
    let report = doctor(cli, name, false);
    assert_eq!(report["cause"], cause, "{report:#}");
    let s = step(&report, failing);
    assert_eq!(s["status"], "fail", "{report:#}");
    assert!(!s["hint"].as_str().unwrap_or("").is_empty(), "{report:#}");
    assert!(
        s["detail"].as_str().unwrap().contains(detail_has),
        "{report:#}"
    );
}

/// Runs `args` (expected to fail) and returns stdout + stderr.
fn failing_output(cli: &Cli, args: &[&str]) -> String {
    let o: Output = cli.run(args);
    assert!(!o.status.success(), "{args:?} should fail");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!text.contains("panicked"), "{text}");
    text
}

/// Everything the runs printed, plus every log file they wrote, holds none of `secrets`.
fn assert_no_secret_in(outputs: &[String], state_dir: &Path, secrets: &[String]) {
    let mut all = outputs.concat();
    for (_, text) in files_under(state_dir) {
        all.push_str(&text);
    }
    assert!(
        all.contains("DEBUG") || all.contains("TRACE"),
        "the trace log was written"
    );
    // The --trace files were written, with the credentials each call carried named.
    assert!(
        all.contains(r#""kind":"http""#) || all.contains(r#""kind":"open""#),
        "the --trace files hold the runs' calls"
    );
    assert!(all.contains(r#""credentials":[""#), "credentials are named");
    for s in secrets {
        assert!(
            s.len() >= 8,
            "a secret to look for is too short to mean anything"
        );
        assert!(!all.contains(s.as_str()), "a secret leaked:\n{all}");
    }
}

/// A key's body line (the PEM armour itself is no secret).
fn key_line(pem: &str) -> String {
    pem.lines().nth(1).unwrap().to_string()
}

// ---------------------------------------------------------------- JWT through a virtual proxy

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwt_profiles_minted_and_stored_through_a_csrf_proxy() {
    let (private, public) = rsa_pair();
    let (other_private, _) = rsa_pair();
    let sim = start_with(
        AuthModes {
            proxies: vec![jwt_proxy("jwt", &public, "uid", "udir", true)],
            ..Default::default()
        },
        Behaviour::default(),
    )
    .await;
    let url = format!("{}/jwt", sim.engine_url());
    let files = Files::new(&sim);
    let key = files.write("jwt.pem", &private);
    let other_key = files.write("other.pem", &other_private);
    let token = jwt::mint(
        &private,
        &JwtTemplate {
            user_id: "sa_engine".into(),
            user_directory: Some("INTERNAL".into()),
            claim_user: "uid".into(),
            claim_directory: "udir".into(),
            ..Default::default()
        },
        SystemTime::now(),
    )
    .unwrap();
    let token_file = files.write("token.jwt", &token);
    let root = files.root();
    let mut secrets = vec![key_line(&private), key_line(&other_private), token.clone()];
    let served = served_app_ids(&sim);
    let ran = with_keyring(move || {
        let cli = cli("jwt");
        let claims = [
            "--user-directory",
            "INTERNAL",
            "--user-id",
            "sa_engine",
            "--jwt-user-id-claim",
            "uid",
            "--jwt-user-directory-claim",
            "udir",
        ];
        let mut minted = vec!["--auth", "jwt", "--jwt-private-key", &key];
        minted.extend_from_slice(&claims);
        add(&cli, "minted", &url, &root, &minted);
        let keyring = SecretStore::open(StoreChoice::Keyutils)
            .unwrap()
            .with_service(&cli.service);
        assert!(
            keyring
                .get("minted", SecretKind::JwtPrivateKey)
                .unwrap()
                .is_some()
        );
        let (report, mut outputs) = all_pass(&cli, "minted", &served, "apps visible");
        let config = step(&report, "config")["detail"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            config.contains("minted") && config.contains("'uid'"),
            "{config}"
        );
        let greeting = step(&report, "greeting")["detail"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(greeting.contains("INTERNAL\\sa_engine"), "{greeting}");
        let websocket = step(&report, "websocket")["detail"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            websocket.contains("HTTP 101")
                && websocket.contains("qlik-csrf-token=***")
                && websocket.contains("the session cookie, no Authorization header"),
            "{websocket}"
        );

        add(
            &cli,
            "stored",
            &url,
            &root,
            &[
                "--auth",
                "jwt",
                "--jwt-source",
                "token",
                "--jwt-token",
                &token_file,
            ],
        );
        outputs.extend(all_pass(&cli, "stored", &served, "apps visible").1);

        // Signed by another key: the proxy's CSRF endpoint answers 401.
        let mut wrong = vec!["--auth", "jwt", "--jwt-private-key", &other_key];
        wrong.extend_from_slice(&claims);
        add(&cli, "wrongkey", &url, &root, &wrong);
        doctor_fails(
            &cli,
            "wrongkey",
            "websocket",
            "upgrade_rejected",
            "HTTP 401",
        );
        let test = failing_output(&cli, &["profile", "test", "wrongkey"]);
        assert!(test.contains("401") && test.contains("JWT"), "{test}");
        outputs.push(test);
        outputs.push(failing_output(&cli, &["apps", "-p", "wrongkey", "--json"]));
        outputs.push(failing_output(&cli, &["doctor", "-p", "wrongkey"]));
        outputs.push(failing_output(
            &cli,
            &["doctor", "-p", "wrongkey", "--format", "md"],
        ));
        outputs.push(cli.ok(&["profile", "show", "minted", "--json"]));
        (outputs, cli)
    })
    .await;
    let Some((outputs, cli)) = ran else { return };
    let last = sim
        .handshakes()
        .pop()
        .expect("sockets went through the proxy");
    assert!(last.csrf_token_valid && last.session_cookie && !last.authorization);
    // The proxy's session cookies and CSRF tokens of every run, good or failed, stayed unsaid.
    for (cookie, token) in sim.issued_credentials() {
        secrets.extend([cookie, token]);
    }
    assert_no_secret_in(&outputs, cli.config_dir(), &secrets);
}

// ---------------------------------------------------------------- Qlik Cloud API key

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cloud_api_key_profile_lists_every_page_and_names_a_bad_key() {
    const KEY: &str = "qlik-cloud-test-api-key-0123456789";
    const BAD: &str = "not-the-tenants-key-9876543210";
    let sim = start_with(
        AuthModes {
            cloud: Some(CloudTenant {
                api_keys: vec![(KEY.into(), "auth0|jane".into())],
                max_page: 2,
                ..Default::default()
            }),
            ..Default::default()
        },
        Behaviour::default(),
    )
    .await;
    let url = sim.engine_url();
    let files = Files::new(&sim);
    let key = files.write("api.key", KEY);
    let bad = files.write("bad.key", BAD);
    let root = files.root();
    let served = served_app_ids(&sim);
    let apps = served.len();
    with_keyring(move || {
        let cli = cli("cloudkey");
        add(
            &cli,
            "cloud",
            &url,
            &root,
            &["--auth", "cloud-key", "--api-key", &key],
        );
        // Pages of 2: all apps listed means links.next was followed to the end.
        all_pass(
            &cli,
            "cloud",
            &served,
            &format!("{apps} apps in the Qlik Cloud items list"),
        );
        add(
            &cli,
            "badkey",
            &url,
            &root,
            &["--auth", "cloud-key", "--api-key", &bad],
        );
        doctor_fails(&cli, "badkey", "websocket", "upgrade_rejected", "HTTP 401");
        let test = failing_output(&cli, &["profile", "test", "badkey"]);
        assert!(
            test.contains("HTTP 401") && test.contains("API key"),
            "{test}"
        );
        let outputs = vec![
            test,
            failing_output(&cli, &["apps", "-p", "badkey", "--json"]),
            failing_output(&cli, &["doctor", "-p", "badkey"]),
            cli.ok(&["profile", "show", "cloud"]),
        ];
        assert_no_secret_in(&outputs, cli.config_dir(), &[KEY.into(), BAD.into()]);
    })
    .await;
}

// ---------------------------------------------------------------- Qlik Cloud JWT

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cloud_jwt_profile_opens_a_session_and_a_wrong_issuer_is_refused() {
    let (private, public) = rsa_pair();
    let sim = start_with(
        AuthModes {
            cloud: Some(CloudTenant {
                jwt: Some(CloudJwtIdp {
                    public_key_pem: public,
                    issuer: Some("qlik-tui-test".into()),
                }),
                max_page: 3,
                ..Default::default()
            }),
            ..Default::default()
        },
        Behaviour::default(),
    )
    .await;
    let url = sim.engine_url();
    let files = Files::new(&sim);
    let key = files.write("jwt.pem", &private);
    let root = files.root();
    let served = served_app_ids(&sim);
    let apps = served.len();
    let secret = key_line(&private);
    with_keyring(move || {
        let cli = cli("cloudjwt");
        let base = [
            "--auth",
            "cloud-jwt",
            "--jwt-private-key",
            &key,
            "--user-id",
            "auth0|jane",
            "--jwt-key-id",
            "kid-1",
            "--jwt-claim",
            "name=Jane Doe",
            "--jwt-claim",
            "email_verified=true",
        ];
        let mut good = base.to_vec();
        good.extend_from_slice(&["--jwt-issuer", "qlik-tui-test"]);
        add(&cli, "cjwt", &url, &root, &good);
        let (report, _) = all_pass(
            &cli,
            "cjwt",
            &served,
            &format!("{apps} apps in the Qlik Cloud items list"),
        );
        assert!(
            step(&report, "engine")["detail"]
                .as_str()
                .unwrap()
                .contains("auth0|jane"),
            "{report:#}"
        );
        let mut wrong = base.to_vec();
        wrong.extend_from_slice(&["--jwt-issuer", "someone-else"]);
        add(&cli, "wrongiss", &url, &root, &wrong);
        doctor_fails(
            &cli,
            "wrongiss",
            "websocket",
            "upgrade_rejected",
            "jwt-session",
        );
        let outputs = vec![
            failing_output(&cli, &["profile", "test", "wrongiss"]),
            failing_output(&cli, &["apps", "-p", "wrongiss", "--json"]),
        ];
        assert!(outputs[0].contains("HTTP 401"), "{}", outputs[0]);
        assert_no_secret_in(&outputs, cli.config_dir(), &[secret]);
    })
    .await;
}

// ---------------------------------------------------------------- header auth

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn header_profile_through_a_proxy_and_a_wrong_header_name() {
    let sim = start_with(
        AuthModes {
            proxies: vec![header_proxy()],
            ..Default::default()
        },
        Behaviour::default(),
    )
    .await;
    let url = format!("{}/hdr", sim.engine_url());
    let files = Files::new(&sim);
    let root = files.root();
    let served = served_app_ids(&sim);
    with_keyring(move || {
        let cli = cli("header");
        add(
            &cli,
            "hdr",
            &url,
            &root,
            &[
                "--auth",
                "header",
                "--header-name",
                "hdr-usr",
                "--user-directory",
                "INTERNAL",
                "--user-id",
                "sa_engine",
            ],
        );
        let (report, _) = all_pass(&cli, "hdr", &served, "UserId=sa_engine");
        assert!(
            step(&report, "config")["detail"]
                .as_str()
                .unwrap()
                .contains("header hdr-usr"),
            "{report:#}"
        );
        add(
            &cli,
            "wronghdr",
            &url,
            &root,
            &[
                "--auth",
                "header",
                "--header-name",
                "x-user",
                "--user-id",
                "bob",
            ],
        );
        doctor_fails(
            &cli,
            "wronghdr",
            "websocket",
            "upgrade_rejected",
            "HTTP 401",
        );
    })
    .await;
}

// ---------------------------------------------------------------- no secret in a failing run

/// The proxy hands out its cookie and CSRF token, then the engine refuses the session: every
/// credential has been in the client's hands when it fails, and none may be printed or logged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_failing_after_the_csrf_flow_prints_no_cookie_token_or_key() {
    let (private, public) = rsa_pair();
    let sim = start_with(
        AuthModes {
            proxies: vec![jwt_proxy("jwt", &public, "user", "directory", true)],
            ..Default::default()
        },
        Behaviour::session_state("SESSION_ERROR_NO_LICENSE"),
    )
    .await;
    let url = format!("{}/jwt", sim.engine_url());
    let files = Files::new(&sim);
    let key = files.write("jwt.pem", &private);
    let root = files.root();
    let ran = with_keyring(move || {
        let cli = cli("leak");
        add(
            &cli,
            "nolicense",
            &url,
            &root,
            &[
                "--auth",
                "jwt",
                "--jwt-private-key",
                &key,
                "--user-directory",
                "INTERNAL",
                "--user-id",
                "sa_engine",
            ],
        );
        doctor_fails(
            &cli,
            "nolicense",
            "greeting",
            "session_refused",
            "NO_LICENSE",
        );
        let outputs = vec![
            failing_output(&cli, &["profile", "test", "nolicense"]),
            failing_output(&cli, &["apps", "-p", "nolicense", "--json"]),
            failing_output(&cli, &["doctor", "-p", "nolicense"]),
            failing_output(&cli, &["doctor", "-p", "nolicense", "--json"]),
        ];
        // The config dir (logs included) lives on with `cli` until the simulator is read.
        (outputs, cli)
    })
    .await;
    let Some((outputs, cli)) = ran else { return };
    let mut secrets = vec![key_line(&private)];
    let issued = sim.issued_credentials();
    assert!(
        issued.len() >= 4,
        "every run fetched a proxy session first: {}",
        issued.len()
    );
    for (cookie, token) in issued {
        secrets.push(cookie);
        secrets.push(token);
    }
    assert_no_secret_in(&outputs, cli.config_dir(), &secrets);
}
