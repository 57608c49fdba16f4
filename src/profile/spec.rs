//! `ConnectionSpec`: everything the other layers need to reach a site (URLs, auth, PEM text,
//! options). Profiles and the command line's inline flags both produce one; nothing below this
//! type touches the keyring or the config file.

use std::time::Duration;

use zeroize::Zeroizing;

use crate::engine::EngineError;
use crate::engine::transport::{ConnectOptions, Timeouts};
use crate::engine::url::{UrlParts, app_url, qlik_user_header};
use crate::tls::ClientTls;

/// Which kind of Qlik deployment a profile points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Deployment {
    #[default]
    Qseow,
    Cloud,
}

/// How the connection authenticates. Secret fields are zeroized on drop and never printed.
#[derive(Clone)]
pub enum Auth {
    /// QSEoW direct (engine port 4747): mutual TLS plus `X-Qlik-User`.
    Certificate {
        user_directory: String,
        user_id: String,
    },
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::Certificate {
                user_directory,
                user_id,
            } => f
                .debug_struct("Certificate")
                .field("user_directory", user_directory)
                .field("user_id", user_id)
                .finish(),
        }
    }
}

impl Auth {
    /// The auth mode's name, as profiles and `--auth` spell it.
    pub fn mode(&self) -> &'static str {
        match self {
            Auth::Certificate { .. } => "cert",
        }
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
}

/// Secret text that is wiped from memory when dropped.
pub type SecretString = Zeroizing<String>;

impl ConnectionSpec {
    /// Options for a socket to `app_id` (None: a session with no app, for the doc list).
    /// Async and fallible because some auth modes fetch a token first (a CSRF token from the
    /// proxy, a Qlik Cloud session), each bounded by the connect timeout.
    pub async fn connect_options(
        &self,
        app_id: Option<&str>,
    ) -> Result<ConnectOptions, EngineError> {
        let parts = UrlParts {
            identity: self.identity.clone(),
            ttl: self.ttl,
            query: vec![],
        };
        let mut opts =
            ConnectOptions::new(app_url(&self.engine_url, app_id, &parts), self.tls.clone());
        opts.timeouts = self.timeouts;
        match &self.auth {
            Auth::Certificate {
                user_directory,
                user_id,
            } => {
                opts = opts.header("X-Qlik-User", qlik_user_header(user_directory, user_id));
            }
        }
        Ok(opts)
    }

    /// The https base for hub links: the display URL, or the engine URL with https and without
    /// the engine port 4747 (the hub is served by the proxy on 443).
    pub fn display_base(&self) -> String {
        if let Some(d) = &self.display_url {
            return d.trim_end_matches('/').to_string();
        }
        derive_display_url(&self.engine_url)
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
