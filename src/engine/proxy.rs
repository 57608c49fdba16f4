//! A QSEoW virtual proxy (JWT or header authentication), November 2024 and later: before the
//! WebSocket, `GET /<prefix>/qps/csrftoken` with the credential; the proxy answers with a
//! `qlik-csrf-token` header and a session cookie, and the socket is then opened with
//! `?qlik-csrf-token=` and that cookie, without `Authorization` (engine-api.md §1.3; otherwise
//! the proxy answers 403, "Cross-Site Websocket Hijacking ... check failed").

use super::cookie::{self, Cookie};
use super::error::EngineError;
use super::http::{self, with_xrfkey};
use super::transport::ConnectOptions;
use super::url::redact;

/// What the proxy handed out for the socket. Both parts are credentials: never printed.
#[derive(Clone, Default)]
pub struct ProxySession {
    /// None when the proxy sent no token (it does not check for cross-site hijacking).
    pub csrf_token: Option<String>,
    pub cookies: Vec<Cookie>,
}

impl std::fmt::Debug for ProxySession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxySession")
            .field(
                "csrf_token",
                &self.csrf_token.as_ref().map(|_| "<redacted>"),
            )
            .field("cookies", &self.cookies)
            .finish()
    }
}

/// The proxy's answer header carrying the token, and the socket's query parameter.
pub const CSRF_HEADER: &str = "qlik-csrf-token";
pub const CSRF_QUERY: &str = "qlik-csrf-token";

/// Fetches the CSRF token and session cookie from `<base>/qps/csrftoken`, where `base` is
/// `https://host[:port]/<prefix>` and `opts` carries the credential header(s), TLS and timeouts.
/// `Ok(None)`: the proxy has no such endpoint (404, a release before November 2024), so the
/// credential goes on the handshake itself. `credential_fix` is the advice shown on 401/403.
pub async fn fetch_session(
    opts: &ConnectOptions,
    base: &str,
    credential_fix: &str,
) -> Result<Option<ProxySession>, EngineError> {
    let url = format!("{}/qps/csrftoken", base.trim_end_matches('/'));
    let req = with_xrfkey(opts, &url);
    let resp = http::request(&req, "GET", None).await?;
    let what = || format!("the virtual proxy's CSRF token endpoint ({})", redact(&url));
    match resp.status {
        200..=299 => Ok(Some(ProxySession {
            csrf_token: resp
                .header(CSRF_HEADER)
                .filter(|t| !t.is_empty())
                .map(str::to_string),
            cookies: cookie::from_set_cookie(resp.header_all("set-cookie")),
        })),
        404 => {
            tracing::debug!(url = %redact(&url), "no /qps/csrftoken: a proxy before November 2024");
            Ok(None)
        }
        401 | 403 => Err(EngineError::HttpRefused {
            what: what(),
            status: resp.status,
            detail: resp.error_detail(),
            fix: credential_fix.to_string(),
        }),
        301..=303 | 307 | 308 => Err(EngineError::HttpRefused {
            what: what(),
            status: resp.status,
            detail: String::new(),
            fix: "the proxy redirects to a login page: this prefix is not a JWT or header-authentication virtual proxy; check the prefix in the engine URL".into(),
        }),
        s => Err(EngineError::HttpRefused {
            what: what(),
            status: s,
            detail: resp.error_detail(),
            fix: "check the virtual-proxy prefix in the engine URL and the proxy's logs".into(),
        }),
    }
}
