//! `qlik-tui doctor` as a user runs it: whatever the input, the report is the output. Every bad
//! input the doctor's library tests use (tests/doctor_local.rs, tests/doctor_sim.rs), given as
//! flags and files to the real binary, plus flags that cannot make a connection at all (no user
//! directory or id for X-Qlik-User, no connection, a bad URL, a missing file): `--json` prints a
//! parseable report with the failing step and cause, and exit status 1. `--timeout N` bounds the
//! engine step's requests too.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::cli::{TempFiles, assert_cli_report as assert_report, doctor_json as doctor, qlik_tui};
use common::doctor::websocket_peer_that_is_not_an_engine;
use qlik_tui::sim::behaviour::ReplyFault;
use qlik_tui::sim::{Behaviour, SimConfig, SimServer};
use qlik_tui::tls::pki::{DemoPki, TestCa, Validity};
use tokio::io::AsyncWriteExt;

/// Certificate files of `pki` in a temporary folder, and the flags naming them.
struct CertFlags {
    files: TempFiles,
}

impl CertFlags {
    fn new(pki: &DemoPki) -> CertFlags {
        let files = TempFiles::new();
        files.write("client.pem", &pki.client_cert_pem);
        files.write("client_key.pem", &pki.client_key_pem);
        files.write("root.pem", &pki.root_cert_pem);
        CertFlags { files }
    }

    /// `doctor --json` for `url` with certificate auth as INTERNAL\sa_engine and a 2 s
    /// timeout; each of `set` replaces a flag's value (or adds the flag).
    fn args(&self, url: &str, set: &[(&str, &str)]) -> Vec<String> {
        let file = |name: &str| self.files.path().join(name).to_string_lossy().into_owned();
        let mut flags: Vec<(String, String)> = vec![
            ("--engine-url".into(), url.into()),
            ("--client-cert".into(), file("client.pem")),
            ("--client-key".into(), file("client_key.pem")),
            ("--root-cert".into(), file("root.pem")),
            ("--user-directory".into(), "INTERNAL".into()),
            ("--user-id".into(), "sa_engine".into()),
            ("--timeout".into(), "2".into()),
        ];
        for (k, v) in set {
            match flags.iter_mut().find(|(f, _)| f == k) {
                Some(f) => f.1 = v.to_string(),
                None => flags.push((k.to_string(), v.to_string())),
            }
        }
        let mut a = vec!["doctor".to_string(), "--json".to_string()];
        a.extend(flags.into_iter().flat_map(|(k, v)| [k, v]));
        a
    }

    fn without(&self, url: &str, flag: &str) -> Vec<String> {
        let mut a = self.args(url, &[]);
        let i = a.iter().position(|x| x == flag).expect("the flag is there");
        a.drain(i..i + 2);
        a
    }
}

async fn sim_with(behaviour: Behaviour) -> SimServer {
    common::auth::start_with(Default::default(), behaviour).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_user_id_or_directory_fails_config_with_the_fix() {
    let flags = CertFlags::new(&DemoPki::generate().unwrap());
    for missing in ["--user-id", "--user-directory"] {
        let (r, out) = doctor(flags.without("wss://localhost:4747", missing)).await;
        let hint = assert_report(&r, &out, "config", "invalid_config");
        assert!(
            hint.contains("X-Qlik-User needs both a directory and an id"),
            "{hint}"
        );
        let detail = r["steps"][0]["detail"].as_str().unwrap();
        let what = missing.trim_start_matches("--").replace('-', " ");
        assert!(detail.contains(&what), "{missing}: {detail}");
        let steps = r["steps"].as_array().unwrap();
        assert!(steps[1..].iter().all(|s| s["status"] == "skip"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flags_that_make_no_connection_still_get_a_report() {
    let flags = CertFlags::new(&DemoPki::generate().unwrap());
    // No connection at all.
    let (r, out) = doctor(vec!["doctor".into(), "--json".into()]).await;
    assert_report(&r, &out, "config", "invalid_config");
    // Not an engine URL.
    let (r, out) = doctor(flags.args("https://localhost:4747", &[])).await;
    assert_report(&r, &out, "config", "invalid_config");
    // A certificate file that is not there.
    let args = flags.args(
        "wss://localhost:4747",
        &[("--client-cert", "/nonexistent/client.pem")],
    );
    let (r, out) = doctor(args).await;
    assert_report(&r, &out, "config", "invalid_config");
    // The text and Markdown reports are printed too, on stdout.
    let mut text = flags.without("wss://localhost:4747", "--user-id");
    text.retain(|a| a != "--json");
    let state = tempfile::tempdir().unwrap();
    let out = qlik_tui(text, vec![], state.path().to_path_buf()).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("config") && stdout.contains("X-Qlik-User needs both"),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_certificate_files_fail_config_with_their_cause() {
    let pki = DemoPki::generate().unwrap();
    let flags = CertFlags::new(&pki);
    let url = "wss://localhost:4747";
    let garbage = flags.files.write("garbage.pem", "not a certificate");
    let (r, out) = doctor(flags.args(url, &[("--client-cert", &garbage)])).await;
    assert_report(&r, &out, "config", "invalid_pem");

    let other = TestCa::new("other")
        .unwrap()
        .issue_client("x", Validity::Days(30))
        .unwrap();
    let other_key = flags.files.write("other_key.pem", &other.key_pem);
    let (r, out) = doctor(flags.args(url, &[("--client-key", &other_key)])).await;
    assert_report(&r, &out, "config", "key_mismatch");

    let expired = pki
        .ca
        .issue_client("QlikClient", Validity::ExpiredDaysAgo(3))
        .unwrap();
    let cert = flags.files.write("expired.pem", &expired.cert_pem);
    let key = flags.files.write("expired_key.pem", &expired.key_pem);
    let (r, out) =
        doctor(flags.args(url, &[("--client-cert", &cert), ("--client-key", &key)])).await;
    assert_report(&r, &out, "config", "cert_expired");
}

/// A TCP peer on loopback that `answer`s every connection (or holds it silently).
async fn peer(answer: Option<&'static [u8]>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            tokio::spawn(async move {
                if let Some(a) = answer {
                    let _ = tcp.write_all(a).await;
                }
                tokio::time::sleep(Duration::from_secs(30)).await;
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_failures_are_reported_at_their_step() {
    let flags = CertFlags::new(&DemoPki::generate().unwrap());
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let (r, out) = doctor(flags.args(&format!("wss://127.0.0.1:{port}"), &[])).await;
    assert_report(&r, &out, "tcp", "connection_refused");
    // A peer that is not TLS.
    let http = peer(Some(b"HTTP/1.1 400 Bad Request\r\n\r\n")).await;
    let url = format!("wss://localhost:{}", http.port());
    let (r, out) = doctor(flags.args(&url, &[])).await;
    assert_report(&r, &out, "tls", "not_tls");
    // A peer that accepts and never answers: --timeout bounds the wait.
    let silent = peer(None).await;
    let url = format!("wss://localhost:{}", silent.port());
    let t = Instant::now();
    let (r, out) = doctor(flags.args(&url, &[("--timeout", "0.5")])).await;
    assert_report(&r, &out, "tls", "timeout");
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_faults_are_reported_at_the_engine_step() {
    let sim = sim_with(Behaviour::fault_on("GetDocList", ReplyFault::Garbage)).await;
    let flags = CertFlags::new(sim.pki());
    let (r, out) = doctor(flags.args(&sim.engine_url(), &[])).await;
    assert_report(&r, &out, "engine", "protocol_error");
    let detail = r["steps"][6]["detail"].as_str().unwrap();
    assert!(
        detail.contains("unreadable") && detail.contains("\\x1b"),
        "{detail}"
    );
    assert!(!detail.contains('\u{1b}'));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_bounds_the_engine_steps_requests_unless_request_timeout_says_otherwise() {
    let sim = sim_with(Behaviour::never_answer("GetDocList")).await;
    let flags = CertFlags::new(sim.pki());
    let t = Instant::now();
    let (r, out) = doctor(flags.args(&sim.engine_url(), &[("--timeout", "1")])).await;
    let took = t.elapsed();
    assert_report(&r, &out, "engine", "timeout");
    // The default request timeout is 30 s: only --timeout can end the step this soon.
    assert!(took < Duration::from_secs(10), "took {took:?}");
    let detail = r["steps"][6]["detail"].as_str().unwrap();
    assert!(
        detail.contains("GetDocList") && detail.contains("1s"),
        "{detail}"
    );

    let (r, _) = doctor(flags.args(
        &sim.engine_url(),
        &[("--timeout", "1"), ("--request-timeout", "1.5")],
    ))
    .await;
    let detail = r["steps"][6]["detail"].as_str().unwrap();
    assert!(detail.contains("1.5s"), "--request-timeout wins: {detail}");
}

/// An encrypted PKCS#8 key (its start is enough: the armour says it is encrypted).
const ENCRYPTED_KEY: &str = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n";

/// The bad inputs of tests/doctor_local.rs and tests/doctor_sim.rs not covered above, given to
/// the real binary as flags and files: each prints a parseable JSON report with the step and
/// cause the library tests expect, and a fix. (The unresolvable name is left to
/// tests/doctor_local.rs: through the binary it would send a DNS query off the machine.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_library_tests_other_bad_inputs_get_a_json_report_too() {
    // An encrypted key without its passphrase.
    let flags = CertFlags::new(&DemoPki::generate().unwrap());
    let key = flags.files.write("encrypted_key.pem", ENCRYPTED_KEY);
    let (r, out) = doctor(flags.args("wss://localhost:4747", &[("--client-key", &key)])).await;
    let hint = assert_report(&r, &out, "config", "invalid_pem");
    assert!(hint.contains("passphrase"), "{hint}");

    let sim = sim_with(Behaviour::healthy()).await;
    let flags = CertFlags::new(sim.pki());
    let url = sim.engine_url();
    // A root of another CA: the server is unknown.
    let other_root = flags.files.write(
        "other_root.pem",
        &TestCa::new("another CA").unwrap().cert_pem,
    );
    let (r, out) = doctor(flags.args(&url, &[("--root-cert", &other_root)])).await;
    assert_report(&r, &out, "tls", "unknown_ca");
    // A client certificate of another CA: rejected (TLS 1.3 may report it at the upgrade).
    let stranger = TestCa::new("not the QMC's CA")
        .unwrap()
        .issue_client("QlikClient", Validity::Days(30))
        .unwrap();
    let cert = flags.files.write("stranger.pem", &stranger.cert_pem);
    let key = flags.files.write("stranger_key.pem", &stranger.key_pem);
    let (r, out) =
        doctor(flags.args(&url, &[("--client-cert", &cert), ("--client-key", &key)])).await;
    let step = r["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["status"] == "fail")
        .map(|s| s["step"].as_str().unwrap().to_string())
        .unwrap_or_default();
    assert!(["tls", "websocket"].contains(&step.as_str()), "{r:#}");
    assert_report(&r, &out, &step, "client_cert_rejected");
    // A WebSocket peer that is not an engine.
    let peer = websocket_peer_that_is_not_an_engine(sim.pki()).await;
    let (r, out) = doctor(flags.args(&format!("wss://localhost:{}", peer.port()), &[])).await;
    assert_report(&r, &out, "greeting", "protocol_error");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_of_the_proxy_and_the_engine_get_a_json_report() {
    for status in [401u16, 403] {
        let sim = sim_with(Behaviour::reject_upgrade(status)).await;
        let (r, out) = doctor(CertFlags::new(sim.pki()).args(&sim.engine_url(), &[])).await;
        assert_report(&r, &out, "websocket", "upgrade_rejected");
        let detail = r["steps"][4]["detail"].as_str().unwrap();
        assert!(detail.contains(&status.to_string()), "{detail}");
    }
    for state in common::doctor::REFUSED_SESSION_STATES {
        let sim = sim_with(Behaviour::session_state(state)).await;
        let (r, out) = doctor(CertFlags::new(sim.pki()).args(&sim.engine_url(), &[])).await;
        assert_report(&r, &out, "greeting", "session_refused");
        let detail = r["steps"][5]["detail"].as_str().unwrap();
        assert!(detail.contains(state), "{detail}");
    }
    let sim = sim_with(Behaviour::max_parallel_sessions()).await;
    let (r, out) = doctor(CertFlags::new(sim.pki()).args(&sim.engine_url(), &[])).await;
    assert_report(&r, &out, "greeting", "max_sessions");
    // An engine that never greets: --timeout bounds the wait for the greeting.
    let sim = sim_with(Behaviour::silent()).await;
    let t = Instant::now();
    let (r, out) =
        doctor(CertFlags::new(sim.pki()).args(&sim.engine_url(), &[("--timeout", "0.5")])).await;
    assert_report(&r, &out, "greeting", "timeout");
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
}

/// A server certificate that does not name the host: the simulator listens on 127.0.0.2, which
/// its certificate (localhost, 127.0.0.1, ::1) does not carry; `--no-verify-hostname` passes.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_for_another_name_gets_a_json_report() {
    let sim = SimServer::start(SimConfig {
        listen: SocketAddr::from(([127, 0, 0, 2], 0)),
        ..SimConfig::default()
    })
    .await
    .expect("the simulator starts on 127.0.0.2 (Linux routes 127/8 to loopback)");
    let flags = CertFlags::new(sim.pki());
    let url = format!("wss://127.0.0.2:{}", sim.addr().port());
    let (r, out) = doctor(flags.args(&url, &[])).await;
    let hint = assert_report(&r, &out, "tls", "hostname_mismatch");
    assert!(hint.contains("verify"), "{hint}");
    let mut args = flags.args(&url, &[]);
    args.push("--no-verify-hostname".into());
    let (r, out) = doctor(args).await;
    assert_eq!(out.status.code(), Some(0), "{r:#}");
    assert_eq!(r["ok"], true, "{r:#}");
}

/// `--timeout` bounds the repository step too: a QRS address that accepts and never answers
/// fails `repository` soon, saying it timed out; the simulator's own QRS passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_bounds_the_repository_step() {
    let sim = sim_with(Behaviour::healthy()).await;
    let flags = CertFlags::new(sim.pki());
    let qrs = format!("https://localhost:{}", sim.addr().port());
    let (r, out) = doctor(flags.args(&sim.engine_url(), &[("--qrs-url", &qrs)])).await;
    assert_eq!(out.status.code(), Some(0), "{r:#}");
    assert_eq!(r["steps"][7]["status"], "ok", "{r:#}");

    let silent = peer(None).await;
    let qrs = format!("https://localhost:{}", silent.port());
    let t = Instant::now();
    let (r, out) = doctor(flags.args(
        &sim.engine_url(),
        &[("--qrs-url", &qrs), ("--timeout", "1")],
    ))
    .await;
    let took = t.elapsed();
    // The repository step has one cause; its detail says it was the timeout.
    assert_report(&r, &out, "repository", "repository_failed");
    let detail = r["steps"][7]["detail"].as_str().unwrap();
    assert!(detail.contains("within 1s"), "{detail}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

/// A profile that cannot make a connection is the `config` step's failure too: one that does
/// not exist, and a profile file that does not parse (named, with the line).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_profile_or_a_broken_profile_file_gets_a_json_report() {
    let state = tempfile::tempdir().unwrap();
    let run = |profile: &str| {
        qlik_tui(
            ["doctor", "--json", "-p", profile]
                .map(String::from)
                .to_vec(),
            vec![],
            state.path().to_path_buf(),
        )
    };
    let parse = |out: &std::process::Output| -> serde_json::Value {
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "a JSON report ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    };
    let out = run("nobody").await;
    let r = parse(&out);
    assert_report(&r, &out, "config", "invalid_config");
    assert!(
        r["steps"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("profile 'nobody' not found"),
        "{r:#}"
    );

    let config = state.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("profiles.toml"), "garbage [[\n").unwrap();
    let out = run("dev").await;
    let r = parse(&out);
    assert_report(&r, &out, "config", "invalid_config");
    let detail = r["steps"][0]["detail"].as_str().unwrap();
    assert!(detail.contains("profiles.toml line 1"), "{detail}");
}
