//! The simulator's auth modes beyond QSEoW direct certificates, all off by default: virtual
//! proxies by prefix (JWT or header authentication, with or without the November 2024 CSRF
//! check) and a Qlik Cloud tenant on the root path (API keys, JWT sessions, the items API).
//!
//! `vproxy` and `tenant` hold the behaviour; this module holds the knobs, the sessions handed
//! out (cookie → user and CSRF token), and the two hooks the server calls: `rest` for plain
//! requests and `authenticate` for socket upgrades.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use http::request::Parts;

use super::auth::{self, Rejection, SocketTarget, User};
use super::data::Site;
use super::server::HttpResponse;
use super::{tenant, vproxy};
use crate::engine::proxy::CSRF_QUERY;

/// Which auth modes the simulator serves. The default serves none (certificates only).
#[derive(Debug, Clone, Default)]
pub struct AuthModes {
    /// Virtual proxies, each under its prefix (`wss://host/<prefix>/app/...`).
    pub proxies: Vec<VirtualProxy>,
    /// A Qlik Cloud tenant on the root path: REST under `/api/v1`, sockets at `/app/<id>`.
    pub cloud: Option<CloudTenant>,
}

impl AuthModes {
    /// True when some mode lets a client in without a certificate, so TLS must not demand one.
    pub fn any(&self) -> bool {
        !self.proxies.is_empty() || self.cloud.is_some()
    }

    pub fn proxy(&self, prefix: &str) -> Option<&VirtualProxy> {
        self.proxies
            .iter()
            .find(|p| p.prefix.eq_ignore_ascii_case(prefix))
    }
}

/// A QSEoW virtual proxy.
#[derive(Debug, Clone)]
pub struct VirtualProxy {
    /// Lowercase, without slashes (e.g. "jwt").
    pub prefix: String,
    pub auth: ProxyAuth,
    /// Qlik's November 2024 check: sockets need `?qlik-csrf-token=` from `/qps/csrftoken` and the
    /// session cookie, and must not carry `Authorization`. Off: an older proxy, where
    /// `/qps/csrftoken` does not exist and the credential goes on the handshake.
    pub csrf: bool,
}

impl VirtualProxy {
    /// The proxy's session cookie name (Qlik: "X-Qlik-Session" plus a per-proxy suffix).
    pub fn cookie_name(&self) -> String {
        format!("X-Qlik-Session-{}", self.prefix)
    }
}

/// How a virtual proxy learns the user.
#[derive(Clone)]
pub enum ProxyAuth {
    /// `Authorization: Bearer <jwt>`, RS256, checked against the certificate or public key.
    Jwt {
        public_key_pem: String,
        claim_user: String,
        claim_directory: String,
        /// When set, the token's `aud` must equal it.
        audience: Option<String>,
    },
    /// A header carrying `DIRECTORY\user` (or just the user, in `default_directory`).
    Header {
        header_name: String,
        default_directory: String,
    },
}

impl std::fmt::Debug for ProxyAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProxyAuth::Jwt {
                claim_user,
                claim_directory,
                audience,
                ..
            } => f
                .debug_struct("Jwt")
                .field("claim_user", claim_user)
                .field("claim_directory", claim_directory)
                .field("audience", audience)
                .finish(),
            ProxyAuth::Header {
                header_name,
                default_directory,
            } => f
                .debug_struct("Header")
                .field("header_name", header_name)
                .field("default_directory", default_directory)
                .finish(),
        }
    }
}

/// A Qlik Cloud tenant.
#[derive(Clone)]
pub struct CloudTenant {
    /// Valid API keys and the user (subject) each belongs to.
    pub api_keys: Vec<(String, String)>,
    /// The JWT identity provider, when JWT sessions are on.
    pub jwt: Option<CloudJwtIdp>,
    /// The page size when the request names none (the real API's default is 10).
    pub default_limit: u32,
    /// The largest page served, below the API's 100: lets a test see paging with few apps.
    pub max_page: u32,
    /// The tenant's API rate limit, when on: REST calls answered HTTP 429.
    pub rate_limit: Option<RateLimit>,
    /// Something in front of the tenant (a corporate proxy, a gateway) answers every REST
    /// call with its sign-in page: HTTP 200, text/html.
    pub sign_in_page: bool,
}

impl Default for CloudTenant {
    fn default() -> Self {
        CloudTenant {
            api_keys: Vec::new(),
            jwt: None,
            default_limit: 10,
            max_page: 100,
            rate_limit: None,
            sign_in_page: false,
        }
    }
}

/// Qlik Cloud's answer to a user over the tenant's API rate limit: HTTP 429 Too Many Requests
/// with `Retry-After`, on REST calls (the items, spaces, CSRF and login endpoints).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// How many REST calls are answered 429 before the tenant lets calls through again
    /// (u32::MAX: every call).
    pub calls: u32,
    /// What `Retry-After` asks for, in seconds.
    pub retry_after_secs: u64,
    /// Send `Retry-After` as an HTTP-date (that many seconds ahead) instead of seconds.
    pub as_http_date: bool,
}

impl RateLimit {
    /// The first `calls` REST calls get 429 with `Retry-After: 1`; later ones pass.
    pub fn first(calls: u32) -> Self {
        RateLimit {
            calls,
            retry_after_secs: 1,
            as_http_date: false,
        }
    }

    /// Every REST call gets 429 with `Retry-After: 1`.
    pub fn always() -> Self {
        RateLimit::first(u32::MAX)
    }
}

impl std::fmt::Debug for CloudTenant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudTenant")
            .field("api_keys", &format!("<{} redacted>", self.api_keys.len()))
            .field("jwt", &self.jwt)
            .field("default_limit", &self.default_limit)
            .field("max_page", &self.max_page)
            .field("rate_limit", &self.rate_limit)
            .field("sign_in_page", &self.sign_in_page)
            .finish()
    }
}

/// Qlik Cloud's JWT identity provider: tokens must verify against the key, carry the
/// audience `qlik.api/login/jwt-session`, and (when set) the issuer; `sub` names the user.
#[derive(Clone)]
pub struct CloudJwtIdp {
    pub public_key_pem: String,
    pub issuer: Option<String>,
}

impl std::fmt::Debug for CloudJwtIdp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudJwtIdp")
            .field("issuer", &self.issuer)
            .finish()
    }
}

/// A session handed out by a proxy or the tenant, found again by its cookie.
#[derive(Debug, Clone)]
pub struct IssuedSession {
    pub user: User,
    pub csrf_token: String,
    /// The proxy prefix ("" for the tenant).
    pub realm: String,
}

/// What one socket handshake through a proxy or the tenant carried (never the values), and
/// the status it got: tests check the CSRF flow from the server's side with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake {
    /// The proxy prefix ("" for the tenant).
    pub realm: String,
    /// The `qlik-csrf-token` query parameter matched the session's token.
    pub csrf_token_valid: bool,
    /// A session cookie this realm handed out came along.
    pub session_cookie: bool,
    pub authorization: bool,
    /// 101, or the refusal's status.
    pub status: u16,
}

/// The sessions handed out so far, by cookie value, and the handshakes judged.
#[derive(Debug, Default)]
pub struct AuthState {
    sessions: Mutex<HashMap<String, IssuedSession>>,
    handshakes: Mutex<Vec<Handshake>>,
    /// REST calls the tenant answered 429 so far.
    rate_limited: AtomicU32,
}

impl AuthState {
    /// True when the next REST call is over `limit` (and counts it as answered 429).
    pub fn over_rate_limit(&self, limit: &RateLimit) -> bool {
        self.rate_limited
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < limit.calls).then_some(n + 1)
            })
            .is_ok()
    }

    /// How many REST calls the tenant answered 429.
    pub fn rate_limited_calls(&self) -> u32 {
        self.rate_limited.load(Ordering::SeqCst)
    }

    pub fn handshakes(&self) -> Vec<Handshake> {
        self.handshakes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Forgets every session handed out, as a proxy or tenant does when sessions time out.
    pub fn expire_all(&self) {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Every (cookie value, CSRF token) handed out: tests look for them in the client's output.
    pub fn issued(&self) -> Vec<(String, String)> {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(cookie, s)| (cookie.clone(), s.csrf_token.clone()))
            .collect()
    }

    fn record(&self, h: Handshake) {
        self.handshakes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(h);
    }

    /// Opens a session for `user` in `realm`; returns (cookie value, CSRF token).
    pub fn open(&self, user: User, realm: &str) -> (String, String) {
        let cookie = random_token();
        let token = random_token();
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(
                cookie.clone(),
                IssuedSession {
                    user,
                    csrf_token: token.clone(),
                    realm: realm.to_string(),
                },
            );
        (cookie, token)
    }

    /// The session named by cookie `name` in the request, if it exists in `realm`.
    pub fn find(&self, parts: &Parts, name: &str, realm: &str) -> Option<IssuedSession> {
        let value = request_cookie(parts, name)?;
        let sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions.get(&value).filter(|s| s.realm == realm).cloned()
    }
}

/// The value of cookie `name` in the request's `Cookie` headers (`name=value` pairs separated
/// by `;`, RFC 6265 §5.4): the simulator's own reading of what a browser or client sends.
fn request_cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| n.trim() == name)
        .map(|(_, v)| v.trim().to_string())
}

/// 32 random hex characters.
pub fn random_token() -> String {
    use rand::RngExt;
    let bytes: [u8; 16] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The value of header `name`, as text.
pub fn header<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts.headers.get(name).and_then(|v| v.to_str().ok())
}

/// The token of `Authorization: Bearer <token>`.
pub fn bearer(parts: &Parts) -> Option<&str> {
    let v = header(parts, "authorization")?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The value of query parameter `name`, decoded.
pub fn query_param(parts: &Parts, name: &str) -> Option<String> {
    url::form_urlencoded::parse(parts.uri.query()?.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Plain requests the auth modes answer (`/<prefix>/qps/csrftoken`, the tenant's REST), or
/// None to let the server's own routes handle it.
pub fn rest(
    parts: &Parts,
    modes: &AuthModes,
    state: &AuthState,
    site: &Site,
) -> Option<HttpResponse> {
    if auth::is_upgrade(parts) {
        return None;
    }
    let path = parts.uri.path();
    for p in &modes.proxies {
        let base = format!("/{}/", p.prefix);
        if let Some(rest) = path.strip_prefix(&base) {
            return Some(vproxy::rest(parts, p, rest, state));
        }
    }
    let cloud = modes.cloud.as_ref()?;
    tenant::rest(parts, cloud, state, site)
}

/// Who opens this socket, when an auth mode owns its path; None for the engine port (the
/// server's own certificate check applies).
pub fn authenticate(
    parts: &Parts,
    target: &SocketTarget,
    modes: &AuthModes,
    state: &AuthState,
) -> Option<Result<User, Rejection>> {
    let judged = |realm: &str, cookie_name: &str, r: Result<User, Rejection>| {
        let session = state.find(parts, cookie_name, realm);
        state.record(Handshake {
            realm: realm.to_string(),
            csrf_token_valid: session.as_ref().is_some_and(|s| {
                query_param(parts, CSRF_QUERY).as_deref() == Some(s.csrf_token.as_str())
            }),
            session_cookie: session.is_some(),
            authorization: header(parts, "authorization").is_some(),
            status: r.as_ref().map_or_else(|e| e.status, |_| 101),
        });
        Some(r)
    };
    if let Some(p) = modes.proxy(&target.prefix) {
        return judged(
            &p.prefix,
            &p.cookie_name(),
            vproxy::authenticate(parts, p, state),
        );
    }
    if target.prefix.is_empty()
        && let Some(cloud) = &modes.cloud
    {
        return judged(
            "",
            tenant::SESSION_COOKIE,
            tenant::authenticate(parts, cloud, state),
        );
    }
    if !target.prefix.is_empty() {
        return Some(Err(Rejection::new(
            404,
            "Not Found: no virtual proxy with this prefix",
        )));
    }
    None
}
