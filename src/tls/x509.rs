//! A short summary of an X.509 certificate (subject, issuer, names, validity, fingerprint, key),
//! for diagnostics, certificate intake and `profile show`.

use rustls_pki_types::CertificateDer;
use x509_parser::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CertSummary {
    pub subject: String,
    pub issuer: String,
    /// Subject alternative names: DNS names and IP addresses.
    pub names: Vec<String>,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    /// SHA-256 of the DER, upper-case hex pairs joined by ':' (as browsers and the QMC show it).
    pub sha256: String,
    /// "RSA", "EC P-256", "EC P-384", "Ed25519", ...
    pub key_type: String,
    /// Key size in bits, where the algorithm has one.
    pub key_bits: Option<usize>,
}

impl CertSummary {
    pub fn parse(der: &CertificateDer<'_>) -> Option<CertSummary> {
        let (_, cert) = X509Certificate::from_der(der.as_ref()).ok()?;
        let names = cert
            .subject_alternative_name()
            .ok()
            .flatten()
            .map(|san| {
                san.value
                    .general_names
                    .iter()
                    .filter_map(|g| match g {
                        GeneralName::DNSName(d) => Some(d.to_string()),
                        GeneralName::IPAddress(b) => ip_text(b),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let (key_type, key_bits) = key_facts(cert.public_key());
        Some(CertSummary {
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            names,
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
            sha256: fingerprint(der.as_ref()),
            key_type,
            key_bits,
        })
    }

    /// "RSA 2048", "EC P-256", for one-line displays.
    pub fn key_text(&self) -> String {
        match (self.key_type.starts_with("RSA"), self.key_bits) {
            (true, Some(b)) => format!("{} {b}", self.key_type),
            _ => self.key_type.clone(),
        }
    }

    /// Whole days until expiry (negative once expired), from `now` (Unix seconds).
    pub fn days_left(&self, now: i64) -> i64 {
        (self.not_after - now).div_euclid(86_400)
    }

    pub fn not_after_text(&self) -> String {
        ::time::OffsetDateTime::from_unix_timestamp(self.not_after)
            .ok()
            .and_then(|t| {
                t.format(&::time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_else(|| self.not_after.to_string())
    }

    /// Does this certificate name `host` (exactly, or by a one-label `*.` wildcard)?
    pub fn names_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.names.iter().any(|n| {
            let n = n.to_ascii_lowercase();
            if let Some(rest) = n.strip_prefix("*.") {
                host.split_once('.').is_some_and(|(_, h)| h == rest)
            } else {
                n == host
            }
        })
    }
}

/// SHA-256 of `der` as `AB:CD:...`.
pub fn fingerprint(der: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn key_facts(spki: &SubjectPublicKeyInfo<'_>) -> (String, Option<usize>) {
    let alg = spki.algorithm.algorithm.to_id_string();
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .map(|o| o.to_id_string());
    match spki.parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(k)) => ("RSA".into(), Some(k.key_size())),
        Ok(x509_parser::public_key::PublicKey::EC(_)) => match curve.as_deref() {
            Some("1.2.840.10045.3.1.7") => ("EC P-256".into(), Some(256)),
            Some("1.3.132.0.34") => ("EC P-384".into(), Some(384)),
            Some("1.3.132.0.35") => ("EC P-521".into(), Some(521)),
            Some(other) => (format!("EC {other}"), None),
            None => ("EC".into(), None),
        },
        _ => match alg.as_str() {
            "1.3.101.112" => ("Ed25519".into(), Some(256)),
            "1.3.101.113" => ("Ed448".into(), Some(456)),
            other => (format!("unknown ({other})"), None),
        },
    }
}

fn ip_text(bytes: &[u8]) -> Option<String> {
    match bytes.len() {
        4 => Some(std::net::Ipv4Addr::from(<[u8; 4]>::try_from(bytes).ok()?).to_string()),
        16 => Some(std::net::Ipv6Addr::from(<[u8; 16]>::try_from(bytes).ok()?).to_string()),
        _ => None,
    }
}

pub fn now_unix() -> i64 {
    ::time::OffsetDateTime::now_utc().unix_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::pem::{PemRole, parse_certs};
    use crate::tls::pki::{TestCa, Validity};

    #[test]
    fn summarises_names_and_dates() {
        let ca = TestCa::new("ca").unwrap();
        let c = ca
            .issue_server(&["qlik.internal", "10.0.0.5"], Validity::Days(10))
            .unwrap();
        let der = &parse_certs(&c.cert_pem, PemRole::ServerCert).unwrap()[0];
        let s = CertSummary::parse(der).unwrap();
        assert_eq!(s.names, vec!["qlik.internal", "10.0.0.5"]);
        assert!(s.subject.contains("qlik.internal"));
        assert!(s.issuer.contains("ca"));
        assert!((9..=10).contains(&s.days_left(now_unix())));
        assert!(s.names_host("QLIK.internal"));
        assert_eq!(s.key_text(), "EC P-256");
        assert_eq!(s.sha256, fingerprint(der.as_ref()));
        assert_eq!(s.sha256.split(':').count(), 32);
        assert!(!s.names_host("other"));
    }
}
