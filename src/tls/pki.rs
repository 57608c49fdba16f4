//! Certificates made at run time with rcgen: the demo engine's PKI, and the odd certificates the
//! tests need (another CA, expired, for another host name). Mirrors what the QMC exports:
//! `root.pem`, `client.pem`, `client_key.pem` (and the server's pair, which the QMC keeps).

use std::path::Path;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, PublicKeyData,
};
use time::{Duration, OffsetDateTime};

pub type PkiError = rcgen::Error;

/// A certificate authority that can issue server and client certificates.
pub struct TestCa {
    pub cert_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

/// A certificate with its private key, both as PEM text.
#[derive(Clone)]
pub struct IssuedCert {
    pub cert_pem: String,
    pub key_pem: String,
}

/// How long an issued certificate is valid, relative to now.
#[derive(Clone, Copy, Debug)]
pub enum Validity {
    /// From yesterday for this many days.
    Days(i64),
    /// Expired: valid from `days_ago + 30` days ago until `days_ago` days ago.
    ExpiredDaysAgo(i64),
}

impl Validity {
    fn apply(self, params: &mut CertificateParams) {
        let now = OffsetDateTime::now_utc();
        match self {
            Validity::Days(d) => {
                params.not_before = now - Duration::days(1);
                params.not_after = now + Duration::days(d);
            }
            Validity::ExpiredDaysAgo(d) => {
                params.not_before = now - Duration::days(d + 30);
                params.not_after = now - Duration::days(d);
            }
        }
    }
}

impl TestCa {
    pub fn new(common_name: &str) -> Result<Self, PkiError> {
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        Validity::Days(3650).apply(&mut params);
        let key = KeyPair::generate()?;
        let cert = params.self_signed(&key)?;
        Ok(TestCa {
            cert_pem: cert.pem(),
            issuer: Issuer::new(params, key),
        })
    }

    /// A server certificate whose SANs are `names` (DNS names or IP addresses).
    pub fn issue_server(&self, names: &[&str], validity: Validity) -> Result<IssuedCert, PkiError> {
        let mut params =
            CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())?;
        params.distinguished_name.push(
            DnType::CommonName,
            names.first().copied().unwrap_or("server"),
        );
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        self.sign(params, validity)
    }

    /// A client certificate like the QMC's (`CN=QlikClient`, client-auth usage).
    pub fn issue_client(
        &self,
        common_name: &str,
        validity: Validity,
    ) -> Result<IssuedCert, PkiError> {
        self.sign(Self::client_params(common_name)?, validity)
    }

    /// A client certificate for a key made elsewhere (the QMC's own exports carry RSA keys,
    /// which ring cannot generate): returns the certificate PEM; the caller holds the key.
    pub fn issue_client_for_key(
        &self,
        common_name: &str,
        validity: Validity,
        public_key: &impl PublicKeyData,
    ) -> Result<String, PkiError> {
        let mut params = Self::client_params(common_name)?;
        Self::prepare(&mut params, validity);
        Ok(params.signed_by(public_key, &self.issuer)?.pem())
    }

    fn client_params(common_name: &str) -> Result<CertificateParams, PkiError> {
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        Ok(params)
    }

    fn prepare(params: &mut CertificateParams, validity: Validity) {
        params.use_authority_key_identifier_extension = true;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        validity.apply(params);
    }

    fn sign(
        &self,
        mut params: CertificateParams,
        validity: Validity,
    ) -> Result<IssuedCert, PkiError> {
        Self::prepare(&mut params, validity);
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok(IssuedCert {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }
}

/// The host names every demo server certificate covers: the loopback names a user may type.
pub const DEMO_SERVER_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// The demo engine's PKI: one CA, a server certificate for the loopback names, a client
/// certificate. Field names follow the QMC's export file names.
pub struct DemoPki {
    pub ca: TestCa,
    pub root_cert_pem: String,
    pub server: IssuedCert,
    pub client_cert_pem: String,
    pub client_key_pem: String,
}

impl DemoPki {
    pub fn generate() -> Result<Self, PkiError> {
        let ca = TestCa::new("qlik-tui demo CA")?;
        let server = ca.issue_server(&DEMO_SERVER_NAMES, Validity::Days(365))?;
        let client = ca.issue_client("QlikClient", Validity::Days(365))?;
        Ok(DemoPki {
            root_cert_pem: ca.cert_pem.clone(),
            ca,
            server,
            client_cert_pem: client.cert_pem,
            client_key_pem: client.key_pem,
        })
    }

    /// Writes `root.pem`, `client.pem` and `client_key.pem` (mode 0600 for the key) into `dir`,
    /// each atomically, so a reader never sees half a file.
    pub fn write_client_files(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        crate::fsutil::write_atomic(&dir.join("root.pem"), self.root_cert_pem.as_bytes(), false)?;
        crate::fsutil::write_atomic(
            &dir.join("client.pem"),
            self.client_cert_pem.as_bytes(),
            false,
        )?;
        crate::fsutil::write_atomic(
            &dir.join("client_key.pem"),
            self.client_key_pem.as_bytes(),
            true,
        )?;
        Ok(())
    }
}
