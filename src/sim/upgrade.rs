//! The WebSocket upgrade: refuse (401/403) before upgrading when the behaviour or the
//! authentication says so; otherwise answer 101 and hand the upgraded stream to `socket`.

use std::sync::Arc;

use http::request::Parts;
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;

use super::auth::{self, SocketTarget};
use super::server::{HttpResponse, Shared, respond};
use super::session::Session;
use super::socket;

pub fn accept(mut parts: Parts, target: SocketTarget, shared: Arc<Shared>) -> HttpResponse {
    if let Some(status) = shared.behaviour.reject_upgrade {
        let reason = if status == 401 {
            "Unauthorized"
        } else {
            "Forbidden"
        };
        return respond(status, "text/plain", reason);
    }
    let user = match auth::authenticate(&parts) {
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
    let session = Arc::new(Session::new(shared.site.clone(), user, target));
    tokio::spawn(async move {
        match on_upgrade.await {
            Ok(upgraded) => {
                let ws =
                    WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None)
                        .await;
                socket::run(ws, session, shared).await;
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
