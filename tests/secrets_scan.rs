//! One scan over everything qlik-tui wrote while the fault modes ran with real credentials: a JWT
//! virtual proxy with the CSRF check, reached with a stored token and with a key that mints one,
//! for a healthy engine and every fault of tests/engine_faults.rs (garbage, truncated, unknown
//! id, neither result nor error, over the cap, trickling, closed mid-frame, stalled TLS, stalled
//! upgrade, 302, 503). `apps`, `doctor` and `export` run as the real binary at trace level and
//! with `--trace --trace-full` (the traffic recorder, whole bodies); their stdout, stderr, log
//! files, traffic traces and exported files must not hold the signing key, the token, or any
//! session cookie or CSRF token the proxy handed out.

mod common;

use std::path::Path;
use std::process::Output;
use std::time::SystemTime;

use common::auth::{jwt_proxy, rsa_pair, start_with};
use common::cli::{TempFiles, qlik_tui};
use qlik_tui::engine::jwt::{self, JwtTemplate};
use qlik_tui::engine::transport::DEFAULT_MAX_MESSAGE_BYTES as MAX_MESSAGE_BYTES;
use qlik_tui::sim::authmodes::AuthModes;
use qlik_tui::sim::behaviour::ReplyFault;
use qlik_tui::sim::{Behaviour, SimServer};

fn faults() -> Vec<(&'static str, Behaviour)> {
    let on = |f: ReplyFault| Behaviour::fault_on("GetDocList", f);
    vec![
        ("healthy", Behaviour::healthy()),
        ("garbage", on(ReplyFault::Garbage)),
        ("truncated", on(ReplyFault::Truncated)),
        ("unknown id", on(ReplyFault::UnknownId)),
        ("no result", on(ReplyFault::NeitherResultNorError)),
        (
            "over the cap",
            on(ReplyFault::Oversized(MAX_MESSAGE_BYTES as u64 + 1)),
        ),
        (
            "trickle",
            on(ReplyFault::Trickle(std::time::Duration::from_millis(400))),
        ),
        ("closed mid-frame", on(ReplyFault::CloseMidFrame)),
        ("stalled TLS", Behaviour::stall_tls()),
        ("stalled upgrade", Behaviour::stall_upgrade()),
        ("302", Behaviour::reject_upgrade(302)),
        ("503", Behaviour::reject_upgrade(503)),
    ]
}

/// Every byte a run left behind: stdout, stderr, the log folder, the traffic trace, the
/// exported file.
fn written(out: &Output, state: &Path, export: &Path) -> String {
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    for e in std::fs::read_dir(state.join("logs"))
        .into_iter()
        .flatten()
        .flatten()
    {
        text.push_str(&std::fs::read_to_string(e.path()).unwrap_or_default());
    }
    text.push_str(&std::fs::read_to_string(state.join(TRACE)).unwrap_or_default());
    text.push_str(&std::fs::read_to_string(export).unwrap_or_default());
    text
}

/// The traffic trace's file name in a run's state folder.
const TRACE: &str = "traffic.trace";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_fault_mode_leaks_a_key_token_cookie_or_csrf_token() {
    let (private, public) = rsa_pair();
    let token = jwt::mint(
        &private,
        &JwtTemplate {
            user_id: "sa_engine".into(),
            user_directory: Some("INTERNAL".into()),
            claim_user: "user".into(),
            claim_directory: "directory".into(),
            ..Default::default()
        },
        SystemTime::now(),
    )
    .unwrap();
    let files = TempFiles::new();
    let token_file = files.write("token.jwt", &token);
    let key_file = files.write("jwt_key.pem", &private);
    // The key's base64 lines: any one of them in the output would be a leak.
    let key_lines: Vec<&str> = private
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();

    let mut scanned = String::new();
    let mut credentials = Vec::new();
    let mut runs = 0;
    let mut traces = 0;
    for (name, behaviour) in faults() {
        let auth = AuthModes {
            proxies: vec![jwt_proxy("jwt", &public, "user", "directory", true)],
            ..Default::default()
        };
        let sim: SimServer = start_with(auth, behaviour).await;
        let root = files.write("root.pem", &sim.pki().root_cert_pem);
        let url = format!("{}/jwt", sim.engine_url());
        let modes: [&[&str]; 2] = [
            &["--auth", "jwt", "--jwt-file", &token_file],
            &[
                "--auth",
                "jwt-key",
                "--jwt-key-file",
                &key_file,
                "--user-id",
                "sa_engine",
                "--user-directory",
                "INTERNAL",
            ],
        ];
        for mode in modes {
            for command in [
                vec!["apps", "--json"],
                vec!["doctor", "--json"],
                vec!["export", "--all", "--format", "md", "-o", "EXPORT"],
            ] {
                let state = tempfile::tempdir().unwrap();
                let export = state.path().join("export.md");
                let mut args: Vec<String> = command
                    .iter()
                    .map(|a| a.replace("EXPORT", &export.to_string_lossy()))
                    .collect();
                args.extend([
                    "--trace".to_string(),
                    state.path().join(TRACE).to_string_lossy().into_owned(),
                    "--trace-full".to_string(),
                ]);
                args.extend(
                    [
                        "--engine-url",
                        &url,
                        "--root-cert",
                        &root,
                        "--timeout",
                        "1",
                        "--request-timeout",
                        "1",
                    ]
                    .iter()
                    .map(|s| s.to_string()),
                );
                args.extend(mode.iter().map(|s| s.to_string()));
                let out = qlik_tui(
                    args,
                    vec![("QLIK_TUI_LOG", "trace".into())],
                    state.path().to_path_buf(),
                )
                .await;
                if name == "healthy" {
                    assert!(
                        out.status.success(),
                        "{name} {command:?}: {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                    let trace = std::fs::read_to_string(state.path().join(TRACE))
                        .expect("the traffic trace was written");
                    assert!(trace.contains("GetDocList"), "{trace}");
                    traces += 1;
                } else {
                    assert!(!out.status.success(), "{name} {command:?} must fail");
                }
                scanned.push_str(&written(&out, state.path(), &export));
                runs += 1;
            }
        }
        credentials.extend(sim.issued_credentials());
    }

    // The scan can see: the runs wrote logs at trace level and the healthy export.
    assert!(
        scanned.contains("TRACE") || scanned.contains("trace"),
        "trace logs were written"
    );
    assert!(scanned.contains("# "), "the healthy export was written");
    assert!(traces > 0, "the traffic traces were written");
    assert!(!credentials.is_empty(), "the proxy handed out sessions");
    assert_eq!(runs, faults().len() * 6);

    let mut secrets: Vec<&str> = vec![&token];
    secrets.extend(key_lines.iter().copied());
    for (cookie, csrf) in &credentials {
        secrets.push(cookie);
        secrets.push(csrf);
    }
    // The JWT's signature alone (its header and claims are not secret, the signature is).
    let signature = token.rsplit('.').next().unwrap();
    secrets.push(signature);
    for s in secrets {
        assert!(s.len() >= 16, "a secret long enough to search for: {s}");
        if let Some(at) = scanned.find(s) {
            let boundary = |i: usize| (0..=i).rev().find(|b| scanned.is_char_boundary(*b));
            let from = boundary(at.saturating_sub(200)).unwrap_or(0);
            let to = boundary((at + s.len() + 50).min(scanned.len())).unwrap_or(at);
            panic!(
                "a secret leaked into what qlik-tui wrote:\n…{}…",
                &scanned[from..to]
            );
        }
    }
}
