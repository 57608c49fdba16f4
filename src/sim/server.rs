//! The listening side: TCP accept → TLS (client certificate required, unless auth modes beyond
//! certificates are on) → HTTP/1.1: the auth modes' REST (`authmodes::rest`) first, then
//! `auth::route` to the engine socket upgrade or a REST route. Every connection ends when the
//! server is killed.

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

use super::auth::{self, Route};
use super::authmodes::{self, AuthModes, AuthState};
use super::behaviour::Behaviour;
use super::data::Site;
use super::session::Session;
use super::{qrs, upgrade};

/// A TLS handshake that takes longer than this is dropped.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What every connection of one server shares.
pub struct Shared {
    pub site: Arc<Site>,
    pub behaviour: Behaviour,
    pub latency: Duration,
    pub served: AtomicU64,
    /// Request ids in the order their replies were written (numeric ids only).
    pub reply_log: Mutex<Vec<u64>>,
    /// The method of every well-formed request, in arrival order, over all sockets.
    pub method_log: Mutex<Vec<String>>,
    pub cancel: CancellationToken,
    /// Cancelled when the engine restarts (`SimServer::restart_engine`): the sockets open then
    /// are dropped; later ones watch the fresh token.
    pub restart: Mutex<CancellationToken>,
    /// Live sessions a further socket attaches to (same user, app and identity).
    pub sessions: Mutex<HashMap<SessionKey, Weak<Session>>>,
    /// Auth modes beyond certificates, and the sessions they handed out.
    pub auth: AuthModes,
    pub auth_state: AuthState,
}

/// What makes two sockets one session: the user, the app in the URL, the `/identity/` part.
pub type SessionKey = (String, String, Option<String>);

pub type HttpResponse = hyper::Response<Full<Bytes>>;

/// A plain response (errors, REST answers).
pub fn respond(status: u16, content_type: &str, body: impl Into<Bytes>) -> HttpResponse {
    let mut r = hyper::Response::new(Full::new(body.into()));
    *r.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = http::HeaderValue::from_str(content_type) {
        r.headers_mut().insert(http::header::CONTENT_TYPE, v);
    }
    r
}

/// Accepts connections until the server is killed.
pub async fn serve(listener: TcpListener, acceptor: TlsAcceptor, shared: Arc<Shared>) {
    loop {
        tokio::select! {
            _ = shared.cancel.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => {
                    let _ = tcp.set_nodelay(true);
                    tokio::spawn(connection(tcp, acceptor.clone(), shared.clone()));
                }
                Err(e) => {
                    tracing::debug!("sim: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
        }
    }
}

async fn connection(tcp: TcpStream, acceptor: TlsAcceptor, shared: Arc<Shared>) {
    let cancel = shared.cancel.clone();
    if shared.behaviour.stall_tls {
        // Accepted, and then nothing: the client's handshake must time out on its own.
        cancel.cancelled().await;
        drop(tcp);
        return;
    }
    let tls = tokio::select! {
        _ = cancel.cancelled() => return,
        r = tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(tcp)) => match r {
            Ok(Ok(s)) => s,
            // A client without a certificate of our root, or not speaking TLS: nothing to do.
            Ok(Err(e)) => {
                tracing::debug!("sim: TLS handshake failed: {e}");
                return;
            }
            Err(_) => return,
        },
    };
    if shared.behaviour.stall_upgrade {
        // TLS done; the upgrade request is never answered.
        cancel.cancelled().await;
        drop(tls);
        return;
    }
    // Whether this connection presented a client certificate (TLS verified its chain).
    let has_cert = tls.get_ref().1.peer_certificates().is_some();
    let svc = service_fn(move |req: hyper::Request<Incoming>| {
        let shared = shared.clone();
        async move {
            let delay = shared.behaviour.upgrade_delay;
            if !delay.is_zero() && req.headers().contains_key(http::header::UPGRADE) {
                // A cold proxy: the upgrade is answered once the session has started.
                tokio::select! {
                    _ = shared.cancel.cancelled() => {}
                    _ = tokio::time::sleep(delay) => {}
                }
            }
            route(req, shared, has_cert)
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(tls), svc)
        .with_upgrades();
    tokio::select! {
        _ = cancel.cancelled() => {}
        r = conn => {
            if let Err(e) = r {
                tracing::debug!("sim: HTTP connection ended: {e}");
            }
        }
    }
}

/// Why a connection is dropped without an answer.
#[derive(Debug)]
struct NoClientCertificate;

impl std::fmt::Display for NoClientCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the engine port requires a client certificate")
    }
}

impl std::error::Error for NoClientCertificate {}

fn route(
    req: hyper::Request<Incoming>,
    shared: Arc<Shared>,
    has_cert: bool,
) -> Result<HttpResponse, NoClientCertificate> {
    let (parts, _body) = req.into_parts();
    if let Some(r) = authmodes::rest(&parts, &shared.auth, &shared.auth_state, &shared.site) {
        return Ok(r);
    }
    let route = auth::route(&parts);
    if let Route::EngineSocket(target) = &route
        && let Some(who) = authmodes::authenticate(&parts, target, &shared.auth, &shared.auth_state)
    {
        return Ok(upgrade::accept_as(parts, target.clone(), shared, who));
    }
    // The certificate routes: without a certificate the connection is dropped unanswered, as
    // the engine port (which demands one during the TLS handshake) would have.
    Ok(match route {
        Route::NotFound => respond(404, "text/plain", "Not Found"),
        _ if !has_cert => return Err(NoClientCertificate),
        Route::EngineSocket(target) => upgrade::accept(parts, target, shared),
        Route::QrsAbout => qrs::about(&parts, &shared),
    })
}
