//! One-shot HTTP/1.1 requests next to the engine (QRS `/qrs/about`, the proxy's CSRF token, Qlik
//! Cloud REST), over the same steps as the socket (name → TCP → TLS), so failures are typed the
//! same way. Every wait is bounded; the body is capped.

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use tokio_tungstenite::MaybeTlsStream;

use super::error::EngineError;
use super::transport::{ConnectOptions, parse_http_target, resolve, tcp_connect, tls_handshake};

/// Replies larger than this are refused rather than buffered.
const MAX_BODY: usize = 32 << 20;

/// A reply. Its headers and body can carry credentials (a `Set-Cookie` session, a CSRF token in
/// JSON): Debug shows header names, the values of harmless headers and the body's size only, and
/// every value and the body are wiped on drop.
#[derive(Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl std::fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<String> = self
            .headers
            .iter()
            .map(|(k, v)| {
                if super::transport::is_secret_header(k) {
                    format!("{k}: <redacted>")
                } else {
                    format!("{k}: {v}")
                }
            })
            .collect();
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &headers)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .finish()
    }
}

impl Drop for HttpResponse {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        for (_, v) in &mut self.headers {
            v.zeroize();
        }
        self.body.zeroize();
    }
}

impl HttpResponse {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name` (e.g. each `Set-Cookie`).
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// What a refusal says, from Qlik's JSON error shapes (`{"errors":[{"code","title"}]}`,
    /// `{"code","message"}`). Plain-text bodies are left out: they are not ours to vet.
    pub fn error_detail(&self) -> String {
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(&self.body) else {
            return String::new();
        };
        let e = v.pointer("/errors/0").unwrap_or(&v);
        let field = |k: &str| e.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
        let (code, title) = (field("code"), {
            let t = field("title");
            if t.is_empty() { field("message") } else { t }
        });
        let text = match (code.is_empty(), title.is_empty()) {
            (false, false) => format!("{code}: {title}"),
            (false, true) => code,
            (true, false) => title,
            (true, true) => String::new(),
        };
        text.chars().take(200).collect()
    }

    pub fn json(&self) -> Result<serde_json::Value, EngineError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            EngineError::Protocol(format!("the reply (HTTP {}) is not JSON: {e}", self.status))
        })
    }
}

/// Sends `method url` with `opts.headers` and an optional body. `opts.url` must be the same
/// https:// URL; TLS material and timeouts come from `opts` too.
pub async fn request(
    opts: &ConnectOptions,
    method: &str,
    body: Option<(String, Vec<u8>)>,
) -> Result<HttpResponse, EngineError> {
    let trace = super::trace::HttpTrace::start(opts);
    let result = request_untraced(opts, method, body).await;
    if let Some(trace) = trace {
        match &result {
            Ok(r) => trace.finish(method, Some(r.status), r.body.len(), None),
            Err(e) => trace.finish(method, None, 0, Some(e.to_string())),
        }
    }
    result
}

async fn request_untraced(
    opts: &ConnectOptions,
    method: &str,
    body: Option<(String, Vec<u8>)>,
) -> Result<HttpResponse, EngineError> {
    crate::tls::ensure_crypto_provider();
    let target = parse_http_target(&opts.url)?;
    let addrs = resolve(opts, &target).await?;
    let tcp = tcp_connect(opts, &addrs).await?;
    let stream = if target.secure {
        MaybeTlsStream::Rustls(tls_handshake(opts, &target, tcp).await?)
    } else {
        MaybeTlsStream::Plain(tcp)
    };
    let step = async {
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| EngineError::ConnectFailed {
                addr: target.host.clone(),
                detail: format!("HTTP handshake: {e}"),
            })?;
        let driver = tokio::spawn(async move {
            let _ = conn.await;
        });
        let parsed = url::Url::parse(&opts.url)
            .map_err(|e| EngineError::invalid_url(&opts.url, e.to_string()))?;
        let path = match parsed.query() {
            Some(q) => format!("{}?{q}", parsed.path()),
            None => parsed.path().to_string(),
        };
        let host = match parsed.port() {
            Some(p) => format!("{}:{p}", target.host),
            None => target.host.clone(),
        };
        let mut builder = http::Request::builder()
            .method(method)
            .uri(path)
            .header("host", host);
        for h in &opts.headers {
            builder = builder.header(h.name.as_str(), h.http_value(&opts.url)?);
        }
        let body_bytes = match body {
            Some((content_type, bytes)) => {
                builder = builder.header("content-type", content_type);
                Bytes::from(bytes)
            }
            None => Bytes::new(),
        };
        let req = builder.body(Full::new(body_bytes)).map_err(|e| {
            EngineError::invalid_url(&opts.url, format!("cannot build the request: {e}"))
        })?;
        let resp = sender
            .send_request(req)
            .await
            .map_err(|e| EngineError::Closed {
                reason: format!("the HTTP request failed: {e}"),
            })?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = Limited::new(resp.into_body(), MAX_BODY)
            .collect()
            .await
            .map_err(|e| EngineError::Closed {
                reason: format!("reading the HTTP reply failed: {e}"),
            })?
            .to_bytes()
            .to_vec();
        driver.abort();
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    };
    match tokio::time::timeout(opts.timeouts.request, step).await {
        Ok(r) => r,
        Err(_) => Err(EngineError::Timeout {
            step: "the HTTP reply",
            after: opts.timeouts.request,
        }),
    }
}

/// `opts` for `method url` with Qlik's cross-site request forgery key: the same 16 characters
/// in the `xrfkey` query parameter and the `X-Qlik-Xrfkey` header (QRS and the proxy's REST).
pub fn with_xrfkey(opts: &ConnectOptions, url: &str) -> ConnectOptions {
    let key = xrfkey();
    let mut o = opts.clone();
    let sep = if url.contains('?') { '&' } else { '?' };
    o.url = format!("{url}{sep}xrfkey={key}");
    o.headers
        .retain(|h| !h.name.eq_ignore_ascii_case("x-qlik-xrfkey"));
    o.header("X-Qlik-Xrfkey", key)
}

/// 16 random characters from `[0-9a-zA-Z]`, for Qlik's `xrfkey` query parameter and
/// `X-Qlik-Xrfkey` header (cross-site request forgery protection on REST calls).
pub fn xrfkey() -> String {
    use rand::RngExt;
    const CHARS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn xrfkeys_are_16_alphanumerics_and_differ() {
        let a = super::xrfkey();
        let b = super::xrfkey();
        assert_eq!(a.len(), 16);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }

    #[test]
    fn debug_of_a_response_shows_no_cookie_or_body() {
        let r = super::HttpResponse {
            status: 200,
            headers: vec![
                ("Set-Cookie".into(), "X-Qlik-Session=cookie-secret".into()),
                ("Content-Type".into(), "application/json".into()),
            ],
            body: br#"{"token":"csrf-secret"}"#.to_vec(),
        };
        let dbg = format!("{r:?}");
        assert!(
            !dbg.contains("cookie-secret") && !dbg.contains("csrf-secret"),
            "{dbg}"
        );
        assert!(
            dbg.contains("application/json") && dbg.contains("23 bytes"),
            "{dbg}"
        );
    }
}
