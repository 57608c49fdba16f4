//! The profile file: `profiles.toml` under [`crate::paths::config_dir`] (`QLIK_TUI_CONFIG_DIR`
//! overrides it). It holds what a user keeps per site, and **never a secret**: PEMs, JWT keys and
//! tokens and API keys live in the OS keyring ([`super::secrets`]).
//!
//! The file is written atomically with mode 0600. A hand-edited file that does not parse gives an
//! error naming the line and the key ([`StoreError::Parse`]).
//!
//! # API (used by the CLI's `profile` commands and the TUI's profile pane)
//!
//! ```no_run
//! use qlik_tui::profile::store::{Profile, ProfileStore};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut store = ProfileStore::open_default()?;      // a missing file is an empty store
//! for p in store.profiles() { println!("{} {}", p.name, p.engine_url); }
//! let mut p = Profile::new("dev", "wss://qlik.corp:4747");
//! p.user_directory = Some("INTERNAL".into());
//! p.user_id = Some("sa_engine".into());
//! store.insert(p)?;                                   // error if the name is taken
//! store.save()?;                                      // atomic, 0600
//! # Ok(()) }
//! ```
//!
//! Adding, removing and renaming a profile together with its keyring entries is
//! [`super::manage`]; turning a profile into a `ConnectionSpec` is [`super::resolve`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::secrets::StoreChoice;
use crate::engine::conn::spec::Deployment;

/// The file format version written into `version =`.
pub const FILE_VERSION: u32 = 1;

/// How a profile authenticates (the profile file's `auth =`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum AuthMode {
    /// Client certificate + X-Qlik-User (QSEoW engine port 4747).
    #[default]
    Cert,
    /// JWT through a QSEoW virtual proxy.
    Jwt,
    /// Qlik Cloud API key (`api-key` is read as an alias).
    #[serde(alias = "api-key")]
    #[value(alias = "api-key")]
    CloudKey,
    /// Qlik Cloud JWT session.
    CloudJwt,
    /// Header authentication through a QSEoW virtual proxy.
    Header,
}

impl AuthMode {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMode::Cert => "cert",
            AuthMode::Jwt => "jwt",
            AuthMode::CloudKey => "cloud-key",
            AuthMode::CloudJwt => "cloud-jwt",
            AuthMode::Header => "header",
        }
    }
}

/// Where a JWT comes from (`jwt_source =`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum JwtSource {
    /// Minted at connect time from the stored private key (RS256).
    Key,
    /// The stored token, sent as is.
    Token,
}

fn yes() -> bool {
    true
}
fn is_true(b: &bool) -> bool {
    *b
}
fn file_version() -> u32 {
    FILE_VERSION
}

/// One profile: the non-secret settings of one site. Field names are the file's keys (see
/// /work/PROFILE-KEYS.md and the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The table name in the file (`[profiles.NAME]`); not a key of its own.
    #[serde(skip)]
    pub name: String,
    #[serde(default)]
    pub deployment: Deployment,
    /// `wss://host[:port][/virtual-proxy-prefix]`.
    pub engine_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_url: Option<String>,
    #[serde(default)]
    pub auth: AuthMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_directory: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub verify_hostname: bool,
    /// Seconds for each network step (connect, TLS, greeting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_timeout: Option<f64>,
    /// Seconds for each engine reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_timeout: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// The keyring backend holding this profile's secrets (resolved when the profile was saved,
    /// so a later `auto` cannot look in another keyring).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_store: Option<StoreChoice>,

    // Auth-mode settings (non-secret); see PROFILE-KEYS.md.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt_source: Option<JwtSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt_user_id_claim: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt_user_directory_claim: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt_audience: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt_issuer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt_key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt_expiry_secs: Option<u64>,
    /// Extra claims of a minted token (Qlik Cloud wants name, email, email_verified).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt_claims: Option<BTreeMap<String, toml::Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_name: Option<String>,
    /// The exact header value for header auth (default: `user_directory\user_id`, or `user_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_user: Option<String>,
    /// Send bearer credentials over `ws://` / `http://` (no TLS). Off unless set by name.
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_insecure_transport: bool,
    /// The WebSocket message cap in MiB (default 64): a larger reply is refused, not buffered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_message_mb: Option<usize>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Profile {
    /// A certificate-auth QSEoW profile with defaults for everything but the name and URL.
    pub fn new(name: &str, engine_url: &str) -> Profile {
        Profile {
            name: name.to_string(),
            deployment: Deployment::Qseow,
            engine_url: engine_url.to_string(),
            display_url: None,
            auth: AuthMode::Cert,
            user_directory: None,
            user_id: None,
            verify_hostname: true,
            allow_insecure_transport: false,
            max_message_mb: None,
            connect_timeout: None,
            request_timeout: None,
            ttl: None,
            identity: None,
            notes: None,
            secret_store: None,
            jwt_source: None,
            jwt_user_id_claim: None,
            jwt_user_directory_claim: None,
            jwt_audience: None,
            jwt_issuer: None,
            jwt_key_id: None,
            jwt_expiry_secs: None,
            jwt_claims: None,
            header_name: None,
            header_user: None,
        }
    }

    /// Checks what the file format cannot: the name, the URLs, the timeouts. Returns the
    /// offending key and what is wrong with it.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        validate_name(&self.name).map_err(|e| ("name", e))?;
        crate::engine::transport::parse_target(&self.engine_url).map_err(|e| {
            (
                "engine_url",
                format!("{e}; expected wss://host[:port][/virtual-proxy-prefix]"),
            )
        })?;
        if let Some(d) = &self.display_url {
            crate::engine::transport::parse_http_target(d).map_err(|e| {
                (
                    "display_url",
                    format!("{e}; expected https://host[/prefix]"),
                )
            })?;
        }
        for (key, v) in [
            ("connect_timeout", self.connect_timeout),
            ("request_timeout", self.request_timeout),
        ] {
            if let Some(v) = v
                && !(v.is_finite() && v > 0.0 && v <= 3600.0)
            {
                return Err((key, "must be a number of seconds between 0 and 3600".into()));
            }
        }
        let range = crate::engine::transport::MAX_MESSAGE_MB_RANGE;
        if let Some(mb) = self.max_message_mb
            && !range.contains(&mb)
        {
            return Err((
                "max_message_mb",
                format!(
                    "must be a number of MiB between {} and {}",
                    range.start(),
                    range.end()
                ),
            ));
        }
        Ok(())
    }
}

/// A profile name: it names a TOML table and keyring entries, so it is kept to letters,
/// digits, `-`, `_` and `.`.
pub fn validate_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 64 {
        return Err("a profile name must be 1 to 64 characters long".into());
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(format!(
            "profile name '{name}' may only hold letters, digits, '-', '_' and '.'"
        ));
    }
    Ok(())
}

/// The whole file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    #[serde(default = "file_version")]
    version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    default: Option<String>,
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

impl Default for ProfileFile {
    fn default() -> Self {
        ProfileFile {
            version: FILE_VERSION,
            default: None,
            profiles: BTreeMap::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{}: {what}", .path.display())]
    Io { path: PathBuf, what: String },
    #[error("{} line {line}{}: {message}; fix or remove that line", .path.display(), key_text(.key))]
    Parse {
        path: PathBuf,
        line: usize,
        key: Option<String>,
        message: String,
    },
    #[error(
        "profile '{0}' not found: see `qlik-tui profile list`, or add it with `qlik-tui profile add {0}`"
    )]
    NotFound(String),
    #[error(
        "profile '{0}' already exists: pick another name, or change it with `qlik-tui profile edit {0}`"
    )]
    Exists(String),
    #[error("profile '{name}': {key} {message}")]
    Invalid {
        name: String,
        key: &'static str,
        message: String,
    },
}

fn key_text(key: &Option<String>) -> String {
    match key {
        Some(k) => format!(", key `{k}`"),
        None => String::new(),
    }
}

/// The profiles of one file, loaded; change them, then [`ProfileStore::save`].
#[derive(Debug, Clone)]
pub struct ProfileStore {
    path: PathBuf,
    file: ProfileFile,
}

impl ProfileStore {
    /// The profile file in the config dir (`QLIK_TUI_CONFIG_DIR` overrides).
    pub fn open_default() -> Result<Self, StoreError> {
        Self::open(&crate::paths::profiles_path())
    }

    /// Loads `path`; a missing file is an empty store (created by the first `save`).
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(ProfileStore {
                    path: path.to_path_buf(),
                    file: ProfileFile::default(),
                });
            }
            Err(e) => {
                return Err(StoreError::Io {
                    path: path.to_path_buf(),
                    what: io_reason(&e, "read"),
                });
            }
        };
        let file = parse(path, &text)?;
        Ok(ProfileStore {
            path: path.to_path_buf(),
            file,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every profile, sorted by name.
    pub fn profiles(&self) -> impl Iterator<Item = &Profile> {
        self.file.profiles.values()
    }

    pub fn names(&self) -> Vec<String> {
        self.file.profiles.keys().cloned().collect()
    }

    pub fn get(&self, name: &str) -> Option<&Profile> {
        self.file.profiles.get(name)
    }

    /// The profile named `name`, or [`StoreError::NotFound`].
    pub fn require(&self, name: &str) -> Result<&Profile, StoreError> {
        self.get(name)
            .ok_or_else(|| StoreError::NotFound(name.to_string()))
    }

    /// The `default =` profile, if set.
    pub fn default_name(&self) -> Option<&str> {
        self.file.default.as_deref()
    }

    pub fn set_default(&mut self, name: Option<&str>) -> Result<(), StoreError> {
        if let Some(n) = name {
            self.require(n)?;
        }
        self.file.default = name.map(str::to_string);
        Ok(())
    }

    /// Adds a new profile; the name must be free.
    pub fn insert(&mut self, profile: Profile) -> Result<(), StoreError> {
        if self.file.profiles.contains_key(&profile.name) {
            return Err(StoreError::Exists(profile.name));
        }
        check(&profile)?;
        self.file.profiles.insert(profile.name.clone(), profile);
        Ok(())
    }

    /// Replaces an existing profile of the same name.
    pub fn update(&mut self, profile: Profile) -> Result<(), StoreError> {
        self.require(&profile.name)?;
        check(&profile)?;
        self.file.profiles.insert(profile.name.clone(), profile);
        Ok(())
    }

    pub fn remove(&mut self, name: &str) -> Result<Profile, StoreError> {
        let p = self
            .file
            .profiles
            .remove(name)
            .ok_or_else(|| StoreError::NotFound(name.to_string()))?;
        if self.file.default.as_deref() == Some(name) {
            self.file.default = None;
        }
        Ok(p)
    }

    pub fn rename(&mut self, from: &str, to: &str) -> Result<(), StoreError> {
        validate_name(to).map_err(|message| StoreError::Invalid {
            name: to.to_string(),
            key: "name",
            message,
        })?;
        if self.file.profiles.contains_key(to) {
            return Err(StoreError::Exists(to.to_string()));
        }
        let was_default = self.file.default.as_deref() == Some(from);
        let mut p = self.remove(from)?;
        p.name = to.to_string();
        self.file.profiles.insert(to.to_string(), p);
        if was_default {
            self.file.default = Some(to.to_string());
        }
        Ok(())
    }

    /// Writes the file atomically with mode 0600 (creating the config dir).
    pub fn save(&self) -> Result<(), StoreError> {
        let io = |e: std::io::Error| StoreError::Io {
            path: self.path.clone(),
            what: io_reason(&e, "write"),
        };
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let body = toml::to_string_pretty(&self.file).map_err(|e| StoreError::Io {
            path: self.path.clone(),
            what: format!("cannot encode the profiles: {e}"),
        })?;
        let text = format!(
            "# qlik-tui connection profiles. No secrets here: certificates, keys, tokens and API keys\n# are in the OS keyring. Edit with `qlik-tui profile edit`, or by hand.\n\n{body}"
        );
        crate::fsutil::write_atomic(&self.path, text.as_bytes(), true).map_err(io)
    }
}

fn check(p: &Profile) -> Result<(), StoreError> {
    p.validate().map_err(|(key, message)| StoreError::Invalid {
        name: p.name.clone(),
        key,
        message,
    })
}

fn io_reason(e: &std::io::Error, verb: &str) -> String {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied => {
            format!(
                "cannot {verb} the profile file: permission denied; check the file's owner and mode"
            )
        }
        std::io::ErrorKind::InvalidData => {
            format!("cannot {verb} the profile file: it is not UTF-8 text; fix or remove it")
        }
        _ => format!("cannot {verb} the profile file: {e}"),
    }
}

/// Parses the file text; errors name the line and the key.
fn parse(path: &Path, text: &str) -> Result<ProfileFile, StoreError> {
    let mut file: ProfileFile = toml::from_str(text).map_err(|e| {
        let offset = e.span().map(|s| s.start).unwrap_or(0);
        let line = line_of(text, offset);
        let key = key_at(text, offset).or_else(|| key_in_message(e.message()));
        StoreError::Parse {
            path: path.to_path_buf(),
            line,
            key,
            message: redact_values(e.message()),
        }
    })?;
    if file.version > FILE_VERSION {
        return Err(StoreError::Parse {
            path: path.to_path_buf(),
            line: find_line(text, None, "version").unwrap_or(1),
            key: Some("version".into()),
            message: format!(
                "file format {} is newer than this qlik-tui understands ({FILE_VERSION}); upgrade qlik-tui",
                file.version
            ),
        });
    }
    for (name, p) in file.profiles.iter_mut() {
        p.name = name.clone();
        if let Err((key, message)) = p.validate() {
            let section = format!("profiles.{name}");
            return Err(StoreError::Parse {
                path: path.to_path_buf(),
                line: find_line(text, Some(&section), key)
                    .or_else(|| find_header(text, &section))
                    .unwrap_or(1),
                key: Some(format!("{section}.{key}")),
                message,
            });
        }
    }
    if let Some(d) = &file.default
        && !file.profiles.contains_key(d)
    {
        return Err(StoreError::Parse {
            path: path.to_path_buf(),
            line: find_line(text, None, "default").unwrap_or(1),
            key: Some("default".into()),
            message: format!("names profile '{d}', which is not in the file"),
        });
    }
    Ok(file)
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The dotted key at `offset`: the table header above it plus the key on that line.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let line = text[start..].lines().next().unwrap_or("");
    let key = line.split_once('=').map(|(k, _)| k.trim().to_string())?;
    if key.is_empty() || key.starts_with('#') || key.starts_with('[') {
        return None;
    }
    let header = text[..start].lines().rev().find_map(|l| {
        let l = l.trim();
        l.strip_prefix('[')
            .and_then(|r| r.strip_suffix(']'))
            .map(|h| h.trim().to_string())
    });
    Some(match header {
        Some(h) => format!("{h}.{key}"),
        None => key,
    })
}

/// serde names the key in "unknown field `x`" / "missing field `x`" messages.
fn key_in_message(msg: &str) -> Option<String> {
    let start = msg.find('`')? + 1;
    let len = msg[start..].find('`')?;
    Some(msg[start..start + len].to_string())
}

/// toml quotes a mistyped value in its message; keep the kind, not the value.
fn redact_values(msg: &str) -> String {
    let mut out = String::new();
    let mut rest = msg.trim();
    while let Some(i) = rest.find("string \"") {
        out.push_str(&rest[..i + "string".len()]);
        let after = &rest[i + "string \"".len()..];
        rest = match after.find('"') {
            Some(j) => &after[j + 1..],
            None => "",
        };
    }
    out.push_str(rest);
    out.replace('\n', " ")
}

fn find_header(text: &str, section: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            l.trim()
                .strip_prefix('[')
                .and_then(|r| r.strip_suffix(']'))
                .is_some_and(|h| h.trim() == section)
        })
        .map(|i| i + 1)
}

/// The line of `key =` inside `[section]` (or at the top level).
fn find_line(text: &str, section: Option<&str>, key: &str) -> Option<usize> {
    let mut current: Option<String> = None;
    for (i, l) in text.lines().enumerate() {
        let t = l.trim();
        if let Some(h) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            current = Some(h.trim().to_string());
            continue;
        }
        if current.as_deref() == section && t.split_once('=').is_some_and(|(k, _)| k.trim() == key)
        {
            return Some(i + 1);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_in(dir: &Path) -> ProfileStore {
        ProfileStore::open(&dir.join("profiles.toml")).unwrap()
    }

    fn parse_err(text: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("profiles.toml");
        std::fs::write(&path, text).unwrap();
        ProfileStore::open(&path).unwrap_err().to_string()
    }

    #[test]
    fn round_trips_every_key_and_writes_0600() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store_in(dir.path());
        let mut p = Profile::new("dev", "wss://qlik.corp:4747/jwt");
        p.display_url = Some("https://qlik.corp/jwt".into());
        p.auth = AuthMode::Jwt;
        p.user_directory = Some("CORP".into());
        p.user_id = Some("alice".into());
        p.verify_hostname = false;
        p.connect_timeout = Some(5.0);
        p.request_timeout = Some(60.0);
        p.ttl = Some(30);
        p.identity = Some("qt".into());
        p.notes = Some("line one\nline \"two\"".into());
        p.secret_store = Some(StoreChoice::Keyutils);
        p.jwt_source = Some(JwtSource::Key);
        p.jwt_user_id_claim = Some("sub".into());
        p.jwt_audience = Some("qlik.api".into());
        p.jwt_expiry_secs = Some(120);
        p.header_name = Some("X-User".into());
        p.header_user = Some("CORP\\alice".into());
        p.jwt_claims = Some(BTreeMap::from([
            ("name".to_string(), toml::Value::String("Alice".into())),
            ("email_verified".to_string(), toml::Value::Boolean(true)),
        ]));
        s.insert(p.clone()).unwrap();
        s.insert(Profile::new("prod", "wss://prod:4747")).unwrap();
        s.set_default(Some("prod")).unwrap();
        s.save().unwrap();

        let back = store_in(dir.path());
        assert_eq!(back.get("dev"), Some(&p));
        assert_eq!(back.names(), vec!["dev", "prod"]);
        assert_eq!(back.default_name(), Some("prod"));
        assert!(back.get("prod").unwrap().verify_hostname);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(back.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let text = std::fs::read_to_string(back.path()).unwrap();
        assert!(text.contains("[profiles.dev]"), "{text}");
        assert!(text.contains("auth = \"jwt\""), "{text}");
        assert!(text.contains("secret_store = \"keyutils\""), "{text}");
        // `api-key` is read as the cloud-key mode.
        let e = tempfile::tempdir().unwrap();
        let path = e.path().join("p.toml");
        std::fs::write(
            &path,
            "[profiles.c]\nengine_url = \"wss://t.qlikcloud.com\"\nauth = \"api-key\"\n",
        )
        .unwrap();
        assert_eq!(
            ProfileStore::open(&path).unwrap().get("c").unwrap().auth,
            AuthMode::CloudKey
        );
    }

    #[test]
    fn missing_file_is_empty_and_insert_update_remove_rename_work() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store_in(dir.path());
        assert_eq!(s.profiles().count(), 0);
        s.insert(Profile::new("a", "wss://h:4747")).unwrap();
        assert!(matches!(
            s.insert(Profile::new("a", "wss://h:4747")),
            Err(StoreError::Exists(_))
        ));
        let mut a = s.get("a").unwrap().clone();
        a.notes = Some("n".into());
        s.update(a).unwrap();
        s.set_default(Some("a")).unwrap();
        s.rename("a", "b").unwrap();
        assert_eq!(s.default_name(), Some("b"));
        assert!(s.get("a").is_none());
        assert_eq!(s.get("b").unwrap().notes.as_deref(), Some("n"));
        assert_eq!(s.get("b").unwrap().name, "b");
        assert!(matches!(s.remove("a"), Err(StoreError::NotFound(_))));
        s.remove("b").unwrap();
        assert_eq!(s.default_name(), None);
    }

    #[test]
    fn invalid_profiles_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store_in(dir.path());
        let e = s
            .insert(Profile::new("bad/name", "wss://h:4747"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("letters, digits"), "{e}");
        let e = s
            .insert(Profile::new("x", "http//nope"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("engine_url"), "{e}");
    }

    #[test]
    fn broken_toml_names_line_and_key() {
        let e = parse_err(
            "version = 1\n\n[profiles.dev]\nengine_url = \"wss://h:4747\"\nttl = \"soon\"\n",
        );
        assert!(e.contains("line 5"), "{e}");
        assert!(e.contains("profiles.dev.ttl"), "{e}");
        assert!(!e.contains("soon"), "echoes the value: {e}");

        let e = parse_err("[profiles.dev]\nengine_url = \"wss://h:4747\"\nuser_idd = \"x\"\n");
        assert!(e.contains("line 3"), "{e}");
        assert!(e.contains("user_idd"), "{e}");

        let e = parse_err("[profiles.dev]\nengine_url = \"wss://h:4747\nuser_id = 1\n");
        assert!(e.contains("line 2"), "{e}");

        let e = parse_err("[profiles.dev]\nnotes = \"x\"\n");
        assert!(e.contains("engine_url"), "{e}");
    }

    #[test]
    fn semantic_errors_name_line_and_key() {
        let e = parse_err(
            "[profiles.a]\nengine_url = \"wss://h:4747\"\n\n[profiles.b]\nnotes = \"n\"\nengine_url = \"ftp://h\"\n",
        );
        assert!(e.contains("line 6"), "{e}");
        assert!(e.contains("profiles.b.engine_url"), "{e}");
        let e = parse_err("default = \"zz\"\n[profiles.a]\nengine_url = \"wss://h:4747\"\n");
        assert!(e.contains("line 1") && e.contains("default"), "{e}");
        let e = parse_err("version = 9\n");
        assert!(e.contains("upgrade"), "{e}");
    }
}
