//! Doctor causes produced for real against the simulator (and two small real peers): another
//! CA, a server certificate for another name, a client certificate the server does not trust,
//! upgrades refused with 401/403, refused sessions, the proxy's session limit, a WebSocket peer
//! that is not an engine, and the repository check. Every test asserts the failing step, the
//! cause code and that a fix is given.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::doctor::{
    NamesToLoopback, assert_fails, diagnose, diagnose_with, websocket_peer_that_is_not_an_engine,
};
use qlik_tui::engine::http;
use qlik_tui::explore::doctor::{Cause, DoctorOptions, Status, StepName};
use qlik_tui::sim::{Behaviour, SimConfig, SimServer};
use qlik_tui::tls::pki::{TestCa, Validity};

async fn sim_with(behaviour: Behaviour) -> SimServer {
    SimServer::start(SimConfig {
        behaviour,
        ..Default::default()
    })
    .await
    .expect("the simulator starts")
}

fn quick(
    mut spec: qlik_tui::engine::conn::ConnectionSpec,
) -> qlik_tui::engine::conn::ConnectionSpec {
    spec.timeouts.connect = Duration::from_secs(3);
    spec.timeouts.greeting = Duration::from_secs(3);
    spec.timeouts.request = Duration::from_secs(3);
    spec
}

#[tokio::test]
async fn healthy_engine_and_repository_pass_every_step() {
    let sim = sim_with(Behaviour::healthy()).await;
    let spec = quick(common::sim_spec(&sim));
    let opts = DoctorOptions {
        qrs_url: Some(format!("https://localhost:{}", sim.addr().port())),
        ..Default::default()
    };
    let r = diagnose_with(&spec, opts).await;
    assert!(r.ok, "{r:#?}");
    assert_eq!(r.cause, None);
    assert!(r.steps.iter().all(|s| s.status == Status::Ok), "{r:#?}");
    let engine = r.step(StepName::Engine).unwrap();
    let version = common::demo_site()["engine"]["version"]
        .as_str()
        .map(str::to_string);
    if let Some(v) = version {
        assert!(engine.detail.contains(&v), "{}", engine.detail);
    }
    let repo = r.step(StepName::Repository).unwrap();
    assert!(repo.detail.contains("QRS build"), "{}", repo.detail);
    assert_eq!(r.to_json()["ok"], true);
}

#[tokio::test]
async fn one_line_pem_with_literal_newlines_passes() {
    let sim = sim_with(Behaviour::healthy()).await;
    let mut spec = quick(common::sim_spec(&sim));
    let one_line = |pem: &str| pem.trim_end().replace('\n', "\\n");
    spec.tls.cert_pem = spec.tls.cert_pem.as_deref().map(one_line);
    spec.tls.key_pem = spec.tls.key_pem.as_deref().map(one_line).map(Into::into);
    spec.tls.root_pem = spec
        .tls
        .root_pem
        .as_deref()
        .map(|p| p.replace('\n', "\r\n"));
    assert!(!spec.tls.key_pem.as_deref().unwrap().contains('\n'));
    let r = diagnose(&spec).await;
    assert!(r.ok, "{r:#?}");
}

/// The QMC exports an RSA key in PKCS#1 form (`BEGIN RSA PRIVATE KEY`): a certificate for such
/// a key, issued by the engine's CA, must pass every step.
#[tokio::test]
async fn pkcs1_rsa_key_as_the_qmc_exports_it_passes() {
    use rsa::pkcs1::{EncodeRsaPrivateKey, EncodeRsaPublicKey, LineEnding};
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
    let key_pem = key.to_pkcs1_pem(LineEnding::LF).unwrap().to_string();
    assert!(key_pem.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
    let public = RsaPublicKey(key.to_public_key().to_pkcs1_der().unwrap().into_vec());

    let sim = sim_with(Behaviour::healthy()).await;
    let cert_pem = sim
        .pki()
        .ca
        .issue_client_for_key("QlikClient", Validity::Days(90), &public)
        .unwrap();
    let mut spec = quick(common::sim_spec(&sim));
    spec.tls.cert_pem = Some(cert_pem);
    spec.tls.key_pem = Some(key_pem.into());
    let r = diagnose(&spec).await;
    assert!(r.ok, "{r:#?}");
    let config = r.step(StepName::Config).unwrap();
    assert!(config.detail.contains("RSA 2048"), "{}", config.detail);
}

/// The public half of an RSA key (PKCS#1 `RSAPublicKey` DER), for rcgen to certify.
struct RsaPublicKey(Vec<u8>);

impl rcgen::PublicKeyData for RsaPublicKey {
    fn der_bytes(&self) -> &[u8] {
        &self.0
    }
    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_RSA_SHA256
    }
}

#[tokio::test]
async fn server_of_another_ca_is_unknown_ca() {
    let sim = sim_with(Behaviour::healthy()).await;
    let mut spec = quick(common::sim_spec(&sim));
    spec.tls.root_pem = Some(TestCa::new("another CA").unwrap().cert_pem);
    let r = diagnose(&spec).await;
    assert_fails(&r, StepName::Tls, Cause::UnknownCa);
}

#[tokio::test]
async fn name_the_certificate_lacks_is_hostname_mismatch_and_passes_with_the_check_off() {
    let sim = sim_with(Behaviour::healthy()).await;
    let mut spec = quick(common::sim_spec(&sim));
    // qlik.internal resolves to the simulator through the injected resolver (no DNS query);
    // the simulator's certificate names only the loopback names.
    spec.engine_url = format!("wss://qlik.internal:{}", sim.addr().port());
    let opts = || DoctorOptions {
        resolver: Some(Arc::new(NamesToLoopback)),
        ..Default::default()
    };
    let r = diagnose_with(&spec, opts()).await;
    assert_fails(&r, StepName::Tls, Cause::HostnameMismatch);
    let hint = r.failed_step().unwrap().hint.clone().unwrap();
    assert!(hint.contains("verify_hostname"), "{hint}");

    spec.tls.verify_hostname = false;
    let r = diagnose_with(&spec, opts()).await;
    assert!(
        r.ok,
        "the chain is still verified, only the name is not: {r:#?}"
    );
}

#[tokio::test]
async fn client_certificate_of_another_ca_is_client_cert_rejected() {
    let sim = sim_with(Behaviour::healthy()).await;
    let mut spec = quick(common::sim_spec(&sim));
    let stranger = TestCa::new("not the QMC's CA")
        .unwrap()
        .issue_client("QlikClient", Validity::Days(30))
        .unwrap();
    spec.tls.cert_pem = Some(stranger.cert_pem);
    spec.tls.key_pem = Some(stranger.key_pem.into());
    let r = diagnose(&spec).await;
    assert_eq!(r.cause, Some(Cause::ClientCertRejected), "{r:#?}");
    let failed = r.failed_step().unwrap();
    // TLS 1.3 reports the server's refusal after the client's side of the handshake is done,
    // so it may surface at the upgrade; either way it is named for what it is.
    assert!(
        matches!(failed.step, StepName::Tls | StepName::Websocket),
        "{r:#?}"
    );
    assert_fails(&r, failed.step, Cause::ClientCertRejected);
}

#[tokio::test]
async fn refused_upgrades_are_upgrade_rejected_with_the_status() {
    for status in [401u16, 403] {
        let sim = sim_with(Behaviour::reject_upgrade(status)).await;
        let r = diagnose(&quick(common::sim_spec(&sim))).await;
        assert_fails(&r, StepName::Websocket, Cause::UpgradeRejected);
        let failed = r.failed_step().unwrap();
        assert!(
            failed.detail.contains(&status.to_string()),
            "{status}: {}",
            failed.detail
        );
    }
}

#[tokio::test]
async fn refused_sessions_are_session_refused_naming_the_state() {
    for state in common::doctor::REFUSED_SESSION_STATES {
        let sim = sim_with(Behaviour::session_state(state)).await;
        let r = diagnose(&quick(common::sim_spec(&sim))).await;
        assert_fails(&r, StepName::Greeting, Cause::SessionRefused);
        assert!(
            r.failed_step().unwrap().detail.contains(state),
            "{state}: {r:#?}"
        );
    }
}

#[tokio::test]
async fn proxy_session_limit_is_max_sessions() {
    let sim = sim_with(Behaviour::max_parallel_sessions()).await;
    let r = diagnose(&quick(common::sim_spec(&sim))).await;
    assert_fails(&r, StepName::Greeting, Cause::MaxSessions);
}

#[tokio::test]
async fn engine_that_never_greets_is_timeout_at_the_greeting() {
    let sim = sim_with(Behaviour::silent()).await;
    let mut spec = common::sim_spec(&sim);
    spec.timeouts.greeting = Duration::from_millis(500);
    let r = diagnose(&spec).await;
    assert_fails(&r, StepName::Greeting, Cause::Timeout);
}

#[tokio::test]
async fn websocket_peer_that_is_not_an_engine_is_protocol_error() {
    let sim = sim_with(Behaviour::healthy()).await;
    let mut spec = quick(common::sim_spec(&sim));
    let addr = websocket_peer_that_is_not_an_engine(sim.pki()).await;
    spec.engine_url = format!("wss://localhost:{}", addr.port());
    let r = diagnose(&spec).await;
    assert_fails(&r, StepName::Greeting, Cause::ProtocolError);
}

#[tokio::test]
async fn repository_refuses_a_request_without_a_matching_xrfkey() {
    let sim = sim_with(Behaviour::healthy()).await;
    let spec = quick(common::sim_spec(&sim));
    let base = format!("https://localhost:{}/qrs/about", sim.addr().port());
    let copts = spec.connect_options(None).await.unwrap();
    let key = http::xrfkey();

    let mut without = copts.clone();
    without.url = base.clone();
    assert_eq!(
        http::request(&without, "GET", None).await.unwrap().status,
        403
    );

    let mut mismatched = copts.clone();
    mismatched.url = format!("{base}?xrfkey={key}");
    mismatched = mismatched.header("X-Qlik-Xrfkey", "0123456789abcdef");
    assert_eq!(
        http::request(&mismatched, "GET", None)
            .await
            .unwrap()
            .status,
        403
    );

    let mut matching = copts.clone();
    matching.url = format!("{base}?xrfkey={key}");
    matching = matching.header("X-Qlik-Xrfkey", key);
    assert_eq!(
        http::request(&matching, "GET", None).await.unwrap().status,
        200
    );
}
