//! Profile secrets in the OS keyring, through keyring-core and one store crate per platform:
//! Secret Service (Linux desktops, or a headless gnome-keyring), kernel keyutils (headless Linux),
//! Keychain (macOS), Credential Manager (Windows).
//!
//! Each secret is one logical entry: service `qlik-tui` (`QLIK_TUI_KEYRING_SERVICE` overrides, for
//! tests and side-by-side installs), account `<profile>/<kind>` (see [`SecretKind`]).
//!
//! # Chunking (every backend)
//! Windows Credential Manager caps a credential at 2560 bytes, and a 4096-bit RSA key in PEM is
//! about 3.3 KB. So every secret is stored as bytes (`set_secret`, never UTF-16 passwords) in
//! chunks of at most [`ENTRY_MAX`] bytes: the first entry `<profile>/<kind>` holds a 17-byte
//! header (`QTS1`, chunk count, total length, the first 8 bytes of the SHA-256 of the whole
//! secret) and the first chunk; further chunks are `<profile>/<kind>#2`, `#3`, ... The same
//! scheme on every backend means the chunked path is exercised by the real-backend tests too,
//! and a profile copied between machines reads the same. A reader checks the length and the hash,
//! so a half-written secret is reported as damaged, never used. An entry without the header (put
//! there by another tool) is read as the whole secret.
//!
//! Secrets are held in [`zeroize::Zeroizing`] buffers and never appear in errors.
//!
//! # API
//! ```no_run
//! use qlik_tui::profile::secrets::{SecretKind, SecretStore, StoreChoice};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = SecretStore::open(StoreChoice::Auto)?;     // one clear sentence when unavailable
//! store.set("dev", SecretKind::ClientKey, b"-----BEGIN PRIVATE KEY-----...")?;
//! let all = store.load("dev")?;                          // every kind that is stored
//! let key = all.text(SecretKind::ClientKey);             // Option<Zeroizing<String>>
//! store.delete_all("dev")?;
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use keyring_core::api::CredentialStore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The keyring service name every entry is filed under.
pub const DEFAULT_SERVICE: &str = "qlik-tui";

/// The most bytes one keyring entry holds: Windows Credential Manager's cap
/// (`CRED_MAX_CREDENTIAL_BLOB_SIZE`).
pub const ENTRY_MAX: usize = 2560;

const MAGIC: &[u8; 4] = b"QTS1";
const HEADER_LEN: usize = 4 + 1 + 4 + 8;
/// Chunk payload: the cap less the header, rounded down to leave room.
const CHUNK: usize = 2048;
/// Enough chunks for a 500 KB secret; a bound for deleting leftovers.
const MAX_CHUNKS: usize = 250;

/// Which keyring backend to use (`--secret-store`, the profile's `secret_store =`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum, Default)]
#[serde(rename_all = "kebab-case")]
pub enum StoreChoice {
    /// Secret Service if a D-Bus session is there, else keyutils (Linux); Keychain (macOS);
    /// Credential Manager (Windows).
    #[default]
    Auto,
    /// The freedesktop Secret Service (gnome-keyring, KWallet) over D-Bus.
    SecretService,
    /// The Linux kernel's keyutils, in the session keyring.
    Keyutils,
    /// The macOS Keychain.
    Keychain,
    /// Windows Credential Manager.
    Credman,
}

impl StoreChoice {
    pub fn as_str(self) -> &'static str {
        match self {
            StoreChoice::Auto => "auto",
            StoreChoice::SecretService => "secret-service",
            StoreChoice::Keyutils => "keyutils",
            StoreChoice::Keychain => "keychain",
            StoreChoice::Credman => "credman",
        }
    }

    /// The name a user recognises, for messages.
    pub fn label(self) -> &'static str {
        match self {
            StoreChoice::Auto => "the OS keyring",
            StoreChoice::SecretService => "the Secret Service keyring",
            StoreChoice::Keyutils => "the kernel keyutils keyring",
            StoreChoice::Keychain => "the macOS Keychain",
            StoreChoice::Credman => "Windows Credential Manager",
        }
    }
}

/// What a secret is. Its `as_str` is the account suffix in the keyring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SecretKind {
    ClientCert,
    ClientKey,
    RootCert,
    JwtPrivateKey,
    JwtToken,
    ApiKey,
}

impl SecretKind {
    pub const ALL: [SecretKind; 6] = [
        SecretKind::ClientCert,
        SecretKind::ClientKey,
        SecretKind::RootCert,
        SecretKind::JwtPrivateKey,
        SecretKind::JwtToken,
        SecretKind::ApiKey,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SecretKind::ClientCert => "client_cert",
            SecretKind::ClientKey => "client_key",
            SecretKind::RootCert => "root_cert",
            SecretKind::JwtPrivateKey => "jwt_private_key",
            SecretKind::JwtToken => "jwt_token",
            SecretKind::ApiKey => "api_key",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SecretKind::ClientCert => "client certificate",
            SecretKind::ClientKey => "client key",
            SecretKind::RootCert => "root certificate",
            SecretKind::JwtPrivateKey => "JWT private key",
            SecretKind::JwtToken => "JWT token",
            SecretKind::ApiKey => "API key",
        }
    }

    /// Certificates are public; keys, tokens and API keys are masked when shown.
    pub fn is_private(self) -> bool {
        !matches!(self, SecretKind::ClientCert | SecretKind::RootCert)
    }
}

/// A backend that cannot be used, as one sentence: which, why, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} is not available: {why}; {fix}", .backend.label())]
pub struct BackendError {
    pub backend: StoreChoice,
    pub why: String,
    pub fix: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error(transparent)]
    Unavailable(#[from] BackendError),
    #[error(
        "the {} of profile '{profile}' in {} is damaged ({why}); store it again with `qlik-tui profile edit {profile}`",
        .kind.label(), .backend.label()
    )]
    Damaged {
        profile: String,
        kind: SecretKind,
        backend: StoreChoice,
        why: &'static str,
    },
    #[error("{} refused the {} of profile '{profile}': {what}", .backend.label(), .kind.label())]
    Refused {
        profile: String,
        kind: SecretKind,
        backend: StoreChoice,
        what: String,
    },
}

/// Secrets of one profile, wiped from memory when dropped.
#[derive(Default)]
pub struct Secrets(BTreeMap<SecretKind, Zeroizing<Vec<u8>>>);

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Names only, never values.
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl Secrets {
    pub fn insert(&mut self, kind: SecretKind, value: Zeroizing<Vec<u8>>) {
        self.0.insert(kind, value);
    }
    pub fn get(&self, kind: SecretKind) -> Option<&[u8]> {
        self.0.get(&kind).map(|v| v.as_slice())
    }
    /// The secret as text (PEM, token), or None when absent or not UTF-8.
    pub fn text(&self, kind: SecretKind) -> Option<Zeroizing<String>> {
        let bytes = self.get(kind)?;
        std::str::from_utf8(bytes)
            .ok()
            .map(|s| Zeroizing::new(s.to_string()))
    }
    pub fn kinds(&self) -> impl Iterator<Item = SecretKind> + '_ {
        self.0.keys().copied()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A keyring backend, opened.
pub struct SecretStore {
    inner: Arc<CredentialStore>,
    backend: StoreChoice,
    service: String,
}

impl std::fmt::Debug for SecretStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretStore")
            .field("backend", &self.backend)
            .field("service", &self.service)
            .finish()
    }
}

fn service_name() -> String {
    std::env::var("QLIK_TUI_KEYRING_SERVICE")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| DEFAULT_SERVICE.to_string())
}

impl SecretStore {
    /// Opens the chosen backend; `Auto` picks the platform's (on Linux: Secret Service when a
    /// D-Bus session answers, else keyutils when the process has a session keyring).
    pub fn open(choice: StoreChoice) -> Result<SecretStore, BackendError> {
        let (inner, backend) = backends::open(choice)?;
        Ok(SecretStore {
            inner,
            backend,
            service: service_name(),
        })
    }

    /// Wraps any keyring-core store (tests: the mock store, a size-capped wrapper).
    pub fn with_store(inner: Arc<CredentialStore>, backend: StoreChoice) -> SecretStore {
        SecretStore {
            inner,
            backend,
            service: service_name(),
        }
    }

    /// Files entries under another service name (tests; `QLIK_TUI_KEYRING_SERVICE` does the
    /// same for the binary).
    pub fn with_service(mut self, service: &str) -> SecretStore {
        self.service = service.to_string();
        self
    }

    /// The backend actually in use (never `Auto`, except for a wrapped test store).
    pub fn backend(&self) -> StoreChoice {
        self.backend
    }

    fn account(profile: &str, kind: SecretKind, chunk: usize) -> String {
        if chunk <= 1 {
            format!("{profile}/{}", kind.as_str())
        } else {
            format!("{profile}/{}#{chunk}", kind.as_str())
        }
    }

    fn entry(
        &self,
        profile: &str,
        kind: SecretKind,
        chunk: usize,
    ) -> Result<keyring_core::Entry, SecretError> {
        self.inner
            .build(&self.service, &Self::account(profile, kind, chunk), None)
            .map_err(|e| self.map_err(profile, kind, e))
    }

    fn map_err(&self, profile: &str, kind: SecretKind, e: keyring_core::Error) -> SecretError {
        if let Some(b) = backends::unavailable(self.backend, &e) {
            return SecretError::Unavailable(b);
        }
        let what = match &e {
            keyring_core::Error::TooLong(_, n) => {
                format!("the value is over its limit of {n} bytes")
            }
            // These two variants carry the secret's bytes; never format them.
            keyring_core::Error::BadEncoding(_) | keyring_core::Error::BadDataFormat(..) => {
                "the stored data is malformed".to_string()
            }
            other => other.to_string(),
        };
        SecretError::Refused {
            profile: profile.to_string(),
            kind,
            backend: self.backend,
            what,
        }
    }

    /// Stores `secret` (replacing any previous value), chunked.
    pub fn set(&self, profile: &str, kind: SecretKind, secret: &[u8]) -> Result<(), SecretError> {
        let old_chunks = self.chunk_count(profile, kind)?.unwrap_or(0);
        let chunks: Vec<&[u8]> = if secret.is_empty() {
            vec![&[][..]]
        } else {
            secret.chunks(CHUNK).collect()
        };
        if chunks.len() > MAX_CHUNKS {
            return Err(SecretError::Refused {
                profile: profile.into(),
                kind,
                backend: self.backend,
                what: format!("it is over {} KB", MAX_CHUNKS * CHUNK / 1024),
            });
        }
        // Later chunks first, the header last: a reader never meets a header whose chunks are
        // not there yet (a crash in between leaves the old header, whose hash then fails).
        for (i, c) in chunks.iter().enumerate().skip(1) {
            self.entry(profile, kind, i + 1)?
                .set_secret(c)
                .map_err(|e| self.map_err(profile, kind, e))?;
        }
        let digest = Sha256::digest(secret);
        let mut first = Zeroizing::new(Vec::with_capacity(HEADER_LEN + chunks[0].len()));
        first.extend_from_slice(MAGIC);
        first.push(chunks.len() as u8);
        first.extend_from_slice(&(secret.len() as u32).to_be_bytes());
        first.extend_from_slice(&digest[..8]);
        first.extend_from_slice(chunks[0]);
        self.entry(profile, kind, 1)?
            .set_secret(&first)
            .map_err(|e| self.map_err(profile, kind, e))?;
        for i in chunks.len() + 1..=old_chunks {
            self.delete_one(profile, kind, i)?;
        }
        Ok(())
    }

    /// How many chunks the stored secret has (None: nothing stored).
    fn chunk_count(&self, profile: &str, kind: SecretKind) -> Result<Option<usize>, SecretError> {
        match self.entry(profile, kind, 1)?.get_secret() {
            Ok(bytes) => {
                let bytes = Zeroizing::new(bytes);
                // A damaged header cannot send the deletes past the most chunks ever written.
                Ok(Some(
                    if bytes.len() >= HEADER_LEN && bytes.starts_with(MAGIC) {
                        (bytes[4] as usize).clamp(1, MAX_CHUNKS)
                    } else {
                        1
                    },
                ))
            }
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(self.map_err(profile, kind, e)),
        }
    }

    /// Reads a secret; None when it is not stored.
    pub fn get(
        &self,
        profile: &str,
        kind: SecretKind,
    ) -> Result<Option<Zeroizing<Vec<u8>>>, SecretError> {
        let first = match self.entry(profile, kind, 1)?.get_secret() {
            Ok(b) => Zeroizing::new(b),
            Err(keyring_core::Error::NoEntry) => return Ok(None),
            Err(e) => return Err(self.map_err(profile, kind, e)),
        };
        if !(first.len() >= HEADER_LEN && first.starts_with(MAGIC)) {
            return Ok(Some(first));
        }
        let damaged = |why| SecretError::Damaged {
            profile: profile.to_string(),
            kind,
            backend: self.backend,
            why,
        };
        let count = first[4] as usize;
        let total = u32::from_be_bytes([first[5], first[6], first[7], first[8]]) as usize;
        // The header is read from a store others can write: its counts are checked before they
        // size anything (a declared 4 GB would otherwise be allocated up front).
        if count == 0 || count > MAX_CHUNKS {
            return Err(damaged("its header declares an impossible number of parts"));
        }
        if total > count * CHUNK {
            return Err(damaged(
                "its header declares more bytes than its parts can hold",
            ));
        }
        let mut out = Zeroizing::new(Vec::with_capacity(total));
        out.extend_from_slice(&first[HEADER_LEN..]);
        for i in 2..=count {
            match self.entry(profile, kind, i)?.get_secret() {
                Ok(b) => out.extend_from_slice(&Zeroizing::new(b)),
                Err(keyring_core::Error::NoEntry) => return Err(damaged("a chunk is missing")),
                Err(e) => return Err(self.map_err(profile, kind, e)),
            }
        }
        if out.len() != total {
            return Err(damaged("its length does not match"));
        }
        if Sha256::digest(&out[..])[..8] != first[9..17] {
            return Err(damaged("its checksum does not match"));
        }
        Ok(Some(out))
    }

    fn delete_one(
        &self,
        profile: &str,
        kind: SecretKind,
        chunk: usize,
    ) -> Result<bool, SecretError> {
        match self.entry(profile, kind, chunk)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring_core::Error::NoEntry) => Ok(false),
            Err(e) => Err(self.map_err(profile, kind, e)),
        }
    }

    /// Deletes a secret and all its chunks; false when nothing was stored.
    pub fn delete(&self, profile: &str, kind: SecretKind) -> Result<bool, SecretError> {
        let count = self.chunk_count(profile, kind)?;
        let n = count.unwrap_or(0);
        // Chunks first, then leftovers of an interrupted longer write, the header last.
        for c in 2..=n {
            self.delete_one(profile, kind, c)?;
        }
        let mut i = n.max(1) + 1;
        while i <= MAX_CHUNKS && self.delete_one(profile, kind, i)? {
            i += 1;
        }
        let had = self.delete_one(profile, kind, 1)?;
        Ok(had || count.is_some())
    }

    /// Every secret stored for `profile`.
    pub fn load(&self, profile: &str) -> Result<Secrets, SecretError> {
        let mut s = Secrets::default();
        for kind in SecretKind::ALL {
            if let Some(v) = self.get(profile, kind)? {
                s.insert(kind, v);
            }
        }
        Ok(s)
    }

    /// Which kinds are stored for `profile`, without keeping the values.
    pub fn stored_kinds(&self, profile: &str) -> Result<Vec<SecretKind>, SecretError> {
        Ok(self.load(profile)?.kinds().collect())
    }

    /// Deletes every secret of `profile`; returns the kinds that were there.
    pub fn delete_all(&self, profile: &str) -> Result<Vec<SecretKind>, SecretError> {
        let mut gone = Vec::new();
        for kind in SecretKind::ALL {
            if self.delete(profile, kind)? {
                gone.push(kind);
            }
        }
        Ok(gone)
    }

    /// Stores every secret in `secrets` for `profile`; on a failure, the ones already written
    /// by this call are deleted again so no half set is left.
    pub fn store_all(&self, profile: &str, secrets: &Secrets) -> Result<(), SecretError> {
        let mut written = Vec::new();
        for kind in secrets.kinds() {
            let value = secrets.get(kind).unwrap_or_default();
            if let Err(e) = self.set(profile, kind, value) {
                for k in written {
                    let _ = self.delete(profile, k);
                }
                return Err(e);
            }
            written.push(kind);
        }
        Ok(())
    }

    /// Moves every secret of `from` to `to` (copy, then delete the old entries).
    pub fn rename(&self, from: &str, to: &str) -> Result<(), SecretError> {
        let secrets = self.load(from)?;
        self.store_all(to, &secrets)?;
        self.delete_all(from)?;
        Ok(())
    }
}

/// Opening the platform stores, and the one-sentence reasons they fail.
mod backends {
    use super::*;

    pub(super) fn open(
        choice: StoreChoice,
    ) -> Result<(Arc<CredentialStore>, StoreChoice), BackendError> {
        match choice {
            StoreChoice::Auto => auto(),
            StoreChoice::SecretService => secret_service().map(|s| (s, choice)),
            StoreChoice::Keyutils => keyutils().map(|s| (s, choice)),
            StoreChoice::Keychain => keychain().map(|s| (s, choice)),
            StoreChoice::Credman => credman().map(|s| (s, choice)),
        }
    }

    fn not_here(backend: StoreChoice, os: &str) -> BackendError {
        BackendError {
            backend,
            why: format!("it exists only on {os}"),
            fix: format!(
                "pick another with --secret-store (here: {})",
                if cfg!(target_os = "linux") {
                    "secret-service or keyutils"
                } else if cfg!(target_os = "macos") {
                    "keychain"
                } else {
                    "credman"
                }
            ),
        }
    }

    #[cfg(target_os = "linux")]
    fn auto() -> Result<(Arc<CredentialStore>, StoreChoice), BackendError> {
        match secret_service() {
            Ok(s) => Ok((s, StoreChoice::SecretService)),
            Err(ss) => match keyutils() {
                Ok(k) => Ok((k, StoreChoice::Keyutils)),
                Err(ku) => Err(BackendError {
                    backend: StoreChoice::Auto,
                    why: format!(
                        "the Secret Service failed ({}) and keyutils failed ({})",
                        ss.why, ku.why
                    ),
                    fix: "run qlik-tui in a desktop session, or start a keyring for it: `keyctl session - qlik-tui ...` (kernel keyring) or `dbus-run-session -- sh -c 'printf PASSWORD | gnome-keyring-daemon --unlock --components=secrets; qlik-tui ...'`".into(),
                }),
            },
        }
    }
    #[cfg(target_os = "macos")]
    fn auto() -> Result<(Arc<CredentialStore>, StoreChoice), BackendError> {
        keychain().map(|s| (s, StoreChoice::Keychain))
    }
    #[cfg(target_os = "windows")]
    fn auto() -> Result<(Arc<CredentialStore>, StoreChoice), BackendError> {
        credman().map(|s| (s, StoreChoice::Credman))
    }
    #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
    fn auto() -> Result<(Arc<CredentialStore>, StoreChoice), BackendError> {
        Err(BackendError {
            backend: StoreChoice::Auto,
            why: "this platform has no supported keyring".into(),
            fix: "use Linux, macOS or Windows".into(),
        })
    }

    #[cfg(target_os = "linux")]
    fn secret_service() -> Result<Arc<CredentialStore>, BackendError> {
        let b = StoreChoice::SecretService;
        let has_bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|v| !v.is_empty())
            || std::path::Path::new(&format!("/run/user/{}/bus", unsafe_uid())).exists();
        if !has_bus {
            return Err(BackendError {
                backend: b,
                why: "there is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)".into(),
                fix: "run qlik-tui in a desktop session, or headless under `dbus-run-session -- sh -c 'printf PASSWORD | gnome-keyring-daemon --unlock --components=secrets; qlik-tui ...'`, or use --secret-store keyutils".into(),
            });
        }
        match zbus_secret_service_keyring_store::Store::new() {
            Ok(s) => Ok(s as Arc<CredentialStore>),
            Err(e) => Err(BackendError {
                backend: b,
                why: format!(
                    "the D-Bus session bus or the Secret Service does not answer ({})",
                    short(&e.to_string())
                ),
                fix: "start a keyring daemon (gnome-keyring-daemon --unlock --components=secrets, or KWallet), or use --secret-store keyutils".into(),
            }),
        }
    }
    #[cfg(not(target_os = "linux"))]
    fn secret_service() -> Result<Arc<CredentialStore>, BackendError> {
        Err(not_here(StoreChoice::SecretService, "Linux"))
    }

    #[cfg(target_os = "linux")]
    fn keyutils() -> Result<Arc<CredentialStore>, BackendError> {
        if !has_session_keyring() {
            return Err(no_session_keyring());
        }
        linux_keyutils_keyring_store::Store::new()
            .map(|s| s as Arc<CredentialStore>)
            .map_err(|e| BackendError {
                backend: StoreChoice::Keyutils,
                why: short(&e.to_string()),
                fix: "use --secret-store secret-service".into(),
            })
    }
    #[cfg(not(target_os = "linux"))]
    fn keyutils() -> Result<Arc<CredentialStore>, BackendError> {
        Err(not_here(StoreChoice::Keyutils, "Linux"))
    }

    fn no_session_keyring() -> BackendError {
        BackendError {
            backend: StoreChoice::Keyutils,
            why: "this process has no session keyring (only a login through PAM, or `keyctl session`, makes one)".into(),
            fix: "run it as `keyctl session - qlik-tui ...`, log in through a PAM session, or use --secret-store secret-service".into(),
        }
    }

    /// A process outside any session keyring falls back to the user-session keyring
    /// (`_uid_ses.<uid>`), where storing is denied; a real one is described `_ses...`.
    #[cfg(target_os = "linux")]
    pub fn has_session_keyring() -> bool {
        use linux_keyutils::{KeyRing, KeyRingIdentifier};
        match KeyRing::from_special_id(KeyRingIdentifier::Session, false).and_then(|k| k.metadata())
        {
            Ok(m) => !m.get_description().starts_with("_uid_ses."),
            Err(_) => false,
        }
    }

    #[cfg(target_os = "linux")]
    fn unsafe_uid() -> u32 {
        // SAFETY: getuid has no preconditions and cannot fail.
        unsafe { libc::getuid() }
    }

    #[cfg(target_os = "macos")]
    fn keychain() -> Result<Arc<CredentialStore>, BackendError> {
        apple_native_keyring_store::keychain::Store::new()
            .map_err(|e| BackendError {
                backend: StoreChoice::Keychain,
                why: short(&e.to_string()),
                fix: "unlock the login keychain (Keychain Access), then try again".into(),
            })
            .map(|s| s as Arc<CredentialStore>)
    }
    #[cfg(not(target_os = "macos"))]
    fn keychain() -> Result<Arc<CredentialStore>, BackendError> {
        Err(not_here(StoreChoice::Keychain, "macOS"))
    }

    #[cfg(target_os = "windows")]
    fn credman() -> Result<Arc<CredentialStore>, BackendError> {
        windows_native_keyring_store::Store::new()
            .map_err(|e| BackendError {
                backend: StoreChoice::Credman,
                why: short(&e.to_string()),
                fix: "check that the Credential Manager service runs (services.msc: VaultSvc)"
                    .into(),
            })
            .map(|s| s as Arc<CredentialStore>)
    }
    #[cfg(not(target_os = "windows"))]
    fn credman() -> Result<Arc<CredentialStore>, BackendError> {
        Err(not_here(StoreChoice::Credman, "Windows"))
    }

    fn short(s: &str) -> String {
        s.chars().take(160).collect()
    }

    /// Errors at set/get time that mean "this backend cannot be used right now".
    pub(super) fn unavailable(
        backend: StoreChoice,
        e: &keyring_core::Error,
    ) -> Option<BackendError> {
        let keyring_core::Error::NoStorageAccess(inner) = e else {
            return None;
        };
        let detail = inner.to_string();
        Some(match backend {
            StoreChoice::SecretService => BackendError {
                backend,
                why: if detail.contains("rompt") || detail.to_lowercase().contains("lock") {
                    "the keyring (collection) is locked and no unlock prompt can be shown".into()
                } else {
                    format!("access was refused ({})", short(&detail))
                },
                fix: "unlock it (desktop: log in or open Seahorse; headless: `printf PASSWORD | gnome-keyring-daemon --unlock --replace --components=secrets`), or use --secret-store keyutils".into(),
            },
            StoreChoice::Keyutils => no_session_keyring(),
            _ => BackendError {
                backend,
                why: format!("access was refused ({})", short(&detail)),
                fix: "unlock the keyring, then try again".into(),
            },
        })
    }
}

#[cfg(target_os = "linux")]
pub use backends::has_session_keyring;

/// A keyring-core store wrapper that refuses any entry over a byte cap, like Windows Credential
/// Manager's 2560 bytes: lets Linux tests prove the chunking keeps every entry under the cap.
pub mod capped {
    use std::any::Any;
    use std::collections::HashMap;
    use std::sync::Arc;

    use keyring_core::api::{Credential, CredentialApi, CredentialStore, CredentialStoreApi};
    use keyring_core::{Entry, Error, Result};

    pub struct CappedStore {
        pub inner: Arc<CredentialStore>,
        pub cap: usize,
    }

    impl CappedStore {
        pub fn new(inner: Arc<CredentialStore>, cap: usize) -> Arc<CappedStore> {
            Arc::new(CappedStore { inner, cap })
        }
    }

    impl std::fmt::Debug for CappedStore {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "CappedStore({})", self.cap)
        }
    }

    struct CappedCred {
        inner: Entry,
        cap: usize,
    }

    impl CredentialApi for CappedCred {
        fn set_secret(&self, secret: &[u8]) -> Result<()> {
            if secret.len() > self.cap {
                return Err(Error::TooLong("secret".into(), self.cap as u32));
            }
            self.inner.set_secret(secret)
        }
        fn get_secret(&self) -> Result<Vec<u8>> {
            self.inner.get_secret()
        }
        fn delete_credential(&self) -> Result<()> {
            self.inner.delete_credential()
        }
        fn get_credential(&self) -> Result<Option<Arc<Credential>>> {
            Ok(None)
        }
        fn get_specifiers(&self) -> Option<(String, String)> {
            self.inner.get_specifiers()
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
        fn debug_fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "CappedCred({:?})", self.inner.get_specifiers())
        }
    }

    impl CredentialStoreApi for CappedStore {
        fn vendor(&self) -> String {
            "qlik-tui capped test store".into()
        }
        fn id(&self) -> String {
            format!("capped-{}", self.cap)
        }
        fn build(
            &self,
            service: &str,
            user: &str,
            modifiers: Option<&HashMap<&str, &str>>,
        ) -> Result<Entry> {
            let inner = self.inner.build(service, user, modifiers)?;
            Ok(Entry::new_with_credential(Arc::new(CappedCred {
                inner,
                cap: self.cap,
            })))
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::capped::CappedStore;
    use super::*;
    use keyring_core::api::CredentialStoreApi;

    fn mock() -> SecretStore {
        SecretStore::with_store(keyring_core::mock::Store::new().unwrap(), StoreChoice::Auto)
    }

    fn capped() -> (SecretStore, Arc<CredentialStore>) {
        let raw: Arc<CredentialStore> = keyring_core::mock::Store::new().unwrap();
        let store = SecretStore::with_store(
            CappedStore::new(raw.clone(), ENTRY_MAX),
            StoreChoice::Credman,
        );
        (store, raw)
    }

    /// A 4096-bit RSA PKCS#8 key is ~3.3 KB of PEM; this is its size class.
    fn big_secret(len: usize) -> Vec<u8> {
        (0..len).map(|i| b'A' + (i % 26) as u8).collect()
    }

    #[test]
    fn small_and_large_secrets_round_trip_under_the_credman_cap() {
        let (s, raw) = capped();
        let key = big_secret(3272);
        s.set("prod", SecretKind::ClientKey, &key).unwrap();
        assert_eq!(
            &s.get("prod", SecretKind::ClientKey).unwrap().unwrap()[..],
            &key[..]
        );
        // Two entries, each under the cap.
        let first = raw.build(DEFAULT_SERVICE, "prod/client_key", None).unwrap();
        let second = raw
            .build(DEFAULT_SERVICE, "prod/client_key#2", None)
            .unwrap();
        assert!(first.get_secret().unwrap().len() <= ENTRY_MAX);
        assert!(second.get_secret().unwrap().len() <= ENTRY_MAX);
        s.set("prod", SecretKind::ApiKey, b"short").unwrap();
        assert_eq!(
            &s.get("prod", SecretKind::ApiKey).unwrap().unwrap()[..],
            b"short"
        );
        // A 10 KB secret: five chunks.
        let huge = big_secret(10_000);
        s.set("prod", SecretKind::JwtToken, &huge).unwrap();
        assert_eq!(
            &s.get("prod", SecretKind::JwtToken).unwrap().unwrap()[..],
            &huge[..]
        );
    }

    #[test]
    fn the_cap_really_bites_without_chunking() {
        let (_, raw) = capped();
        let c = CappedStore::new(raw, ENTRY_MAX);
        let e = c.build("s", "u", None).unwrap();
        assert!(matches!(
            e.set_secret(&big_secret(3000)),
            Err(keyring_core::Error::TooLong(..))
        ));
    }

    #[test]
    fn shrinking_and_deleting_leave_no_chunk_behind() {
        let (s, raw) = capped();
        s.set("p", SecretKind::ClientKey, &big_secret(6000))
            .unwrap();
        s.set("p", SecretKind::ClientKey, &big_secret(100)).unwrap();
        let gone = |acct: &str| {
            matches!(
                raw.build(DEFAULT_SERVICE, acct, None).unwrap().get_secret(),
                Err(keyring_core::Error::NoEntry)
            )
        };
        assert!(gone("p/client_key#2") && gone("p/client_key#3"));
        assert_eq!(
            s.get("p", SecretKind::ClientKey).unwrap().unwrap().len(),
            100
        );
        s.set("p", SecretKind::ClientKey, &big_secret(6000))
            .unwrap();
        assert_eq!(s.delete_all("p").unwrap(), vec![SecretKind::ClientKey]);
        assert!(gone("p/client_key") && gone("p/client_key#2") && gone("p/client_key#3"));
        assert!(s.get("p", SecretKind::ClientKey).unwrap().is_none());
        assert!(!s.delete("p", SecretKind::ClientKey).unwrap());
    }

    #[test]
    fn a_missing_or_altered_chunk_is_reported_not_used() {
        let (s, raw) = capped();
        s.set("p", SecretKind::ClientKey, &big_secret(5000))
            .unwrap();
        raw.build(DEFAULT_SERVICE, "p/client_key#2", None)
            .unwrap()
            .set_secret(&big_secret(2048)[..2047])
            .unwrap();
        let e = s.get("p", SecretKind::ClientKey).unwrap_err().to_string();
        assert!(e.contains("damaged") && e.contains("profile edit p"), "{e}");
        raw.build(DEFAULT_SERVICE, "p/client_key#2", None)
            .unwrap()
            .delete_credential()
            .unwrap();
        let e = s.get("p", SecretKind::ClientKey).unwrap_err().to_string();
        assert!(e.contains("missing"), "{e}");
        // Still deletable.
        s.delete_all("p").unwrap();
    }

    #[test]
    fn a_header_declaring_huge_counts_is_reported_not_allocated() {
        let raw: Arc<CredentialStore> = keyring_core::mock::Store::new().unwrap();
        let s = SecretStore::with_store(raw.clone(), StoreChoice::Auto);
        for (count, total) in [(255u8, 1000u32), (0, 10), (2, u32::MAX)] {
            let mut header = MAGIC.to_vec();
            header.push(count);
            header.extend_from_slice(&total.to_be_bytes());
            header.extend_from_slice(&[0; 8]);
            header.extend_from_slice(b"body");
            raw.build(DEFAULT_SERVICE, "h/api_key", None)
                .unwrap()
                .set_secret(&header)
                .unwrap();
            let e = s.get("h", SecretKind::ApiKey).unwrap_err().to_string();
            assert!(e.contains("damaged") && e.contains("declares"), "{e}");
        }
        // Still deletable, without walking 255 chunks.
        assert!(s.delete("h", SecretKind::ApiKey).unwrap());
    }

    #[test]
    fn foreign_entries_without_header_read_whole() {
        let raw: Arc<CredentialStore> = keyring_core::mock::Store::new().unwrap();
        raw.build(DEFAULT_SERVICE, "x/api_key", None)
            .unwrap()
            .set_secret(b"plain-key")
            .unwrap();
        let s = SecretStore::with_store(raw, StoreChoice::Auto);
        assert_eq!(
            &s.get("x", SecretKind::ApiKey).unwrap().unwrap()[..],
            b"plain-key"
        );
    }

    #[test]
    fn rename_moves_every_secret() {
        let s = mock();
        s.set("a", SecretKind::ClientCert, b"cert").unwrap();
        s.set("a", SecretKind::ClientKey, &big_secret(4000))
            .unwrap();
        s.rename("a", "b").unwrap();
        assert!(s.load("a").unwrap().is_empty());
        let b = s.load("b").unwrap();
        assert_eq!(
            b.kinds().collect::<Vec<_>>(),
            vec![SecretKind::ClientCert, SecretKind::ClientKey]
        );
        assert_eq!(b.text(SecretKind::ClientCert).unwrap().as_str(), "cert");
        assert!(!format!("{b:?}").contains("cert\""));
    }

    #[test]
    fn store_all_rolls_back_on_failure() {
        let raw: Arc<CredentialStore> = keyring_core::mock::Store::new().unwrap();
        let s = SecretStore::with_store(raw.clone(), StoreChoice::Keyutils);
        // Make the api key entry fail once, after the certificate went in.
        let e = raw.build(DEFAULT_SERVICE, "p/api_key", None).unwrap();
        let m: &keyring_core::mock::Cred = e.as_any().downcast_ref().unwrap();
        m.set_error(keyring_core::Error::NoStorageAccess(Box::new(
            std::io::Error::other("AccessDenied"),
        )));
        let mut sec = Secrets::default();
        sec.insert(SecretKind::ClientCert, Zeroizing::new(b"c".to_vec()));
        sec.insert(SecretKind::ApiKey, Zeroizing::new(b"k".to_vec()));
        let err = s.store_all("p", &sec).unwrap_err().to_string();
        assert!(
            err.contains("keyutils") && err.contains("session keyring"),
            "{err}"
        );
        assert!(s.load("p").unwrap().is_empty());
    }

    #[test]
    fn backend_errors_are_one_sentence_with_a_fix() {
        #[cfg(target_os = "linux")]
        {
            let e = SecretStore::open(StoreChoice::Keychain)
                .unwrap_err()
                .to_string();
            assert!(e.contains("Keychain") && e.contains("only on macOS"), "{e}");
            let e = SecretStore::open(StoreChoice::Credman)
                .unwrap_err()
                .to_string();
            assert!(e.contains("--secret-store"), "{e}");
        }
        let e = backends::unavailable(
            StoreChoice::SecretService,
            &keyring_core::Error::NoStorageAccess(Box::new(std::io::Error::other(
                "SS error: prompt dismissed",
            ))),
        )
        .unwrap()
        .to_string();
        assert!(e.contains("locked") && e.contains("--unlock"), "{e}");
        assert_eq!(e.matches(". ").count(), 0, "one sentence: {e}");
    }
}
