//! PEM intake: turn the text a user has (a file, a paste, a one-line copy out of a catalog tool)
//! into DER certificates and keys, with errors that say what is wrong and how to fix it.
//!
//! Secrets pass through here, so no error text ever quotes the input.

use rustls_pki_types::pem::{self, PemObject};
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use zeroize::Zeroizing;

/// What a PEM input is for; named in every error so the user knows which file to look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PemRole {
    ClientCert,
    ClientKey,
    RootCert,
    ServerCert,
    ServerKey,
    /// The RSA private key that signs JWTs (JWT virtual proxy, Qlik Cloud JWT).
    JwtKey,
}

impl PemRole {
    pub fn label(self) -> &'static str {
        match self {
            PemRole::ClientCert => "client certificate (client.pem)",
            PemRole::ClientKey => "client key (client_key.pem)",
            PemRole::RootCert => "root certificate (root.pem)",
            PemRole::ServerCert => "server certificate",
            PemRole::ServerKey => "server key",
            PemRole::JwtKey => "JWT signing key (--jwt-key-file)",
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PemError {
    #[error(
        "the {} is empty: give the PEM text (a file path, or '-' to read it from stdin)",
        .0.label()
    )]
    Empty(PemRole),
    #[error(
        "the {} holds no PEM block: expected a '-----BEGIN ...-----' line; export the file again from the QMC (Certificates, PEM format)",
        .0.label()
    )]
    NoPemBlock(PemRole),
    #[error(
        "the {} is not valid PEM ({detail}): the text may be truncated or altered; copy the whole file again, from BEGIN to END",
        .role.label()
    )]
    Malformed { role: PemRole, detail: String },
    #[error(
        "the {} holds a private key, not a certificate: swap client.pem and client_key.pem",
        .0.label()
    )]
    KeyWhereCertExpected(PemRole),
    #[error(
        "the {} holds a certificate, not a private key: swap client.pem and client_key.pem",
        .0.label()
    )]
    CertWhereKeyExpected(PemRole),
    #[error(
        "the {} is encrypted and needs its passphrase: import it with 'qlik-tui profile add' (it asks once and stores the decrypted key), or decrypt it with 'openssl pkey -in client_key.pem -out plain.pem'",
        .0.label()
    )]
    EncryptedKey(PemRole),
}

/// Normalises pasted PEM: literal `\n` escapes (one-line copies from JSON or YAML), Windows line
/// endings, surrounding quotes and indentation. Only the layout changes, never the base64.
///
/// The text may be a key, so the result is wiped on drop, and it is built in one pass into a
/// buffer sized for the whole input up front: chained `replace` calls or a growing `String` would
/// leave copies of the key in freed, unwiped buffers.
pub fn normalize(text: &str) -> Zeroizing<String> {
    let trimmed = text.trim().trim_matches(|c| c == '"' || c == '\'');
    // Every kept line gets one '\n', and lines are separated by at least one byte of the input:
    // the output is never longer than the input plus one.
    let mut out = Zeroizing::new(String::with_capacity(trimmed.len() + 1));
    let bytes = trimmed.as_bytes();
    let (mut i, mut line_start) = (0, 0);
    while i < bytes.len() {
        let rest = &bytes[i..];
        let separator = if rest.starts_with(b"\\r\\n") {
            4
        } else if rest.starts_with(b"\\n") || rest.starts_with(b"\r\n") {
            2
        } else {
            usize::from(rest[0] == b'\r' || rest[0] == b'\n')
        };
        if separator == 0 {
            i += 1;
            continue;
        }
        // `i` is at an ASCII byte, so a character boundary.
        push_line(&mut out, &trimmed[line_start..i]);
        i += separator;
        line_start = i;
    }
    push_line(&mut out, &trimmed[line_start..]);
    out
}

/// Appends `line` trimmed, with a newline; blank lines are dropped.
fn push_line(out: &mut String, line: &str) {
    let line = line.trim();
    if !line.is_empty() {
        out.push_str(line);
        out.push('\n');
    }
}

fn section_kinds(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            l.strip_prefix("-----BEGIN ")
                .and_then(|r| r.strip_suffix("-----"))
        })
        .map(str::to_string)
        .collect()
}

fn malformed(role: PemRole, e: pem::Error) -> PemError {
    // pem::Error's Display never includes the base64 payload; keep only the kind of failure.
    let detail = match e {
        pem::Error::MissingSectionEnd { .. } => "a BEGIN line has no matching END line".to_string(),
        pem::Error::IllegalSectionStart { .. } => "a BEGIN line is broken".to_string(),
        pem::Error::Base64Decode(_) => "the base64 body does not decode".to_string(),
        pem::Error::NoItemsFound => "no PEM block".to_string(),
        other => {
            let s = other.to_string();
            s.chars().take(80).collect()
        }
    };
    PemError::Malformed { role, detail }
}

/// The normalised text and the kinds of its PEM blocks; an error when there is no block at all.
fn blocks(text: &str, role: PemRole) -> Result<(Zeroizing<String>, Vec<String>), PemError> {
    let text = normalize(text);
    if text.is_empty() {
        return Err(PemError::Empty(role));
    }
    let kinds = section_kinds(&text);
    if kinds.is_empty() {
        return Err(PemError::NoPemBlock(role));
    }
    Ok((text, kinds))
}

/// Parses every certificate in `text` (a chain: leaf first, then intermediates).
pub fn parse_certs(text: &str, role: PemRole) -> Result<Vec<CertificateDer<'static>>, PemError> {
    let (text, kinds) = blocks(text, role)?;
    let certs = CertificateDer::pem_slice_iter(text.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| malformed(role, e))?;
    if certs.is_empty() {
        if kinds.iter().any(|k| k.contains("PRIVATE KEY")) {
            return Err(PemError::KeyWhereCertExpected(role));
        }
        return Err(PemError::NoPemBlock(role));
    }
    // Every certificate must also parse as X.509, or rustls fails later with a vaguer message.
    for c in &certs {
        if x509_parser::parse_x509_certificate(c.as_ref()).is_err() {
            return Err(PemError::Malformed {
                role,
                detail: "a CERTIFICATE block is not a valid X.509 certificate".into(),
            });
        }
    }
    Ok(certs)
}

/// Parses the private key in `text`: PKCS#1 (`RSA PRIVATE KEY`), PKCS#8 (`PRIVATE KEY`) or SEC1
/// (`EC PRIVATE KEY`). An encrypted PKCS#8 key is reported as such. The decoded key is wiped
/// when dropped.
pub fn parse_key(text: &str, role: PemRole) -> Result<Zeroizing<PrivateKeyDer<'static>>, PemError> {
    let (text, kinds) = blocks(text, role)?;
    if kinds.iter().any(|k| k == "ENCRYPTED PRIVATE KEY") || text.contains("Proc-Type: 4,ENCRYPTED")
    {
        return Err(PemError::EncryptedKey(role));
    }
    match PrivateKeyDer::from_pem_slice(text.as_bytes()) {
        Ok(k) => Ok(Zeroizing::new(k)),
        Err(pem::Error::NoItemsFound) => {
            if kinds.iter().any(|k| k.contains("CERTIFICATE")) {
                Err(PemError::CertWhereKeyExpected(role))
            } else {
                Err(PemError::NoPemBlock(role))
            }
        }
        Err(e) => Err(malformed(role, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::pki::DemoPki;
    use proptest::prelude::*;

    /// The former `normalize` (chained replaces): the one-pass version must give the same text.
    fn normalize_by_replacing(text: &str) -> String {
        let trimmed = text.trim().trim_matches(|c| c == '"' || c == '\'');
        let unescaped = trimmed
            .replace("\\r\\n", "\n")
            .replace("\\n", "\n")
            .replace("\r\n", "\n")
            .replace('\r', "\n");
        let mut out = String::new();
        for line in unescaped.lines() {
            let line = line.trim();
            if !line.is_empty() {
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    }

    #[test]
    fn the_decoded_key_and_the_normalised_text_are_wiped_on_drop() {
        use crate::secret::assert_wiped_on_drop;
        use crate::tls::intake::{self, Given, Origin, PemInput};
        // Compile-time: what parse_key, parse_key_input, Material.key and normalize hand out
        // wipes itself when dropped.
        assert_wiped_on_drop::<Zeroizing<PrivateKeyDer<'static>>>();
        assert_wiped_on_drop::<Zeroizing<String>>();
        let pki = DemoPki::generate().unwrap();
        let key: Zeroizing<PrivateKeyDer<'static>> =
            parse_key(&pki.client_key_pem, PemRole::ClientKey).unwrap();
        let cert = PemInput::new(Origin::Pasted, pki.client_cert_pem.clone());
        let pasted = PemInput::new(Origin::Pasted, pki.client_key_pem.clone());
        let mut ask = Given(Zeroizing::new(String::new()));
        let m = intake::from_pem_inputs(&cert, &pasted, None, &mut ask).unwrap();
        let material_key: &Zeroizing<PrivateKeyDer<'static>> = &m.key;
        assert_eq!(material_key.secret_der(), key.secret_der());
        let normalised: Zeroizing<String> = normalize(&pki.client_key_pem);
        assert_eq!(normalised.as_str(), pki.client_key_pem);
        // Runtime: what the drop runs empties the DER.
        let mut copy = key.clone_key();
        zeroize::Zeroize::zeroize(&mut copy);
        assert!(copy.secret_der().is_empty());
    }

    proptest! {
        /// Same layout as the chained replaces, and built without the buffer reallocating
        /// (a reallocation would leave an unwiped copy behind and grow the capacity).
        #[test]
        fn normalize_in_one_pass_matches_and_never_reallocates(
            text in "[A-Za-z0-9+/= \t\r\n\\\\nr\"'é-]{0,80}",
        ) {
            let n = normalize(&text);
            prop_assert_eq!(n.as_str(), normalize_by_replacing(&text));
            let trimmed = text.trim().trim_matches(|c| c == '"' || c == '\'');
            prop_assert!(n.capacity() <= trimmed.len() + 1 || trimmed.is_empty());
        }
    }

    #[test]
    fn one_line_pem_with_literal_escapes_parses() {
        let pki = DemoPki::generate().unwrap();
        let one_line = pki.client_cert_pem.replace('\n', "\\n");
        assert!(!one_line.contains('\n'));
        assert_eq!(
            parse_certs(&one_line, PemRole::ClientCert).unwrap().len(),
            1
        );
        let key_line = format!("\"{}\"", pki.client_key_pem.replace('\n', "\\n"));
        parse_key(&key_line, PemRole::ClientKey).unwrap();
    }

    #[test]
    fn windows_line_endings_parse() {
        let pki = DemoPki::generate().unwrap();
        let crlf = pki.root_cert_pem.replace('\n', "\r\n");
        assert_eq!(parse_certs(&crlf, PemRole::RootCert).unwrap().len(), 1);
    }

    #[test]
    fn swapped_files_are_named() {
        let pki = DemoPki::generate().unwrap();
        assert_eq!(
            parse_certs(&pki.client_key_pem, PemRole::ClientCert).unwrap_err(),
            PemError::KeyWhereCertExpected(PemRole::ClientCert)
        );
        assert_eq!(
            parse_key(&pki.client_cert_pem, PemRole::ClientKey).unwrap_err(),
            PemError::CertWhereKeyExpected(PemRole::ClientKey)
        );
    }

    #[test]
    fn garbage_and_truncation_are_clear_and_do_not_echo_input() {
        let err = parse_certs("hello world", PemRole::RootCert).unwrap_err();
        assert_eq!(err, PemError::NoPemBlock(PemRole::RootCert));
        let pki = DemoPki::generate().unwrap();
        let truncated: String = pki.client_key_pem.chars().take(120).collect();
        let err = parse_key(&truncated, PemRole::ClientKey).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("client key"), "{text}");
        let body_line = pki.client_key_pem.lines().nth(1).unwrap();
        assert!(
            !text.contains(&body_line[..20]),
            "error echoes the key: {text}"
        );
        assert!(matches!(
            parse_key("", PemRole::ClientKey),
            Err(PemError::Empty(_))
        ));
    }

    #[test]
    fn encrypted_key_asks_for_a_passphrase() {
        let enc = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n";
        let err = parse_key(enc, PemRole::ClientKey).unwrap_err();
        assert_eq!(err, PemError::EncryptedKey(PemRole::ClientKey));
        assert!(err.to_string().contains("passphrase"));
    }
}
