//! CONN: how a command names its connection, `-p/--profile NAME` or inline flags, resolved
//! into a `ConnectionSpec`.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use clap::Args;

use crate::engine::transport::Timeouts;
use crate::profile::{Auth, ConnectionSpec, Deployment};
use crate::tls::ClientTls;

#[derive(Debug, Clone, Args, Default)]
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
    #[arg(long, global = true)]
    pub client_cert: Option<String>,

    /// Client key (client_key.pem): a path, '-' for stdin, or the PEM text itself.
    #[arg(long, global = true)]
    pub client_key: Option<String>,

    /// Root certificate (root.pem): a path, '-' for stdin, or the PEM text itself.
    #[arg(long, global = true)]
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

    /// Skip only the host-name check of the server certificate; the chain is still verified.
    #[arg(long, global = true)]
    pub no_verify_hostname: bool,

    /// Base URL for hub links (https://host[/prefix]); derived from the engine URL if absent.
    #[arg(long, global = true)]
    pub display_url: Option<String>,

    /// Seconds to wait for each network step (connect, TLS, greeting).
    #[arg(long, global = true, value_name = "SECONDS")]
    pub timeout: Option<f64>,

    /// Seconds to wait for each engine reply.
    #[arg(long, global = true, value_name = "SECONDS")]
    pub request_timeout: Option<f64>,

    /// Keyring backend holding the profile's secrets (default: the profile's own setting).
    #[arg(long, value_enum, env = "QLIK_TUI_SECRET_STORE", global = true)]
    pub secret_store: Option<crate::profile::secrets::StoreChoice>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum AuthMode {
    /// Client certificate + X-Qlik-User (QSEoW engine port 4747).
    #[default]
    Cert,
}

/// Reads a PEM flag's value: PEM text as given, '-' from stdin, or a file path.
fn read_pem_arg(value: &str, what: &str, stdin_used: &mut bool) -> anyhow::Result<String> {
    if value.contains("-----BEGIN") {
        return Ok(value.to_string());
    }
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
        Ok(t)
    }

    /// True when inline connection flags were given.
    pub fn has_inline(&self) -> bool {
        self.engine_url.is_some()
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
                    Some(file("client_key.pem", "client key")?),
                    Some(file("root.pem", "root certificate")?),
                )
            }
            None => (
                self.client_cert
                    .as_deref()
                    .map(|v| read_pem_arg(v, "client certificate", &mut stdin_used))
                    .transpose()?,
                self.client_key
                    .as_deref()
                    .map(|v| read_pem_arg(v, "client key", &mut stdin_used))
                    .transpose()?,
                self.root_cert
                    .as_deref()
                    .map(|v| read_pem_arg(v, "root certificate", &mut stdin_used))
                    .transpose()?,
            ),
        };
        let auth = match self.auth {
            AuthMode::Cert => {
                if cert.is_none() || key.is_none() {
                    bail!(
                        "certificate auth needs --client-cert and --client-key (or --cert-dir with client.pem, client_key.pem, root.pem)"
                    );
                }
                Auth::Certificate {
                    user_directory: self.user_directory.clone().ok_or_else(|| {
                        anyhow!("certificate auth needs --user-directory (e.g. INTERNAL) for the X-Qlik-User header")
                    })?,
                    user_id: self.user_id.clone().ok_or_else(|| {
                        anyhow!("certificate auth needs --user-id (e.g. sa_engine) for the X-Qlik-User header")
                    })?,
                }
            }
        };
        Ok(ConnectionSpec {
            name: None,
            deployment: Deployment::Qseow,
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
        })
    }

    /// The connection these flags name: inline flags win over a profile.
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
