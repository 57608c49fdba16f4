//! What Qlik Cloud really does (issue 19), through the real binary (`apps --json`, `get`,
//! `doctor --json` with its failing step, cause and fix asserted) and the domain calls behind
//! `profile test` and the explorer's connect (`Site::check`, `Site::info`, `Site::apps`),
//! against the simulator's tenant over real TLS on 127.0.0.1:
//! - a wrong API key never looks like success: not on the items list, not on the engine socket
//!   (a 401/403 on the upgrade, or a socket closed without a greeting), not when something
//!   answers the API with a 200 sign-in page instead of the API's JSON;
//! - HTTP 429 (on the API key's calls and the JWT session's login and CSRF token alike):
//!   `Retry-After` (seconds or an HTTP-date) is waited out a bounded number of times
//!   within a bounded total, then the error says the tenant's rate limit was hit and how long
//!   it asked to wait. The tenant asks for 1 s; the bound is lowered with `--timeout`.

mod common;

use std::process::Output;
use std::time::{Duration, Instant};

use common::auth::{listed_app_ids, served_app_ids, start_with};
use common::cli::{TempFiles, assert_cli_report, assert_no_secret, qlik_tui};
use qlik_tui::engine::EngineError;
use qlik_tui::engine::conn::{Auth, ConnectionSpec, Deployment, JwtSource, SecretString};
use qlik_tui::engine::jwt::JwtTemplate;
use qlik_tui::engine::rate_limit::MAX_RETRIES;
use qlik_tui::explore::Site;
use qlik_tui::sim::authmodes::{AuthModes, CloudJwtIdp, CloudTenant, RateLimit};
use qlik_tui::sim::{Behaviour, SimServer};

/// The tenant's one API key.
const KEY: &str = "qlik-cloud-key-the-tenant-knows-4d1f";
/// A key the tenant never issued.
const WRONG: &str = "qlik-cloud-key-nobody-issued-77c2";

/// A tenant that knows `KEY`, set up by `tenant`, behaving as `behaviour` says.
async fn tenant_sim(tenant: CloudTenant, behaviour: Behaviour) -> SimServer {
    let cloud = CloudTenant {
        api_keys: vec![(KEY.into(), "auth0|jane".into())],
        ..tenant
    };
    start_with(
        AuthModes {
            cloud: Some(cloud),
            ..Default::default()
        },
        behaviour,
    )
    .await
}

async fn healthy_tenant() -> SimServer {
    tenant_sim(CloudTenant::default(), Behaviour::default()).await
}

/// `qlik-tui COMMAND --engine-url URL --root-cert ROOT --auth cloud-key --api-key-file FILE
/// EXTRA..` with `key` in the file: the exit status, stdout and stderr, and the wall time.
async fn run(sim: &SimServer, key: &str, command: &[&str], extra: &[&str]) -> (Output, Duration) {
    let files = TempFiles::new();
    let root = files.write("root.pem", &sim.pki().root_cert_pem);
    let key_file = files.write("api.key", key);
    let mut args: Vec<String> = command.iter().map(|s| s.to_string()).collect();
    for a in [
        "--engine-url",
        &sim.engine_url(),
        "--root-cert",
        &root,
        "--auth",
        "cloud-key",
        "--api-key-file",
        &key_file,
    ] {
        args.push(a.to_string());
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    let started = Instant::now();
    let out = qlik_tui(args, vec![], files.path().to_path_buf()).await;
    let took = started.elapsed();
    assert_no_secret(&out, files.path(), &[KEY, WRONG]);
    (out, took)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `apps --json` failed as a connection failure (exit 3) with nothing on stdout (no `[]`, which
/// a script would read as "no apps"); returns stderr.
fn assert_apps_failed(out: &Output) -> String {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        out.stdout.is_empty(),
        "no app list on stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    err
}

/// `doctor --json` with `key` against `sim`: the report it printed, and the run.
async fn doctor(sim: &SimServer, key: &str, extra: &[&str]) -> (serde_json::Value, Output) {
    let (out, _) = run(sim, key, &["doctor", "--json"], extra).await;
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("doctor --json prints a JSON report ({e}): {}", stderr(&out)));
    (report, out)
}

/// The domain's view of the tenant with `key`: what `profile test` and the explorer use.
fn site(sim: &SimServer, key: &str) -> std::sync::Arc<Site> {
    let mut spec = ConnectionSpec::certificate(sim.engine_url(), sim.client_tls(), "", "");
    spec.deployment = Deployment::Cloud;
    spec.auth = Auth::CloudApiKey {
        api_key: SecretString::new(key),
    };
    spec.tls.cert_pem = None;
    spec.tls.key_pem = None;
    spec.timeouts.connect = Duration::from_secs(5);
    spec.timeouts.greeting = Duration::from_secs(5);
    spec.timeouts.request = Duration::from_secs(10);
    spec.timeouts.keep_alive = None;
    Site::new(spec)
}

/// The fix for a key the tenant did not accept.
fn assert_key_fix(text: &str) {
    for part in ["did not accept the API key", "create a new key"] {
        assert!(text.contains(part), "missing '{part}': {text}");
    }
}

// ---------------------------------------------------------------- a wrong API key

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_api_key_fails_the_app_list_the_doctor_and_the_connect() {
    let sim = healthy_tenant().await;

    let (out, _) = run(&sim, WRONG, &["apps", "--json"], &["--timeout", "5"]).await;
    let err = assert_apps_failed(&out);
    assert!(err.contains("HTTP 401"), "{err}");
    assert_key_fix(&err);

    let (report, out) = doctor(&sim, WRONG, &["--timeout", "5"]).await;
    let hint = assert_cli_report(&report, &out, "websocket", "upgrade_rejected");
    assert_key_fix(&hint);
    let failed = &report["steps"][4];
    assert!(
        failed["detail"].as_str().unwrap().contains("HTTP 401"),
        "{failed}"
    );

    // `profile test` (Site::check) and the explorer's connect (Site::info, Site::apps).
    let s = site(&sim, WRONG);
    let check = Box::pin(s.check()).await.expect_err("profile test fails");
    assert!(
        matches!(check, EngineError::HttpRefused { status: 401, .. }),
        "{check}"
    );
    assert_key_fix(&check.to_string());
    let apps = Box::pin(s.apps()).await.expect_err("no app list");
    assert_key_fix(&apps.to_string());
    let info = Box::pin(s.info()).await.expect_err("no engine session");
    assert!(
        matches!(info, EngineError::CloudSocketRefused { .. }),
        "{info}"
    );
    assert_key_fix(&info.to_string());
    assert!(
        sim.handshakes().iter().all(|h| h.status != 101),
        "no socket opened with the wrong key: {:?}",
        sim.handshakes()
    );

    // The right key, for contrast: the same calls work.
    let (out, _) = run(&sim, KEY, &["apps", "--json"], &["--timeout", "5"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(listed_app_ids(&out.stdout), served_app_ids(&sim));
}

/// The items list takes the key but the engine socket does not: a 401 or 403 on the upgrade,
/// or a socket upgraded and closed before the greeting. Each is the credential's problem on
/// Qlik Cloud (no virtual proxy, no QMC to check), on every path that opens a socket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engine_socket_the_tenant_refuses_is_the_keys_problem_everywhere() {
    for (behaviour, step, how) in [
        (Behaviour::reject_upgrade(401), "websocket", "HTTP 401"),
        (Behaviour::reject_upgrade(403), "websocket", "HTTP 403"),
        (
            Behaviour::close_before_greeting(),
            "greeting",
            "closed without the engine greeting",
        ),
    ] {
        let sim = tenant_sim(CloudTenant::default(), behaviour).await;
        let (report, out) = doctor(&sim, KEY, &["--timeout", "5"]).await;
        let hint = assert_cli_report(&report, &out, step, "upgrade_rejected");
        assert_key_fix(&hint);
        assert!(!hint.contains("virtual proxy"), "{hint}");
        let failed = report["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["status"] == "fail")
            .unwrap();
        assert!(failed["detail"].as_str().unwrap().contains(how), "{failed}");

        let app = &served_app_ids(&sim)[0];
        let (out, _) = run(
            &sim,
            KEY,
            &["get", "script"],
            &["--app", app, "--timeout", "5"],
        )
        .await;
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(3), "{err}");
        assert!(out.stdout.is_empty(), "no script: {err}");
        assert!(
            err.contains("Qlik Cloud refused the engine socket") && err.contains(how),
            "{err}"
        );
        assert_key_fix(&err);
        assert!(!err.contains("virtual proxy"), "{err}");

        let check = Box::pin(site(&sim, KEY).check())
            .await
            .expect_err("profile test fails");
        assert!(
            matches!(check, EngineError::CloudSocketRefused { .. }),
            "{check}"
        );
    }
}

/// Something in front of the tenant answers the API with its sign-in page, HTTP 200: an error
/// naming what came back, never an empty app list.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_page_with_http_200_is_an_error_not_an_empty_app_list() {
    let sim = tenant_sim(
        CloudTenant {
            sign_in_page: true,
            ..Default::default()
        },
        Behaviour::default(),
    )
    .await;
    let (out, _) = run(&sim, KEY, &["apps", "--json"], &["--timeout", "5"]).await;
    let err = assert_apps_failed(&out);
    for part in ["HTTP 200", "HTML page", "not the Qlik Cloud API", "API key"] {
        assert!(err.contains(part), "missing '{part}': {err}");
    }

    let (report, out) = doctor(&sim, KEY, &["--timeout", "5"]).await;
    let hint = assert_cli_report(&report, &out, "websocket", "protocol_error");
    assert!(
        hint.contains("sign-in page") && hint.contains("API key"),
        "{hint}"
    );

    let apps = Box::pin(site(&sim, KEY).apps()).await;
    assert!(apps.is_err(), "{apps:?}");
}

// ---------------------------------------------------------------- HTTP 429

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_tenant_is_waited_out_as_retry_after_asks() {
    let sim = tenant_sim(
        CloudTenant {
            rate_limit: Some(RateLimit::first(2)),
            ..Default::default()
        },
        Behaviour::default(),
    )
    .await;
    let (out, took) = run(&sim, KEY, &["apps", "--json"], &["--timeout", "5"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(listed_app_ids(&out.stdout), served_app_ids(&sim));
    assert_eq!(sim.rate_limited_calls(), 2);
    assert!(
        took >= Duration::from_millis(1900),
        "two 429s with Retry-After: 1 are waited out, not retried at once ({took:?})"
    );

    // Retry-After as an HTTP-date works the same way (here through the domain).
    let sim = tenant_sim(
        CloudTenant {
            rate_limit: Some(RateLimit {
                as_http_date: true,
                ..RateLimit::first(1)
            }),
            ..Default::default()
        },
        Behaviour::default(),
    )
    .await;
    let apps = Box::pin(site(&sim, KEY).apps())
        .await
        .expect("the app list");
    assert_eq!(apps.len(), served_app_ids(&sim).len());
    assert_eq!(sim.rate_limited_calls(), 1);

    // A JWT session: the login (POST /login/jwt-session) and the CSRF token wait it out too.
    let (private, public) = common::auth::rsa_pair();
    let sim = tenant_sim(
        CloudTenant {
            jwt: Some(CloudJwtIdp {
                public_key_pem: public,
                issuer: None,
            }),
            rate_limit: Some(RateLimit::first(2)),
            ..Default::default()
        },
        Behaviour::default(),
    )
    .await;
    let mut spec = site(&sim, KEY).spec().clone();
    spec.auth = Auth::CloudJwt {
        jwt: JwtSource::Key {
            private_key_pem: SecretString::new(private),
            template: JwtTemplate::cloud("auth0|jane"),
        },
    };
    let jwt_site = Site::new(spec);
    let apps = Box::pin(jwt_site.apps()).await.expect("the app list");
    assert_eq!(apps.len(), served_app_ids(&sim).len());
    assert_eq!(sim.rate_limited_calls(), 2);
    assert!(!sim.issued_credentials().is_empty(), "a session was opened");
    Box::pin(jwt_site.info())
        .await
        .expect("the session's socket");
    jwt_site.close_all().await;

    // The doctor gets through too, and counts the apps.
    let sim = tenant_sim(
        CloudTenant {
            rate_limit: Some(RateLimit::first(1)),
            ..Default::default()
        },
        Behaviour::default(),
    )
    .await;
    let (report, out) = doctor(&sim, KEY, &["--timeout", "5"]).await;
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_eq!(sim.rate_limited_calls(), 1);
}

/// The rate-limit message: the tenant's limit, the 429, and the wait it asked for.
fn assert_rate_limit_text(text: &str) {
    for part in [
        "rate limit was hit",
        "HTTP 429",
        "asked to wait 1 s",
        "wait 1 s and try again",
    ] {
        assert!(text.contains(part), "missing '{part}': {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_always_rate_limited_tenant_fails_within_the_bound_saying_so() {
    let sim = tenant_sim(
        CloudTenant {
            rate_limit: Some(RateLimit::always()),
            ..Default::default()
        },
        Behaviour::default(),
    )
    .await;
    // A reply timeout of 30 s leaves the retry count as the bound: MAX_RETRIES waits of 1 s.
    let (out, _) = run(&sim, KEY, &["apps", "--json"], &["--request-timeout", "30"]).await;
    let err = assert_apps_failed(&out);
    assert_rate_limit_text(&err);
    let attempts = MAX_RETRIES + 1;
    assert_eq!(sim.rate_limited_calls(), attempts);
    assert!(err.contains(&format!("{attempts} times")), "{err}");

    // A 2 s reply timeout bounds the waiting below that: the second 429 is not waited out.
    let before = sim.rate_limited_calls();
    let (out, took) = run(&sim, KEY, &["apps", "--json"], &["--request-timeout", "2"]).await;
    let err = assert_apps_failed(&out);
    assert_rate_limit_text(&err);
    assert!(err.contains("for 2 s at most"), "{err}");
    assert_eq!(sim.rate_limited_calls() - before, 2, "{err}");
    assert!(took < Duration::from_secs(20), "bounded: {took:?}");

    let (report, out) = doctor(&sim, KEY, &["--timeout", "2"]).await;
    let hint = assert_cli_report(&report, &out, "websocket", "rate_limited");
    assert!(hint.contains("Retry-After"), "{hint}");
    assert!(hint.contains("wait 1 s and try again"), "{hint}");
    let detail = report["steps"][4]["detail"].as_str().unwrap();
    assert_rate_limit_text(detail);
}
