//! The WebSocket upgrade: refuse (401/403) before upgrading when the behaviour or the
//! authentication says so; otherwise answer 101 and hand the upgraded stream to `socket`.

use std::sync::{Arc, Weak};

use http::request::Parts;
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;

use super::auth::{self, Rejection, SocketTarget, User};
use super::server::{HttpResponse, Shared, respond};
use super::session::Session;
use super::socket;

/// The engine caps `/ttl/<s>` (MaxSessionTTL, 1800 s by default).
const MAX_TTL_SECS: u32 = 1800;

/// The session of a new socket: a live one with the same user, app and identity (the socket
/// attaches to it), or a new one. Sockets without an app in the URL always get their own.
fn session_for(shared: &Arc<Shared>, user: User, target: SocketTarget) -> (Arc<Session>, bool) {
    let Some(app) = target.app.clone() else {
        return (
            Arc::new(Session::new(shared.site.clone(), user, target)),
            false,
        );
    };
    if shared.behaviour.attached_no_data {
        // Another client of this user left the app open without data on this session.
        let s = Arc::new(Session::new(shared.site.clone(), user, target));
        let _ = super::global::open_doc(&s, &app, true);
        return (s, true);
    }
    let key = (
        user.key().to_ascii_lowercase(),
        app,
        target.identity.clone(),
    );
    let mut live = shared.sessions.lock().unwrap_or_else(|e| e.into_inner());
    live.retain(|_, w| w.strong_count() > 0);
    if let Some(s) = live.get(&key).and_then(Weak::upgrade) {
        return (s, true);
    }
    let s = Arc::new(Session::new(shared.site.clone(), user, target));
    live.insert(key, Arc::downgrade(&s));
    (s, false)
}

/// With `/ttl/<s>` the session outlives its last socket by `s` seconds (until the server dies).
fn keep_for_ttl(session: Arc<Session>, ttl: Option<u32>, shared: &Arc<Shared>) {
    let Some(secs) = ttl.filter(|s| *s > 0) else {
        return;
    };
    let cancel = shared.cancel.clone();
    let keep = std::time::Duration::from_secs(u64::from(secs.min(MAX_TTL_SECS)));
    tokio::spawn(async move {
        tokio::select! {
            _ = tokio::time::sleep(keep) => {}
            _ = cancel.cancelled() => {}
        }
        drop(session);
    });
}

/// A socket on the engine port: the user comes from `X-Qlik-User` (TLS checked the certificate).
pub fn accept(parts: Parts, target: SocketTarget, shared: Arc<Shared>) -> HttpResponse {
    let who = auth::authenticate(&parts);
    accept_as(parts, target, shared, who)
}

/// A socket whose user an auth mode (or the engine port) has decided: 101, or the refusal.
pub fn accept_as(
    mut parts: Parts,
    target: SocketTarget,
    shared: Arc<Shared>,
    who: Result<User, Rejection>,
) -> HttpResponse {
    if let Some(status) = shared.behaviour.reject_upgrade {
        return refusal(status, &parts);
    }
    let user = match who {
        Ok(u) => u,
        Err(rej) => {
            let mut r = respond(rej.status, "text/plain", rej.body);
            for (k, v) in rej.headers {
                if let (Ok(k), Ok(v)) = (
                    http::HeaderName::from_bytes(k.as_bytes()),
                    http::HeaderValue::from_str(&v),
                ) {
                    r.headers_mut().insert(k, v);
                }
            }
            return r;
        }
    };
    let key = match parts.headers.get("sec-websocket-key") {
        Some(k) => k.as_bytes().to_vec(),
        None => return respond(400, "text/plain", "Bad Request: Sec-WebSocket-Key missing"),
    };
    let Some(on_upgrade) = parts.extensions.remove::<OnUpgrade>() else {
        return respond(
            400,
            "text/plain",
            "Bad Request: not an upgradable connection",
        );
    };
    let ttl = target.ttl;
    let (session, attached) = session_for(&shared, user, target);
    tokio::spawn(async move {
        match on_upgrade.await {
            Ok(upgraded) => {
                let ws =
                    WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None)
                        .await;
                socket::run(ws, session.clone(), shared.clone(), attached).await;
                keep_for_ttl(session, ttl, &shared);
            }
            Err(e) => tracing::debug!("sim: upgrade failed: {e}"),
        }
    });
    let mut r = respond(101, "text/plain", "");
    r.headers_mut().remove(http::header::CONTENT_TYPE);
    let h = r.headers_mut();
    h.insert(
        http::header::UPGRADE,
        http::HeaderValue::from_static("websocket"),
    );
    h.insert(
        http::header::CONNECTION,
        http::HeaderValue::from_static("Upgrade"),
    );
    if let Ok(v) = http::HeaderValue::from_str(&derive_accept_key(&key)) {
        h.insert("sec-websocket-accept", v);
    }
    r
}

/// The refusal `Behaviour::reject_upgrade` asks for, shaped as the real services send it: a
/// proxy with form login redirects an unauthenticated client to its login page.
fn refusal(status: u16, parts: &Parts) -> HttpResponse {
    match status {
        401 => respond(401, "text/plain", "Unauthorized"),
        300..=399 => {
            let host = parts
                .headers
                .get(http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("localhost");
            let mut r = respond(
                status,
                "text/html",
                "<html><body>Object moved</body></html>",
            );
            let login = format!(
                "https://{host}/internal_forms_authentication/?targetId=6f2b1c3e-0d4a-4e8b-9a51-1f0c2d3e4b5a"
            );
            if let Ok(v) = http::HeaderValue::from_str(&login) {
                r.headers_mut().insert(http::header::LOCATION, v);
            }
            r
        }
        // The proxy's answer to a socket whose session it cannot authenticate any more (an
        // expired or unknown session cookie or ticket), as Qlik Sense Enterprise sends it.
        500 => respond(
            500,
            "text/plain",
            "Authentication error: Restart the browser.",
        ),
        503 => respond(
            503,
            "text/html",
            "<html><body>Service Unavailable</body></html>",
        ),
        _ => respond(status, "text/plain", "Forbidden"),
    }
}
