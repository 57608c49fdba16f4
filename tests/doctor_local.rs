//! Doctor causes that need no engine: bad PEMs, a key of another certificate, an expired
//! certificate, an unresolvable name (through an injected resolver: no query leaves the
//! machine), a closed port, a peer that is not TLS, and a peer that never answers.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::doctor::{assert_fails, diagnose, diagnose_with};
use futures_util::future::BoxFuture;
use qlik_tui::engine::conn::{Auth, ConnectionSpec, Deployment};
use qlik_tui::engine::transport::{Resolver, Timeouts};
use qlik_tui::explore::doctor::{Cause, DoctorOptions, Status, StepName};
use qlik_tui::tls::ClientTls;
use qlik_tui::tls::pki::{DemoPki, TestCa, Validity};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn spec(url: &str, pki: &DemoPki) -> ConnectionSpec {
    ConnectionSpec {
        name: None,
        deployment: Deployment::Qseow,
        engine_url: url.into(),
        display_url: None,
        auth: Auth::Certificate {
            user_directory: "INTERNAL".into(),
            user_id: "sa_engine".into(),
        },
        tls: ClientTls {
            root_pem: Some(pki.root_cert_pem.clone()),
            cert_pem: Some(pki.client_cert_pem.clone()),
            key_pem: Some(pki.client_key_pem.clone().into()),
            verify_hostname: true,
        },
        timeouts: Timeouts {
            connect: Duration::from_millis(800),
            greeting: Duration::from_millis(800),
            request: Duration::from_secs(2),
            keep_alive: None,
        },
        ttl: None,
        identity: None,
        allow_insecure_transport: false,
        max_message_bytes: qlik_tui::engine::transport::DEFAULT_MAX_MESSAGE_BYTES,
        trace: None,
    }
}

#[tokio::test]
async fn garbage_pem_is_invalid_pem_at_config() {
    let pki = DemoPki::generate().unwrap();
    let mut s = spec("wss://localhost:4747", &pki);
    s.tls.cert_pem = Some("not a certificate".into());
    let r = diagnose(&s).await;
    assert_fails(&r, StepName::Config, Cause::InvalidPem);
}

#[tokio::test]
async fn encrypted_key_needs_a_passphrase() {
    let pki = DemoPki::generate().unwrap();
    let mut s = spec("wss://localhost:4747", &pki);
    s.tls.key_pem = Some(
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n".into(),
    );
    let r = diagnose(&s).await;
    assert_fails(&r, StepName::Config, Cause::InvalidPem);
    assert!(
        r.failed_step()
            .unwrap()
            .hint
            .as_ref()
            .unwrap()
            .contains("passphrase")
    );
}

#[tokio::test]
async fn key_of_another_certificate_is_key_mismatch() {
    let pki = DemoPki::generate().unwrap();
    let other = TestCa::new("other")
        .unwrap()
        .issue_client("x", Validity::Days(30))
        .unwrap();
    let mut s = spec("wss://localhost:4747", &pki);
    s.tls.key_pem = Some(other.key_pem.into());
    assert_fails(&diagnose(&s).await, StepName::Config, Cause::KeyMismatch);
}

#[tokio::test]
async fn expired_client_certificate_is_cert_expired() {
    let pki = DemoPki::generate().unwrap();
    let expired = pki
        .ca
        .issue_client("QlikClient", Validity::ExpiredDaysAgo(3))
        .unwrap();
    let mut s = spec("wss://localhost:4747", &pki);
    s.tls.cert_pem = Some(expired.cert_pem);
    s.tls.key_pem = Some(expired.key_pem.into());
    assert_fails(&diagnose(&s).await, StepName::Config, Cause::CertExpired);
}

struct NoSuchHost;
impl Resolver for NoSuchHost {
    fn resolve(
        &self,
        host: String,
        _port: u16,
    ) -> BoxFuture<'static, std::io::Result<Vec<std::net::SocketAddr>>> {
        Box::pin(async move {
            assert!(
                host.ends_with(".invalid"),
                "the test only resolves *.invalid names"
            );
            Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "Name or service not known",
            ))
        })
    }
}

#[tokio::test]
async fn unresolvable_name_is_dns_failed_without_a_query() {
    let pki = DemoPki::generate().unwrap();
    let s = spec("wss://qlik.invalid:4747", &pki);
    let opts = DoctorOptions {
        resolver: Some(Arc::new(NoSuchHost)),
        ..Default::default()
    };
    let r = diagnose_with(&s, opts).await;
    assert_fails(&r, StepName::Dns, Cause::DnsFailed);
    assert_eq!(r.step(StepName::Config).unwrap().status, Status::Ok);
}

#[tokio::test]
async fn closed_port_is_connection_refused() {
    // Bind then drop: the port is free and nothing listens on it.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let pki = DemoPki::generate().unwrap();
    let r = diagnose(&spec(&format!("wss://127.0.0.1:{port}"), &pki)).await;
    assert_fails(&r, StepName::Tcp, Cause::ConnectionRefused);
    assert!(r.step(StepName::Dns).unwrap().detail.contains("IP address"));
}

#[tokio::test]
async fn plain_tcp_server_is_not_tls() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 512];
                let _ = s.read(&mut buf).await;
                let _ = s
                    .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    let pki = DemoPki::generate().unwrap();
    let r = diagnose(&spec(&format!("wss://localhost:{port}"), &pki)).await;
    assert_fails(&r, StepName::Tls, Cause::NotTls);
}

#[tokio::test]
async fn silent_server_is_timeout() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s); // accept and never answer
        }
    });
    let pki = DemoPki::generate().unwrap();
    let r = diagnose(&spec(&format!("wss://localhost:{port}"), &pki)).await;
    assert_fails(&r, StepName::Tls, Cause::Timeout);
    assert!(r.failed_step().unwrap().millis < 5_000);
}

#[tokio::test]
async fn invalid_url_is_invalid_config() {
    let pki = DemoPki::generate().unwrap();
    let r = diagnose(&spec("https://qlik.example.com", &pki)).await;
    assert_fails(&r, StepName::Config, Cause::InvalidConfig);
}
