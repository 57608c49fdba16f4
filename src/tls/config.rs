//! rustls configurations from PEM text: the client side (mutual TLS, optional host-name check)
//! and the server side (the simulator, which requires a client certificate unless it serves
//! proxy or Qlik Cloud auth modes too).

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::{ParsedCertificate, WebPkiClientVerifier};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, ServerConfig, SignatureScheme};

use super::pem::{PemError, PemRole, parse_certs, parse_key};
use crate::secret::SecretString;

/// Installs ring as the process-wide crypto provider. Safe to call any number of times; must run
/// before any rustls config is built (a second provider compiled in would otherwise panic).
pub fn ensure_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn provider() -> Arc<CryptoProvider> {
    ensure_crypto_provider();
    CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()))
}

#[derive(Debug, thiserror::Error)]
pub enum TlsConfigError {
    #[error(transparent)]
    Pem(#[from] PemError),
    #[error("the root certificate (root.pem) cannot be used as a trust anchor: {0}")]
    BadRoot(String),
    #[error(
        "the client key does not belong to the client certificate ({0}): export client.pem and client_key.pem again together from the QMC"
    )]
    KeyMismatch(String),
    #[error(
        "the host-name check is off (verify_hostname = false / --no-verify-hostname) but no root certificate is given: any publicly trusted certificate, for any name, would then be accepted, and the credentials sent to whoever holds one. Give the server's private root (--root-cert, root.pem) or turn the host-name check back on"
    )]
    NameCheckOffWithoutRoot,
    #[error("TLS set-up failed: {0}")]
    Other(String),
}

/// The TLS material of a client connection, as PEM text. Any field may be absent: no client
/// certificate for a proxy or Qlik Cloud, no root for a server with a public certificate.
#[derive(Clone)]
pub struct ClientTls {
    pub root_pem: Option<String>,
    pub cert_pem: Option<String>,
    /// The client key: wiped from memory when the last copy is dropped.
    pub key_pem: Option<SecretString>,
    /// Check that the server certificate names the host connected to. Turning it off skips only
    /// that check: the chain, validity and signatures are still verified against the roots.
    pub verify_hostname: bool,
}

impl Default for ClientTls {
    /// No material, system roots, and the host-name check on: verification is off only by name.
    fn default() -> Self {
        ClientTls {
            root_pem: None,
            cert_pem: None,
            key_pem: None,
            verify_hostname: true,
        }
    }
}

impl std::fmt::Debug for ClientTls {
    // Never print key material, not even in a debug log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientTls")
            .field("root_pem", &self.root_pem.as_ref().map(|_| "<pem>"))
            .field("cert_pem", &self.cert_pem.as_ref().map(|_| "<pem>"))
            .field("key_pem", &self.key_pem.as_ref().map(|_| "<redacted>"))
            .field("verify_hostname", &self.verify_hostname)
            .finish()
    }
}

pub fn root_store(root_pem: &str) -> Result<Arc<RootCertStore>, TlsConfigError> {
    let mut store = RootCertStore::empty();
    for c in parse_certs(root_pem, PemRole::RootCert)? {
        store
            .add(c)
            .map_err(|e| TlsConfigError::BadRoot(e.to_string()))?;
    }
    Ok(Arc::new(store))
}

fn system_roots() -> Arc<RootCertStore> {
    let mut store = RootCertStore::empty();
    let found = rustls_native_certs::load_native_certs();
    for c in found.certs {
        let _ = store.add(c);
    }
    Arc::new(store)
}

/// Builds the client config. Without `root_pem` the system's roots are trusted (Qlik Cloud).
pub fn client_config(tls: &ClientTls) -> Result<ClientConfig, TlsConfigError> {
    build_client_config(tls, None)
}

/// The client config for `tls`, built once per process for each set of material and shared by
/// every socket that uses it: the PEM text is parsed once, and a handshake after the first
/// resumes the TLS session rustls keeps in the config (no second check of the server's chain,
/// no second client signature). An export opens a socket per app (issue 16).
pub fn shared_client_config(tls: &ClientTls) -> Result<Arc<ClientConfig>, TlsConfigError> {
    type Built = Vec<([u8; 32], Arc<ClientConfig>)>;
    static BUILT: std::sync::Mutex<Built> = std::sync::Mutex::new(Vec::new());
    let built = || BUILT.lock().unwrap_or_else(|e| e.into_inner());
    let key = fingerprint(tls);
    if let Some((_, config)) = built().iter().find(|(k, _)| *k == key) {
        return Ok(config.clone());
    }
    let config = Arc::new(client_config(tls)?);
    built().push((key, config.clone()));
    Ok(config)
}

/// A digest of everything a client config is built from (the key included, so a config is never
/// shared across keys; the digest itself is kept only in memory).
fn fingerprint(tls: &ClientTls) -> [u8; 32] {
    let mut d = ring::digest::Context::new(&ring::digest::SHA256);
    let key = tls.key_pem.as_ref().map(|k| k.expose());
    for part in [tls.root_pem.as_deref(), tls.cert_pem.as_deref(), key] {
        match part {
            Some(text) => {
                d.update(&(text.len() as u64 + 1).to_le_bytes());
                d.update(text.as_bytes());
            }
            None => d.update(&0u64.to_le_bytes()),
        }
    }
    d.update(&[u8::from(tls.verify_hostname)]);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.finish().as_ref());
    out
}

/// Where a recording verifier puts the server's chain (leaf first), whether or not it verifies.
pub type SeenChain = Arc<std::sync::Mutex<Vec<CertificateDer<'static>>>>;

/// Like `client_config`, and the server's chain is recorded into `seen` before verification,
/// so a failed handshake can still show what the server presented (the doctor).
pub fn client_config_recording(
    tls: &ClientTls,
    seen: SeenChain,
) -> Result<ClientConfig, TlsConfigError> {
    build_client_config(tls, Some(seen))
}

fn build_client_config(
    tls: &ClientTls,
    seen: Option<SeenChain>,
) -> Result<ClientConfig, TlsConfigError> {
    let provider = provider();
    let roots = match &tls.root_pem {
        Some(pem) => root_store(pem)?,
        // Without the name check, the system roots would accept any public site's certificate.
        None if !tls.verify_hostname => return Err(TlsConfigError::NameCheckOffWithoutRoot),
        None => system_roots(),
    };
    let verifier: Arc<dyn ServerCertVerifier> = if tls.verify_hostname {
        rustls::client::WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
            .build()
            .map_err(|e| TlsConfigError::BadRoot(e.to_string()))?
    } else {
        Arc::new(ChainOnlyVerifier {
            roots,
            provider: provider.clone(),
        })
    };
    let verifier = match seen {
        Some(seen) => Arc::new(RecordingVerifier {
            inner: verifier,
            seen,
        }),
        None => verifier,
    };
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsConfigError::Other(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut config = match (&tls.cert_pem, &tls.key_pem) {
        (Some(cert), Some(key)) => {
            let chain = parse_certs(cert, PemRole::ClientCert)?;
            let key = parse_key(key, PemRole::ClientKey)?;
            builder
                .with_client_auth_cert(chain, hand_over(key))
                .map_err(|e| TlsConfigError::KeyMismatch(e.to_string()))?
        }
        (Some(_), None) => {
            return Err(PemError::Empty(PemRole::ClientKey).into());
        }
        (None, Some(_)) => {
            return Err(PemError::Empty(PemRole::ClientCert).into());
        }
        (None, None) => builder.with_no_client_auth(),
    };
    // The engine speaks HTTP/1.1 WebSockets only.
    config.alpn_protocols.clear();
    Ok(config)
}

/// The simulator's config: a client certificate chaining to `client_root_pem` is required.
pub fn server_config(
    client_root_pem: &str,
    cert_pem: &str,
    key_pem: &str,
) -> Result<ServerConfig, TlsConfigError> {
    server_config_with(client_root_pem, cert_pem, key_pem, true)
}

/// The simulator's config; with `require_client_cert` false a client may come without a
/// certificate (a virtual proxy or a Qlik Cloud tenant on the same port), but one it presents
/// must still chain to `client_root_pem`.
pub fn server_config_with(
    client_root_pem: &str,
    cert_pem: &str,
    key_pem: &str,
    require_client_cert: bool,
) -> Result<ServerConfig, TlsConfigError> {
    let provider = provider();
    let builder =
        WebPkiClientVerifier::builder_with_provider(root_store(client_root_pem)?, provider.clone());
    let builder = if require_client_cert {
        builder
    } else {
        builder.allow_unauthenticated()
    };
    let verifier = builder
        .build()
        .map_err(|e| TlsConfigError::Other(e.to_string()))?;
    ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsConfigError::Other(e.to_string()))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            parse_certs(cert_pem, PemRole::ServerCert)?,
            hand_over(parse_key(key_pem, PemRole::ServerKey)?),
        )
        .map_err(|e| TlsConfigError::Other(e.to_string()))
}

/// Moves the key out of its wiping wrapper for rustls, which takes ownership (and keeps its own
/// parsed form for the config's life): our copy is not left behind, the wrapper drops empty.
fn hand_over(
    mut key: zeroize::Zeroizing<rustls_pki_types::PrivateKeyDer<'static>>,
) -> rustls_pki_types::PrivateKeyDer<'static> {
    let empty = rustls_pki_types::PrivatePkcs8KeyDer::from(Vec::new());
    std::mem::replace(&mut *key, empty.into())
}

/// Records the chain the server presents, then defers to the real verifier.
#[derive(Debug)]
struct RecordingVerifier {
    inner: Arc<dyn ServerCertVerifier>,
    seen: SeenChain,
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        {
            let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
            seen.clear();
            seen.push(end_entity.clone().into_owned());
            seen.extend(intermediates.iter().map(|c| c.clone().into_owned()));
        }
        self.inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// A server-certificate verifier that checks the chain to the trust anchors, validity dates and
/// handshake signatures, and skips only the host-name check. For servers whose certificate names
/// an internal host the user cannot connect by (or carries a CN but no SAN).
#[derive(Debug)]
pub struct ChainOnlyVerifier {
    roots: Arc<RootCertStore>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for ChainOnlyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let cert = ParsedCertificate::try_from(end_entity)?;
        rustls::client::verify_server_cert_signed_by_trust_anchor(
            &cert,
            &self.roots,
            intermediates,
            now,
            self.provider.signature_verification_algorithms.all,
        )?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::pki::{DemoPki, TestCa, Validity};

    #[test]
    fn client_config_accepts_matching_pair_and_rejects_another_key() {
        let pki = DemoPki::generate().unwrap();
        let mut tls = ClientTls {
            root_pem: Some(pki.root_cert_pem.clone()),
            cert_pem: Some(pki.client_cert_pem.clone()),
            key_pem: Some(pki.client_key_pem.clone().into()),
            verify_hostname: true,
        };
        client_config(&tls).unwrap();
        let other = TestCa::new("other")
            .unwrap()
            .issue_client("x", Validity::Days(1))
            .unwrap();
        tls.key_pem = Some(other.key_pem.into());
        assert!(matches!(
            client_config(&tls),
            Err(TlsConfigError::KeyMismatch(_))
        ));
    }

    #[test]
    fn the_name_check_is_off_only_with_a_private_root() {
        let pki = DemoPki::generate().unwrap();
        let mut tls = ClientTls {
            verify_hostname: false,
            ..Default::default()
        };
        let e = client_config(&tls).unwrap_err();
        assert!(matches!(e, TlsConfigError::NameCheckOffWithoutRoot));
        assert!(e.to_string().contains("--root-cert"), "{e}");
        tls.root_pem = Some(pki.root_cert_pem.clone());
        client_config(&tls).unwrap();
        assert!(ClientTls::default().verify_hostname);
    }

    #[test]
    fn debug_never_shows_the_key() {
        let pki = DemoPki::generate().unwrap();
        let tls = ClientTls {
            key_pem: Some(pki.client_key_pem.clone().into()),
            ..Default::default()
        };
        let dbg = format!("{tls:?}");
        assert!(!dbg.contains("PRIVATE"), "{dbg}");
    }

    #[test]
    fn the_client_key_is_wiped_on_drop() {
        // Compile-time: the key field's type wipes its buffer when dropped.
        crate::secret::assert_wiped_on_drop::<Option<SecretString>>();
        let tls = ClientTls::default();
        let _: &Option<SecretString> = &tls.key_pem;
    }
}
