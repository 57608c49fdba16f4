//! `qlik-tui profile add|edit|list|show|remove|rename|test|import`: connection profiles, their
//! settings in the profile file and their secrets in the OS keyring.

use std::io::{BufRead, Read};
use std::path::PathBuf;

use anyhow::{Context, anyhow, bail};
use clap::{Args, Subcommand};
use zeroize::Zeroizing;

use crate::engine::conn::Deployment;
use crate::profile::manage;
use crate::profile::secrets::{SecretKind, SecretStore, Secrets, StoreChoice};
use crate::profile::store::{AuthMode, JwtSource, Profile, ProfileStore};
use crate::text::escape_for_terminal;
use crate::tls::intake::{self, AskSecret, Facts, Material, Origin, PemInput};
use crate::tls::pem::PemRole;

#[derive(Debug, Args)]
pub struct ProfileArgs {
    #[command(subcommand)]
    pub command: ProfileCommand,
}

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Add a profile; certificates are checked, then stored in the OS keyring.
    Add(Box<AddArgs>),
    /// Change a profile's settings or secrets (only what you pass changes).
    Edit(Box<AddArgs>),
    /// List the profiles.
    List {
        #[arg(long)]
        json: bool,
        /// Only the names, one a line (what shell completion reads; never connects).
        #[arg(long, conflicts_with = "json")]
        names: bool,
    },
    /// Show a profile: settings, which secrets the keyring holds (masked), certificate facts.
    Show {
        name: String,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Remove a profile and its keyring entries.
    Remove {
        name: String,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Rename a profile (its keyring entries move with it).
    Rename {
        from: String,
        to: String,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Quick connect: engine version and the authenticated user (the full check is `doctor`).
    Test {
        name: String,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Import a connection from another tool.
    Import(Box<ImportArgs>),
}

#[derive(Debug, Args, Clone, Default)]
pub struct StoreArg {
    /// Keyring backend (default: the profile's, else auto).
    #[arg(long, value_enum, env = "QLIK_TUI_SECRET_STORE")]
    pub secret_store: Option<StoreChoice>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct AddArgs {
    /// Profile name (letters, digits, '-', '_', '.').
    pub name: String,

    /// Engine URL: wss://host[:port][/virtual-proxy-prefix].
    #[arg(long)]
    pub engine_url: Option<String>,
    /// Base URL for hub links (https://host[/prefix]).
    #[arg(long)]
    pub display_url: Option<String>,
    #[arg(long, value_enum)]
    pub deployment: Option<DeploymentArg>,
    #[arg(long, value_enum)]
    pub auth: Option<AuthMode>,
    /// User directory (certificate auth: X-Qlik-User; JWT: the directory claim's value).
    #[arg(long)]
    pub user_directory: Option<String>,
    /// User id (certificate auth: X-Qlik-User; JWT: the user claim's value; header auth).
    #[arg(long)]
    pub user_id: Option<String>,
    /// Skip only the host-name check of the server certificate (the chain is still verified).
    #[arg(long)]
    pub no_verify_hostname: bool,
    /// Check the host name again (edit).
    #[arg(long, conflicts_with = "no_verify_hostname")]
    pub verify_hostname: bool,
    /// Seconds for each network step.
    #[arg(long, value_name = "SECONDS")]
    pub connect_timeout: Option<f64>,
    /// Seconds for each engine reply.
    #[arg(long, value_name = "SECONDS")]
    pub request_timeout: Option<f64>,
    /// Engine session time-to-live in seconds (/ttl/N).
    #[arg(long)]
    pub ttl: Option<u32>,
    /// Engine session identity (/identity/X).
    #[arg(long)]
    pub identity: Option<String>,
    #[arg(long)]
    pub notes: Option<String>,
    /// Make this the default profile.
    #[arg(long)]
    pub default: bool,

    // JWT and header settings (see PROFILE-KEYS.md).
    #[arg(long, value_enum)]
    pub jwt_source: Option<JwtSource>,
    #[arg(long)]
    pub jwt_user_id_claim: Option<String>,
    #[arg(long)]
    pub jwt_user_directory_claim: Option<String>,
    #[arg(long)]
    pub jwt_audience: Option<String>,
    #[arg(long)]
    pub jwt_issuer: Option<String>,
    #[arg(long)]
    pub jwt_key_id: Option<String>,
    #[arg(long)]
    pub jwt_expiry_secs: Option<u64>,
    /// An extra claim of a minted JWT, NAME=VALUE (true/false/numbers typed); repeatable.
    #[arg(long, value_name = "NAME=VALUE")]
    pub jwt_claim: Vec<String>,
    #[arg(long)]
    pub header_name: Option<String>,
    /// The exact header value for header auth (default: DIRECTORY\USER, or USER).
    #[arg(long)]
    pub header_user: Option<String>,

    #[command(flatten)]
    pub certs: CertArgs,

    /// JWT signing key (PEM): a path or '-' for stdin.
    #[arg(long, value_name = "PATH|-", allow_hyphen_values = true)]
    pub jwt_private_key: Option<String>,
    /// A ready JWT: a path or '-' for stdin (never on the command line: shell history).
    #[arg(long, value_name = "PATH|-", allow_hyphen_values = true)]
    pub jwt_token: Option<String>,
    /// Qlik Cloud API key: a path or '-' for stdin.
    #[arg(long, value_name = "PATH|-", allow_hyphen_values = true)]
    pub api_key: Option<String>,

    #[command(flatten)]
    pub store: StoreArg,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum DeploymentArg {
    Qseow,
    Cloud,
}

impl From<DeploymentArg> for Deployment {
    fn from(d: DeploymentArg) -> Self {
        match d {
            DeploymentArg::Qseow => Deployment::Qseow,
            DeploymentArg::Cloud => Deployment::Cloud,
        }
    }
}

/// Certificate intake flags.
#[derive(Debug, Args, Clone, Default)]
pub struct CertArgs {
    /// A folder with client.pem, client_key.pem and root.pem, as the QMC exports them.
    #[arg(long, value_name = "DIR")]
    pub cert_dir: Option<PathBuf>,
    /// Client certificate (client.pem): a path, '-' for stdin, or the PEM text.
    #[arg(long, value_name = "PATH|-|PEM", allow_hyphen_values = true)]
    pub client_cert: Option<String>,
    /// Client key (client_key.pem; PKCS#1, PKCS#8, SEC1 or encrypted PKCS#8): a path or '-'
    /// for stdin (not the key's text, which `ps` and shell history would keep).
    #[arg(long, value_name = "PATH|-", allow_hyphen_values = true)]
    pub client_key: Option<String>,
    /// Root certificate (root.pem).
    #[arg(long, value_name = "PATH|-|PEM", allow_hyphen_values = true)]
    pub root_cert: Option<String>,
    /// A PFX/P12 bundle (the QMC's Windows export format); its password is asked for.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["cert_dir", "client_cert", "client_key"])]
    pub pfx: Option<PathBuf>,
    /// Paste the client certificate, key and root certificate at prompts.
    #[arg(long, conflicts_with_all = ["cert_dir", "client_cert", "client_key", "pfx"])]
    pub paste: bool,
    /// Store an expired certificate anyway.
    #[arg(long)]
    pub force: bool,
}

impl CertArgs {
    fn given(&self) -> bool {
        self.cert_dir.is_some()
            || self.client_cert.is_some()
            || self.client_key.is_some()
            || self.root_cert.is_some()
            || self.pfx.is_some()
            || self.paste
    }
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// An OpenMetadata QlikSense connection (YAML or JSON).
    #[arg(long, value_name = "FILE")]
    pub openmetadata: PathBuf,
    /// The new profile's name.
    pub name: String,
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub store: StoreArg,
}

pub async fn run(args: ProfileArgs) -> anyhow::Result<i32> {
    match args.command {
        ProfileCommand::Add(a) => add(*a),
        ProfileCommand::Edit(a) => edit(*a),
        ProfileCommand::List { json, names } => list(json, names),
        ProfileCommand::Show { name, json, store } => show(&name, json, store.secret_store),
        ProfileCommand::Remove { name, store } => remove(&name, store.secret_store),
        ProfileCommand::Rename { from, to, store } => rename(&from, &to, store.secret_store),
        ProfileCommand::Test { name, store } => test(&name, store.secret_store).await,
        ProfileCommand::Import(a) => import(*a),
    }
}

mod input;
use input::*;

/// Applies the setting flags to `p` (only those given).
fn apply_settings(p: &mut Profile, a: &AddArgs) {
    fn set<T: Clone>(dst: &mut Option<T>, src: &Option<T>) {
        if let Some(v) = src {
            *dst = Some(v.clone());
        }
    }
    if let Some(u) = &a.engine_url {
        p.engine_url = u.clone();
    }
    if let Some(d) = a.deployment {
        p.deployment = d.into();
    }
    if let Some(m) = a.auth {
        p.auth = m;
    }
    if a.no_verify_hostname {
        p.verify_hostname = false;
    }
    if a.verify_hostname {
        p.verify_hostname = true;
    }
    set(&mut p.display_url, &a.display_url);
    set(&mut p.user_directory, &a.user_directory);
    set(&mut p.user_id, &a.user_id);
    set(&mut p.connect_timeout, &a.connect_timeout);
    set(&mut p.request_timeout, &a.request_timeout);
    set(&mut p.ttl, &a.ttl);
    set(&mut p.identity, &a.identity);
    set(&mut p.notes, &a.notes);
    set(&mut p.jwt_source, &a.jwt_source);
    set(&mut p.jwt_user_id_claim, &a.jwt_user_id_claim);
    set(&mut p.jwt_user_directory_claim, &a.jwt_user_directory_claim);
    set(&mut p.jwt_audience, &a.jwt_audience);
    set(&mut p.jwt_issuer, &a.jwt_issuer);
    set(&mut p.jwt_key_id, &a.jwt_key_id);
    set(&mut p.jwt_expiry_secs, &a.jwt_expiry_secs);
    set(&mut p.header_name, &a.header_name);
    set(&mut p.header_user, &a.header_user);
    for c in &a.jwt_claim {
        let (k, v) = c.split_once('=').unwrap_or((c.as_str(), ""));
        let value = match v {
            "true" => toml::Value::Boolean(true),
            "false" => toml::Value::Boolean(false),
            _ => v
                .parse::<i64>()
                .map(toml::Value::Integer)
                .unwrap_or_else(|_| toml::Value::String(v.to_string())),
        };
        p.jwt_claims
            .get_or_insert_with(Default::default)
            .insert(k.trim().to_string(), value);
    }
}

/// The keyring for a new profile (flag, else auto).
fn open_keyring(choice: Option<StoreChoice>) -> anyhow::Result<SecretStore> {
    Ok(SecretStore::open(choice.unwrap_or(StoreChoice::Auto))?)
}

/// The keyring holding an existing profile's secrets (flag, else the profile's, else auto).
fn keyring_of(p: &Profile, choice: Option<StoreChoice>) -> anyhow::Result<SecretStore> {
    let c = choice.unwrap_or_else(|| crate::profile::resolve::store_for(p, StoreChoice::Auto));
    Ok(SecretStore::open(c)?)
}

fn add(a: AddArgs) -> anyhow::Result<i32> {
    let mut store = ProfileStore::open_default()?;
    if store.get(&a.name).is_some() {
        bail!(
            "profile '{}' already exists: change it with `qlik-tui profile edit {}`, or remove it first",
            a.name,
            a.name
        );
    }
    let url = a
        .engine_url
        .clone()
        .ok_or_else(|| anyhow!("give --engine-url wss://host[:port][/virtual-proxy-prefix]"))?;
    let mut p = Profile::new(&a.name, &url);
    apply_settings(&mut p, &a);
    // Check the settings before asking for passphrases or touching the keyring.
    p.validate().map_err(|(key, msg)| anyhow!("{key} {msg}"))?;
    let (secrets, facts) = collect_secrets(&a)?;
    if p.auth == AuthMode::Cert && !secrets.kinds().any(|k| k == SecretKind::ClientCert) {
        bail!(
            "certificate auth needs the client certificate and key: --cert-dir DIR (client.pem, client_key.pem, root.pem), --client-cert and --client-key, --pfx FILE, or --paste"
        );
    }
    if let Some(f) = &facts {
        eprintln!("Certificate:");
        print_facts(f);
    }
    let keyring = if secrets.is_empty() && !crate::profile::resolve::needs_keyring(&p) {
        None
    } else {
        Some(open_keyring(a.store.secret_store)?)
    };
    match &keyring {
        Some(k) => manage::add(&mut store, k, p, &secrets)?,
        None => {
            store.insert(p)?;
            store.save()?;
        }
    }
    if a.default {
        store.set_default(Some(&a.name))?;
        store.save()?;
    }
    let kinds: Vec<&str> = secrets.kinds().map(|k| k.label()).collect();
    eprintln!(
        "Saved profile '{}' in {}{}",
        a.name,
        store.path().display(),
        match &keyring {
            Some(k) if !kinds.is_empty() =>
                format!("; {} in {}", kinds.join(", "), k.backend().label()),
            _ => String::new(),
        }
    );
    Ok(0)
}

fn edit(a: AddArgs) -> anyhow::Result<i32> {
    let mut store = ProfileStore::open_default()?;
    let mut p = store.require(&a.name)?.clone();
    apply_settings(&mut p, &a);
    p.validate().map_err(|(key, msg)| anyhow!("{key} {msg}"))?;
    let (secrets, facts) = collect_secrets(&a)?;
    if let Some(f) = &facts {
        eprintln!("Certificate:");
        print_facts(f);
    }
    let keyring = keyring_of(&p, a.store.secret_store)?;
    // New certificate material replaces the old set whole: no stale root from a previous CA.
    let drop: Vec<SecretKind> =
        if facts.is_some() && !secrets.kinds().any(|k| k == SecretKind::RootCert) {
            vec![SecretKind::RootCert]
        } else {
            vec![]
        };
    manage::update(&mut store, &keyring, p, &secrets, &drop)?;
    if a.default {
        store.set_default(Some(&a.name))?;
        store.save()?;
    }
    eprintln!("Updated profile '{}'", a.name);
    Ok(0)
}

fn list(json: bool, names: bool) -> anyhow::Result<i32> {
    let store = ProfileStore::open_default()?;
    if names {
        for p in store.profiles() {
            crate::outln!("{}", p.name);
        }
        return Ok(0);
    }
    let default = store.default_name().map(str::to_string);
    if json {
        let items: Vec<serde_json::Value> = store
            .profiles()
            .map(|p| {
                let mut v = profile_json(p);
                v["default"] = serde_json::Value::Bool(default.as_deref() == Some(&p.name));
                v
            })
            .collect();
        crate::outln!("{}", serde_json::to_string_pretty(&items)?);
        return Ok(0);
    }
    if store.profiles().next().is_none() {
        eprintln!(
            "No profiles in {}; add one with `qlik-tui profile add NAME --engine-url wss://HOST:4747 --cert-dir DIR --user-directory DIR --user-id ID`",
            store.path().display()
        );
        return Ok(0);
    }
    let rows: Vec<Vec<String>> = store
        .profiles()
        .map(|p| {
            vec![
                format!(
                    "{}{}",
                    p.name,
                    if default.as_deref() == Some(&p.name) {
                        " *"
                    } else {
                        ""
                    }
                ),
                deployment_str(p.deployment).into(),
                p.auth.as_str().into(),
                p.engine_url.clone(),
                p.notes.clone().unwrap_or_default(),
            ]
        })
        .collect();
    crate::out!(
        "{}",
        super::table::render(
            &["NAME", "DEPLOYMENT", "AUTH", "ENGINE URL", "NOTES"],
            &rows
        )
    );
    Ok(0)
}

fn deployment_str(d: Deployment) -> &'static str {
    match d {
        Deployment::Qseow => "qseow",
        Deployment::Cloud => "cloud",
    }
}

/// The profile's settings as JSON (the file's keys; there are no secrets in them).
fn profile_json(p: &Profile) -> serde_json::Value {
    let mut v = serde_json::to_value(p).unwrap_or_default();
    v["name"] = serde_json::Value::String(p.name.clone());
    v["verify_hostname"] = serde_json::Value::Bool(p.verify_hostname);
    v
}

fn mask(kind: SecretKind, bytes: &[u8]) -> String {
    if kind.is_private() {
        format!("stored ({} bytes, hidden)", bytes.len())
    } else {
        format!("stored ({} bytes)", bytes.len())
    }
}

fn show(name: &str, json: bool, choice: Option<StoreChoice>) -> anyhow::Result<i32> {
    let store = ProfileStore::open_default()?;
    let p = store.require(name)?;
    let keyring = keyring_of(p, choice);
    let (secrets, keyring_note) = match &keyring {
        Ok(k) => match k.load(name) {
            Ok(s) => (s, k.backend().label().to_string()),
            Err(e) => (Secrets::default(), format!("unreadable: {e}")),
        },
        Err(e) => (Secrets::default(), format!("unavailable: {e}")),
    };
    let cert = secrets.text(SecretKind::ClientCert);
    let key = secrets.text(SecretKind::ClientKey);
    let root = secrets.text(SecretKind::RootCert);
    let facts = cert.as_ref().and_then(|c| {
        intake::facts_of_stored(
            c,
            key.as_ref().map(|k| k.as_str()),
            root.as_ref().map(|r| r.as_str()),
        )
    });
    if json {
        let mut v = profile_json(p);
        v["default"] = serde_json::Value::Bool(store.default_name() == Some(name));
        v["keyring"] = serde_json::Value::String(keyring_note);
        v["secrets"] = serde_json::Value::Object(
            secrets
                .kinds()
                .map(|k| {
                    (
                        k.as_str().to_string(),
                        serde_json::Value::String(mask(k, secrets.get(k).unwrap_or_default())),
                    )
                })
                .collect(),
        );
        v["certificate"] = serde_json::to_value(&facts)?;
        crate::outln!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(0);
    }
    let mut rows = vec![];
    if let serde_json::Value::Object(m) = profile_json(p) {
        for (k, v) in m {
            if k == "name" {
                continue;
            }
            let text = match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            rows.push(vec![k, text]);
        }
    }
    crate::outln!(
        "profile {name}{}",
        if store.default_name() == Some(name) {
            " (default)"
        } else {
            ""
        }
    );
    crate::out!("{}", super::table::render(&["KEY", "VALUE"], &rows));
    crate::outln!("secrets in {keyring_note}:");
    if secrets.is_empty() {
        crate::outln!("  (none)");
    }
    for k in secrets.kinds() {
        crate::outln!(
            "  {:<16} {}",
            k.label(),
            mask(k, secrets.get(k).unwrap_or_default())
        );
    }
    if let Some(f) = facts {
        crate::outln!("client certificate:");
        crate::out!("{}", facts_text(&f));
    }
    Ok(0)
}

fn remove(name: &str, choice: Option<StoreChoice>) -> anyhow::Result<i32> {
    let mut store = ProfileStore::open_default()?;
    let p = store.require(name)?.clone();
    let keyring = keyring_of(&p, choice)?;
    let gone = manage::remove(&mut store, &keyring, name)?;
    eprintln!(
        "Removed profile '{name}'{}",
        if gone.is_empty() {
            String::new()
        } else {
            format!(
                " and its {} from {}",
                gone.iter()
                    .map(|k| k.label())
                    .collect::<Vec<_>>()
                    .join(", "),
                keyring.backend().label()
            )
        }
    );
    Ok(0)
}

fn rename(from: &str, to: &str, choice: Option<StoreChoice>) -> anyhow::Result<i32> {
    let mut store = ProfileStore::open_default()?;
    let p = store.require(from)?.clone();
    let keyring = keyring_of(&p, choice)?;
    manage::rename(&mut store, &keyring, from, to)?;
    eprintln!("Renamed profile '{from}' to '{to}'");
    Ok(0)
}

async fn test(name: &str, choice: Option<StoreChoice>) -> anyhow::Result<i32> {
    let spec = crate::profile::resolve::resolve_named(name, choice)?;
    let site = crate::explore::Site::new(spec);
    let result = site.check().await;
    site.close_all().await;
    let c = result?;
    crate::outln!(
        "ok: engine {}, authenticated as {}, {} apps {}",
        escape_for_terminal(&c.info.engine_version),
        escape_for_terminal(&c.info.user),
        c.apps,
        if site.is_cloud() {
            "in the items list"
        } else {
            "visible"
        }
    );
    Ok(0)
}

fn import(a: ImportArgs) -> anyhow::Result<i32> {
    let conn = crate::profile::openmetadata::read(&a.openmetadata)?;
    let mut store = ProfileStore::open_default()?;
    if store.get(&a.name).is_some() {
        bail!(
            "profile '{}' already exists: pick another name, or remove it first",
            a.name
        );
    }
    let mut p = Profile::new(&a.name, &conn.engine_url);
    p.display_url = conn.display_url.clone();
    p.user_directory = conn.user_directory.clone();
    p.user_id = conn.user_id.clone();
    p.verify_hostname = conn.verify_hostname;
    eprintln!(
        "{}",
        if conn.verify_hostname {
            "Host-name check: on (the file does not say validateHostName: false)"
        } else {
            "Host-name check: off, as the file says (validateHostName: false); the chain is still verified against its root"
        }
    );
    p.notes = Some(format!("imported from {}", a.openmetadata.display()));
    p.validate()
        .map_err(|(key, msg)| anyhow!("{}: {key} {msg}", a.openmetadata.display()))?;
    let m = conn.material(&mut TerminalAsk)?;
    let f = intake::validate(&m, a.force)?;
    eprintln!("Certificate:");
    print_facts(&f);
    let s = manage::certificate_secrets(&m);
    let keyring = open_keyring(a.store.secret_store)?;
    manage::add(&mut store, &keyring, p, &s)?;
    eprintln!(
        "Imported profile '{}' ({}); certificates in {}",
        a.name,
        conn.engine_url,
        keyring.backend().label()
    );
    Ok(0)
}
