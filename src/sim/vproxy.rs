//! A QSEoW virtual proxy in front of the engine: JWT or header authentication, and (from
//! November 2024) the cross-site WebSocket hijacking check: `GET /<prefix>/qps/csrftoken`
//! hands out a session cookie and a token, and a socket must bring both and no `Authorization`
//! (engine-api.md §1.3). REST calls must carry a matching Xrfkey (§5).

use std::time::SystemTime;

use http::request::Parts;

use super::auth::{Rejection, User};
use super::authmodes::{AuthState, ProxyAuth, VirtualProxy, bearer, header, query_param};
use super::server::{HttpResponse, respond};
use crate::engine::jwt;
use crate::engine::proxy::{CSRF_HEADER, CSRF_QUERY};

/// Answers `/<prefix>/<rest>` for plain (non-upgrade) requests.
pub fn rest(parts: &Parts, p: &VirtualProxy, rest: &str, state: &AuthState) -> HttpResponse {
    match (parts.method.as_str(), rest.trim_end_matches('/')) {
        ("GET", "qps/csrftoken") if p.csrf => csrftoken(parts, p, state),
        _ => respond(404, "text/plain", "Not Found"),
    }
}

fn rejection(r: Rejection) -> HttpResponse {
    respond(r.status, "text/plain", r.body)
}

/// Qlik's Xrfkey check: the `xrfkey` query parameter and the `X-Qlik-Xrfkey` header, equal,
/// 16 characters.
pub fn check_xrfkey(parts: &Parts) -> Result<(), Rejection> {
    let q = query_param(parts, "xrfkey");
    let h = header(parts, "x-qlik-xrfkey");
    match (q, h) {
        (Some(q), Some(h)) if q == h && q.len() == 16 => Ok(()),
        _ => Err(Rejection::new(
            403,
            "XSRF prevention check failed. Possible XSRF discovered.",
        )),
    }
}

fn csrftoken(parts: &Parts, p: &VirtualProxy, state: &AuthState) -> HttpResponse {
    if let Err(r) = check_xrfkey(parts) {
        return rejection(r);
    }
    let user = match credential(parts, p) {
        Ok(u) => u,
        Err(r) => return rejection(r),
    };
    let (cookie, token) = state.open(user, &p.prefix);
    let mut r = respond(204, "text/plain", "");
    let h = r.headers_mut();
    if let Ok(v) = http::HeaderValue::from_str(&token) {
        h.insert(CSRF_HEADER, v);
    }
    if let Ok(v) = http::HeaderValue::from_str(&format!(
        "{}={cookie}; Path=/; HttpOnly; Secure",
        p.cookie_name()
    )) {
        h.insert(http::header::SET_COOKIE, v);
    }
    r
}

/// The user the request's credential names, or 401.
fn credential(parts: &Parts, p: &VirtualProxy) -> Result<User, Rejection> {
    let unauthorized = |why: &str| Rejection::new(401, format!("Unauthorized: {why}"));
    match &p.auth {
        ProxyAuth::Jwt {
            public_key_pem,
            claim_user,
            claim_directory,
            audience,
        } => {
            let token = bearer(parts).ok_or_else(|| unauthorized("no Bearer token"))?;
            let der = jwt::rsa_public_key_der(public_key_pem)
                .map_err(|e| Rejection::new(500, format!("proxy misconfigured: {e}")))?;
            let claims = jwt::verify_rs256(token, &der, SystemTime::now())
                .map_err(|e| unauthorized(&e.to_string()))?;
            if let Some(aud) = audience
                && claims.get("aud").and_then(|v| v.as_str()) != Some(aud.as_str())
            {
                return Err(unauthorized("the token's audience is not this proxy's"));
            }
            let text = |k: &str| {
                claims
                    .get(k)
                    .and_then(|v| v.as_str())
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
            };
            let id = text(claim_user)
                .ok_or_else(|| unauthorized(&format!("the token has no '{claim_user}' claim")))?;
            let dir = text(claim_directory).ok_or_else(|| {
                unauthorized(&format!("the token has no '{claim_directory}' claim"))
            })?;
            Ok(User::new(&dir, &id))
        }
        ProxyAuth::Header {
            header_name,
            default_directory,
        } => {
            let v = header(parts, header_name)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| unauthorized(&format!("no {header_name} header")))?;
            Ok(match v.split_once('\\') {
                Some((d, i)) => User::new(d, i),
                None => User::new(default_directory, v),
            })
        }
    }
}

/// Who opens a socket through this proxy.
pub fn authenticate(parts: &Parts, p: &VirtualProxy, state: &AuthState) -> Result<User, Rejection> {
    let session = state.find(parts, &p.cookie_name(), &p.prefix);
    if !p.csrf {
        return match session {
            Some(s) => Ok(s.user),
            None => credential(parts, p),
        };
    }
    const CSWSH: &str = "Forbidden: Cross-Site Websocket Hijacking check failed";
    if header(parts, "authorization").is_some() {
        return Err(Rejection::new(
            403,
            format!("{CSWSH}: no Authorization header on the handshake"),
        ));
    }
    let session = session.ok_or_else(|| {
        Rejection::new(
            403,
            format!(
                "{CSWSH}: no session cookie (GET /{}/qps/csrftoken first)",
                p.prefix
            ),
        )
    })?;
    match query_param(parts, CSRF_QUERY) {
        Some(t) if t == session.csrf_token => Ok(session.user),
        Some(_) => Err(Rejection::new(403, format!("{CSWSH}: wrong {CSRF_QUERY}"))),
        None => Err(Rejection::new(
            403,
            format!("{CSWSH}: no {CSRF_QUERY} query parameter"),
        )),
    }
}
