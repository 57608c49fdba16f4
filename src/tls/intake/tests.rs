//! Intake's tests: key-derivation bounds, expiry, key matching, PEM round trips.

use super::*;
use crate::tls::pki::{TestCa, Validity};

/// A DER TLV with a definite length.
fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = body.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let len = n.to_be_bytes();
        let len: Vec<u8> = len.iter().copied().skip_while(|b| *b == 0).collect();
        out.push(0x80 | len.len() as u8);
        out.extend(len);
    }
    out.extend_from_slice(body);
    out
}

/// An ENCRYPTED PRIVATE KEY (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC) naming `rounds` rounds;
/// its ciphertext is filler: the bound must refuse it before any derivation or decryption.
fn encrypted_key_with_rounds(rounds: u32) -> String {
    use base64::Engine;
    let oid = |b: &[u8]| tlv(0x06, b);
    let seq = |parts: &[Vec<u8>]| tlv(0x30, &parts.concat());
    let pbes2 = oid(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d]);
    let pbkdf2 = oid(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0c]);
    let hmac_sha256 = oid(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x09]);
    let aes256cbc = oid(&[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2a]);
    // Minimal two's-complement: no leading zero byte unless the next has its high bit set.
    let mut count: Vec<u8> = rounds
        .to_be_bytes()
        .into_iter()
        .skip_while(|b| *b == 0)
        .collect();
    if count.first().is_none_or(|b| b & 0x80 != 0) {
        count.insert(0, 0);
    }
    let kdf_params = seq(&[
        tlv(0x04, &[7; 16]),
        tlv(0x02, &count),
        seq(&[hmac_sha256, vec![0x05, 0x00]]),
    ]);
    let alg = seq(&[
        pbes2,
        seq(&[
            seq(&[pbkdf2, kdf_params]),
            seq(&[aes256cbc, tlv(0x04, &[1; 16])]),
        ]),
    ]);
    let der = seq(&[alg, tlv(0x04, &[9; 48])]);
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    format!("-----BEGIN ENCRYPTED PRIVATE KEY-----\n{b64}\n-----END ENCRYPTED PRIVATE KEY-----\n")
}

/// Counts the passphrase requests: a refused key must not even ask.
struct Counting(usize);
impl AskSecret for Counting {
    fn ask(&mut self, _prompt: &str) -> Result<Zeroizing<String>, String> {
        self.0 += 1;
        Ok(Zeroizing::new("pass".into()))
    }
}

/// (5 million rounds: today's bound refuses them at once, and without it the test still ends,
/// failing, after a few seconds of derivation.)
#[test]
fn a_key_derivation_cost_above_the_bound_is_refused_before_any_work() {
    let input = PemInput::new(Origin::Pasted, encrypted_key_with_rounds(5_000_000));
    let mut ask = Counting(0);
    let e = parse_key_input(&input, &mut ask).unwrap_err();
    assert!(
        matches!(e, IntakeError::UndecryptableKey { .. })
            && e.to_string().contains("5000000 PBKDF2 rounds"),
        "{e}"
    );
    assert_eq!(ask.0, 0, "no passphrase is asked for a refused key");
    // Within the bound the passphrase is asked (and, the ciphertext being filler, is wrong).
    let input = PemInput::new(Origin::Pasted, encrypted_key_with_rounds(1000));
    let e = parse_key_input(&input, &mut ask).unwrap_err();
    assert_eq!(ask.0, 1);
    assert!(!e.to_string().contains("PBKDF2 rounds"), "{e}");
}

fn input(text: &str) -> PemInput {
    PemInput::new(Origin::Pasted, text)
}

#[test]
fn pem_material_validates_and_round_trips() {
    crate::tls::ensure_crypto_provider();
    let ca = TestCa::new("QMC CA").unwrap();
    let c = ca.issue_client("QlikClient", Validity::Days(365)).unwrap();
    let m = from_pem_inputs(
        &input(&c.cert_pem),
        &input(&c.key_pem),
        Some(&input(&ca.cert_pem)),
        &mut CannotAsk("no"),
    )
    .unwrap();
    let f = validate(&m, false).unwrap();
    assert!(f.key_matches);
    assert!(f.client.subject.contains("QlikClient"));
    assert_eq!(f.client.key_type, "EC P-256");
    assert_eq!(f.client.sha256.len(), 32 * 3 - 1);
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
    // Stored text parses back the same.
    let back = pem::parse_certs(&m.cert_pem(), PemRole::ClientCert).unwrap();
    assert_eq!(back, m.certs);
    pem::parse_key(&m.key_pem(), PemRole::ClientKey).unwrap();
}

#[test]
fn key_of_another_certificate_is_refused() {
    crate::tls::ensure_crypto_provider();
    let ca = TestCa::new("ca").unwrap();
    let a = ca.issue_client("a", Validity::Days(10)).unwrap();
    let b = ca.issue_client("b", Validity::Days(10)).unwrap();
    let m = from_pem_inputs(
        &PemInput::new(Origin::File("/x/client.pem".into()), a.cert_pem),
        &PemInput::new(Origin::File("/x/client_key.pem".into()), b.key_pem),
        None,
        &mut CannotAsk("no"),
    )
    .unwrap();
    let e = validate(&m, true).unwrap_err().to_string();
    assert!(
        e.contains("/x/client_key.pem") && e.contains("/x/client.pem"),
        "{e}"
    );
    assert!(e.contains("does not belong"), "{e}");
}

#[test]
fn expiry_is_refused_unless_forced_and_warned_when_near() {
    crate::tls::ensure_crypto_provider();
    let ca = TestCa::new("ca").unwrap();
    let old = ca.issue_client("old", Validity::ExpiredDaysAgo(3)).unwrap();
    let m = from_pem_inputs(
        &input(&old.cert_pem),
        &input(&old.key_pem),
        None,
        &mut CannotAsk(""),
    )
    .unwrap();
    let e = validate(&m, false).unwrap_err().to_string();
    assert!(e.contains("expired") && e.contains("--force"), "{e}");
    let f = validate(&m, true).unwrap();
    assert!(f.warnings.iter().any(|w| w.contains("expired")));
    let soon = ca.issue_client("soon", Validity::Days(10)).unwrap();
    let m = from_pem_inputs(
        &input(&soon.cert_pem),
        &input(&soon.key_pem),
        None,
        &mut CannotAsk(""),
    )
    .unwrap();
    let f = validate(&m, false).unwrap();
    assert!(
        f.warnings.iter().any(|w| w.contains("expires in")),
        "{:?}",
        f.warnings
    );
}

#[test]
fn pem_helper_wraps_at_64() {
    let p = to_pem("X", &[7u8; 100]);
    assert!(p.lines().all(|l| l.len() <= 64 || l.starts_with("-----")));
}
