//! The requests some auth modes make before the socket: a CSRF token and session cookie from a
//! QSEoW virtual proxy (JWT, header), a session cookie from Qlik Cloud (JWT). The result says
//! what to add to the socket's handshake and to REST calls; it is cached per site so every
//! socket of one site shares one proxy or tenant session, as a browser tab would.

use std::sync::Arc;

use tokio::sync::Mutex;

use super::spec::{Auth, ConnectionSpec, SecretString};
use crate::engine::cloud;
use crate::engine::cookie;
use crate::engine::proxy::{self, CSRF_QUERY};
use crate::engine::transport::{ConnectOptions, Header};
use crate::engine::url::{UrlParts, app_url, qlik_user_header, rest_base};
use crate::engine::{EngineError, Timeouts};

/// What the pre-flight adds to the engine socket and to REST calls. Values are credentials:
/// Debug shows header names only (through `Header`'s redaction) and hides query values.
#[derive(Clone, Default)]
pub struct Preflight {
    pub socket_headers: Vec<Header>,
    /// Query parameters of the socket URL (the proxy's or tenant's CSRF token).
    pub socket_query: Vec<(String, String)>,
    pub rest_headers: Vec<Header>,
}

impl std::fmt::Debug for Preflight {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Preflight")
            .field("socket_headers", &self.socket_headers)
            .field(
                "socket_query",
                &self
                    .socket_query
                    .iter()
                    .map(|(k, _)| format!("{k}=<redacted>"))
                    .collect::<Vec<_>>(),
            )
            .field("rest_headers", &self.rest_headers)
            .finish()
    }
}

impl Preflight {
    /// One header on the socket and on REST, nothing fetched (certificates, API keys, an older
    /// proxy).
    fn just(h: Header) -> Self {
        Preflight {
            socket_headers: vec![h.clone()],
            socket_query: vec![],
            rest_headers: vec![h],
        }
    }
}

fn header(name: &str, value: impl Into<SecretString>) -> Header {
    Header {
        name: name.to_string(),
        value: value.into(),
    }
}

/// `Authorization: Bearer <token>`, built in a buffer sized up front so no unwiped partial copy
/// of the token is left behind.
fn bearer(token: &str) -> Header {
    const SCHEME: &str = "Bearer ";
    let mut value = zeroize::Zeroizing::new(String::with_capacity(SCHEME.len() + token.len()));
    value.push_str(SCHEME);
    value.push_str(token);
    header("Authorization", value)
}

const JWT_PROXY_FIX: &str = "the virtual proxy did not accept the JWT: check that it is signed with the key whose certificate the virtual proxy holds, that the claim names for user id and directory match the proxy's JWT attributes (--jwt-claim-user, --jwt-claim-directory), the audience, and that the token has not expired";
const HEADER_PROXY_FIX: &str = "the virtual proxy did not accept the header: check the header name (--header-name) against the virtual proxy's 'Header authentication header name' and that the user exists";

/// Bearer credentials (an API key, a JWT) in clear text can be read by anyone on the path: over
/// `ws://` / `http://` they are refused unless the user allowed it by name.
pub fn check_transport(spec: &ConnectionSpec) -> Result<(), EngineError> {
    let bearer = matches!(
        spec.auth,
        Auth::Jwt { .. } | Auth::CloudApiKey { .. } | Auth::CloudJwt { .. }
    );
    let plain = spec.engine_url.starts_with("ws://") || spec.engine_url.starts_with("http://");
    if bearer && plain && !spec.allow_insecure_transport {
        return Err(EngineError::invalid_url(
            &spec.engine_url,
            format!(
                "--auth {} sends a bearer credential, which ws:// would carry unencrypted: use wss://, or pass --allow-insecure-transport (allow_insecure_transport = true in the profile) if this path is trusted",
                spec.auth.mode()
            ),
        ));
    }
    Ok(())
}

/// Runs the pre-flight of `spec`'s auth mode, bounded as a whole by the connect timeout.
pub async fn run(spec: &ConnectionSpec) -> Result<Preflight, EngineError> {
    check_transport(spec)?;
    let limit = spec.timeouts.connect;
    match tokio::time::timeout(limit, run_unbounded(spec)).await {
        Ok(r) => r,
        Err(_) => Err(EngineError::Timeout {
            step: "the authentication pre-flight",
            after: limit,
        }),
    }
}

/// Options for a REST request to `spec`'s proxy or tenant with `headers`; each reply is
/// bounded by the connect timeout, as the whole pre-flight is.
pub fn rest_request(spec: &ConnectionSpec, headers: &[Header]) -> ConnectOptions {
    let mut o = spec.options(rest_base(&spec.engine_url));
    o.timeouts = Timeouts {
        request: spec.timeouts.connect,
        ..spec.timeouts
    };
    o.headers = headers.to_vec();
    o
}

async fn run_unbounded(spec: &ConnectionSpec) -> Result<Preflight, EngineError> {
    let base = rest_base(&spec.engine_url);
    match &spec.auth {
        Auth::Certificate {
            user_directory,
            user_id,
        } => Ok(Preflight::just(header(
            "X-Qlik-User",
            qlik_user_header(user_directory, user_id),
        ))),
        Auth::Jwt { jwt } => {
            let token = jwt.token()?;
            proxy_session(spec, &base, bearer(token.expose()), true, JWT_PROXY_FIX).await
        }
        Auth::Header { header_name, user } => {
            proxy_session(
                spec,
                &base,
                header(header_name, user.as_str()),
                false,
                HEADER_PROXY_FIX,
            )
            .await
        }
        Auth::CloudApiKey { api_key } => Ok(Preflight::just(bearer(api_key.expose()))),
        Auth::CloudJwt { jwt } => {
            let token = jwt.token()?;
            let jar =
                cloud::jwt_session(&rest_request(spec, &[bearer(token.expose())]), &base).await?;
            let cookie_header = header("Cookie", cookie::header(&jar).unwrap_or_default());
            let csrf = cloud::csrf_token(
                &rest_request(spec, std::slice::from_ref(&cookie_header)),
                &base,
            )
            .await?;
            let mut pre = Preflight {
                socket_headers: vec![cookie_header.clone()],
                socket_query: vec![],
                rest_headers: vec![cookie_header],
            };
            if let Some(t) = csrf {
                pre.socket_query.push((CSRF_QUERY.into(), t.clone()));
                pre.rest_headers.push(header("qlik-csrf-token", t));
            }
            Ok(pre)
        }
    }
}

/// The virtual-proxy flow: fetch the CSRF token and session cookie with `credential`; the socket
/// then carries the cookie and `?qlik-csrf-token=`, and the credential only when it is not an
/// `Authorization` header (`drop_on_socket`) or the proxy is older and has no CSRF endpoint.
async fn proxy_session(
    spec: &ConnectionSpec,
    base: &str,
    credential: Header,
    drop_on_socket: bool,
    fix: &str,
) -> Result<Preflight, EngineError> {
    let opts = rest_request(spec, std::slice::from_ref(&credential));
    let Some(session) = proxy::fetch_session(&opts, base, fix).await? else {
        return Ok(Preflight::just(credential));
    };
    let mut pre = Preflight::default();
    if let Some(c) = cookie::header(&session.cookies) {
        pre.socket_headers.push(header("Cookie", c.clone()));
        pre.rest_headers.push(header("Cookie", c));
    }
    match session.csrf_token {
        Some(t) => pre.socket_query.push((CSRF_QUERY.into(), t)),
        // No token: this proxy does not check for hijacking, the credential can go along.
        None => pre.socket_headers.push(credential.clone()),
    }
    if !drop_on_socket && !pre.socket_headers.iter().any(|h| h.name == credential.name) {
        pre.socket_headers.push(credential.clone());
    }
    if session.cookies.is_empty() {
        pre.rest_headers.push(credential);
    }
    Ok(pre)
}

impl ConnectionSpec {
    /// Options for a socket to `app_id` (None: a session with no app, for the doc list).
    /// Async and fallible because some auth modes fetch a token first (a CSRF token from the
    /// proxy, a Qlik Cloud session), bounded as a whole by the connect timeout.
    pub async fn connect_options(
        &self,
        app_id: Option<&str>,
    ) -> Result<ConnectOptions, EngineError> {
        Ok(self.socket_options(app_id, &run(self).await?))
    }

    /// Options for `url` with this auth mode's TLS, traced where this connection says.
    fn options(&self, url: String) -> ConnectOptions {
        let mut opts = ConnectOptions::new(url, self.socket_tls());
        if let Some(t) = &self.trace {
            opts.trace = Some(t.clone());
        }
        opts
    }

    /// Options for a socket to `app_id` with a pre-flight already made (a site's cached one).
    pub fn socket_options(&self, app_id: Option<&str>, pre: &Preflight) -> ConnectOptions {
        let parts = UrlParts {
            identity: self.identity.clone(),
            ttl: self.ttl,
            query: pre.socket_query.clone(),
        };
        let mut opts = self.options(app_url(&self.engine_url, app_id, &parts));
        opts.timeouts = self.timeouts;
        opts.max_message_bytes = self.max_message_bytes;
        opts.headers = pre.socket_headers.clone();
        opts
    }

    /// Options for REST calls to the proxy or tenant (`https://host[:port][/prefix]`), with the
    /// pre-flight's credentials.
    pub fn rest_options(&self, pre: &Preflight) -> ConnectOptions {
        let mut opts = self.options(rest_base(&self.engine_url));
        opts.timeouts = self.timeouts;
        opts.headers = pre.rest_headers.clone();
        opts
    }
}

/// The pre-flight of one site, shared by its sockets and REST calls; cleared when the server
/// refuses what it holds (an expired proxy session), so the next connect fetches afresh.
#[derive(Clone, Default)]
pub struct AuthCache {
    inner: Arc<Mutex<Option<Preflight>>>,
}

impl std::fmt::Debug for AuthCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthCache")
    }
}

impl AuthCache {
    /// The cached pre-flight, or a fresh one. The bool says whether it came from the cache.
    pub async fn get(&self, spec: &ConnectionSpec) -> Result<(Preflight, bool), EngineError> {
        let mut g = self.inner.lock().await;
        if let Some(p) = g.as_ref() {
            return Ok((p.clone(), true));
        }
        let p = run(spec).await?;
        *g = Some(p.clone());
        Ok((p, false))
    }

    pub async fn clear(&self) {
        *self.inner.lock().await = None;
    }
}
