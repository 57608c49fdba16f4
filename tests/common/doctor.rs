//! Helpers for the doctor tests: run it with a bound on the whole walk, check that every step
//! was reported live, and assert a failure's step, cause, fix and the absence of secrets.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::SinkExt;
use futures_util::future::BoxFuture;
use qlik_tui::engine::conn::ConnectionSpec;
use qlik_tui::engine::transport::Resolver;
use qlik_tui::explore::doctor::{self, Cause, DoctorOptions, Report, Status, StepName};
use qlik_tui::tls::pki::DemoPki;

/// Refused session states (OnConnected's qSessionState) that the doctor tests expect named.
#[allow(dead_code)] // not every test binary that includes common asks about each state
pub const REFUSED_SESSION_STATES: &[&str] = &[
    "SESSION_ERROR_NO_LICENSE",
    "SESSION_ERROR_LICENSE_RENEW",
    "SESSION_ERROR_LIMIT_EXCEEDED",
    "SESSION_ERROR_SECURITY_HEADER_CHANGED",
    "SESSION_ACCESS_DENIED",
];

pub async fn diagnose(spec: &ConnectionSpec) -> Report {
    diagnose_with(spec, DoctorOptions::default()).await
}

pub async fn diagnose_with(spec: &ConnectionSpec, opts: DoctorOptions) -> Report {
    let mut live = Vec::new();
    let report = tokio::time::timeout(
        Duration::from_secs(30),
        doctor::run(spec, &opts, |s| live.push(s.clone())),
    )
    .await
    .expect("the doctor must finish (every wait is bounded)");
    assert_eq!(live, report.steps, "every step is reported live, in order");
    assert_eq!(report.steps.len(), StepName::ALL.len());
    report
}

/// Asserts the failing step, the cause, that a fix is given, that later steps skip, and that
/// no rendering of the report holds key material.
pub fn assert_fails(report: &Report, step: StepName, cause: Cause) {
    assert!(!report.ok);
    assert_eq!(report.cause, Some(cause), "{report:#?}");
    let failed = report.failed_step().expect("a failed step");
    assert_eq!(failed.step, step, "{report:#?}");
    assert!(
        failed.hint.as_deref().is_some_and(|h| h.len() > 20),
        "a fix is given: {failed:?}"
    );
    let pos = report.steps.iter().position(|s| s.step == step).unwrap();
    assert!(
        report.steps[pos + 1..]
            .iter()
            .all(|s| s.status == Status::Skip)
    );
    let json = report.to_json();
    assert_eq!(json["cause"], cause.code());
    assert_eq!(json["ok"], false);
    for text in [
        report.to_text("t"),
        report.to_markdown("t"),
        json.to_string(),
    ] {
        assert!(!text.contains("PRIVATE KEY"), "{text}");
        assert!(!text.contains("BEGIN CERTIFICATE"), "{text}");
    }
}

/// Resolves every name to 127.0.0.1 without asking DNS, so a test can connect by a name the
/// server's certificate does not carry.
pub struct NamesToLoopback;

impl Resolver for NamesToLoopback {
    fn resolve(
        &self,
        _host: String,
        port: u16,
    ) -> BoxFuture<'static, std::io::Result<Vec<std::net::SocketAddr>>> {
        Box::pin(async move { Ok(vec![std::net::SocketAddr::from(([127, 0, 0, 1], port))]) })
    }
}

/// A WebSocket server over the same mutual TLS that speaks something other than Qlik's
/// JSON-RPC: the doctor must call it a protocol error, not a broken engine.
pub async fn websocket_peer_that_is_not_an_engine(pki: &DemoPki) -> SocketAddr {
    qlik_tui::tls::ensure_crypto_provider();
    let cfg = qlik_tui::tls::server_config(
        &pki.root_cert_pem,
        &pki.server.cert_pem,
        &pki.server.key_pem,
    )
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut ws) = tokio_tungstenite::accept_async(tls).await else {
                    return;
                };
                let _ = ws
                    .send(tokio_tungstenite::tungstenite::Message::text(
                        "220 welcome to the chat server",
                    ))
                    .await;
                tokio::time::sleep(Duration::from_secs(10)).await;
            });
        }
    });
    addr
}
