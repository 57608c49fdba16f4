//! The five ways qlik-tui authenticates, end to end against the simulator over real TLS on
//! 127.0.0.1: certificates (engine port), JWT through a virtual proxy (stored or minted, with
//! the November 2024 CSRF flow), Qlik Cloud API keys (apps over the paged items API), Qlik Cloud
//! JWT sessions, and header authentication through a virtual proxy. Keys and certificates are
//! made at test time. Each mode runs the real `qlik-tui apps` binary at least once, and no
//! secret may show up in its output, its errors or its log.

use std::process::Output;
use std::time::{Duration, SystemTime};

use qlik_tui::engine::conn::{Auth, ConnectionSpec, Deployment, JwtSource, SecretString};
use qlik_tui::engine::jwt::{self, JwtTemplate};
use qlik_tui::engine::transport::{ConnectOptions, Timeouts, open_socket};
use qlik_tui::engine::{EngineError, Session, cloud, http, proxy};
use qlik_tui::explore::Site;
use qlik_tui::explore::doctor::{self, Cause, DoctorOptions, Report, StepName};
use qlik_tui::sim::SimServer;
use qlik_tui::sim::authmodes::{AuthModes, CloudJwtIdp, CloudTenant, ProxyAuth, VirtualProxy};
use qlik_tui::tls::ClientTls;

mod common;

use common::auth::{header_proxy, rsa_pair, start_with};
use common::cli::{TempFiles, assert_no_secret, qlik_tui};

// ---------------------------------------------------------------- fixtures

async fn start(auth: AuthModes) -> SimServer {
    start_with(auth, Default::default()).await
}

/// The demo site's app ids, sorted (from the simulator's site, i.e. assets/demo-site.json).
fn demo_app_ids(sim: &SimServer) -> Vec<String> {
    common::auth::served_app_ids(sim)
}

/// What every mode must allow: the app list (GetDocList, or the Cloud items over all pages)
/// holds every demo app; an app opens; its sheet list is the one the demo site holds.
async fn explore(site: &Site, sim: &SimServer) {
    let mut ids: Vec<String> = site
        .apps()
        .await
        .expect("the app list")
        .into_iter()
        .map(|a| a.id)
        .collect();
    ids.sort();
    assert_eq!(ids, demo_app_ids(sim));
    let richest = common::richest_demo_app();
    let sheets_in_asset = richest["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["qProperty"]["qInfo"]["qType"] == "sheet")
        .count();
    let app = site
        .app(richest["id"].as_str().unwrap())
        .await
        .expect("the app opens");
    let sheets = app.sheets().await.expect("the sheet list");
    assert!(sheets_in_asset > 0);
    assert_eq!(sheets.len(), sheets_in_asset);
}

fn timeouts() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(5),
        greeting: Duration::from_secs(5),
        request: Duration::from_secs(10),
        keep_alive: None,
    }
}

/// A spec for `auth` at `wss://localhost:PORT[/prefix]`, trusting the simulator's root only
/// (server-authenticated TLS: no client certificate outside certificate auth).
fn spec(sim: &SimServer, prefix: &str, auth: Auth) -> ConnectionSpec {
    let url = if prefix.is_empty() {
        sim.engine_url()
    } else {
        format!("{}/{prefix}", sim.engine_url())
    };
    ConnectionSpec {
        name: None,
        deployment: if auth.is_cloud() {
            Deployment::Cloud
        } else {
            Deployment::Qseow
        },
        engine_url: url,
        display_url: None,
        auth,
        tls: ClientTls {
            root_pem: Some(sim.pki().root_cert_pem.clone()),
            cert_pem: None,
            key_pem: None,
            verify_hostname: true,
        },
        timeouts: timeouts(),
        ttl: None,
        identity: None,
        allow_insecure_transport: false,
        max_message_bytes: qlik_tui::engine::transport::DEFAULT_MAX_MESSAGE_BYTES,
        trace: None,
    }
}

fn qseow_template(user: &str, claim_user: &str, claim_directory: &str) -> JwtTemplate {
    JwtTemplate {
        user_id: user.into(),
        user_directory: Some("INTERNAL".into()),
        claim_user: claim_user.into(),
        claim_directory: claim_directory.into(),
        ..Default::default()
    }
}

fn jwt_proxy(prefix: &str, public_pem: &str, csrf: bool) -> VirtualProxy {
    common::auth::jwt_proxy(prefix, public_pem, "user", "directory", csrf)
}

/// A token for INTERNAL\\sa_engine signed with `key`, and a spec that sends it through `prefix`.
fn stored_token_spec(sim: &SimServer, prefix: &str, key: &str) -> (String, ConnectionSpec) {
    let token = jwt::mint(
        key,
        &qseow_template("sa_engine", "user", "directory"),
        SystemTime::now(),
    )
    .unwrap();
    let s = spec(
        sim,
        prefix,
        Auth::Jwt {
            jwt: JwtSource::Token(SecretString::new(token.clone())),
        },
    );
    (token, s)
}

/// The ids of `qlik-tui apps --json` output, sorted.
fn listed_ids(out: &Output) -> Vec<String> {
    assert!(
        out.status.success(),
        "qlik-tui apps failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    common::auth::listed_app_ids(&out.stdout)
}

fn base_args(sim: &SimServer, prefix: &str, root: &str) -> Vec<String> {
    let url = if prefix.is_empty() {
        sim.engine_url()
    } else {
        format!("{}/{prefix}", sim.engine_url())
    };
    vec![
        "apps".into(),
        "--json".into(),
        "--engine-url".into(),
        url,
        "--root-cert".into(),
        root.into(),
        "--timeout".into(),
        "5".into(),
    ]
}

/// `args` with every `from` replaced by `to`.
fn replaced(args: &[String], from: &str, to: &str) -> Vec<String> {
    args.iter()
        .map(|s| if s == from { to.to_string() } else { s.clone() })
        .collect()
}

fn args(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

// ---------------------------------------------------------------- 1. certificate

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mode1_certificate_lists_apps_through_the_cli() {
    let sim = start(AuthModes::default()).await;
    let files = TempFiles::new();
    sim.pki().write_client_files(files.path()).unwrap();
    let mut a = base_args(&sim, "", &files.path().join("root.pem").to_string_lossy());
    a.extend(args(&["--cert-dir"]));
    a.push(files.path().to_string_lossy().into_owned());
    a.extend(args(&[
        "--user-directory",
        "INTERNAL",
        "--user-id",
        "sa_engine",
    ]));
    let out = qlik_tui(a, vec![], files.path().to_path_buf()).await;
    assert_eq!(listed_ids(&out), demo_app_ids(&sim));
    assert_no_secret(
        &out,
        files.path(),
        &[sim.pki().client_key_pem.lines().nth(1).unwrap()],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mode1_certificate_beside_a_proxy_still_demands_a_certificate() {
    let (_, public) = rsa_pair();
    let sim = start(AuthModes {
        proxies: vec![jwt_proxy("jwt", &public, true)],
        ..Default::default()
    })
    .await;
    // TLS now lets clients in without a certificate (for the proxy), yet the engine port's
    // route still serves certificate holders only.
    let site = Site::new(common::sim_spec(&sim));
    explore(&site, &sim).await;
    site.close_all().await;

    let mut no_cert = common::sim_spec(&sim);
    no_cert.tls.cert_pem = None;
    no_cert.tls.key_pem = None;
    let opts = no_cert.connect_options(None).await.unwrap();
    assert!(opts.headers.iter().any(|h| h.name == "X-Qlik-User"));
    match Session::connect(&opts).await {
        Ok(_) => panic!("the engine port let a client in without a certificate"),
        Err(EngineError::UpgradeRejected { status, .. }) => {
            panic!("expected the connection dropped unanswered, got HTTP {status}")
        }
        Err(_) => {}
    }
    assert!(sim.handshakes().is_empty(), "no auth mode judged it");
}

// ---------------------------------------------------------------- 2. JWT virtual proxy

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mode2_jwt_stored_token_through_the_cli() {
    let (private, public) = rsa_pair();
    let sim = start(AuthModes {
        proxies: vec![jwt_proxy("jwt", &public, true)],
        ..Default::default()
    })
    .await;
    let files = TempFiles::new();
    let root = files.write("root.pem", &sim.pki().root_cert_pem);
    let token = jwt::mint(
        &private,
        &qseow_template("sa_engine", "user", "directory"),
        SystemTime::now(),
    )
    .unwrap();
    let token_file = files.write("token.jwt", &format!("{token}\n"));
    let mut a = base_args(&sim, "jwt", &root);
    a.extend(args(&["--auth", "jwt", "--jwt-file", &token_file]));
    let out = qlik_tui(a, vec![], files.path().to_path_buf()).await;
    assert_eq!(listed_ids(&out), demo_app_ids(&sim));
    assert_no_secret(&out, files.path(), &[&token]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mode2_jwt_minted_with_configured_claims_through_the_cli_and_the_domain() {
    let (private, public) = rsa_pair();
    let mut proxy = jwt_proxy("jwt", &public, true);
    proxy.auth = ProxyAuth::Jwt {
        public_key_pem: public.clone(),
        claim_user: "uid".into(),
        claim_directory: "udir".into(),
        audience: Some("qlik-sense".into()),
    };
    let sim = start(AuthModes {
        proxies: vec![proxy],
        ..Default::default()
    })
    .await;
    let files = TempFiles::new();
    let root = files.write("root.pem", &sim.pki().root_cert_pem);
    let key_file = files.write("jwt_key.pem", &private);
    let mut a = base_args(&sim, "jwt", &root);
    a.extend(args(&[
        "--auth",
        "jwt-key",
        "--jwt-key-file",
        &key_file,
        "--user-id",
        "sa_engine",
        "--user-directory",
        "INTERNAL",
        "--jwt-claim-user",
        "uid",
        "--jwt-claim-directory",
        "udir",
        "--jwt-audience",
        "qlik-sense",
    ]));
    let out = qlik_tui(a.clone(), vec![], files.path().to_path_buf()).await;
    assert_eq!(listed_ids(&out), demo_app_ids(&sim));
    assert_no_secret(&out, files.path(), &[private.lines().nth(1).unwrap()]);

    // The wrong claim names: the proxy refuses the token, and the error says what to check.
    let wrong = replaced(&a, "uid", "userId");
    let out = qlik_tui(wrong, vec![], files.path().to_path_buf()).await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("HTTP 401") && err.contains("claim"), "{err}");
    assert_no_secret(&out, files.path(), &[private.lines().nth(1).unwrap()]);

    // The domain: the engine sees the user the claims name, and an app opens.
    let spec = spec(
        &sim,
        "jwt",
        Auth::Jwt {
            jwt: JwtSource::Key {
                private_key_pem: SecretString::new(private.clone()),
                template: JwtTemplate {
                    audience: Some("qlik-sense".into()),
                    ..qseow_template("jdoe", "uid", "udir")
                },
            },
        },
    );
    let site = Site::new(spec);
    let info = site.info().await.unwrap();
    assert_eq!(info.user, "UserDirectory=INTERNAL; UserId=jdoe");
    explore(&site, &sim).await;
    site.close_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mode2_the_csrf_flow_is_enforced_step_by_step() {
    let (private, public) = rsa_pair();
    let sim = start(AuthModes {
        proxies: vec![jwt_proxy("jwt", &public, true)],
        ..Default::default()
    })
    .await;
    let (token, s) = stored_token_spec(&sim, "jwt", &private);
    let base = format!("{}/jwt", sim.engine_url().replace("wss://", "https://"));
    let socket_url = format!("{}/jwt/app/engineData", sim.engine_url());
    let mut plain = ConnectOptions::new(socket_url.clone(), s.socket_tls());
    plain.timeouts = timeouts();
    let bearer = format!("Bearer {token}");
    let status_of = |r: Result<_, EngineError>| match r {
        Err(EngineError::UpgradeRejected { status, .. }) => status,
        Err(e) => panic!("expected an HTTP refusal, got {e}"),
        Ok(_) => 101,
    };

    // The pre-November-2024 way (Bearer on the handshake, no token): 403.
    let old_way = plain.clone().header("Authorization", &bearer);
    assert_eq!(status_of(open_socket(&old_way).await.map(|_| ())), 403);

    // Without the Xrfkey, the proxy's REST refuses.
    let mut no_xrf = plain.clone().header("Authorization", &bearer);
    no_xrf.url = format!("{base}/qps/csrftoken");
    assert_eq!(
        http::request(&no_xrf, "GET", None).await.unwrap().status,
        403
    );

    // The token endpoint hands out a token and a cookie.
    let creds = plain.clone().header("Authorization", &bearer);
    let session = proxy::fetch_session(&creds, &base, "fix")
        .await
        .unwrap()
        .expect("a November 2024 proxy has /qps/csrftoken");
    let csrf = session.csrf_token.clone().expect("a CSRF token");
    let cookie = qlik_tui::engine::cookie::header(&session.cookies).expect("a session cookie");

    let with_token = format!("{socket_url}?qlik-csrf-token={csrf}");
    // Token without the cookie: 403.
    let mut o = plain.clone();
    o.url = with_token.clone();
    assert_eq!(status_of(open_socket(&o).await.map(|_| ())), 403);
    // Cookie without the token: 403.
    let o = plain.clone().header("Cookie", cookie.expose());
    assert_eq!(status_of(open_socket(&o).await.map(|_| ())), 403);
    // Token and cookie, but Authorization too: 403 (cross-site hijacking check).
    let mut o = plain
        .clone()
        .header("Cookie", cookie.expose())
        .header("Authorization", &bearer);
    o.url = with_token.clone();
    assert_eq!(status_of(open_socket(&o).await.map(|_| ())), 403);
    // Token and cookie: the engine session opens.
    let mut o = plain.clone().header("Cookie", cookie.expose());
    o.url = with_token.clone();
    let session = Session::connect(&o)
        .await
        .expect("token + cookie opens the socket");
    let user = session.global().get_authenticated_user().await.unwrap();
    assert_eq!(user, "UserDirectory=INTERNAL; UserId=sa_engine");
    session.close();

    // The simulator saw each refusal for what it was, and the accepted handshake carried the
    // token and the cookie and no Authorization.
    let seen: Vec<(bool, bool, bool, u16)> = sim
        .handshakes()
        .iter()
        .map(|h| {
            (
                h.csrf_token_valid,
                h.session_cookie,
                h.authorization,
                h.status,
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (false, false, true, 403),
            (false, false, false, 403),
            (false, true, false, 403),
            (true, true, true, 403),
            (true, true, false, 101),
        ]
    );

    // And the spec does all of it by itself.
    let opts = s.connect_options(None).await.unwrap();
    assert!(opts.url.contains("?qlik-csrf-token="));
    assert!(
        !opts
            .headers
            .iter()
            .any(|h| h.name.eq_ignore_ascii_case("authorization"))
    );
    Session::connect(&opts).await.unwrap().close();
    let last = sim.handshakes().pop().unwrap();
    assert_eq!(
        (
            last.realm.as_str(),
            last.csrf_token_valid,
            last.session_cookie,
            last.authorization,
            last.status
        ),
        ("jwt", true, true, false, 101)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mode2_a_proxy_before_november_2024_takes_the_bearer_on_the_handshake() {
    let (private, public) = rsa_pair();
    let sim = start(AuthModes {
        proxies: vec![jwt_proxy("legacy", &public, false)],
        ..Default::default()
    })
    .await;
    let s = spec(
        &sim,
        "legacy",
        Auth::Jwt {
            jwt: JwtSource::Key {
                private_key_pem: SecretString::new(private),
                template: qseow_template("sa_engine", "user", "directory"),
            },
        },
    );
    let opts = s.connect_options(None).await.unwrap();
    assert!(!opts.url.contains("qlik-csrf-token"));
    assert!(opts.headers.iter().any(|h| h.name == "Authorization"));
    let site = Site::new(s);
    assert_eq!(site.apps().await.unwrap().len(), demo_app_ids(&sim).len());
    site.close_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mode2_a_token_signed_by_another_key_is_refused_clearly() {
    let (_, public) = rsa_pair();
    let (other_private, _) = rsa_pair();
    let sim = start(AuthModes {
        proxies: vec![jwt_proxy("jwt", &public, true)],
        ..Default::default()
    })
    .await;
    let (token, s) = stored_token_spec(&sim, "jwt", &other_private);
    let err = Site::new(s).apps().await.unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, EngineError::HttpRefused { status: 401, .. }),
        "{text}"
    );
    assert!(
        text.contains("qps/csrftoken") && text.contains("JWT"),
        "{text}"
    );
    assert!(!text.contains(&token), "{text}");
    assert!(!format!("{err:?}").contains(&token));
}

// ---------------------------------------------------------------- 3. Qlik Cloud API key

fn cloud_with_keys(keys: &[(&str, &str)], max_page: u32) -> AuthModes {
    AuthModes {
        cloud: Some(CloudTenant {
            api_keys: keys
                .iter()
                .map(|(k, u)| (k.to_string(), u.to_string()))
                .collect(),
            max_page,
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mode3_cloud_api_key_lists_every_page_through_the_cli() {
    const KEY: &str = "eyJhbGciOi-test-api-key-7f3a";
    let sim = start(cloud_with_keys(&[(KEY, "auth0|jane")], 2)).await;
    let ids = demo_app_ids(&sim);
    // Pages of at most 2: every app listed means links.next was followed at least twice.
    assert!(
        ids.len() >= 5,
        "the demo site must span 3 or more pages of 2"
    );
    let files = TempFiles::new();
    let root = files.write("root.pem", &sim.pki().root_cert_pem);
    let key_file = files.write("api.key", KEY);

    let mut a = base_args(&sim, "", &root);
    a.extend(args(&["--auth", "cloud-key", "--api-key-file", &key_file]));
    let out = qlik_tui(a, vec![], files.path().to_path_buf()).await;
    assert_eq!(listed_ids(&out), ids, "every page is followed");
    assert_no_secret(&out, files.path(), &[KEY]);

    // The key from the environment works as well.
    let mut a = base_args(&sim, "", &root);
    a.extend(args(&["--auth", "cloud-key"]));
    let out = qlik_tui(
        a,
        vec![("QLIK_TUI_API_KEY", KEY.to_string())],
        files.path().to_path_buf(),
    )
    .await;
    assert_eq!(listed_ids(&out), ids);

    // A wrong key: 401, said plainly, and the key is not repeated.
    let bad = "not-the-right-key-1234";
    let bad_file = files.write("bad.key", bad);
    let mut a = base_args(&sim, "", &root);
    a.extend(args(&["--auth", "cloud-key", "--api-key-file", &bad_file]));
    let out = qlik_tui(a, vec![], files.path().to_path_buf()).await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("HTTP 401") && err.contains("API key"), "{err}");
    assert_no_secret(&out, files.path(), &[bad, KEY]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mode3_cloud_api_key_opens_apps_on_the_engine() {
    const KEY: &str = "cloud-key-for-the-engine";
    let sim = start(cloud_with_keys(&[(KEY, "auth0|jane")], 100)).await;
    let s = spec(
        &sim,
        "",
        Auth::CloudApiKey {
            api_key: SecretString::new(KEY),
        },
    );
    let site = Site::new(s.clone());
    // The app ids are the items' resourceIds (explore compares them with the site's app ids).
    explore(&site, &sim).await;
    let apps = site.apps().await.unwrap();
    let first = &apps[0];
    site.close_all().await;

    // The socket without the key: 401 before the upgrade.
    let mut bare = s.connect_options(Some(&first.id)).await.unwrap();
    bare.headers.clear();
    match open_socket(&bare).await {
        Err(EngineError::UpgradeRejected { status: 401, .. }) => {}
        Err(e) => panic!("expected 401, got {e}"),
        Ok(_) => panic!("expected 401, the socket opened"),
    }
}

/// A Cloud error says what it asked for: the items list's URL with its query readable
/// (`resourceType=app&limit=100`, not `resourceType=***&limit=***`), and never the key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cloud_error_shows_its_url_readable_and_never_the_key() {
    let sim = start(cloud_with_keys(
        &[("the-right-cloud-key-42", "auth0|jane")],
        100,
    ))
    .await;
    let wrong = "a-wrong-cloud-key-9876";
    let site = Site::new(spec(
        &sim,
        "",
        Auth::CloudApiKey {
            api_key: SecretString::new(wrong),
        },
    ));
    let err = site.apps().await.expect_err("a wrong key is refused");
    let text = err.to_string();
    assert!(
        text.contains(&format!(
            "/api/v1/items?resourceType=app&limit={}",
            cloud::PAGE_LIMIT
        )),
        "{text}"
    );
    assert!(!text.contains("***"), "nothing secret to hide here: {text}");
    assert!(
        !text.contains(wrong) && !format!("{err:?}").contains(wrong),
        "{text}"
    );
    site.close_all().await;
}

// ---------------------------------------------------------------- 4. Qlik Cloud JWT

fn cloud_jwt(public: &str) -> AuthModes {
    AuthModes {
        cloud: Some(CloudTenant {
            jwt: Some(CloudJwtIdp {
                public_key_pem: public.into(),
                issuer: Some("qlik-tui-test".into()),
            }),
            max_page: 3,
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mode4_cloud_jwt_minted_through_the_cli_and_the_domain() {
    let (private, public) = rsa_pair();
    let sim = start(cloud_jwt(&public)).await;
    let files = TempFiles::new();
    let root = files.write("root.pem", &sim.pki().root_cert_pem);
    let key_file = files.write("jwt_key.pem", &private);
    let mut a = base_args(&sim, "", &root);
    a.extend(args(&[
        "--auth",
        "cloud-jwt",
        "--jwt-key-file",
        &key_file,
        "--user-id",
        "auth0|jane",
        "--jwt-issuer",
        "qlik-tui-test",
        "--jwt-key-id",
        "kid-1",
        "--jwt-claim",
        "name=Jane Doe",
        "--jwt-claim",
        "email_verified=true",
    ]));
    let out = qlik_tui(a.clone(), vec![], files.path().to_path_buf()).await;
    assert_eq!(listed_ids(&out), demo_app_ids(&sim));
    assert_no_secret(&out, files.path(), &[private.lines().nth(1).unwrap()]);

    // The wrong issuer: the tenant refuses the JWT login, and says where.
    let wrong = replaced(&a, "qlik-tui-test", "someone-else");
    let out = qlik_tui(wrong, vec![], files.path().to_path_buf()).await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("login/jwt-session") && err.contains("HTTP 401"),
        "{err}"
    );

    // The domain: a stored token works too, and the session opens apps on the engine.
    let token = jwt::mint(
        &private,
        &JwtTemplate {
            user_id: "auth0|jane".into(),
            claim_user: "sub".into(),
            audience: Some("qlik.api/login/jwt-session".into()),
            issuer: Some("qlik-tui-test".into()),
            ..Default::default()
        },
        SystemTime::now(),
    )
    .unwrap();
    let s = spec(
        &sim,
        "",
        Auth::CloudJwt {
            jwt: JwtSource::Token(SecretString::new(token.clone())),
        },
    );
    let opts = s.connect_options(None).await.unwrap();
    assert!(opts.headers.iter().any(|h| h.name == "Cookie"));
    assert!(!opts.headers.iter().any(|h| h.name == "Authorization"));
    let site = Site::new(s);
    explore(&site, &sim).await;
    let info = site.info().await.unwrap();
    assert!(info.user.contains("auth0|jane"), "{}", info.user);
    site.close_all().await;
}

// ---------------------------------------------------------------- 5. header auth

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mode5_header_auth_through_the_cli_and_the_domain() {
    let sim = start(AuthModes {
        proxies: vec![header_proxy()],
        ..Default::default()
    })
    .await;
    let files = TempFiles::new();
    let root = files.write("root.pem", &sim.pki().root_cert_pem);
    let mut a = base_args(&sim, "hdr", &root);
    a.extend(args(&[
        "--auth",
        "header",
        "--header-name",
        "hdr-usr",
        "--header-user",
        "INTERNAL\\sa_engine",
    ]));
    let out = qlik_tui(a, vec![], files.path().to_path_buf()).await;
    assert_eq!(listed_ids(&out), demo_app_ids(&sim));

    // The wrong header name: the proxy does not know the user.
    let mut a = base_args(&sim, "hdr", &root);
    a.extend(args(&[
        "--auth",
        "header",
        "--header-name",
        "x-user",
        "--user-id",
        "bob",
    ]));
    let out = qlik_tui(a, vec![], files.path().to_path_buf()).await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("HTTP 401") && err.contains("--header-name"),
        "{err}"
    );

    // The domain: a bare user id lands in the proxy's default directory.
    let s = spec(
        &sim,
        "hdr",
        Auth::Header {
            header_name: "hdr-usr".into(),
            user: "jdoe".into(),
        },
    );
    let site = Site::new(s);
    assert_eq!(
        site.info().await.unwrap().user,
        "UserDirectory=CORP; UserId=jdoe"
    );
    explore(&site, &sim).await;
    site.close_all().await;
}

// ---------------------------------------------------------------- the doctor, in process

async fn doctor(spec: &ConnectionSpec) -> Report {
    doctor::run(spec, &DoctorOptions::default(), |_| {}).await
}

/// The report as every format shows it: none may hold `secret`.
fn assert_report_hides(report: &Report, secret: &str) {
    let all = format!(
        "{} {} {}",
        report.to_json(),
        report.to_text("t"),
        report.to_markdown("t")
    );
    assert!(!all.contains(secret), "{all}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_an_expired_stored_jwt_fails_at_config_without_showing_it() {
    let (private, public) = rsa_pair();
    let sim = start(AuthModes {
        proxies: vec![jwt_proxy("jwt", &public, true)],
        ..Default::default()
    })
    .await;
    let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
    let token = jwt::mint(
        &private,
        &qseow_template("sa_engine", "user", "directory"),
        an_hour_ago,
    )
    .unwrap();
    let s = spec(
        &sim,
        "jwt",
        Auth::Jwt {
            jwt: JwtSource::Token(SecretString::new(token.clone())),
        },
    );
    let report = doctor(&s).await;
    assert_eq!(report.cause, Some(Cause::InvalidConfig), "{report:?}");
    let failed = report.failed_step().unwrap();
    assert_eq!(failed.step, StepName::Config);
    assert!(failed.detail.contains("expired"), "{failed:?}");
    assert!(failed.hint.as_deref().unwrap().contains("--jwt-token"));
    assert_report_hides(&report, &token);
    assert!(sim.handshakes().is_empty(), "nothing was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_reports_the_upgrade_status_of_a_legacy_proxy_and_passes_with_the_right_key() {
    let (private, public) = rsa_pair();
    let (other_private, _) = rsa_pair();
    let sim = start(AuthModes {
        proxies: vec![jwt_proxy("legacy", &public, false)],
        ..Default::default()
    })
    .await;
    // No /qps/csrftoken on this proxy: the bearer goes on the handshake, which answers 401.
    let (token, wrong) = stored_token_spec(&sim, "legacy", &other_private);
    let report = doctor(&wrong).await;
    assert_eq!(report.cause, Some(Cause::UpgradeRejected), "{report:?}");
    let failed = report.failed_step().unwrap();
    assert_eq!(failed.step, StepName::Websocket);
    assert!(failed.detail.contains("HTTP 401"), "{failed:?}");
    assert_eq!(sim.handshakes().last().unwrap().status, 401);
    assert_report_hides(&report, &token);

    let (_, right) = stored_token_spec(&sim, "legacy", &private);
    let report = doctor(&right).await;
    assert!(report.ok, "{report:?}");
    let engine = report.step(StepName::Engine).unwrap();
    assert!(engine.detail.contains("apps visible"), "{engine:?}");
}

// ---------------------------------------------------------------- the simulator's refusals

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_refuses_bad_tokens_and_keys_as_qlik_does() {
    let (private, public) = rsa_pair();
    let mut proxy = jwt_proxy("jwt", &public, true);
    proxy.auth = ProxyAuth::Jwt {
        public_key_pem: public.clone(),
        claim_user: "user".into(),
        claim_directory: "directory".into(),
        audience: Some("qlik-sense".into()),
    };
    let sim = start(AuthModes {
        proxies: vec![proxy],
        cloud: Some(CloudTenant {
            api_keys: vec![("the-tenants-api-key".into(), "auth0|jane".into())],
            jwt: Some(CloudJwtIdp {
                public_key_pem: public,
                issuer: None,
            }),
            ..Default::default()
        }),
    })
    .await;
    let base = sim.engine_url().replace("wss://", "https://");
    let mut plain = ConnectOptions::new(
        base.clone(),
        spec(
            &sim,
            "",
            Auth::Header {
                header_name: "h".into(),
                user: "u".into(),
            },
        )
        .socket_tls(),
    );
    plain.timeouts = timeouts();
    let now = SystemTime::now();
    let mint = |t: JwtTemplate, at: SystemTime| jwt::mint(&private, &t, at).unwrap();
    let for_proxy = JwtTemplate {
        audience: Some("qlik-sense".into()),
        ..qseow_template("sa_engine", "user", "directory")
    };

    // The proxy: expired, wrong audience, missing claim → 401 saying why; good → 204.
    let proxy_refusal = |token: String| {
        let o = plain
            .clone()
            .header("Authorization", format!("Bearer {token}"));
        let req = http::with_xrfkey(&o, &format!("{base}/jwt/qps/csrftoken"));
        async move {
            let r = http::request(&req, "GET", None).await.unwrap();
            (r.status, String::from_utf8_lossy(&r.body).into_owned())
        }
    };
    let hour_ago = now - Duration::from_secs(3600);
    let (status, why) = proxy_refusal(mint(for_proxy.clone(), hour_ago)).await;
    assert_eq!(status, 401);
    assert!(why.contains("expired"), "{why}");
    let other_audience = JwtTemplate {
        audience: Some("someone-else".into()),
        ..for_proxy.clone()
    };
    let (status, why) = proxy_refusal(mint(other_audience, now)).await;
    assert_eq!(status, 401);
    assert!(why.contains("audience"), "{why}");
    let no_directory = JwtTemplate {
        claim_directory: "dir".into(),
        ..for_proxy.clone()
    };
    let (status, why) = proxy_refusal(mint(no_directory, now)).await;
    assert_eq!(status, 401);
    assert!(why.contains("'directory' claim"), "{why}");
    assert_eq!(proxy_refusal(mint(for_proxy, now)).await.0, 204);

    // The tenant's REST: no key, a wrong key → 401; the right key → 200.
    let items = |auth: Option<&str>| {
        let mut o = plain.clone();
        o.url = format!("{base}/api/v1/items?resourceType=app");
        if let Some(k) = auth {
            o = o.header("Authorization", format!("Bearer {k}"));
        }
        async move { http::request(&o, "GET", None).await.unwrap() }
    };
    assert_eq!(items(None).await.status, 401);
    let wrong = items(Some("not-the-key")).await;
    assert_eq!(wrong.status, 401);
    assert!(
        wrong.error_detail().contains("API key"),
        "{}",
        wrong.error_detail()
    );
    assert_eq!(items(Some("the-tenants-api-key")).await.status, 200);

    // The tenant's JWT login: an expired token → 401; a good one → a session cookie.
    let login = |token: String| {
        let o = plain
            .clone()
            .header("Authorization", format!("Bearer {token}"));
        let base = base.clone();
        async move { cloud::jwt_session(&o, &base).await }
    };
    let cloud_token = JwtTemplate::cloud("auth0|jane");
    match login(mint(cloud_token.clone(), hour_ago)).await {
        Err(EngineError::HttpRefused { status: 401, .. }) => {}
        other => panic!("an expired JWT must be refused with 401: {other:?}"),
    }
    assert!(!login(mint(cloud_token, now)).await.unwrap().is_empty());
}

// ---------------------------------------------------------------- expired sessions

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_proxy_and_tenant_sessions_are_renewed_once() {
    let (private, public) = rsa_pair();
    let mut modes = cloud_jwt(&public);
    modes.proxies.push(jwt_proxy("jwt", &public, true));
    let sim = start(modes).await;
    let token = jwt::mint(
        &private,
        &JwtTemplate {
            issuer: Some("qlik-tui-test".into()),
            ..JwtTemplate::cloud("auth0|jane")
        },
        SystemTime::now(),
    )
    .unwrap();
    let cloud = Site::new(spec(
        &sim,
        "",
        Auth::CloudJwt {
            jwt: JwtSource::Token(SecretString::new(token)),
        },
    ));
    let (_, proxy_spec) = stored_token_spec(&sim, "jwt", &private);
    let proxied = Site::new(proxy_spec);
    let n = demo_app_ids(&sim).len();
    assert_eq!(cloud.apps().await.unwrap().len(), n);
    assert_eq!(proxied.apps().await.unwrap().len(), n);
    let logins = sim.issued_credentials().len();

    // Both sessions time out: the next calls log in again by themselves.
    sim.expire_auth_sessions();
    proxied.close_all().await;
    assert_eq!(
        cloud.apps().await.unwrap().len(),
        n,
        "Cloud REST re-logs in"
    );
    assert_eq!(
        proxied.apps().await.unwrap().len(),
        n,
        "the proxy socket re-fetches its token"
    );
    let first = demo_app_ids(&sim)[0].clone();
    cloud
        .app(&first)
        .await
        .expect("the renewed Cloud session opens an app");
    assert_eq!(sim.issued_credentials().len(), 2, "one fresh session each");
    assert!(logins >= 2);
    cloud.close_all().await;
    proxied.close_all().await;
}
