//! Every way an engine session can fail, typed so the doctor and the front ends can tell a
//! refused port from an unknown CA from an engine error. Display texts name the problem and the
//! fix; none of them quotes a secret (header values and PEM text never enter an error).

use std::time::Duration;

use crate::tls::TlsConfigError;

/// Why the TLS handshake failed, as far as rustls tells us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsFailure {
    /// The server's chain does not lead to a trusted root.
    UnknownCa,
    /// The server certificate does not name the host connected to.
    HostnameMismatch {
        expected: String,
        presented: Vec<String>,
    },
    /// The server certificate is expired or not yet valid.
    ServerCertExpired,
    /// The server refused our client certificate (or we sent none).
    ClientCertRejected,
    /// The peer did not speak TLS at all.
    NotTls,
    Other(String),
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("invalid URL '{}': {reason}", crate::engine::url::redact(.url))]
    InvalidUrl { url: String, reason: String },

    #[error(transparent)]
    TlsConfig(#[from] TlsConfigError),

    #[error(
        "cannot resolve host '{host}': {detail}; check the name in the engine URL and your DNS"
    )]
    Dns { host: String, detail: String },

    #[error(
        "connection to {addr} refused: no service listens there; check the port (4747 for the engine, 443 for a virtual proxy) and that the Qlik Engine service runs"
    )]
    ConnectionRefused { addr: String },

    #[error("cannot connect to {addr}: {detail}")]
    ConnectFailed { addr: String, detail: String },

    #[error("{step} did not finish within {after:?}: {}", timeout_hint(.step))]
    Timeout { step: &'static str, after: Duration },

    #[error("TLS handshake with {host} failed: {}", tls_failure_text(.failure))]
    Tls { host: String, failure: TlsFailure },

    #[error("the server refused the WebSocket upgrade with HTTP {status}{}: {}", location_text(.location), upgrade_hint(*.status, .body))]
    UpgradeRejected {
        status: u16,
        location: Option<String>,
        body: String,
    },

    #[error("WebSocket handshake failed: {0}")]
    WebSocket(String),

    #[error("the engine refused the session: {state}{}", session_state_hint(.state))]
    SessionRefused { state: String },

    #[error("the proxy sent {method} ({severity}): {message}")]
    ProxyNotification {
        method: String,
        severity: String,
        message: String,
    },

    #[error("the proxy says the user must authenticate first{}: the virtual proxy did not accept the credentials", .login_uri.as_deref().map(|u| format!(" (login at {u})")).unwrap_or_default())]
    MustAuthenticate { login_uri: Option<String> },

    #[error(
        "no reply to {method} within {after:?}; raise the request timeout, or the engine is overloaded"
    )]
    RequestTimeout { method: String, after: Duration },

    #[error("the engine connection closed: {reason}")]
    Closed { reason: String },

    /// The socket was upgraded and then closed before any greeting: a Qlik proxy does this
    /// with a socket whose session (cookie or ticket) it no longer knows.
    #[error(
        "the server upgraded the socket and closed it without the engine greeting{close}: {SESSION_FIX}"
    )]
    ClosedBeforeGreeting {
        /// The close frame's code and reason, as " (code 1000: …)", or "".
        close: String,
    },

    /// The engine sent a frame that breaks the protocol (not JSON, a reply to an id never sent,
    /// a reply with neither result nor error). The socket is closed at once: a peer that sends
    /// one unreadable frame cannot be trusted to answer the rest, so nothing waits for it.
    #[error(
        "the engine sent something unreadable while {method} was waiting: {problem} (a {size}-byte frame starting \"{excerpt}\"); the socket was closed. Check that the URL points at a Qlik engine and that no proxy or load balancer in between rewrites WebSocket frames"
    )]
    Unreadable {
        /// The request that was waiting (or the greeting).
        method: String,
        problem: String,
        size: usize,
        /// The frame's first characters, escaped and cut short.
        excerpt: String,
    },

    /// The engine sent a message over the client's WebSocket message cap.
    #[error(
        "the engine sent a message of {size} bytes while {method} was waiting, over the client's WebSocket message cap of {cap} bytes; the socket was closed. The cap guards memory against a broken or hostile peer: an app whose replies really are that large needs a larger cap: raise it with --max-message-mb or max_message_mb in the profile"
    )]
    MessageTooLarge {
        method: String,
        size: usize,
        cap: usize,
    },

    #[error("{method} failed: engine error {code}{}{}: {message}", .name.map(|n| format!(" ({n})")).unwrap_or_default(), if .parameter.is_empty() { String::new() } else { format!(" for '{}'", .parameter) })]
    Rpc {
        method: String,
        code: i64,
        name: Option<&'static str>,
        parameter: String,
        message: String,
    },

    #[error("{what} '{id}' was not found in the app")]
    ObjectNotFound { what: &'static str, id: String },

    #[error("protocol error: {0} (is this a Qlik engine?)")]
    Protocol(String),

    #[error("{what} answered HTTP {status}{}: {fix}", if .detail.is_empty() { String::new() } else { format!(" ({})", .detail) })]
    HttpRefused {
        /// The request, e.g. "the virtual proxy's CSRF token endpoint (https://host/jwt/qps/csrftoken)".
        what: String,
        status: u16,
        /// What the server said (an error title or code), never a credential.
        detail: String,
        fix: String,
    },

    /// Qlik Cloud kept answering HTTP 429: the tenant's API rate limit for this user.
    #[error(
        "the Qlik Cloud tenant's rate limit was hit: {what} answered HTTP 429 Too Many Requests {attempts} times{}, and qlik-tui waits out a rate limit for {} at most (30 s, or less with a shorter --timeout/--request-timeout): {}",
        asked_text(.retry_after),
        crate::engine::rate_limit::seconds_text(*.budget),
        rate_limit_fix(.retry_after)
    )]
    RateLimited {
        /// The request, e.g. "the Qlik Cloud API (https://tenant/api/v1/items?…)".
        what: String,
        /// Requests made, the first included.
        attempts: u32,
        /// What the last `Retry-After` asked for (None: it named no wait we could read).
        retry_after: Option<Duration>,
        /// The most this request could wait in all.
        budget: Duration,
    },

    /// Qlik Cloud did not let the credential open an engine socket: the upgrade was refused
    /// (401/403), or the socket was upgraded and closed before the greeting. Qlik Cloud has no
    /// virtual proxy, so the proxy advice of `UpgradeRejected`/`ClosedBeforeGreeting` would
    /// mislead.
    #[error("Qlik Cloud refused the engine socket ({how}): {fix}")]
    CloudSocketRefused {
        /// "HTTP 401 on the upgrade", "upgraded, then closed without the engine greeting …".
        how: String,
        fix: String,
    },

    #[error("cannot make the JWT: {0}")]
    Jwt(#[from] crate::engine::jwt::JwtError),

    #[error(
        "refused to send {0}: qlik-tui is read-only towards Qlik and never sends a method that could change an app"
    )]
    ReadOnly(String),
}

impl EngineError {
    /// An invalid URL error; the URL is kept redacted (query values, user info), so not even
    /// `{:?}` of the error can show a token from it.
    pub fn invalid_url(url: &str, reason: impl Into<String>) -> EngineError {
        EngineError::InvalidUrl {
            url: crate::engine::url::redact(url),
            reason: reason.into(),
        }
    }

    /// The engine's error code, for RPC errors.
    pub fn code(&self) -> Option<i64> {
        match self {
            EngineError::Rpc { code, .. } => Some(*code),
            _ => None,
        }
    }
}

/// The fix for a proxy session that expired or is unknown, which shows up three ways: a 302 to
/// the login page on the upgrade, HTTP 500 "Authentication error: Restart the browser.", or an
/// upgraded socket closed without a greeting.
pub const SESSION_FIX: &str = "the Qlik proxy does not know this session (expired, or issued by another virtual proxy): renew the JWT or ticket (a stored JWT expires: store a new one, or the signing key so one is minted per connection), check that the engine URL's virtual-proxy prefix is the proxy that issued the session, and that the session cookie name matches the virtual proxy's 'Session cookie header name' in the QMC (an admin can change it; the default is X-Qlik-Session)";

/// How long a cold proxy can take to start a session; the session-start timeout's default
/// (transport::Timeouts) is above it.
pub const COLD_START: &str = "a Qlik proxy starting a session cold (the first connection after a restart or a quiet spell) takes 15–21 s, which is normal and not an outage";

/// The advice for a timed-out step: the session-start steps (upgrade, greeting) are where a
/// cold proxy makes clients wait.
pub fn timeout_hint(step: &str) -> String {
    if step.contains("upgrade") || step.contains("greeting") {
        format!(
            "{COLD_START}: give it 30 s (the default; --timeout 30) and try again; if it never answers, check the Qlik Sense Proxy and Engine services and their load"
        )
    } else {
        "the server or a firewall is not answering; raise the timeout or check the network path"
            .into()
    }
}

/// True for the proxy's HTTP 500 on a session it cannot authenticate any more.
pub fn is_session_auth_error(status: u16, body: &str) -> bool {
    status == 500 && body.contains("Authentication error")
}

fn tls_failure_text(f: &TlsFailure) -> String {
    match f {
        TlsFailure::UnknownCa => "the server's certificate is not signed by the trusted root (root.pem); use the root.pem exported from this site's QMC".into(),
        TlsFailure::HostnameMismatch { expected, presented } => format!(
            "the server's certificate is issued for {} but you connected to {expected}: connect by one of those names, or set verify_hostname = false (--no-verify-hostname) for this profile",
            if presented.is_empty() { "no host name (it has no subject alternative names)".to_string() } else { presented.join(", ") }
        ),
        TlsFailure::ServerCertExpired => "the server's certificate is expired or not yet valid; renew it on the server (or check this machine's clock)".into(),
        TlsFailure::ClientCertRejected => "the server rejected the client certificate; export client.pem and client_key.pem from the QMC of this site".into(),
        TlsFailure::NotTls => "the peer does not speak TLS; check the port, or use ws:// for a non-TLS endpoint".into(),
        TlsFailure::Other(s) => s.clone(),
    }
}

fn asked_text(retry_after: &Option<Duration>) -> String {
    match retry_after {
        Some(d) => format!(
            " (it asked to wait {} with Retry-After)",
            crate::engine::rate_limit::seconds_text(*d)
        ),
        None => " (without a Retry-After saying how long to wait)".into(),
    }
}

/// What to do about the tenant's rate limit.
pub fn rate_limit_fix(retry_after: &Option<Duration>) -> String {
    let wait = retry_after
        .filter(|d| !d.is_zero())
        .map(crate::engine::rate_limit::seconds_text)
        .unwrap_or_else(|| "a minute".into());
    format!(
        "wait {wait} and try again. The limit counts every API request this user makes on the tenant, so other tools, scripts and browser tabs of the same user use it up too; give automation its own user or API key if it keeps happening"
    )
}

fn location_text(location: &Option<String>) -> String {
    location
        .as_deref()
        .map(|l| format!(" (redirect to {l})"))
        .unwrap_or_default()
}

fn upgrade_hint(status: u16, body: &str) -> &'static str {
    if is_session_auth_error(status, body) {
        return SESSION_FIX;
    }
    match status {
        401 => "not authenticated; check the credentials (JWT, API key) for this endpoint",
        429 => {
            "the server is rate limiting these requests (HTTP 429 Too Many Requests): wait a minute and try again"
        }
        403 => {
            "forbidden; for a direct engine connection send X-Qlik-User (user directory and id), for a virtual proxy check the CSRF token and the JWT"
        }
        302 | 303 | 307 => {
            "the proxy redirects to a login page: it did not accept the credentials. Use a virtual proxy with JWT or header authentication; if this worked before, the session or JWT/ticket has expired: renew it, and check the virtual-proxy prefix and its session cookie name in the QMC"
        }
        404 => "no such path; check the virtual-proxy prefix in the engine URL",
        503 => {
            "the service is unavailable: the Qlik Sense Proxy or Engine service is down or starting; check the services and try again"
        }
        _ => "check the engine URL and the authentication mode",
    }
}

fn session_state_hint(state: &str) -> &'static str {
    match state {
        "SESSION_ERROR_NO_LICENSE" => " (the user has no license: allocate one in the QMC)",
        "SESSION_ERROR_LICENSE_RENEW" => " (the license must be renewed)",
        "SESSION_ERROR_LIMIT_EXCEEDED" => {
            " (too many sessions for this user: a proxy allows 5 parallel sessions per user, hub and QMC tabs count, and a closed session can hold its place for minutes; close other sessions or wait for them to time out)"
        }
        "SESSION_ERROR_SECURITY_HEADER_CHANGED" => {
            " (the security header changed during the session: reconnect)"
        }
        "SESSION_ACCESS_CONTROL_SETUP_FAILURE" => " (the engine could not set up access control)",
        "SESSION_ERROR_APP_ACCESS_DENIED" => " (the user may not open this app)",
        "SESSION_ERROR_APP_FAILURE" => " (the app failed to load)",
        "SESSION_ERROR_LICENSE_INVALID" => " (the license is invalid)",
        _ => "",
    }
}
