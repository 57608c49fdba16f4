//! JSON Web Tokens signed with RS256, the one algorithm both Qlik's JWT virtual proxy and Qlik
//! Cloud's JWT identity provider take for machine clients. Minting (the client) and verifying (the
//! simulator) both use ring, already in the build for rustls; PKCS#1 and PKCS#8 keys are accepted.
//!
//! Neither the token nor the key ever enters an error text.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{self, RsaKeyPair};
use rustls_pki_types::PrivateKeyDer;
use serde_json::{Map, Value, json};

use crate::tls::pem::{PemError, PemRole, parse_key};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JwtError {
    #[error(transparent)]
    Pem(#[from] PemError),
    #[error(
        "the JWT signing key is not an RSA key usable for RS256 ({0}): Qlik's JWT virtual proxy and Qlik Cloud expect an RSA key of 2048 bits or more"
    )]
    NotRsa(String),
    #[error("signing the JWT failed: {0}")]
    Sign(String),
    #[error(
        "the JWT verification key is not usable ({0}): give a certificate, a PUBLIC KEY or an RSA PUBLIC KEY in PEM"
    )]
    BadPublicKey(String),
    #[error("the token is not a JWT (three base64url parts separated by dots)")]
    Malformed,
    #[error("the JWT is signed with '{0}'; only RS256 is accepted")]
    Algorithm(String),
    #[error("the JWT signature does not verify against the configured key")]
    BadSignature,
    #[error("the JWT expired {0} s ago; mint a new one")]
    Expired(u64),
    #[error("the JWT is not valid yet (nbf is {0} s ahead); check the clocks")]
    NotYetValid(u64),
    #[error("the JWT has no 'exp' claim; Qlik requires an expiry")]
    NoExpiry,
}

/// What goes into a minted token: the user, the claim names the virtual proxy (or Qlik Cloud's
/// identity provider) is configured to read, and a short lifetime.
#[derive(Debug, Clone, PartialEq)]
pub struct JwtTemplate {
    pub user_id: String,
    pub user_directory: Option<String>,
    /// The claim carrying the user id (the proxy's "JWT attribute for user ID").
    pub claim_user: String,
    /// The claim carrying the user directory (the proxy's "JWT attribute for user directory").
    pub claim_directory: String,
    pub audience: Option<String>,
    pub issuer: Option<String>,
    /// `kid` in the header (Qlik Cloud needs the key id of its JWT identity provider).
    pub key_id: Option<String>,
    /// Seconds from now to `exp`.
    pub lifetime: Duration,
    /// More claims, as given (Qlik Cloud wants `subType`, `name`, `email`, ...).
    pub extra: Vec<(String, Value)>,
}

impl Default for JwtTemplate {
    fn default() -> Self {
        JwtTemplate {
            user_id: String::new(),
            user_directory: None,
            claim_user: DEFAULT_CLAIM_USER.into(),
            claim_directory: DEFAULT_CLAIM_DIRECTORY.into(),
            audience: None,
            issuer: None,
            key_id: None,
            lifetime: DEFAULT_LIFETIME,
            extra: Vec::new(),
        }
    }
}

impl JwtTemplate {
    /// The defaults of Qlik Cloud (`cloud`) or of a QSEoW JWT virtual proxy, for `user_id`.
    pub fn for_user(user_id: &str, cloud: bool) -> Self {
        if cloud {
            JwtTemplate::cloud(user_id)
        } else {
            JwtTemplate {
                user_id: user_id.into(),
                ..Default::default()
            }
        }
    }

    /// Qlik Cloud's defaults for `user_id`: the user in `sub` with `subType: user`, and the
    /// audience `/login/jwt-session` demands. The QSEoW proxy's are `Default::default()`.
    pub fn cloud(user_id: &str) -> Self {
        JwtTemplate {
            user_id: user_id.into(),
            claim_user: "sub".into(),
            audience: Some(CLOUD_AUDIENCE.into()),
            extra: vec![("subType".into(), json!("user"))],
            ..Default::default()
        }
    }
}

/// The audience Qlik Cloud requires of a JWT for `POST /login/jwt-session`.
pub const CLOUD_AUDIENCE: &str = "qlik.api/login/jwt-session";

/// The claim names of Qlik's JWT examples (enigma.js `jwt.js`, gopherciser).
pub const DEFAULT_CLAIM_USER: &str = "user";
pub const DEFAULT_CLAIM_DIRECTORY: &str = "directory";
/// Short: a minted token is used at once, for one pre-flight request.
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);

fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn b64_json(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap_or_default())
}

fn random_id() -> String {
    use rand::RngExt;
    let bytes: [u8; 16] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn rsa_key_pair(key_pem: &str) -> Result<RsaKeyPair, JwtError> {
    let key = parse_key(key_pem, PemRole::JwtKey)?;
    let pair = match &*key {
        PrivateKeyDer::Pkcs8(k) => RsaKeyPair::from_pkcs8(k.secret_pkcs8_der()),
        PrivateKeyDer::Pkcs1(k) => RsaKeyPair::from_der(k.secret_pkcs1_der()),
        PrivateKeyDer::Sec1(_) => return Err(JwtError::NotRsa("it is an EC key".into())),
        _ => return Err(JwtError::NotRsa("unknown key format".into())),
    };
    pair.map_err(|e| JwtError::NotRsa(e.to_string()))
}

/// Checks that `key_pem` can sign RS256 (an RSA private key, unencrypted PEM).
pub fn check_signing_key(key_pem: &str) -> Result<(), JwtError> {
    rsa_key_pair(key_pem).map(|_| ())
}

/// The claims `template` describes, issued at `now`.
pub fn claims(template: &JwtTemplate, now: SystemTime) -> Map<String, Value> {
    let iat = unix(now);
    let mut c = Map::new();
    c.insert(template.claim_user.clone(), json!(template.user_id));
    if let Some(d) = &template.user_directory {
        c.insert(template.claim_directory.clone(), json!(d));
    }
    if let Some(a) = &template.audience {
        c.insert("aud".into(), json!(a));
    }
    if let Some(i) = &template.issuer {
        c.insert("iss".into(), json!(i));
    }
    c.insert("iat".into(), json!(iat));
    c.insert("nbf".into(), json!(iat));
    c.insert(
        "exp".into(),
        json!(iat + template.lifetime.as_secs().max(1)),
    );
    c.insert("jti".into(), json!(random_id()));
    for (k, v) in &template.extra {
        c.insert(k.clone(), v.clone());
    }
    c
}

/// Signs `claims` with the RSA key in `key_pem` (PKCS#1 or PKCS#8 PEM).
pub fn sign_rs256(
    key_pem: &str,
    key_id: Option<&str>,
    claims: &Map<String, Value>,
) -> Result<String, JwtError> {
    let pair = rsa_key_pair(key_pem)?;
    let mut header = json!({"alg": "RS256", "typ": "JWT"});
    if let Some(kid) = key_id {
        header["kid"] = json!(kid);
    }
    let signing_input = format!(
        "{}.{}",
        b64_json(&header),
        b64_json(&Value::Object(claims.clone()))
    );
    let mut sig = vec![0u8; pair.public().modulus_len()];
    pair.sign(
        &signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        signing_input.as_bytes(),
        &mut sig,
    )
    .map_err(|e| JwtError::Sign(e.to_string()))?;
    Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig)))
}

/// Mints a token from `template`, valid from `now` for its lifetime.
pub fn mint(key_pem: &str, template: &JwtTemplate, now: SystemTime) -> Result<String, JwtError> {
    sign_rs256(key_pem, template.key_id.as_deref(), &claims(template, now))
}

/// The PKCS#1 `RSAPublicKey` inside a certificate, a `PUBLIC KEY` (SPKI) or an
/// `RSA PUBLIC KEY` PEM: what ring verifies with.
pub fn rsa_public_key_der(pem_text: &str) -> Result<Vec<u8>, JwtError> {
    use x509_parser::prelude::FromDer;
    let text = crate::tls::pem::normalize(pem_text);
    let block = |label: &str| -> Option<Vec<u8>> {
        let begin = format!("-----BEGIN {label}-----");
        let end = format!("-----END {label}-----");
        let start = text.find(&begin)? + begin.len();
        let stop = text[start..].find(&end)? + start;
        let b64: String = text[start..stop].split_whitespace().collect();
        base64::engine::general_purpose::STANDARD.decode(b64).ok()
    };
    let bad = |s: &str| JwtError::BadPublicKey(s.to_string());
    if let Some(der) = block("RSA PUBLIC KEY") {
        return Ok(der);
    }
    if let Some(der) = block("PUBLIC KEY") {
        let (_, spki) = x509_parser::x509::SubjectPublicKeyInfo::from_der(&der)
            .map_err(|_| bad("the PUBLIC KEY block does not parse"))?;
        return Ok(spki.subject_public_key.data.to_vec());
    }
    if let Some(der) = block("CERTIFICATE") {
        let (_, cert) = x509_parser::parse_x509_certificate(&der)
            .map_err(|_| bad("the CERTIFICATE block does not parse"))?;
        return Ok(cert
            .tbs_certificate
            .subject_pki
            .subject_public_key
            .data
            .to_vec());
    }
    Err(bad("no CERTIFICATE, PUBLIC KEY or RSA PUBLIC KEY block"))
}

/// The `exp` of a token, read without checking its signature (the client cannot: it may not
/// hold the key). For the doctor's "is the stored token still valid" check.
pub fn expiry(token: &str) -> Result<Option<u64>, JwtError> {
    let mut parts = token.trim().split('.');
    let (Some(_), Some(c), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed);
    };
    let claims: Value = URL_SAFE_NO_PAD
        .decode(c)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(JwtError::Malformed)?;
    Ok(claims.get("exp").and_then(Value::as_u64))
}

/// Checks an RS256 token's signature against `public_der` (from `rsa_public_key_der`) and its
/// `exp`/`nbf` against `now` (30 s of clock skew allowed), and returns its claims.
pub fn verify_rs256(
    token: &str,
    public_der: &[u8],
    now: SystemTime,
) -> Result<Map<String, Value>, JwtError> {
    let mut parts = token.trim().split('.');
    let (Some(h), Some(c), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed);
    };
    let decode = |p: &str| URL_SAFE_NO_PAD.decode(p).map_err(|_| JwtError::Malformed);
    let header: Value = serde_json::from_slice(&decode(h)?).map_err(|_| JwtError::Malformed)?;
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
    if alg != "RS256" {
        return Err(JwtError::Algorithm(alg.to_string()));
    }
    let sig = decode(s)?;
    signature::UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, public_der)
        .verify(format!("{h}.{c}").as_bytes(), &sig)
        .map_err(|_| JwtError::BadSignature)?;
    let claims: Map<String, Value> =
        serde_json::from_slice(&decode(c)?).map_err(|_| JwtError::Malformed)?;
    const SKEW: u64 = 30;
    let now = unix(now);
    let exp = claims
        .get("exp")
        .and_then(Value::as_u64)
        .ok_or(JwtError::NoExpiry)?;
    if exp + SKEW < now {
        return Err(JwtError::Expired(now - exp));
    }
    if let Some(nbf) = claims.get("nbf").and_then(Value::as_u64)
        && nbf > now + SKEW
    {
        return Err(JwtError::NotYetValid(nbf - now));
    }
    Ok(claims)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A 2048-bit RSA key pair (PKCS#8 private, SPKI public) made now, for tests.
    pub(crate) fn test_rsa_key() -> (String, String) {
        use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
        let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
        let private = key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string();
        let public = key
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        (private, public)
    }

    fn template() -> JwtTemplate {
        JwtTemplate {
            user_id: "sa_engine".into(),
            user_directory: Some("INTERNAL".into()),
            audience: Some("qlik.api/login/jwt-session".into()),
            key_id: Some("kid-1".into()),
            extra: vec![("subType".into(), json!("user"))],
            ..Default::default()
        }
    }

    #[test]
    fn the_expiry_is_read_without_the_key() {
        let (private, _) = test_rsa_key();
        let now = SystemTime::now();
        let token = mint(&private, &template(), now).unwrap();
        assert_eq!(expiry(&token).unwrap(), Some(unix(now) + 300));
        assert_eq!(expiry("not-a-jwt"), Err(JwtError::Malformed));
        assert_eq!(expiry("a.%%%.c"), Err(JwtError::Malformed));
    }

    #[test]
    fn minted_tokens_verify_and_carry_the_configured_claims() {
        let (private, public) = test_rsa_key();
        let now = SystemTime::now();
        let mut t = template();
        t.claim_user = "uid".into();
        t.claim_directory = "dir".into();
        let token = mint(&private, &t, now).unwrap();
        let der = rsa_public_key_der(&public).unwrap();
        let c = verify_rs256(&token, &der, now).unwrap();
        assert_eq!(c["uid"], "sa_engine");
        assert_eq!(c["dir"], "INTERNAL");
        assert_eq!(c["aud"], "qlik.api/login/jwt-session");
        assert_eq!(c["subType"], "user");
        assert_eq!(c["exp"].as_u64().unwrap() - c["iat"].as_u64().unwrap(), 300);
        // Each mint gets its own jti (Qlik Cloud refuses a replayed one).
        let again = verify_rs256(&mint(&private, &t, now).unwrap(), &der, now).unwrap();
        assert_ne!(c["jti"], again["jti"]);
        // PKCS#1 works too.
        use rsa::pkcs1::EncodeRsaPrivateKey;
        use rsa::pkcs8::DecodePrivateKey;
        let pkcs1 = rsa::RsaPrivateKey::from_pkcs8_pem(&private)
            .unwrap()
            .to_pkcs1_pem(rsa::pkcs8::LineEnding::LF)
            .unwrap()
            .to_string();
        verify_rs256(&mint(&pkcs1, &t, now).unwrap(), &der, now).unwrap();
    }

    #[test]
    fn verification_refuses_another_key_tampering_and_expiry() {
        let (private, _) = test_rsa_key();
        let (_, other_public) = test_rsa_key();
        let now = SystemTime::now();
        let token = mint(&private, &template(), now).unwrap();
        let other = rsa_public_key_der(&other_public).unwrap();
        assert_eq!(
            verify_rs256(&token, &other, now).unwrap_err(),
            JwtError::BadSignature
        );
        let (private2, public2) = test_rsa_key();
        let der2 = rsa_public_key_der(&public2).unwrap();
        let token2 = mint(&private2, &template(), now).unwrap();
        let mut parts: Vec<&str> = token2.split('.').collect();
        let forged = b64_json(&json!({"user": "admin", "exp": unix(now) + 60}));
        parts[1] = &forged;
        assert_eq!(
            verify_rs256(&parts.join("."), &der2, now).unwrap_err(),
            JwtError::BadSignature
        );
        let later = now + Duration::from_secs(3600);
        assert!(matches!(
            verify_rs256(&token2, &der2, later),
            Err(JwtError::Expired(_))
        ));
        assert_eq!(
            verify_rs256("abc", &der2, now).unwrap_err(),
            JwtError::Malformed
        );
    }

    #[test]
    fn an_ec_key_is_refused_without_echoing_it() {
        let ec = rcgen::KeyPair::generate().unwrap().serialize_pem();
        let err = mint(&ec, &template(), SystemTime::now()).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("RSA"), "{text}");
        assert!(!text.contains(ec.lines().nth(1).unwrap()), "{text}");
    }

    #[test]
    fn a_certificate_yields_its_public_key() {
        let (private, public) = test_rsa_key();
        let kp = rcgen::KeyPair::from_pem(&private).unwrap();
        let cert = rcgen::CertificateParams::new(vec!["jwt".to_string()])
            .unwrap()
            .self_signed(&kp)
            .unwrap();
        assert_eq!(
            rsa_public_key_der(&cert.pem()).unwrap(),
            rsa_public_key_der(&public).unwrap()
        );
    }
}
