//! `ConnectionSpec`: everything the other layers need to reach a site (URLs, auth, PEM text,
//! options). Profiles and the command line's inline flags both produce one; nothing below this
//! type touches the keyring or the config file.

use std::time::Duration;

use crate::engine::EngineError;
pub use crate::engine::jwt::JwtTemplate;
use crate::engine::transport::{DEFAULT_MAX_MESSAGE_BYTES, Timeouts};
/// Re-exported: the auth modes' secrets are `SecretString`s (moved to `crate::secret`, which the
/// TLS layer uses too).
pub use crate::secret::SecretString;
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
    /// Where this connection's traffic is reported, when not (only) to the process's `--trace`:
    /// the explorer's Traffic ring. None: the process's tracer, if any.
    pub trace: Option<crate::engine::trace::Tracer>,
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
            trace: None,
        }
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

    /// A socket's error as this connection should say it: on Qlik Cloud, which has no virtual
    /// proxy, a refused socket is the credential's problem (`cloud::socket_refusal`).
    pub fn socket_error(&self, e: EngineError) -> EngineError {
        if self.is_cloud() {
            crate::engine::cloud::socket_refusal(e, self.cloud_credential())
        } else {
            e
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
}
