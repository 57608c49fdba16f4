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
mod backends;

#[cfg(target_os = "linux")]
pub use backends::has_session_keyring;

/// A keyring-core store wrapper that refuses any entry over a byte cap, like Windows Credential
/// Manager's 2560 bytes: lets Linux tests prove the chunking keeps every entry under the cap.
pub mod capped;

#[cfg(test)]
mod tests;
