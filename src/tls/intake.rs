//! Certificate intake, as the QMC exports certificates: a folder with `client.pem`,
//! `client_key.pem` and `root.pem`; each file by path; pasted text (one-line PEM with literal
//! `\n`, Windows line endings); PKCS#1, PKCS#8 and SEC1 keys; an encrypted PKCS#8 key (the
//! passphrase is asked once and the decrypted key is what gets stored); a PFX/P12 bundle with its
//! password.
//!
//! [`validate`] checks everything before anything is stored: the certificates and key parse, the
//! key belongs to the certificate, the certificate is not expired (refused unless forced) and
//! warns within 30 days of expiry. Its [`Facts`] are what `profile show` and the TUI display.
//!
//! Every error names the input (file path, "pasted text", "stdin") and the fix, and never
//! quotes the input.

use std::path::{Path, PathBuf};

use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use zeroize::Zeroizing;

use super::pem::{self, PemError, PemRole};
use super::x509::{CertSummary, now_unix};

/// Warn when a certificate expires within this many days.
pub const EXPIRY_WARN_DAYS: i64 = 30;

/// Where an input came from, named in every error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    File(PathBuf),
    Stdin,
    Pasted,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::File(p) => write!(f, "{}", p.display()),
            Origin::Stdin => write!(f, "stdin"),
            Origin::Pasted => write!(f, "the pasted text"),
        }
    }
}

/// One PEM input and where it came from.
#[derive(Clone)]
pub struct PemInput {
    pub origin: Origin,
    pub text: Zeroizing<String>,
}

impl PemInput {
    pub fn new(origin: Origin, text: impl Into<String>) -> PemInput {
        PemInput {
            origin,
            text: Zeroizing::new(text.into()),
        }
    }

    /// Reads a file, with an error that says what to check.
    pub fn read(path: &Path, role: PemRole) -> Result<PemInput, IntakeError> {
        let bytes = std::fs::read(path).map_err(|e| IntakeError::Read {
            origin: Origin::File(path.to_path_buf()),
            what: role.label(),
            why: io_reason(&e),
        })?;
        let bytes = Zeroizing::new(bytes);
        match std::str::from_utf8(&bytes) {
            Ok(t) => Ok(PemInput::new(Origin::File(path.to_path_buf()), t)),
            Err(_) => Err(IntakeError::Pem {
                origin: Origin::File(path.to_path_buf()),
                source: PemError::Malformed {
                    role,
                    detail: "it is binary, not PEM text (a DER or PFX file? give a PFX with --pfx)"
                        .into(),
                },
            }),
        }
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file; check the path".into(),
        std::io::ErrorKind::PermissionDenied => {
            "permission denied; check the file's owner and mode".into()
        }
        _ => e.to_string(),
    }
}

/// The three QMC files from one folder; `root.pem` may be absent (a warning, not an error:
/// the server may have a publicly trusted certificate).
pub struct CertDirFiles {
    pub cert: PemInput,
    pub key: PemInput,
    pub root: Option<PemInput>,
}

/// Reads `client.pem`, `client_key.pem` and `root.pem` from `dir`.
pub fn read_cert_dir(dir: &Path) -> Result<CertDirFiles, IntakeError> {
    if !dir.is_dir() {
        return Err(IntakeError::Read {
            origin: Origin::File(dir.to_path_buf()),
            what: "certificate folder",
            why: "not a folder; give the folder the QMC export was unzipped to (it holds client.pem, client_key.pem, root.pem)".into(),
        });
    }
    let root_path = dir.join("root.pem");
    Ok(CertDirFiles {
        cert: PemInput::read(&dir.join("client.pem"), PemRole::ClientCert)?,
        key: PemInput::read(&dir.join("client_key.pem"), PemRole::ClientKey)?,
        root: if root_path.exists() {
            Some(PemInput::read(&root_path, PemRole::RootCert)?)
        } else {
            None
        },
    })
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("cannot read the {what} at {origin}: {why}")]
    Read {
        origin: Origin,
        what: &'static str,
        why: String,
    },
    #[error("{origin}: {source}")]
    Pem { origin: Origin, source: PemError },
    #[error(
        "{origin}: the passphrase of the encrypted key is wrong (decryption failed); type the passphrase it was exported with"
    )]
    WrongPassphrase { origin: Origin },
    #[error(
        "{origin}: the encrypted key cannot be read ({why}); decrypt it with `openssl pkey -in FILE -out plain.pem` and give plain.pem"
    )]
    UndecryptableKey { origin: Origin, why: String },
    #[error(
        "{origin}: the PFX password is wrong (the file's integrity check failed); type the password given when the QMC exported it"
    )]
    WrongPfxPassword { origin: Origin },
    #[error(
        "{origin}: not a readable PFX/P12 file ({why}); export it again from the QMC (Certificates, format: Windows format .pfx)"
    )]
    BadPfx { origin: Origin, why: String },
    #[error(
        "{origin}: the PFX holds {what}; export it again from the QMC with the private key included"
    )]
    IncompletePfx { origin: Origin, what: &'static str },
    #[error(
        "{key} does not belong to the certificate in {cert} (their public keys differ): give the client_key.pem exported together with that client.pem"
    )]
    KeyMismatch { key: Origin, cert: Origin },
    #[error(
        "{key}: the key cannot be used ({why}); qlik-tui supports RSA (2048 bits or more), ECDSA P-256/P-384 and Ed25519 keys"
    )]
    UnsupportedKey { key: Origin, why: String },
    #[error(
        "{origin}: the {what} expired on {date} ({days} days ago): export a new one from the QMC, or pass --force to store it anyway"
    )]
    Expired {
        origin: Origin,
        what: &'static str,
        date: String,
        days: i64,
    },
    #[error("a passphrase is needed for {origin}: {why}")]
    NoPassphrase { origin: Origin, why: String },
}

/// Asked for a passphrase or password once, when an input turns out to be encrypted.
pub trait AskSecret {
    /// `prompt` names the file; returns the passphrase, or an error saying why none can be had.
    fn ask(&mut self, prompt: &str) -> Result<Zeroizing<String>, String>;
}

/// A fixed answer (tests, `QLIK_TUI_PASSPHRASE`).
pub struct Given(pub Zeroizing<String>);
impl AskSecret for Given {
    fn ask(&mut self, _prompt: &str) -> Result<Zeroizing<String>, String> {
        Ok(self.0.clone())
    }
}

/// No way to ask (non-interactive): encrypted inputs fail with `why`.
pub struct CannotAsk(pub &'static str);
impl AskSecret for CannotAsk {
    fn ask(&mut self, _prompt: &str) -> Result<Zeroizing<String>, String> {
        Err(self.0.to_string())
    }
}

/// Certificate material, parsed: what gets stored (as PEM text) after [`validate`].
pub struct Material {
    pub cert_origin: Origin,
    pub key_origin: Origin,
    pub root_origin: Option<Origin>,
    /// The client certificate chain, leaf first.
    pub certs: Vec<CertificateDer<'static>>,
    /// The decoded (and, if it was encrypted, decrypted) key: wiped on drop.
    pub key: Zeroizing<PrivateKeyDer<'static>>,
    pub roots: Vec<CertificateDer<'static>>,
}

impl Material {
    /// The certificate chain as PEM text.
    pub fn cert_pem(&self) -> String {
        self.certs
            .iter()
            .map(|c| to_pem("CERTIFICATE", c.as_ref()))
            .collect()
    }

    /// The key as PEM text in its own format (PKCS#1, SEC1 or PKCS#8; a decrypted PKCS#8 key
    /// is stored unencrypted, as the keyring protects it).
    pub fn key_pem(&self) -> Zeroizing<String> {
        key_pem(&self.key)
    }

    pub fn root_pem(&self) -> Option<String> {
        if self.roots.is_empty() {
            None
        } else {
            Some(
                self.roots
                    .iter()
                    .map(|c| to_pem("CERTIFICATE", c.as_ref()))
                    .collect(),
            )
        }
    }
}

/// A private key as PEM text in its own format (PKCS#1, SEC1 or PKCS#8).
pub fn key_pem(key: &PrivateKeyDer<'_>) -> Zeroizing<String> {
    let label = match key {
        PrivateKeyDer::Pkcs1(_) => "RSA PRIVATE KEY",
        PrivateKeyDer::Sec1(_) => "EC PRIVATE KEY",
        _ => "PRIVATE KEY",
    };
    Zeroizing::new(to_pem(label, key.secret_der()))
}

/// PEM encoding with 64-column lines. The buffer is sized up front: for a key, a growing
/// `String` would leave copies of the base64 in freed, unwiped buffers.
pub fn to_pem(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let b64 = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(der));
    let (begin, end) = (
        format!("-----BEGIN {label}-----\n"),
        format!("-----END {label}-----\n"),
    );
    let mut out = String::with_capacity(begin.len() + b64.len() + b64.len() / 64 + 1 + end.len());
    out.push_str(&begin);
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&end);
    out
}

/// Parses a certificate (chain) input.
pub fn parse_cert_input(
    input: &PemInput,
    role: PemRole,
) -> Result<Vec<CertificateDer<'static>>, IntakeError> {
    pem::parse_certs(&input.text, role).map_err(|source| IntakeError::Pem {
        origin: input.origin.clone(),
        source,
    })
}

/// Parses a key input; an encrypted PKCS#8 key is decrypted with a passphrase from `ask`. The
/// decoded key is wiped on drop.
pub fn parse_key_input(
    input: &PemInput,
    ask: &mut dyn AskSecret,
) -> Result<Zeroizing<PrivateKeyDer<'static>>, IntakeError> {
    let role = PemRole::ClientKey;
    match pem::parse_key(&input.text, role) {
        Ok(k) => Ok(k),
        Err(PemError::EncryptedKey(_)) => decrypt_key(input, ask),
        Err(source) => Err(IntakeError::Pem {
            origin: input.origin.clone(),
            source,
        }),
    }
}

/// The key-derivation cost an encrypted key may ask for, checked before the passphrase is asked
/// for and before any derivation runs: a file naming 4 billion PBKDF2 rounds or a 64 GB scrypt
/// would otherwise hang or exhaust the machine. The bounds are p12-keystore's (which applies them
/// to PFX bundles), far above what OpenSSL and the QMC write (2048 to 600,000 rounds).
pub const MAX_PBKDF2_ITERATIONS: u32 = 1_000_000;
const MAX_SCRYPT_MEMORY_BYTES: u64 = 1 << 30;
const MAX_SCRYPT_PARALLELISM: u16 = 16;

fn kdf_within_bounds(scheme: &pkcs8::pkcs5::EncryptionScheme) -> Result<(), String> {
    use pkcs8::pkcs5::{EncryptionScheme, pbes2::Kdf};
    // PBES1 counts iterations in 16 bits: bounded by its format.
    let EncryptionScheme::Pbes2(params) = scheme else {
        return Ok(());
    };
    match &params.kdf {
        Kdf::Pbkdf2(k) if k.iteration_count > MAX_PBKDF2_ITERATIONS => Err(format!(
            "its key derivation asks for {} PBKDF2 rounds, more than the {MAX_PBKDF2_ITERATIONS} accepted",
            k.iteration_count
        )),
        Kdf::Scrypt(s) => {
            let memory = 128u64
                .checked_mul(s.cost_parameter)
                .and_then(|m| m.checked_mul(u64::from(s.block_size)));
            match memory {
                Some(m)
                    if m <= MAX_SCRYPT_MEMORY_BYTES
                        && s.parallelization <= MAX_SCRYPT_PARALLELISM =>
                {
                    Ok(())
                }
                _ => Err(format!(
                    "its scrypt key derivation asks for more than {} MiB of memory or {MAX_SCRYPT_PARALLELISM} lanes",
                    MAX_SCRYPT_MEMORY_BYTES >> 20
                )),
            }
        }
        _ => Ok(()),
    }
}

fn decrypt_key(
    input: &PemInput,
    ask: &mut dyn AskSecret,
) -> Result<Zeroizing<PrivateKeyDer<'static>>, IntakeError> {
    use pkcs8::der::Decode;
    let origin = input.origin.clone();
    let text = pem::normalize(&input.text);
    if text.contains("Proc-Type: 4,ENCRYPTED") {
        return Err(IntakeError::UndecryptableKey {
            origin,
            why: "it uses OpenSSL's legacy PEM encryption, not PKCS#8".into(),
        });
    }
    let der = pem_body(&text, "ENCRYPTED PRIVATE KEY").ok_or_else(|| IntakeError::Pem {
        origin: origin.clone(),
        source: PemError::Malformed {
            role: PemRole::ClientKey,
            detail: "the ENCRYPTED PRIVATE KEY block does not decode".into(),
        },
    })?;
    let info = pkcs8::EncryptedPrivateKeyInfoRef::from_der(&der).map_err(|_| IntakeError::Pem {
        origin: origin.clone(),
        source: PemError::Malformed {
            role: PemRole::ClientKey,
            detail: "the ENCRYPTED PRIVATE KEY block is not a PKCS#8 structure".into(),
        },
    })?;
    kdf_within_bounds(&info.encryption_algorithm).map_err(|why| IntakeError::UndecryptableKey {
        origin: origin.clone(),
        why,
    })?;
    let pass = ask
        .ask(&format!("Passphrase for the encrypted key {origin}: "))
        .map_err(|why| IntakeError::NoPassphrase {
            origin: origin.clone(),
            why,
        })?;
    let doc = info.decrypt(pass.as_bytes()).map_err(|e| match e {
        // A wrong passphrase shows up as bad padding or a plaintext that is not DER.
        pkcs8::Error::EncryptedPrivateKey(pkcs8::pkcs5::Error::DecryptFailed)
        | pkcs8::Error::Asn1(_) => IntakeError::WrongPassphrase {
            origin: origin.clone(),
        },
        other => IntakeError::UndecryptableKey {
            origin: origin.clone(),
            why: other.to_string(),
        },
    })?;
    // `doc` (a SecretDocument) wipes itself; the copy is wiped by the Zeroizing.
    Ok(Zeroizing::new(PrivateKeyDer::Pkcs8(
        PrivatePkcs8KeyDer::from(doc.as_bytes().to_vec()),
    )))
}

/// The DER inside the first `label` block of normalised PEM text.
fn pem_body(text: &str, label: &str) -> Option<Zeroizing<Vec<u8>>> {
    use base64::Engine;
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin)? + begin.len();
    let stop = start + text[start..].find(&end)?;
    // Sized up front: a growing String would leave copies in freed buffers.
    let mut b64 = Zeroizing::new(String::with_capacity(stop - start));
    b64.extend(text[start..stop].chars().filter(|c| !c.is_whitespace()));
    base64::engine::general_purpose::STANDARD
        .decode(b64.as_bytes())
        .ok()
        .map(Zeroizing::new)
}

/// Reads PEM files (certificate, key, optional root) into [`Material`].
pub fn from_pem_inputs(
    cert: &PemInput,
    key: &PemInput,
    root: Option<&PemInput>,
    ask: &mut dyn AskSecret,
) -> Result<Material, IntakeError> {
    let certs = parse_cert_input(cert, PemRole::ClientCert)?;
    let key_der = parse_key_input(key, ask)?;
    let roots = match root {
        Some(r) => parse_cert_input(r, PemRole::RootCert)?,
        None => vec![],
    };
    Ok(Material {
        cert_origin: cert.origin.clone(),
        key_origin: key.origin.clone(),
        root_origin: root.map(|r| r.origin.clone()),
        certs,
        key: key_der,
        roots,
    })
}

/// Reads a PFX/P12 bundle: the key, its certificate (the leaf), the other certificates
/// (self-signed ones become the root; the rest extend the chain).
pub fn from_pfx(path: &Path, ask: &mut dyn AskSecret) -> Result<Material, IntakeError> {
    let origin = Origin::File(path.to_path_buf());
    let bytes = std::fs::read(path).map_err(|e| IntakeError::Read {
        origin: origin.clone(),
        what: "PFX bundle",
        why: io_reason(&e),
    })?;
    let password = ask
        .ask(&format!("Password of the PFX bundle {origin}: "))
        .map_err(|why| IntakeError::NoPassphrase {
            origin: origin.clone(),
            why,
        })?;
    from_pfx_bytes(&bytes, &password, origin)
}

pub fn from_pfx_bytes(
    bytes: &[u8],
    password: &str,
    origin: Origin,
) -> Result<Material, IntakeError> {
    let archive =
        p12_keystore::Pkcs12Archive::from_pkcs12(bytes, password).map_err(|e| match e {
            p12_keystore::error::Error::MacError(_) => IntakeError::WrongPfxPassword {
                origin: origin.clone(),
            },
            // A wrong password on a MAC-less file shows up as bad padding when decrypting bags.
            p12_keystore::error::Error::UnpadError => IntakeError::WrongPfxPassword {
                origin: origin.clone(),
            },
            // p12-keystore refuses a MAC or key derivation costlier than 1,000,000 rounds (or a
            // scrypt over 1 GiB) before running it.
            p12_keystore::error::Error::InvalidParameters => IntakeError::BadPfx {
                origin: origin.clone(),
                why: "its password-derivation cost is above the accepted bound (1,000,000 rounds), or its parameters are invalid".into(),
            },
            other => IntakeError::BadPfx {
                origin: origin.clone(),
                why: other.to_string().chars().take(120).collect(),
            },
        })?;
    let key_bag = archive
        .keys
        .first()
        .ok_or_else(|| IntakeError::IncompletePfx {
            origin: origin.clone(),
            what: "no private key",
        })?;
    let key = Zeroizing::new(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        key_bag.key.as_der().to_vec(),
    )));
    let all: Vec<CertificateDer<'static>> = archive
        .certs
        .iter()
        .map(|b| CertificateDer::from(b.cert.as_der().to_vec()))
        .collect();
    if all.is_empty() {
        return Err(IntakeError::IncompletePfx {
            origin,
            what: "no certificate",
        });
    }
    let signer = signing_key(&key, &origin)?;
    let spki = signer.public_key();
    let leaf_ix = all
        .iter()
        .position(|c| {
            spki.as_ref()
                .is_some_and(|s| cert_spki(c).as_deref() == Some(s.as_ref()))
        })
        .ok_or_else(|| IntakeError::KeyMismatch {
            key: origin.clone(),
            cert: origin.clone(),
        })?;
    let mut certs = vec![all[leaf_ix].clone()];
    let mut roots = vec![];
    for (i, c) in all.into_iter().enumerate() {
        if i == leaf_ix {
            continue;
        }
        if is_self_signed(&c) {
            roots.push(c);
        } else {
            certs.push(c);
        }
    }
    Ok(Material {
        cert_origin: origin.clone(),
        key_origin: origin.clone(),
        root_origin: if roots.is_empty() { None } else { Some(origin) },
        certs,
        key,
        roots,
    })
}

fn cert_spki(c: &CertificateDer<'_>) -> Option<Vec<u8>> {
    use x509_parser::prelude::*;
    let (_, cert) = X509Certificate::from_der(c.as_ref()).ok()?;
    Some(cert.public_key().raw.to_vec())
}

fn is_self_signed(c: &CertificateDer<'_>) -> bool {
    use x509_parser::prelude::*;
    X509Certificate::from_der(c.as_ref())
        .map(|(_, x)| x.subject().as_raw() == x.issuer().as_raw())
        .unwrap_or(false)
}

fn signing_key(
    key: &PrivateKeyDer<'_>,
    origin: &Origin,
) -> Result<std::sync::Arc<dyn rustls::sign::SigningKey>, IntakeError> {
    rustls::crypto::ring::sign::any_supported_type(key).map_err(|e| IntakeError::UnsupportedKey {
        key: origin.clone(),
        why: e.to_string().chars().take(120).collect(),
    })
}

/// What the user is shown before saving, and by `profile show`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Facts {
    pub client: CertSummary,
    pub days_left: i64,
    /// Whether the private key belongs to the client certificate.
    pub key_matches: bool,
    pub roots: Vec<CertSummary>,
    pub warnings: Vec<String>,
}

impl Facts {
    /// The facts as (label, value) rows, as `profile add|show` print them and the TUI's
    /// profile form shows them before saving.
    pub fn rows(&self) -> Vec<(&'static str, String)> {
        let c = &self.client;
        let mut out = vec![("subject", c.subject.clone()), ("issuer", c.issuer.clone())];
        if !c.names.is_empty() {
            out.push(("SAN", c.names.join(", ")));
        }
        out.push((
            "not after",
            format!("{} ({} days left)", c.not_after_text(), self.days_left),
        ));
        out.push(("SHA-256", c.sha256.clone()));
        out.push(("key", c.key_text()));
        out.push((
            "key matches",
            if self.key_matches { "yes" } else { "NO" }.into(),
        ));
        for r in &self.roots {
            out.push((
                "root",
                format!("{} (until {})", r.subject, r.not_after_text()),
            ));
            out.push(("root SHA-256", r.sha256.clone()));
        }
        for w in &self.warnings {
            out.push(("warning", w.clone()));
        }
        out
    }
}

/// Checks material before it is stored: key/cert match, expiry (refused unless `force`).
pub fn validate(m: &Material, force: bool) -> Result<Facts, IntakeError> {
    validate_at(m, force, now_unix())
}

pub fn validate_at(m: &Material, force: bool, now: i64) -> Result<Facts, IntakeError> {
    let leaf = &m.certs[0];
    let client = CertSummary::parse(leaf).ok_or_else(|| IntakeError::Pem {
        origin: m.cert_origin.clone(),
        source: PemError::Malformed {
            role: PemRole::ClientCert,
            detail: "the certificate is not valid X.509".into(),
        },
    })?;
    let key_matches = key_matches(leaf, &m.key, &m.key_origin)?;
    if !key_matches {
        return Err(IntakeError::KeyMismatch {
            key: m.key_origin.clone(),
            cert: m.cert_origin.clone(),
        });
    }
    let mut warnings = vec![];
    let days_left = check_expiry(
        &client,
        now,
        force,
        &m.cert_origin,
        "client certificate",
        &mut warnings,
    )?;
    let mut roots = vec![];
    for r in &m.roots {
        if let Some(s) = CertSummary::parse(r) {
            let origin = m.root_origin.clone().unwrap_or(Origin::Pasted);
            check_expiry(&s, now, force, &origin, "root certificate", &mut warnings)?;
            roots.push(s);
        }
    }
    if m.roots.is_empty() {
        warnings.push(
            "no root certificate (root.pem): the server's certificate must then be trusted by the system's roots".into(),
        );
    }
    Ok(Facts {
        client,
        days_left,
        key_matches,
        roots,
        warnings,
    })
}

fn check_expiry(
    s: &CertSummary,
    now: i64,
    force: bool,
    origin: &Origin,
    what: &'static str,
    warnings: &mut Vec<String>,
) -> Result<i64, IntakeError> {
    let days = s.days_left(now);
    if s.not_after < now {
        if !force {
            return Err(IntakeError::Expired {
                origin: origin.clone(),
                what,
                date: s.not_after_text(),
                days: -days,
            });
        }
        warnings.push(format!(
            "the {what} expired on {} (stored anyway: --force)",
            s.not_after_text()
        ));
    } else if days < EXPIRY_WARN_DAYS {
        warnings.push(format!(
            "the {what} expires in {days} days ({}): export a new one from the QMC soon",
            s.not_after_text()
        ));
    }
    Ok(days)
}

/// Does `key` belong to `cert`? (Compares the key's public half with the certificate's.)
pub fn key_matches(
    cert: &CertificateDer<'static>,
    key: &PrivateKeyDer<'_>,
    key_origin: &Origin,
) -> Result<bool, IntakeError> {
    let signer = signing_key(key, key_origin)?;
    let ck = rustls::sign::CertifiedKey::new(vec![cert.clone()], signer);
    match ck.keys_match() {
        Ok(()) => Ok(true),
        Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) => Ok(false),
        // The key type cannot report its public half: compare nothing, assume nothing.
        Err(_) => Ok(false),
    }
}

/// Facts about stored PEM text (for `profile show`): never fails, the warnings say what is off.
pub fn facts_of_stored(
    cert_pem: &str,
    key_pem: Option<&str>,
    root_pem: Option<&str>,
) -> Option<Facts> {
    let certs = pem::parse_certs(cert_pem, PemRole::ClientCert).ok()?;
    let client = CertSummary::parse(&certs[0])?;
    let now = now_unix();
    let key_matches = key_pem
        .and_then(|k| pem::parse_key(k, PemRole::ClientKey).ok())
        .map(|k| key_matches(&certs[0], &k, &Origin::Pasted).unwrap_or(false))
        .unwrap_or(false);
    let roots: Vec<CertSummary> = root_pem
        .and_then(|r| pem::parse_certs(r, PemRole::RootCert).ok())
        .unwrap_or_default()
        .iter()
        .filter_map(CertSummary::parse)
        .collect();
    let days_left = client.days_left(now);
    let mut warnings = vec![];
    if client.not_after < now {
        warnings.push(format!(
            "the client certificate expired on {}",
            client.not_after_text()
        ));
    } else if days_left < EXPIRY_WARN_DAYS {
        warnings.push(format!(
            "the client certificate expires in {days_left} days"
        ));
    }
    if key_pem.is_some() && !key_matches {
        warnings.push("the stored key does not belong to the stored certificate".into());
    }
    Some(Facts {
        client,
        days_left,
        key_matches,
        roots,
        warnings,
    })
}

#[cfg(test)]
mod tests;
