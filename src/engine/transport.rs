//! Opening the socket, one layer at a time (name → TCP → TLS → WebSocket upgrade), each step
//! bounded by a timeout and failing with its own typed error. The doctor walks the same steps.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::error::{EngineError, TlsFailure};
use super::trace::{Closer, ConnTrace, Endpoint};
use crate::secret::SecretString;
use crate::tls::{ClientTls, shared_client_config};

pub type EngineSocket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Resolves a host name to addresses. Injectable so tests can exercise name failures without a
/// single query leaving the machine.
pub trait Resolver: Send + Sync {
    fn resolve(
        &self,
        host: String,
        port: u16,
    ) -> BoxFuture<'static, std::io::Result<Vec<SocketAddr>>>;
}

/// The system resolver (getaddrinfo through tokio).
pub struct SystemResolver;

impl Resolver for SystemResolver {
    fn resolve(
        &self,
        host: String,
        port: u16,
    ) -> BoxFuture<'static, std::io::Result<Vec<SocketAddr>>> {
        Box::pin(async move {
            Ok(tokio::net::lookup_host((host.as_str(), port))
                .await?
                .collect())
        })
    }
}

/// A header on the upgrade request. The value may be a secret (Authorization, Cookie): it is
/// never logged or shown, and it is wiped from memory when dropped.
#[derive(Clone)]
pub struct Header {
    pub name: String,
    pub value: SecretString,
}

impl std::fmt::Debug for Header {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = if is_secret_header(&self.name) {
            "<redacted>"
        } else {
            self.value.expose()
        };
        write!(f, "{}: {}", self.name, shown)
    }
}

impl Header {
    /// The value for an HTTP request (the upgrade, a REST call to `url`), marked sensitive when
    /// it is a credential: the http crate's Debug then prints `Sensitive`, whoever logs the
    /// request. An error never echoes the value: it may be a token.
    pub fn http_value(&self, url: &str) -> Result<HeaderValue, EngineError> {
        let mut value = HeaderValue::from_str(self.value.expose()).map_err(|_| {
            EngineError::invalid_url(
                url,
                format!(
                    "the value of header '{}' has characters a header cannot carry",
                    self.name
                ),
            )
        })?;
        value.set_sensitive(is_secret_header(&self.name));
        Ok(value)
    }
}

/// Headers whose values are credentials.
pub fn is_secret_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "authorization"
        || n == "cookie"
        || n == "set-cookie"
        || n.contains("token")
        || n.contains("csrf")
        || n.contains("api-key")
}

/// The client's WebSocket message cap unless the connection sets another
/// (`ConnectOptions::max_message_bytes`, `--max-message-mb`, `max_message_mb`): a frame or
/// message announcing more is refused before it is buffered (EngineError::MessageTooLarge names
/// it). 64 MiB is far above the largest reply a real app gives (a full property tree, a long
/// script) and keeps a hostile or broken engine from making the client buffer hundreds of MB.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 64 << 20;
/// The range a connection may set the cap in.
pub const MAX_MESSAGE_MB_RANGE: std::ops::RangeInclusive<usize> = 1..=1024;

/// Timeouts for each wait. Every network wait in the client is bounded by one of these.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// DNS, TCP and the TLS handshake, each.
    pub connect: Duration,
    /// Starting the session: the WebSocket upgrade answer, then the greeting, each. A proxy
    /// starting a session cold takes 15–21 s (error::COLD_START), so the default is above it.
    pub greeting: Duration,
    pub request: Duration,
    /// A session idle this long sends one cheap read-only request (rpc::KEEP_ALIVE_METHOD):
    /// proxies do not pass WebSocket pings to the engine, and gateways cut idle sockets (60 s
    /// on many load balancers, 4 min on others). None: never.
    pub keep_alive: Option<Duration>,
}

/// The keep-alive interval by default: below the shortest idle cut common in the field.
pub const DEFAULT_KEEP_ALIVE: Duration = Duration::from_secs(30);

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            greeting: Duration::from_secs(30),
            request: Duration::from_secs(30),
            keep_alive: Some(DEFAULT_KEEP_ALIVE),
        }
    }
}

/// Everything needed to open one engine socket.
#[derive(Clone)]
pub struct ConnectOptions {
    /// The full WebSocket URL, e.g. `wss://qlik.example.com:4747/app/engineData`.
    pub url: String,
    pub headers: Vec<Header>,
    pub tls: ClientTls,
    pub timeouts: Timeouts,
    pub resolver: Arc<dyn Resolver>,
    /// Where this connection's traffic is reported (None: not traced, nothing is built).
    pub trace: Option<super::trace::Tracer>,
    /// The WebSocket message cap (DEFAULT_MAX_MESSAGE_BYTES unless set).
    pub max_message_bytes: usize,
}

impl std::fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The query may carry a CSRF token or a ticket.
        f.debug_struct("ConnectOptions")
            .field("url", &super::url::redact(&self.url))
            .field("headers", &self.headers)
            .field("tls", &self.tls)
            .field("timeouts", &self.timeouts)
            .field("trace", &self.trace.is_some())
            .field("max_message_bytes", &self.max_message_bytes)
            .finish()
    }
}

impl ConnectOptions {
    pub fn new(url: impl Into<String>, tls: ClientTls) -> Self {
        ConnectOptions {
            url: url.into(),
            headers: Vec::new(),
            tls,
            timeouts: Timeouts::default(),
            resolver: Arc::new(SystemResolver),
            // The process's `--trace`, when the binary installed one.
            trace: super::trace::global(),
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push(Header {
            name: name.to_string(),
            value: SecretString::new(value),
        });
        self
    }
}

/// The parts of a ws/wss URL the transport needs.
#[derive(Debug, Clone)]
pub struct Target {
    pub secure: bool,
    pub host: String,
    pub port: u16,
}

/// Parses a WebSocket URL (`wss://` or `ws://`).
pub fn parse_target(url: &str) -> Result<Target, EngineError> {
    parse_any_target(url, false)
}

/// Parses an HTTP URL (`https://` or `http://`), for REST calls next to the engine.
pub fn parse_http_target(url: &str) -> Result<Target, EngineError> {
    parse_any_target(url, true)
}

fn parse_any_target(url: &str, http: bool) -> Result<Target, EngineError> {
    let bad = |reason: &str| EngineError::invalid_url(url, reason);
    let expected = if http {
        "https://host[:port][/path]"
    } else {
        "wss://host[:port][/prefix]/app/..."
    };
    let parsed = url::Url::parse(url).map_err(|e| bad(&format!("{e}; expected {expected}")))?;
    let secure = match (parsed.scheme(), http) {
        ("wss", false) | ("https", true) => true,
        ("ws", false) | ("http", true) => false,
        ("https" | "http", false) => {
            return Err(bad(
                "the engine URL must start with wss:// (or ws://), not https://",
            ));
        }
        ("wss" | "ws", true) => return Err(bad("a REST URL starts with https://, not wss://")),
        (other, _) => {
            return Err(bad(&format!(
                "unsupported scheme '{other}': expected {expected}"
            )));
        }
    };
    let host = match parsed.host() {
        Some(url::Host::Domain(d)) => d.to_string(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        None => return Err(bad("no host")),
    };
    let port = parsed.port().unwrap_or(if secure { 443 } else { 80 });
    Ok(Target { secure, host, port })
}

/// What the transport learned while connecting, for diagnostics.
#[derive(Debug, Clone, Default)]
pub struct ConnectInfo {
    pub peer: Option<SocketAddr>,
    pub tls_version: Option<String>,
    /// The server's certificate chain as sent (leaf first).
    pub server_chain: Vec<CertificateDer<'static>>,
    pub http_status: u16,
    /// The socket's trace, when traced (its `open` is recorded; the session records the rest).
    pub trace: Option<Arc<ConnTrace>>,
}

/// Resolves the host of `target`, bounded by the connect timeout.
pub async fn resolve(
    opts: &ConnectOptions,
    target: &Target,
) -> Result<Vec<SocketAddr>, EngineError> {
    if let Ok(ip) = target.host.parse::<std::net::IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, target.port)]);
    }
    let fut = opts.resolver.resolve(target.host.clone(), target.port);
    match tokio::time::timeout(opts.timeouts.connect, fut).await {
        Err(_) => Err(EngineError::Timeout {
            step: "name resolution",
            after: opts.timeouts.connect,
        }),
        Ok(Err(e)) => Err(EngineError::Dns {
            host: target.host.clone(),
            detail: e.to_string(),
        }),
        Ok(Ok(addrs)) if addrs.is_empty() => Err(EngineError::Dns {
            host: target.host.clone(),
            detail: "no addresses".into(),
        }),
        Ok(Ok(addrs)) => Ok(addrs),
    }
}

/// The receive buffer each engine socket asks the kernel for (Linux doubles it, up to
/// `net.core.rmem_max`). With the default start of 128 KiB a burst of replies (a sheet list's
/// property trees at once) filled the window of a fast engine on the same host, and the
/// sender's persist timer reopened it only after ~200 ms: two to four such stalls in every
/// export of the 20-app benchmark site, a third of its wall time (issue 16).
const RECV_BUFFER_BYTES: u32 = 1024 * 1024;

/// A TCP connection to `addr`, with the receive buffer above and Nagle off.
async fn connect_one(addr: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = match addr {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    // A refusal only leaves the kernel's default: worth no error.
    let _ = socket.set_recv_buffer_size(RECV_BUFFER_BYTES);
    let stream = socket.connect(addr).await?;
    let _ = stream.set_nodelay(true);
    Ok(stream)
}

/// Opens a TCP connection to the first address that answers.
pub async fn tcp_connect(
    opts: &ConnectOptions,
    addrs: &[SocketAddr],
) -> Result<TcpStream, EngineError> {
    let mut last = None;
    for addr in addrs {
        match tokio::time::timeout(opts.timeouts.connect, connect_one(*addr)).await {
            Err(_) => {
                last = Some(EngineError::Timeout {
                    step: "TCP connect",
                    after: opts.timeouts.connect,
                })
            }
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                last = Some(EngineError::ConnectionRefused {
                    addr: addr.to_string(),
                })
            }
            Ok(Err(e)) => {
                last = Some(EngineError::ConnectFailed {
                    addr: addr.to_string(),
                    detail: e.to_string(),
                })
            }
            Ok(Ok(s)) => return Ok(s),
        }
    }
    Err(last.unwrap_or(EngineError::ConnectFailed {
        addr: String::new(),
        detail: "no address".into(),
    }))
}

/// Maps an I/O error from the TLS layer to what went wrong, when rustls says.
pub fn classify_tls_io(err: &std::io::Error, expected_host: &str) -> Option<TlsFailure> {
    let inner = err.get_ref()?.downcast_ref::<rustls::Error>()?;
    Some(classify_rustls(inner, expected_host))
}

pub fn classify_rustls(err: &rustls::Error, expected_host: &str) -> TlsFailure {
    use rustls::{AlertDescription as A, CertificateError as C, Error as E};
    match err {
        E::InvalidCertificate(C::UnknownIssuer | C::BadSignature) => TlsFailure::UnknownCa,
        E::InvalidCertificate(C::NotValidForName) => TlsFailure::HostnameMismatch {
            expected: expected_host.to_string(),
            presented: vec![],
        },
        E::InvalidCertificate(C::NotValidForNameContext { presented, .. }) => {
            TlsFailure::HostnameMismatch {
                expected: expected_host.to_string(),
                presented: presented.iter().map(|p| clean_name(p)).collect(),
            }
        }
        E::InvalidCertificate(
            C::Expired | C::ExpiredContext { .. } | C::NotValidYet | C::NotValidYetContext { .. },
        ) => TlsFailure::ServerCertExpired,
        E::AlertReceived(
            A::CertificateRequired
            | A::BadCertificate
            | A::UnknownCA
            | A::CertificateUnknown
            | A::CertificateExpired
            | A::AccessDenied
            | A::DecryptError,
        ) => TlsFailure::ClientCertRejected,
        E::InvalidMessage(_)
        | E::InappropriateMessage { .. }
        | E::InappropriateHandshakeMessage { .. } => TlsFailure::NotTls,
        other => TlsFailure::Other(other.to_string()),
    }
}

// rustls renders presented names as `DnsName("host")` / `IpAddress(1.2.3.4)`; keep the name.
fn clean_name(p: &str) -> String {
    let inner = p
        .split_once('(')
        .map(|(_, r)| r.trim_end_matches(')'))
        .unwrap_or(p);
    inner.trim_matches('"').to_string()
}

/// How much the WebSocket reader asks the stream for at a time. tungstenite zero-fills that much
/// of its buffer before every read, however little the read then brings: with its default of
/// 128 KiB, zero-filling was 3 % of an export's CPU. A reply larger than this still arrives
/// whole (the buffer grows to the frame); it only takes more reads.
const READ_CHUNK_BYTES: usize = 8 * 1024;

/// Performs the TLS handshake over `tcp`.
pub async fn tls_handshake(
    opts: &ConnectOptions,
    target: &Target,
    tcp: TcpStream,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, EngineError> {
    let config = shared_client_config(&opts.tls)?;
    tls_handshake_with(opts, target, tcp, config).await
}

/// The TLS handshake with a prebuilt config (the doctor's records the server chain).
pub async fn tls_handshake_with(
    opts: &ConnectOptions,
    target: &Target,
    tcp: TcpStream,
    config: Arc<rustls::ClientConfig>,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, EngineError> {
    let connector = tokio_rustls::TlsConnector::from(config);
    let name = ServerName::try_from(target.host.clone()).map_err(|_| {
        EngineError::invalid_url(
            &opts.url,
            format!("'{}' is not a valid host name", target.host),
        )
    })?;
    match tokio::time::timeout(opts.timeouts.connect, connector.connect(name, tcp)).await {
        Err(_) => Err(EngineError::Timeout {
            step: "TLS handshake",
            after: opts.timeouts.connect,
        }),
        Ok(Err(e)) => Err(tls_error(&e, &target.host)),
        Ok(Ok(s)) => Ok(s),
    }
}

fn tls_error(e: &std::io::Error, host: &str) -> EngineError {
    let failure = classify_tls_io(e, host).unwrap_or_else(|| match e.kind() {
        // The peer closed or reset without a TLS answer: most likely not a TLS port.
        std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionReset => {
            TlsFailure::NotTls
        }
        _ => TlsFailure::Other(e.to_string()),
    });
    EngineError::Tls {
        host: host.to_string(),
        failure,
    }
}

/// Sends the HTTP upgrade with our headers over an established stream. When traced, the
/// socket's `open` event (status, or the refusal) is recorded and its trace returned.
pub async fn upgrade(
    opts: &ConnectOptions,
    target: &Target,
    stream: MaybeTlsStream<TcpStream>,
) -> Result<(EngineSocket, u16, Option<Arc<ConnTrace>>), EngineError> {
    let result = upgrade_untraced(opts, target, stream).await;
    let Some(tracer) = &opts.trace else {
        return result.map(|(ws, status)| (ws, status, None));
    };
    let endpoint = Endpoint::of(opts);
    match result {
        Ok((ws, status)) => Ok((ws, status, Some(tracer.open(&endpoint, Some(status), None)))),
        Err(e) => {
            let status = match &e {
                EngineError::UpgradeRejected { status, .. } => Some(*status),
                _ => None,
            };
            tracer.open(&endpoint, status, Some(e.to_string())).close(
                None,
                "the upgrade failed".into(),
                Closer::Error,
            );
            Err(e)
        }
    }
}

async fn upgrade_untraced(
    opts: &ConnectOptions,
    target: &Target,
    stream: MaybeTlsStream<TcpStream>,
) -> Result<(EngineSocket, u16), EngineError> {
    let mut request = opts
        .url
        .as_str()
        .into_client_request()
        .map_err(|e| EngineError::invalid_url(&opts.url, e.to_string()))?;
    for h in &opts.headers {
        let name = HeaderName::from_bytes(h.name.as_bytes()).map_err(|_| {
            EngineError::invalid_url(
                &opts.url,
                format!("'{}' is not a valid header name", h.name),
            )
        })?;
        request.headers_mut().insert(name, h.http_value(&opts.url)?);
    }
    use tokio_tungstenite::tungstenite::Error as WsError;
    let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .read_buffer_size(READ_CHUNK_BYTES)
        .max_message_size(Some(opts.max_message_bytes))
        .max_frame_size(Some(opts.max_message_bytes));
    let fut = tokio_tungstenite::client_async_with_config(request, stream, Some(config));
    // The proxy answers the upgrade once it has a session: a cold start waits here.
    match tokio::time::timeout(opts.timeouts.greeting, fut).await {
        Err(_) => Err(EngineError::Timeout {
            step: "WebSocket upgrade",
            after: opts.timeouts.greeting,
        }),
        Ok(Ok((ws, resp))) => Ok((ws, resp.status().as_u16())),
        Ok(Err(WsError::Http(resp))) => {
            let status = resp.status().as_u16();
            let location = resp
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let body = resp
                .body()
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).chars().take(300).collect())
                .unwrap_or_default();
            Err(EngineError::UpgradeRejected {
                status,
                location,
                body,
            })
        }
        Ok(Err(WsError::Io(e))) => match classify_tls_io(&e, &target.host) {
            // TLS 1.3 reports a rejected client certificate only after the handshake, on the
            // first read: that is here.
            Some(failure) => Err(EngineError::Tls {
                host: target.host.clone(),
                failure,
            }),
            None => Err(EngineError::WebSocket(e.to_string())),
        },
        Ok(Err(WsError::Tls(e))) => Err(EngineError::WebSocket(e.to_string())),
        Ok(Err(e)) => Err(EngineError::WebSocket(e.to_string())),
    }
}

/// Opens the socket: resolve, connect, TLS (for wss), upgrade.
pub async fn open_socket(
    opts: &ConnectOptions,
) -> Result<(EngineSocket, ConnectInfo), EngineError> {
    let (target, stream, mut info) = match connect_stream(opts).await {
        Ok(v) => v,
        Err(e) => {
            // A socket that never reached the upgrade is in the trace too, with why.
            if let Some(tracer) = &opts.trace {
                tracer
                    .open(&Endpoint::of(opts), None, Some(e.to_string()))
                    .close(None, "the connection failed".into(), Closer::Error);
            }
            return Err(e);
        }
    };
    let (ws, status, trace) = upgrade(opts, &target, stream).await?;
    info.http_status = status;
    info.trace = trace;
    Ok((ws, info))
}

/// Resolve, connect and TLS (for wss): the stream the upgrade goes over.
async fn connect_stream(
    opts: &ConnectOptions,
) -> Result<(Target, MaybeTlsStream<TcpStream>, ConnectInfo), EngineError> {
    crate::tls::ensure_crypto_provider();
    let target = parse_target(&opts.url)?;
    let addrs = resolve(opts, &target).await?;
    let tcp = tcp_connect(opts, &addrs).await?;
    let mut info = ConnectInfo {
        peer: tcp.peer_addr().ok(),
        ..Default::default()
    };
    let stream = if target.secure {
        let tls = tls_handshake(opts, &target, tcp).await?;
        let conn = tls.get_ref().1;
        info.tls_version = conn.protocol_version().map(|v| format!("{v:?}"));
        info.server_chain = conn
            .peer_certificates()
            .map(|c| c.iter().map(|c| c.clone().into_owned()).collect())
            .unwrap_or_default();
        MaybeTlsStream::Rustls(tls)
    } else {
        MaybeTlsStream::Plain(tcp)
    };
    Ok((target, stream, info))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_targets() {
        let t = parse_target("wss://qlik.example.com:4747/app/engineData").unwrap();
        assert!(t.secure);
        assert_eq!(t.port, 4747);
        let t = parse_target("wss://qlik.example.com/jwt/app/").unwrap();
        assert_eq!(t.port, 443);
        let t = parse_target("wss://[::1]:4747/app/").unwrap();
        assert_eq!(t.host, "::1");
        assert!(
            parse_target("https://x/app")
                .unwrap_err()
                .to_string()
                .contains("wss://")
        );
        assert!(parse_target("not a url").is_err());
    }

    #[test]
    fn the_session_start_default_outlasts_a_cold_proxy() {
        // A cold proxy takes 15–21 s to start a session: the default must not call that an
        // outage.
        assert!(Timeouts::default().greeting > Duration::from_secs(21));
        assert!(Timeouts::default().request > Duration::from_secs(21));
    }

    #[test]
    fn secret_headers_are_redacted_in_debug() {
        let h = Header {
            name: "Authorization".into(),
            value: "Bearer abc.def".into(),
        };
        assert_eq!(format!("{h:?}"), "Authorization: <redacted>");
    }

    #[test]
    fn header_values_are_wiped_on_drop() {
        // Compile-time: a header's value (a bearer token, a cookie) wipes itself when dropped.
        crate::secret::assert_wiped_on_drop::<SecretString>();
        let h = Header {
            name: "Authorization".into(),
            value: "Bearer abc.def".into(),
        };
        let _: &SecretString = &h.value;
        // On the wire it is marked sensitive, so the http crate's Debug hides it too.
        let sent = h.http_value("wss://h").unwrap();
        assert!(sent.is_sensitive());
        assert_eq!(format!("{sent:?}"), "Sensitive");
        let user = Header {
            name: "X-Qlik-User".into(),
            value: "UserDirectory=INTERNAL; UserId=sa".into(),
        };
        assert!(!user.http_value("wss://h").unwrap().is_sensitive());
    }
}
