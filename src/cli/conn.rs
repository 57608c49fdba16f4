//! CONN: how a command names its connection, `-p/--profile NAME` or inline flags, resolved
//! into a `ConnectionSpec`.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use clap::Args;

use crate::engine::conn::{Auth, ConnectionSpec, Deployment, JwtSource, JwtTemplate, SecretString};
use crate::engine::transport::Timeouts;
use crate::tls::ClientTls;

/// Debug is written by hand below: a flag may hold a credential (`--header-user`) or, given by
/// mistake, key text.
#[derive(Clone, Args, Default)]
pub struct ConnArgs {
    /// Connection profile to use (see `qlik-tui profile list`).
    #[arg(short = 'p', long = "profile", env = "QLIK_TUI_PROFILE", global = true)]
    pub profile: Option<String>,

    /// Engine URL: wss://host[:port][/virtual-proxy-prefix].
    #[arg(long, global = true)]
    pub engine_url: Option<String>,

    /// Authentication mode for inline connections.
    #[arg(long, value_enum, default_value_t = AuthMode::Cert, global = true)]
    pub auth: AuthMode,

    /// Client certificate (client.pem): a path, '-' for stdin, or the PEM text itself.
    // Values may start with '-' ('-', '-----BEGIN'): taken as values, never echoed by clap as an
    // unexpected argument.
    #[arg(long, global = true, allow_hyphen_values = true)]
    pub client_cert: Option<String>,

    /// Client key (client_key.pem): a path, or '-' for stdin. Not the key's text: a value on
    /// the command line shows in `ps` and stays in shell history.
    #[arg(long, global = true, value_name = "PATH", allow_hyphen_values = true)]
    pub client_key: Option<String>,

    /// Root certificate (root.pem): a path, '-' for stdin, or the PEM text itself.
    #[arg(long, global = true, allow_hyphen_values = true)]
    pub root_cert: Option<String>,

    /// A folder with client.pem, client_key.pem and root.pem, as the QMC exports them.
    #[arg(long, global = true)]
    pub cert_dir: Option<std::path::PathBuf>,

    /// User directory for the X-Qlik-User header (certificate auth).
    #[arg(long, global = true)]
    pub user_directory: Option<String>,

    /// User id for the X-Qlik-User header (certificate auth).
    #[arg(long, global = true)]
    pub user_id: Option<String>,

    /// Skip only the host-name check of the server certificate; the chain is still verified
    /// against the root given with --root-cert (required then: the system roots would accept
    /// any public site's certificate).
    #[arg(long, global = true)]
    pub no_verify_hostname: bool,

    /// Send bearer credentials (API key, JWT) over ws:// or http:// without TLS, where anyone
    /// on the path can read them. Refused unless this flag says so.
    #[arg(long, global = true)]
    pub allow_insecure_transport: bool,

    /// Base URL for hub links (https://host[/prefix]); derived from the engine URL if absent.
    #[arg(long, global = true)]
    pub display_url: Option<String>,

    /// Deployment kind; inferred from --auth when absent (cloud-key, cloud-jwt → cloud).
    #[arg(long, value_enum, global = true)]
    pub deployment: Option<DeploymentArg>,

    /// A stored JWT (--auth jwt or cloud-jwt): a file path, or '-' for stdin. The QLIK_TUI_JWT
    /// environment variable is read when this is absent.
    #[arg(long, global = true, value_name = "PATH", allow_hyphen_values = true)]
    pub jwt_file: Option<String>,

    /// RSA private key (PEM) that signs a JWT at connect time (--auth jwt-key, or cloud-jwt):
    /// a file path, or '-' for stdin.
    #[arg(long, global = true, value_name = "PATH", allow_hyphen_values = true)]
    pub jwt_key_file: Option<String>,

    /// The claim carrying the user id in a minted JWT (the virtual proxy's "JWT attribute for
    /// user ID"; 'sub' for Qlik Cloud).
    #[arg(long, global = true, value_name = "NAME")]
    pub jwt_claim_user: Option<String>,

    /// The claim carrying the user directory in a minted JWT.
    #[arg(long, global = true, value_name = "NAME")]
    pub jwt_claim_directory: Option<String>,

    /// The `aud` claim of a minted JWT (Qlik Cloud: qlik.api/login/jwt-session).
    #[arg(long, global = true)]
    pub jwt_audience: Option<String>,

    /// The `iss` claim of a minted JWT (Qlik Cloud: the JWT identity provider's issuer).
    #[arg(long, global = true)]
    pub jwt_issuer: Option<String>,

    /// The `kid` header of a minted JWT (Qlik Cloud: the JWT identity provider's key id).
    #[arg(long, global = true)]
    pub jwt_key_id: Option<String>,

    /// Seconds a minted JWT stays valid (default 300).
    #[arg(long, global = true, value_name = "SECONDS")]
    pub jwt_lifetime: Option<u64>,

    /// Another claim for a minted JWT, NAME=VALUE (VALUE as JSON when it parses, else a
    /// string); repeatable. Qlik Cloud wants subType, name, email, email_verified.
    #[arg(long = "jwt-claim", global = true, value_name = "NAME=VALUE")]
    pub jwt_claims: Vec<String>,

    /// A Qlik Cloud API key (--auth cloud-key): a file path, or '-' for stdin. The
    /// QLIK_TUI_API_KEY environment variable is read when this is absent.
    #[arg(long, global = true, value_name = "PATH", allow_hyphen_values = true)]
    pub api_key_file: Option<String>,

    /// The header a header-authentication virtual proxy reads the user from (--auth header).
    #[arg(long, global = true, value_name = "NAME")]
    pub header_name: Option<String>,

    /// The header's value (--auth header); default USER_DIRECTORY\USER_ID from --user-directory
    /// and --user-id.
    #[arg(long, global = true, value_name = "VALUE")]
    pub header_user: Option<String>,

    /// Seconds to wait for each network step (connect, TLS, greeting).
    #[arg(long, global = true, value_name = "SECONDS")]
    pub timeout: Option<f64>,

    /// The largest WebSocket message accepted from the engine, in MiB (default 64, 1-1024): a
    /// larger reply is refused with an error naming the cap instead of being buffered.
    #[arg(long, global = true, value_name = "MIB")]
    pub max_message_mb: Option<usize>,

    /// Seconds to wait for each engine reply.
    #[arg(long, global = true, value_name = "SECONDS")]
    pub request_timeout: Option<f64>,

    /// Seconds a session may sit idle before it sends one cheap read-only request
    /// (EngineVersion), so that proxies and gateways that cut idle sockets keep it open; 0 turns
    /// it off. Default 30.
    #[arg(long, global = true, value_name = "SECONDS")]
    pub keep_alive: Option<f64>,

    /// Keyring backend holding the profile's secrets (default: the profile's own setting).
    #[arg(long, value_enum, env = "QLIK_TUI_SECRET_STORE", global = true)]
    pub secret_store: Option<crate::profile::secrets::StoreChoice>,
}

/// Flags (or a profile) that cannot make a connection, as the problem and its fix apart: the
/// doctor reports them as its failed `config` step, every other command as one error line.
#[derive(Debug, thiserror::Error)]
#[error("{problem}: {fix}")]
pub struct ConfigProblem {
    pub problem: String,
    pub fix: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum AuthMode {
    /// Client certificate + X-Qlik-User (QSEoW engine port 4747).
    #[default]
    Cert,
    /// A stored JWT through a JWT virtual proxy (QSEoW).
    Jwt,
    /// A JWT minted at connect time from --jwt-key-file, through a JWT virtual proxy (QSEoW).
    JwtKey,
    /// A Qlik Cloud API key.
    CloudKey,
    /// A JWT (stored, or minted from --jwt-key-file) exchanged for a Qlik Cloud session.
    CloudJwt,
    /// A header-authentication virtual proxy (QSEoW): --header-name carries the user.
    Header,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DeploymentArg {
    Qseow,
    Cloud,
}

impl std::fmt::Debug for ConnArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let given = |o: &Option<String>| o.as_ref().map(|_| "<given>");
        f.debug_struct("ConnArgs")
            .field("profile", &self.profile)
            .field(
                "engine_url",
                &self.engine_url.as_deref().map(crate::engine::url::redact),
            )
            .field("auth", &self.auth)
            .field("client_cert", &given(&self.client_cert))
            .field("client_key", &given(&self.client_key))
            .field("root_cert", &given(&self.root_cert))
            .field("cert_dir", &self.cert_dir)
            .field("jwt_file", &given(&self.jwt_file))
            .field("jwt_key_file", &given(&self.jwt_key_file))
            .field("api_key_file", &given(&self.api_key_file))
            .field("header_name", &self.header_name)
            .field("header_user", &given(&self.header_user))
            .field("no_verify_hostname", &self.no_verify_hostname)
            .field("allow_insecure_transport", &self.allow_insecure_transport)
            .finish_non_exhaustive()
    }
}

/// A certificate flag's value: PEM text as given (a certificate is public), '-' from stdin, or a
/// file path.
fn read_pem_arg(value: &str, what: &str, stdin_used: &mut bool) -> anyhow::Result<String> {
    if value.contains("-----BEGIN") {
        return Ok(value.to_string());
    }
    read_pem_source(value, what, stdin_used)
}

/// The client key flag: a path or '-' only. Key text on the command line is visible in `ps` and
/// kept in shell history, so it is refused (without repeating it).
fn read_key_arg(value: &str, stdin_used: &mut bool) -> anyhow::Result<SecretString> {
    if value.contains("-----BEGIN") || value.contains('\n') {
        bail!(
            "--client-key takes a file path or '-' (stdin), not the key's text: a value on the command line shows in `ps` and stays in shell history; save the key to a file readable only by you (chmod 600) or pipe it with --client-key -"
        );
    }
    read_pem_source(value, "client key", stdin_used)
        .map(SecretString::from)
        .map_err(|_| {
            anyhow!(
                "cannot read the client key from the path given to --client-key (the value is not repeated, in case it is the key itself): check the path, or give '-' and pipe the key"
            )
        })
}

fn read_pem_source(value: &str, what: &str, stdin_used: &mut bool) -> anyhow::Result<String> {
    if value == "-" {
        if *stdin_used {
            bail!("only one PEM flag can read stdin ('-'); give the {what} as a file path");
        }
        *stdin_used = true;
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .with_context(|| format!("reading the {what} from stdin"))?;
        return Ok(s);
    }
    read_pem_file(Path::new(value), what)
}

fn read_pem_file(path: &Path, what: &str) -> anyhow::Result<String> {
    std::fs::read_to_string(path).map_err(|e| {
        anyhow!(
            "cannot read the {what} at {}: {}",
            path.display(),
            match e.kind() {
                std::io::ErrorKind::NotFound => "no such file; check the path".to_string(),
                std::io::ErrorKind::PermissionDenied =>
                    "permission denied; check the file's owner and mode".to_string(),
                std::io::ErrorKind::InvalidData =>
                    "not text; a PEM file is text starting with -----BEGIN".to_string(),
                _ => e.to_string(),
            }
        )
    })
}

/// Reads a secret (a token, an API key, a key PEM) from a file path or '-' for stdin, trimmed.
/// Errors name the path, never the content.
fn read_secret_arg(value: &str, what: &str, stdin_used: &mut bool) -> anyhow::Result<SecretString> {
    let text = if value == "-" {
        if *stdin_used {
            bail!("only one flag can read stdin ('-'); give the {what} as a file path");
        }
        *stdin_used = true;
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .with_context(|| format!("reading the {what} from stdin"))?;
        s
    } else {
        // The value is not repeated: given where a path was expected, it may be the secret.
        std::fs::read_to_string(value).map_err(|e| {
            anyhow!(
                "cannot read the {what} from the path given (the value is not repeated, in case it is the secret itself): {}; give a file path holding it, or '-' and pipe it",
                match e.kind() {
                    std::io::ErrorKind::NotFound => "no such file; check the path".to_string(),
                    std::io::ErrorKind::PermissionDenied =>
                        "permission denied; check the file's owner and mode".to_string(),
                    _ => e.kind().to_string(),
                }
            )
        })?
    };
    let text = SecretString::new(text.trim());
    if text.is_empty() {
        bail!("the {what} file is empty: give a file holding it, or '-' and pipe it");
    }
    Ok(text)
}

fn env_secret(name: &str) -> Option<SecretString> {
    std::env::var(name)
        .ok()
        .map(|v| SecretString::new(v.trim()))
        .filter(|v| !v.is_empty())
}

fn secs(v: f64, flag: &str) -> anyhow::Result<Duration> {
    if !(v.is_finite() && v > 0.0 && v <= 3600.0) {
        bail!("{flag} must be a number of seconds between 0 and 3600");
    }
    Ok(Duration::from_secs_f64(v))
}

impl ConnArgs {
    pub fn timeouts(&self) -> anyhow::Result<Timeouts> {
        let mut t = Timeouts::default();
        if let Some(v) = self.timeout {
            t.connect = secs(v, "--timeout")?;
            t.greeting = t.connect;
        }
        if let Some(v) = self.request_timeout {
            t.request = secs(v, "--request-timeout")?;
        }
        if let Some(v) = self.keep_alive {
            t.keep_alive = if v == 0.0 {
                None
            } else {
                Some(secs(v, "--keep-alive")?)
            };
        }
        Ok(t)
    }

    /// `--max-message-mb` in bytes (the default cap when absent).
    pub fn max_message_bytes(&self) -> anyhow::Result<usize> {
        use crate::engine::transport::{DEFAULT_MAX_MESSAGE_BYTES, MAX_MESSAGE_MB_RANGE};
        match self.max_message_mb {
            None => Ok(DEFAULT_MAX_MESSAGE_BYTES),
            Some(mb) if MAX_MESSAGE_MB_RANGE.contains(&mb) => Ok(mb << 20),
            Some(_) => bail!(
                "--max-message-mb must be between {} and {} (MiB; default {})",
                MAX_MESSAGE_MB_RANGE.start(),
                MAX_MESSAGE_MB_RANGE.end(),
                DEFAULT_MAX_MESSAGE_BYTES >> 20
            ),
        }
    }

    /// True when inline connection flags were given.
    pub fn has_inline(&self) -> bool {
        self.engine_url.is_some()
    }

    /// The auth mode these flags describe, secrets read from their files.
    fn auth_from_flags(&self, stdin_used: &mut bool) -> anyhow::Result<Auth> {
        Ok(match self.auth {
            AuthMode::Cert => {
                let has_cert = self.cert_dir.is_some()
                    || (self.client_cert.is_some() && self.client_key.is_some());
                if !has_cert {
                    bail!(
                        "certificate auth needs --client-cert and --client-key (or --cert-dir with client.pem, client_key.pem, root.pem)"
                    );
                }
                let missing = |what: &str| ConfigProblem {
                    problem: format!("certificate auth has no {what} for the X-Qlik-User header"),
                    fix: "X-Qlik-User needs both a directory and an id: give --user-directory and --user-id (e.g. INTERNAL and sa_engine)".into(),
                };
                Auth::Certificate {
                    user_directory: self
                        .user_directory
                        .clone()
                        .ok_or_else(|| missing("user directory"))?,
                    user_id: self.user_id.clone().ok_or_else(|| missing("user id"))?,
                }
            }
            AuthMode::Jwt => Auth::Jwt {
                jwt: JwtSource::Token(self.stored_jwt(stdin_used)?.ok_or_else(|| {
                    anyhow!("--auth jwt needs the token: --jwt-file PATH (or QLIK_TUI_JWT); to mint one from a key use --auth jwt-key --jwt-key-file PATH")
                })?),
            },
            AuthMode::JwtKey => Auth::Jwt {
                jwt: self.minted_jwt(stdin_used, false)?.ok_or_else(|| {
                    anyhow!("--auth jwt-key needs --jwt-key-file PATH (an RSA private key in PEM)")
                })?,
            },
            AuthMode::CloudJwt => Auth::CloudJwt {
                jwt: match self.minted_jwt(stdin_used, true)? {
                    Some(m) => m,
                    None => JwtSource::Token(self.stored_jwt(stdin_used)?.ok_or_else(|| {
                        anyhow!("--auth cloud-jwt needs --jwt-file PATH (a token) or --jwt-key-file PATH (a key to mint one)")
                    })?),
                },
            },
            AuthMode::CloudKey => {
                let key = match &self.api_key_file {
                    Some(p) => read_secret_arg(p, "API key", stdin_used)?,
                    None => env_secret("QLIK_TUI_API_KEY").ok_or_else(|| {
                        anyhow!("--auth cloud-key needs --api-key-file PATH (or the QLIK_TUI_API_KEY environment variable)")
                    })?,
                };
                Auth::CloudApiKey { api_key: key }
            }
            AuthMode::Header => {
                let header_name = self.header_name.clone().ok_or_else(|| {
                    anyhow!("--auth header needs --header-name (the virtual proxy's 'Header authentication header name', e.g. hdr-usr)")
                })?;
                if header_name.to_ascii_lowercase().contains("x-qlik-user") {
                    bail!("--header-name may not contain X-Qlik-User (Qlik refuses it for header authentication); use the name configured on the virtual proxy");
                }
                let user = match (&self.header_user, &self.user_directory, &self.user_id) {
                    (Some(u), _, _) => u.clone(),
                    (None, Some(d), Some(i)) => format!("{d}\\{i}"),
                    (None, None, Some(i)) => i.clone(),
                    _ => bail!("--auth header needs --header-user VALUE (or --user-id, with --user-directory for DIRECTORY\\USER)"),
                };
                Auth::Header { header_name, user }
            }
        })
    }

    fn stored_jwt(&self, stdin_used: &mut bool) -> anyhow::Result<Option<SecretString>> {
        match &self.jwt_file {
            Some(p) => Ok(Some(read_secret_arg(p, "JWT", stdin_used)?)),
            None => Ok(env_secret("QLIK_TUI_JWT")),
        }
    }

    /// A key-minted JWT source when --jwt-key-file is given. Qlik Cloud's defaults differ: the
    /// user goes in `sub`, with `subType: user` and the jwt-session audience.
    fn minted_jwt(&self, stdin_used: &mut bool, cloud: bool) -> anyhow::Result<Option<JwtSource>> {
        let Some(path) = &self.jwt_key_file else {
            return Ok(None);
        };
        let key = read_secret_arg(path, "JWT signing key", stdin_used)?;
        crate::engine::jwt::check_signing_key(&key).map_err(|e| anyhow!("{e} (in {path})"))?;
        let user_id = self.user_id.clone().ok_or_else(|| {
            anyhow!("a minted JWT needs --user-id (the user the token speaks for)")
        })?;
        let mut t = JwtTemplate::for_user(&user_id, cloud);
        t.user_directory = self.user_directory.clone();
        if self.jwt_audience.is_some() {
            t.audience = self.jwt_audience.clone();
        }
        t.issuer = self.jwt_issuer.clone();
        t.key_id = self.jwt_key_id.clone();
        if let Some(c) = &self.jwt_claim_user {
            t.claim_user = c.clone();
        }
        if let Some(c) = &self.jwt_claim_directory {
            t.claim_directory = c.clone();
        }
        if let Some(l) = self.jwt_lifetime {
            if l == 0 || l > 86_400 {
                bail!("--jwt-lifetime must be between 1 and 86400 seconds");
            }
            t.lifetime = Duration::from_secs(l);
        }
        for c in &self.jwt_claims {
            let (k, v) = c
                .split_once('=')
                .ok_or_else(|| anyhow!("--jwt-claim '{c}' is not NAME=VALUE"))?;
            let v = serde_json::from_str(v).unwrap_or_else(|_| serde_json::json!(v));
            t.extra.retain(|(n, _)| n != k);
            t.extra.push((k.to_string(), v));
        }
        Ok(Some(JwtSource::Key {
            private_key_pem: key,
            template: t,
        }))
    }

    /// Resolves the inline flags into a spec.
    pub fn inline_spec(&self) -> anyhow::Result<ConnectionSpec> {
        let engine_url = self.engine_url.clone().ok_or_else(|| {
            anyhow!("no connection: give -p PROFILE, or --engine-url with the auth flags")
        })?;
        crate::engine::transport::parse_target(&engine_url)?;
        let mut stdin_used = false;
        let (cert, key, root) = match &self.cert_dir {
            Some(dir) => {
                let file = |name: &str, what: &str| -> anyhow::Result<String> {
                    read_pem_file(&dir.join(name), what)
                };
                (
                    Some(file("client.pem", "client certificate")?),
                    Some(SecretString::from(file("client_key.pem", "client key")?)),
                    Some(file("root.pem", "root certificate")?),
                )
            }
            None if self.auth != AuthMode::Cert
                && self.client_cert.is_none()
                && self.client_key.is_none() =>
            {
                (
                    None,
                    None,
                    self.root_cert
                        .as_deref()
                        .map(|v| read_pem_arg(v, "root certificate", &mut stdin_used))
                        .transpose()?,
                )
            }
            None => (
                self.client_cert
                    .as_deref()
                    .map(|v| read_pem_arg(v, "client certificate", &mut stdin_used))
                    .transpose()?,
                self.client_key
                    .as_deref()
                    .map(|v| read_key_arg(v, &mut stdin_used))
                    .transpose()?,
                self.root_cert
                    .as_deref()
                    .map(|v| read_pem_arg(v, "root certificate", &mut stdin_used))
                    .transpose()?,
            ),
        };
        if self.no_verify_hostname && root.is_none() {
            bail!("{}", crate::tls::TlsConfigError::NameCheckOffWithoutRoot);
        }
        let auth = self.auth_from_flags(&mut stdin_used)?;
        let deployment = match (self.deployment, auth.is_cloud()) {
            (None | Some(DeploymentArg::Cloud), true) => Deployment::Cloud,
            (None | Some(DeploymentArg::Qseow), false) => Deployment::Qseow,
            (Some(DeploymentArg::Qseow), true) => bail!(
                "--auth {} is a Qlik Cloud mode; drop --deployment qseow (or use --auth jwt, jwt-key, header or cert for QSEoW)",
                auth.mode()
            ),
            (Some(DeploymentArg::Cloud), false) => bail!(
                "--deployment cloud needs --auth cloud-key or cloud-jwt (Qlik Cloud has no certificate, header or virtual-proxy JWT auth)"
            ),
        };
        if !matches!(auth, Auth::Certificate { .. }) && (cert.is_some() || key.is_some()) {
            bail!(
                "--client-cert and --client-key are for --auth cert only; --auth {} uses server-authenticated TLS (give --root-cert if the server's CA is not a public one)",
                auth.mode()
            );
        }
        Ok(ConnectionSpec {
            name: None,
            deployment,
            engine_url,
            display_url: self.display_url.clone(),
            auth,
            tls: ClientTls {
                root_pem: root,
                cert_pem: cert,
                key_pem: key,
                verify_hostname: !self.no_verify_hostname,
            },
            timeouts: self.timeouts()?,
            ttl: None,
            identity: None,
            allow_insecure_transport: self.allow_insecure_transport,
            max_message_bytes: self.max_message_bytes()?,
            trace: None,
        })
    }

    /// The connection these flags name: inline flags win over a profile.
    /// The connection these flags name, for a command: what goes wrong here is the user's input
    /// (exit 2), unless it has a more telling code. The doctor uses [`Self::resolve`], which
    /// keeps the error's own type for its report.
    pub fn spec(&self) -> anyhow::Result<ConnectionSpec> {
        self.resolve().map_err(super::exit::input)
    }

    pub fn resolve(&self) -> anyhow::Result<ConnectionSpec> {
        if self.has_inline() {
            return self.inline_spec();
        }
        let name = match &self.profile {
            Some(name) => Some(name.clone()),
            None => crate::cli::profiles::default_profile()?,
        };
        match name {
            Some(name) => crate::cli::profiles::resolve_profile(&name, self),
            None => bail!(
                "no connection: give -p PROFILE (or set QLIK_TUI_PROFILE), or --engine-url with the auth flags; try `qlik-tui --demo` for the built-in demo"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A flag value may be a key or token given where a path was expected: Debug says only that
    /// it was given, and the engine URL loses its query values.
    #[test]
    fn debug_of_the_connection_flags_shows_no_value_that_may_be_a_secret() {
        let secret = "-----BEGIN PRIVATE KEY-----MIIEsecret";
        let args = ConnArgs {
            engine_url: Some("wss://h:4747/app?qlik-csrf-token=tok-secret".into()),
            client_key: Some(secret.into()),
            client_cert: Some(secret.into()),
            jwt_file: Some("eyJsecret".into()),
            jwt_key_file: Some(secret.into()),
            api_key_file: Some("api-secret".into()),
            header_user: Some("INTERNAL\\secret-user".into()),
            ..Default::default()
        };
        let dbg = format!("{args:?}");
        for leak in ["MIIE", "tok-secret", "eyJ", "api-secret", "secret-user"] {
            assert!(!dbg.contains(leak), "{leak} in {dbg}");
        }
        assert!(dbg.contains("<given>"), "{dbg}");
    }
}
