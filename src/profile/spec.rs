//! `ConnectionSpec`: everything the other layers need to reach a site (URLs, auth, PEM text,
//! options). Profiles and the command line's inline flags both produce one; nothing below this
//! type touches the keyring or the config file.

use std::time::Duration;

use zeroize::Zeroizing;

use super::preflight::{self, Preflight};
use crate::engine::EngineError;
pub use crate::engine::jwt::JwtTemplate;
use crate::engine::transport::{ConnectOptions, DEFAULT_MAX_MESSAGE_BYTES, Timeouts};
use crate::engine::url::{UrlParts, app_url, rest_base};
use crate::tls::ClientTls;

/// Which kind of Qlik deployment a profile points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Deployment {
    #[default]
    Qseow,
    Cloud,
}

/// How the connection authenticates. Secret fields are `SecretString`s: wiped on drop, and
/// Debug prints `<redacted>` for them.
#[derive(Clone, Debug)]
pub enum Auth {
    /// QSEoW direct (engine port 4747): mutual TLS plus `X-Qlik-User`.
    Certificate {
        user_directory: String,
        user_id: String,
    },
    /// QSEoW through a JWT virtual proxy: the token fetches the proxy's CSRF token and session
    /// cookie, which then open the socket (engine-api.md §1.3).
    Jwt { jwt: JwtSource },
    /// QSEoW through a header-authentication virtual proxy: `header_name: user` on each request
    /// (e.g. `hdr-usr: INTERNAL\sa_engine`).
    Header { header_name: String, user: String },
    /// Qlik Cloud with an API key: `Authorization: Bearer <key>` on REST and the socket.
    CloudApiKey { api_key: SecretString },
    /// Qlik Cloud with a JWT: `POST /login/jwt-session`, then the session cookies.
    CloudJwt { jwt: JwtSource },
}

/// Where a JWT comes from.
// One per connection, so the size difference between the variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum JwtSource {
    /// A token made elsewhere and stored.
    Token(SecretString),
    /// Minted at connect time (RS256) from a stored private key.
    Key {
        private_key_pem: SecretString,
        template: JwtTemplate,
    },
}

impl JwtSource {
    /// The token to present now: the stored one, or a freshly minted one.
    pub fn token(&self) -> Result<SecretString, EngineError> {
        match self {
            JwtSource::Token(t) => Ok(t.clone()),
            JwtSource::Key {
                private_key_pem,
                template,
            } => Ok(SecretString::new(crate::engine::jwt::mint(
                private_key_pem.expose(),
                template,
                std::time::SystemTime::now(),
            )?)),
        }
    }
}

impl Auth {
    /// The auth mode's name, as profiles and `--auth` spell it.
    pub fn mode(&self) -> &'static str {
        match self {
            Auth::Certificate { .. } => "cert",
            Auth::Jwt {
                jwt: JwtSource::Token(_),
            } => "jwt",
            Auth::Jwt {
                jwt: JwtSource::Key { .. },
            } => "jwt-key",
            Auth::Header { .. } => "header",
            Auth::CloudApiKey { .. } => "cloud-key",
            Auth::CloudJwt { .. } => "cloud-jwt",
        }
    }

    /// The deployment this mode belongs to (None: certificate or proxy modes, QSEoW).
    pub fn is_cloud(&self) -> bool {
        matches!(self, Auth::CloudApiKey { .. } | Auth::CloudJwt { .. })
    }
}

/// A resolved connection: what a profile or the inline flags describe, secrets included.
#[derive(Clone, Debug)]
pub struct ConnectionSpec {
    /// The profile name, or None for inline flags.
    pub name: Option<String>,
    pub deployment: Deployment,
    /// `wss://host[:port][/prefix]` (without `/app/...`).
    pub engine_url: String,
    /// `https://host[/prefix]` for hub links; derived from the engine URL when absent.
    pub display_url: Option<String>,
    pub auth: Auth,
    pub tls: ClientTls,
    pub timeouts: Timeouts,
    pub ttl: Option<u32>,
    pub identity: Option<String>,
    /// Send bearer credentials (API key, JWT) over `ws://` / `http://` even so: only when the user
    /// said so by name (`--allow-insecure-transport`, `allow_insecure_transport = true`).
    pub allow_insecure_transport: bool,
    /// The WebSocket message cap for this connection's sockets.
    pub max_message_bytes: usize,
}

/// Secret text (a key, a token): wiped from memory when dropped, and printed by Debug as
/// `<redacted>`, so a secret cannot leak through a `{:?}` in a log line or an error.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    pub fn new(s: impl Into<String>) -> Self {
        SecretString(Zeroizing::new(s.into()))
    }

    /// The secret itself, for the one place that sends or stores it.
    pub fn expose(&self) -> &str {
        self.0.as_str()
    }
}

impl From<String> for SecretString {
    fn from(s: String) -> Self {
        SecretString::new(s)
    }
}

impl std::ops::Deref for SecretString {
    type Target = str;
    fn deref(&self) -> &str {
        self.0.as_str()
    }
}

impl std::fmt::Debug for SecretString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl ConnectionSpec {
    /// QSEoW direct: mutual TLS with `tls` plus `X-Qlik-User` for `directory\user`, default
    /// timeouts, no profile name. The demo and the tests reach the simulator this way.
    pub fn certificate(engine_url: String, tls: ClientTls, directory: &str, user: &str) -> Self {
        ConnectionSpec {
            name: None,
            deployment: Deployment::Qseow,
            engine_url,
            display_url: None,
            auth: Auth::Certificate {
                user_directory: directory.into(),
                user_id: user.into(),
            },
            tls,
            timeouts: Timeouts::default(),
            ttl: None,
            identity: None,
            allow_insecure_transport: false,
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
        }
    }

    /// Options for a socket to `app_id` (None: a session with no app, for the doc list).
    /// Async and fallible because some auth modes fetch a token first (a CSRF token from the
    /// proxy, a Qlik Cloud session), bounded as a whole by the connect timeout.
    pub async fn connect_options(
        &self,
        app_id: Option<&str>,
    ) -> Result<ConnectOptions, EngineError> {
        Ok(self.socket_options(app_id, &preflight::run(self).await?))
    }

    /// Options for a socket to `app_id` with a pre-flight already made (a site's cached one).
    pub fn socket_options(&self, app_id: Option<&str>, pre: &Preflight) -> ConnectOptions {
        let parts = UrlParts {
            identity: self.identity.clone(),
            ttl: self.ttl,
            query: pre.socket_query.clone(),
        };
        let mut opts =
            ConnectOptions::new(app_url(&self.engine_url, app_id, &parts), self.socket_tls());
        opts.timeouts = self.timeouts;
        opts.max_message_bytes = self.max_message_bytes;
        opts.headers = pre.socket_headers.clone();
        opts
    }

    /// Options for REST calls to the proxy or tenant (`https://host[:port][/prefix]`), with the
    /// pre-flight's credentials.
    pub fn rest_options(&self, pre: &Preflight) -> ConnectOptions {
        let mut opts = ConnectOptions::new(rest_base(&self.engine_url), self.socket_tls());
        opts.timeouts = self.timeouts;
        opts.headers = pre.rest_headers.clone();
        opts
    }

    /// The TLS material for this auth mode: only certificate auth presents a client certificate;
    /// the proxy and Qlik Cloud modes use server-authenticated TLS alone.
    pub fn socket_tls(&self) -> ClientTls {
        let mut tls = self.tls.clone();
        if !self.auth_uses_client_cert() {
            tls.cert_pem = None;
            tls.key_pem = None;
        }
        tls
    }

    /// The https base for hub links: the display URL, or the engine URL with https and without
    /// the engine port 4747 (the hub is served by the proxy on 443).
    pub fn display_base(&self) -> String {
        if let Some(d) = &self.display_url {
            return d.trim_end_matches('/').to_string();
        }
        derive_display_url(&self.engine_url)
    }

    /// Qlik Cloud: apps come from the items API and every socket names an app.
    pub fn is_cloud(&self) -> bool {
        self.deployment == Deployment::Cloud || self.auth.is_cloud()
    }

    /// What Qlik Cloud's refusals of this connection's credential are about.
    pub fn cloud_credential(&self) -> crate::engine::cloud::CloudCredential {
        match self.auth {
            Auth::CloudJwt { .. } => crate::engine::cloud::CloudCredential::JwtSession,
            _ => crate::engine::cloud::CloudCredential::ApiKey,
        }
    }

    /// True when this connection presents a client certificate (QSEoW direct).
    pub fn auth_uses_client_cert(&self) -> bool {
        matches!(self.auth, Auth::Certificate { .. })
    }

    pub fn with_timeouts(mut self, connect: Duration, request: Duration) -> Self {
        self.timeouts.connect = connect;
        self.timeouts.greeting = connect;
        self.timeouts.request = request;
        self
    }
}

/// `wss://host:4747/prefix` → `https://host/prefix`; other ports are kept.
pub fn derive_display_url(engine_url: &str) -> String {
    match url::Url::parse(engine_url) {
        Ok(mut u) => {
            let scheme = if u.scheme() == "ws" { "http" } else { "https" };
            let _ = u.set_scheme(scheme);
            if u.port() == Some(4747) {
                let _ = u.set_port(None);
            }
            let path = u.path().trim_end_matches('/').to_string();
            let path = path.strip_suffix("/app").unwrap_or(&path).to_string();
            u.set_path(&path);
            u.set_query(None);
            u.to_string().trim_end_matches('/').to_string()
        }
        Err(_) => engine_url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_url_is_derived_from_the_engine_url() {
        assert_eq!(
            derive_display_url("wss://qlik.corp:4747"),
            "https://qlik.corp"
        );
        assert_eq!(
            derive_display_url("wss://qlik.corp/jwt/"),
            "https://qlik.corp/jwt"
        );
        assert_eq!(
            derive_display_url("wss://localhost:9443"),
            "https://localhost:9443"
        );
    }

    fn spec_with(auth: Auth) -> ConnectionSpec {
        ConnectionSpec {
            name: None,
            deployment: Deployment::Qseow,
            engine_url: "wss://h/jwt".into(),
            display_url: None,
            auth,
            tls: ClientTls {
                root_pem: Some("root".into()),
                cert_pem: Some("cert".into()),
                key_pem: Some("-----BEGIN PRIVATE KEY-----".into()),
                verify_hostname: true,
            },
            timeouts: Timeouts::default(),
            ttl: None,
            identity: None,
            allow_insecure_transport: false,
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
        }
    }

    #[test]
    fn debug_output_never_shows_a_secret() {
        const SECRET: &str = "s3cr3t-value-that-must-not-leak";
        let template = JwtTemplate {
            user_id: "sa_engine".into(),
            ..Default::default()
        };
        let modes = [
            Auth::Jwt {
                jwt: JwtSource::Token(SecretString::new(SECRET)),
            },
            Auth::Jwt {
                jwt: JwtSource::Key {
                    private_key_pem: SecretString::new(SECRET),
                    template: template.clone(),
                },
            },
            Auth::CloudApiKey {
                api_key: SecretString::new(SECRET),
            },
            Auth::CloudJwt {
                jwt: JwtSource::Token(SecretString::new(SECRET)),
            },
        ];
        for auth in modes {
            let spec = spec_with(auth);
            let dbg = format!("{spec:?} {:?}", spec.auth);
            assert!(!dbg.contains(SECRET), "{dbg}");
            assert!(dbg.contains("<redacted>"), "{dbg}");
            assert!(!dbg.contains("PRIVATE KEY"), "{dbg}");
        }
        let pre = Preflight {
            socket_headers: vec![crate::engine::Header {
                name: "Cookie".into(),
                value: SECRET.into(),
            }],
            socket_query: vec![("qlik-csrf-token".into(), SECRET.into())],
            rest_headers: vec![],
        };
        let spec = spec_with(Auth::Header {
            header_name: "hdr-usr".into(),
            user: "INTERNAL\\sa_engine".into(),
        });
        let opts = spec.socket_options(Some("app"), &pre);
        assert!(!format!("{pre:?} {opts:?}").contains(SECRET));
        // The URL carries the token; redaction is the URL's job (engine::url::redact).
        assert!(
            opts.url
                .ends_with("/jwt/app/app?qlik-csrf-token=s3cr3t-value-that-must-not-leak")
        );
    }

    #[test]
    fn only_certificate_auth_presents_a_client_certificate() {
        let cert = spec_with(Auth::Certificate {
            user_directory: "INTERNAL".into(),
            user_id: "sa_engine".into(),
        });
        assert!(cert.socket_tls().key_pem.is_some());
        let hdr = spec_with(Auth::Header {
            header_name: "hdr-usr".into(),
            user: "u".into(),
        });
        let tls = hdr.socket_tls();
        assert!(tls.cert_pem.is_none() && tls.key_pem.is_none());
        assert_eq!(tls.root_pem.as_deref(), Some("root"));
        assert_eq!(hdr.rest_options(&Preflight::default()).url, "https://h/jwt");
    }

    #[tokio::test]
    async fn a_cloud_api_key_goes_on_the_socket_as_a_bearer() {
        let spec = spec_with(Auth::CloudApiKey {
            api_key: SecretString::new("k"),
        });
        let o = spec.connect_options(Some("a")).await.unwrap();
        assert_eq!(o.headers[0].name, "Authorization");
        assert_eq!(o.headers[0].value, "Bearer k");
        assert!(o.tls.cert_pem.is_none());
    }

    #[test]
    fn the_message_cap_is_the_connections_setting() {
        let mut spec = spec_with(Auth::Header {
            header_name: "hdr-usr".into(),
            user: "u".into(),
        });
        let pre = Preflight::default();
        assert_eq!(
            spec.socket_options(None, &pre).max_message_bytes,
            DEFAULT_MAX_MESSAGE_BYTES
        );
        spec.max_message_bytes = 3 << 20;
        assert_eq!(spec.socket_options(None, &pre).max_message_bytes, 3 << 20);
    }

    #[tokio::test]
    async fn a_bearer_over_plain_ws_is_refused_unless_allowed_by_name() {
        let mut spec = spec_with(Auth::CloudApiKey {
            api_key: SecretString::new("k-secret"),
        });
        spec.engine_url = "ws://h/jwt".into();
        let e = spec.connect_options(None).await.unwrap_err().to_string();
        assert!(e.contains("--allow-insecure-transport"), "{e}");
        assert!(!e.contains("k-secret"), "{e}");
        spec.allow_insecure_transport = true;
        let o = spec.connect_options(None).await.unwrap();
        assert_eq!(o.headers[0].value, "Bearer k-secret");
    }

    #[tokio::test]
    async fn certificate_auth_sends_the_user_header() {
        let spec = ConnectionSpec {
            name: None,
            deployment: Deployment::Qseow,
            engine_url: "wss://h:4747".into(),
            display_url: None,
            auth: Auth::Certificate {
                user_directory: "INTERNAL".into(),
                user_id: "sa_engine".into(),
            },
            tls: ClientTls::default(),
            timeouts: Timeouts::default(),
            ttl: Some(60),
            identity: None,
            allow_insecure_transport: false,
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
        };
        let o = spec.connect_options(Some("abc")).await.unwrap();
        assert_eq!(o.url, "wss://h:4747/app/abc/ttl/60");
        assert_eq!(o.headers[0].name, "X-Qlik-User");
        assert_eq!(
            o.headers[0].value,
            "UserDirectory=INTERNAL; UserId=sa_engine"
        );
    }
}
