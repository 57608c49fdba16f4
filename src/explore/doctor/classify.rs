//! What a failed step means: each engine error mapped to the doctor's cause code and a fix
//! written for a Qlik admin (or a Qlik Cloud user), with the field's wording for the signals
//! real sites send (expired sessions, cold starts, session limits, rate limits).

use crate::engine::conn::ConnectionSpec;
use crate::engine::error::{
    COLD_START, EngineError, SESSION_FIX, TlsFailure, is_session_auth_error,
};
use crate::engine::transport::Target;

use super::Cause;

/// A redirect on the upgrade is a proxy sending an unauthenticated client to its login page:
/// name the virtual-proxy prefix the URL used and the auth this profile sends, the two things
/// to check.
pub(super) fn redirect_hint(spec: &ConnectionSpec, location: Option<&str>) -> String {
    let prefix = url::Url::parse(&spec.engine_url)
        .map(|u| u.path().trim_matches('/').to_string())
        .unwrap_or_default();
    let proxy = if prefix.is_empty() {
        "the default virtual proxy (no prefix in the engine URL)".to_string()
    } else {
        format!("the virtual proxy with prefix '{prefix}'")
    };
    format!(
        "{proxy} redirects to a login page{}: it did not accept this profile's {} authentication. Check in the QMC (Virtual proxies) that this prefix belongs to a virtual proxy with {} authentication. If this worked before, the session has expired: renew the JWT or ticket, and check that the session cookie name matches the virtual proxy's 'Session cookie header name' in the QMC (an admin can change it)",
        location
            .map(|l| format!(" ({})", crate::engine::url::redact(l)))
            .unwrap_or_default(),
        spec.auth.mode(),
        spec.auth.mode()
    )
}

/// The session limit as it bites in the field.
const MAX_SESSIONS_FIX: &str = "the user has reached the proxy's limit of 5 parallel sessions per user. Every hub or QMC browser tab and every tool signed in as this user counts, and a closed session can keep its place for minutes until the proxy's session inactivity timeout ends it: close other tabs and tools of this user, wait a few minutes, or give automation its own user (qlik-tui export opens 3 sessions at most by default; --concurrency)";

/// Maps an engine error to its cause code and a fix written for a Qlik admin.
pub fn classify(e: &EngineError, target: &Target) -> (Cause, String) {
    match e {
        EngineError::InvalidUrl { .. } => (Cause::InvalidConfig, "fix the engine URL".into()),
        EngineError::TlsConfig(_) => (Cause::InvalidPem, "check the PEM files of this profile".into()),
        EngineError::Dns { host, .. } => (
            Cause::DnsFailed,
            format!("'{host}' does not resolve: check the spelling, your DNS or VPN, or use the server's IP address with verify_hostname = false"),
        ),
        EngineError::ConnectionRefused { .. } | EngineError::ConnectFailed { .. } => (
            Cause::ConnectionRefused,
            format!(
                "nothing accepts connections on {}:{}: check the port (4747 = engine, 443 = proxy), that the Qlik Sense Engine service runs, and firewalls",
                target.host, target.port
            ),
        ),
        EngineError::Timeout { step, after } if step.contains("upgrade") || step.contains("greeting") => (
            Cause::Timeout,
            format!("{step} got no answer within {after:?}: {COLD_START}. Run the doctor again with --timeout 30 (the default); if it still times out, check the Qlik Sense Proxy and Engine services and their load"),
        ),
        EngineError::Timeout { step, .. } => (
            Cause::Timeout,
            format!("{step} got no answer in time: a firewall may drop the traffic, or the server is overloaded; raise --timeout to wait longer"),
        ),
        EngineError::RequestTimeout { .. } => (
            Cause::Timeout,
            "the engine accepted the session but does not answer: check the engine's load and logs".into(),
        ),
        EngineError::Tls { failure, .. } => match failure {
            TlsFailure::UnknownCa => (
                Cause::UnknownCa,
                "the server's certificate is not signed by root.pem: use the root.pem exported from this site's QMC (or add the CA that signed the proxy certificate)".into(),
            ),
            TlsFailure::HostnameMismatch { expected, presented } => (
                Cause::HostnameMismatch,
                format!(
                    "the server's certificate is issued for {} but you connected to {expected}: connect by one of those names, or set verify_hostname = false for this profile",
                    if presented.is_empty() { "no host name".to_string() } else { presented.join(", ") }
                ),
            ),
            TlsFailure::ServerCertExpired => (
                Cause::CertExpired,
                "the server's certificate is expired or not yet valid: renew it on the server, or check this machine's clock".into(),
            ),
            TlsFailure::ClientCertRejected => (
                Cause::ClientCertRejected,
                "the server refused our client certificate: export client.pem and client_key.pem from this site's QMC (a certificate from another site is not trusted)".into(),
            ),
            TlsFailure::NotTls => (
                Cause::NotTls,
                format!("{}:{} does not speak TLS: check the port, or use ws:// if it really is a plain endpoint", target.host, target.port),
            ),
            TlsFailure::Other(_) => (Cause::ProtocolError, "the TLS handshake failed; see the detail".into()),
        },
        EngineError::UpgradeRejected { status, body, .. } if is_session_auth_error(*status, body) => (
            Cause::SessionExpired,
            format!("HTTP 500 \"Authentication error: Restart the browser.\" is the proxy's answer to a session it cannot authenticate any more: {SESSION_FIX}"),
        ),
        EngineError::ClosedBeforeGreeting { .. } => (
            Cause::SessionExpired,
            format!("a socket upgraded and then closed without a greeting is the proxy dropping a session it does not know: {SESSION_FIX}"),
        ),
        EngineError::UpgradeRejected { status: 503, .. } => (
            Cause::ServiceUnavailable,
            "the service is unavailable (HTTP 503): the Qlik Sense Proxy or Engine service is down, starting or overloaded; check the services on the server (a cold start can take 20 s) and try again".into(),
        ),
        EngineError::UpgradeRejected { status, location, .. } => (
            Cause::UpgradeRejected,
            match (status, location) {
                (401, _) => "the proxy did not accept the credentials: check the JWT or API key".into(),
                (403, _) => "forbidden: a direct engine connection needs the X-Qlik-User header (user directory and id); through a virtual proxy check the JWT, the CSRF token and the allowed origins".into(),
                (_, Some(l)) => format!("the server redirects to {l}: that is a login page; use a virtual proxy with JWT or header authentication"),
                _ => "check the virtual-proxy prefix in the engine URL".into(),
            },
        ),
        EngineError::SessionRefused { state } => (
            Cause::SessionRefused,
            match state.as_str() {
                "SESSION_ERROR_NO_LICENSE" | "SESSION_ERROR_LICENSE_RENEW" | "SESSION_ERROR_LICENSE_INVALID" => {
                    "allocate a license (professional or analyzer access) to this user in the QMC".into()
                }
                "SESSION_ERROR_LIMIT_EXCEEDED" => MAX_SESSIONS_FIX.into(),
                "SESSION_ERROR_APP_ACCESS_DENIED" => "the user may not open this app: check the security rules in the QMC".into(),
                _ => format!("the engine refused the session with {state}: see the engine's logs"),
            },
        ),
        EngineError::ProxyNotification { method, .. } if method == "OnMaxParallelSessionsExceeded" => (
            Cause::MaxSessions,
            MAX_SESSIONS_FIX.into(),
        ),
        EngineError::ProxyNotification { method, .. } => (
            Cause::SessionRefused,
            format!("the proxy ended the session with {method}: see the proxy's logs"),
        ),
        EngineError::MustAuthenticate { .. } => (
            Cause::UpgradeRejected,
            "the proxy wants an interactive login: use a virtual proxy with JWT or header authentication".into(),
        ),
        EngineError::Unreadable { .. } => (
            Cause::ProtocolError,
            "the engine sent a frame that is not Qlik's JSON-RPC: check that the URL points at the engine (4747) or a virtual proxy (443), and that no proxy or load balancer in between rewrites or cuts WebSocket frames".into(),
        ),
        EngineError::MessageTooLarge { cap, .. } => (
            Cause::ProtocolError,
            format!("a reply was larger than the client's WebSocket message cap ({cap} bytes): a reply that size is unusual; check what the engine sends, or raise the cap if the app really is that large"),
        ),
        EngineError::Closed { .. } | EngineError::Protocol(_) | EngineError::WebSocket(_) => (
            Cause::ProtocolError,
            "the peer does not behave like a Qlik engine: check the host and port (4747 is the engine; 4242 is the repository, 443 the proxy)".into(),
        ),
        EngineError::Rpc { code, .. } => (
            Cause::ProtocolError,
            format!("the engine answered with error {code}: check the user's access rights"),
        ),
        EngineError::HttpRefused { status: 300..=399 | 401 | 403, fix, .. }
        | EngineError::CloudSocketRefused { fix, .. } => (Cause::UpgradeRejected, fix.clone()),
        EngineError::RateLimited { retry_after, .. } => (
            Cause::RateLimited,
            format!(
                "the Qlik Cloud tenant's rate limit was hit: it answered HTTP 429 Too Many Requests{}, which is not a fault of the tenant or the credential; {}",
                retry_after
                    .map(|d| format!(" and asked to wait {} (Retry-After)", crate::engine::rate_limit::seconds_text(d)))
                    .unwrap_or_default(),
                crate::engine::error::rate_limit_fix(retry_after)
            ),
        ),
        EngineError::HttpRefused { fix, .. } => (Cause::ProtocolError, fix.clone()),
        EngineError::Jwt(_) => (
            Cause::InvalidConfig,
            "check the JWT signing key of this profile (an RSA key in PEM)".into(),
        ),
        EngineError::ObjectNotFound { .. } | EngineError::ReadOnly(_) => {
            (Cause::ProtocolError, "unexpected reply; see the detail".into())
        }
    }
}
