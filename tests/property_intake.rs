//! Property tests (issue 11) of what qlik-tui reads from files a user gives it: PEM
//! certificates and keys (arbitrary text, and valid PEMs mutated: bytes flipped, cut short,
//! lines dropped), encrypted PKCS#8 keys (armour around garbage, and a valid one made by the
//! openssl tool, mutated, with the right, an empty and a wrong passphrase), PFX/P12 bundles
//! (arbitrary bytes, and a valid bundle mutated), the profile TOML file and the keymap. None may panic, and every error names the
//! input it is about (the role or the file) and says what to do. The case budgets are fixed and
//! small enough for CI (see `CASES`).

use std::path::Path;
use std::sync::OnceLock;

use proptest::prelude::*;
use qlik_tui::profile::store::ProfileStore;
use qlik_tui::tls::intake::{self, Given, Origin, PemInput};
use qlik_tui::tls::pem::{PemRole, parse_certs, parse_key};
use qlik_tui::tls::pki::DemoPki;
use qlik_tui::tui::keymap::{Key, Keymap};
use zeroize::Zeroizing;

/// Cases per property; PFX cases cost a key derivation each, so they get fewer.
const CASES: u32 = 256;
const PFX_CASES: u32 = 64;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Valid material made once per run: the demo PKI's PEMs and a PFX bundle of its client.
struct Fixtures {
    pki: DemoPki,
    pfx: Vec<u8>,
}

const PFX_PASSWORD: &str = "pfx-pass";

fn fixtures() -> &'static Fixtures {
    static F: OnceLock<Fixtures> = OnceLock::new();
    F.get_or_init(|| {
        let pki = DemoPki::generate().expect("a PKI");
        let cert = parse_certs(&pki.client_cert_pem, PemRole::ClientCert).unwrap();
        let key = parse_key(&pki.client_key_pem, PemRole::ClientKey).unwrap();
        let chain = p12_keystore::PrivateKeyChain::new(
            b"qlik".as_slice(),
            p12_keystore::PrivateKey::from_der(key.secret_der()).unwrap(),
            [p12_keystore::Certificate::from_der(cert[0].as_ref()).unwrap()],
        );
        let mut store = p12_keystore::KeyStore::new();
        store.add_entry(
            "client",
            p12_keystore::KeyStoreEntry::PrivateKeyChain(chain),
        );
        let pfx = store
            .writer(PFX_PASSWORD)
            .encryption_iterations(1)
            .mac_iterations(1)
            .write()
            .expect("a PFX");
        Fixtures { pki, pfx }
    })
}

const KEY_PASSPHRASE: &str = "key-pass";

/// The demo client key as an encrypted PKCS#8 PEM (PBES2, AES-256-CBC; few PBKDF2 rounds to
/// keep cases cheap), made by the openssl tool. None without openssl, which CI installs (a
/// missing tool fails there).
fn encrypted_key() -> Option<&'static str> {
    static K: OnceLock<Option<String>> = OnceLock::new();
    K.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("key.pem");
        let enc = dir.path().join("enc.pem");
        std::fs::write(&plain, &fixtures().pki.client_key_pem).unwrap();
        let run = std::process::Command::new("openssl")
            .args([
                "pkcs8",
                "-topk8",
                "-v2",
                "aes-256-cbc",
                "-iter",
                "1000",
                "-in",
            ])
            .arg(&plain)
            .arg("-out")
            .arg(&enc)
            .args(["-passout", &format!("pass:{KEY_PASSPHRASE}")])
            .output();
        match run {
            Ok(o) => {
                assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
                Some(std::fs::read_to_string(&enc).unwrap())
            }
            Err(e) => {
                assert!(
                    std::env::var_os("CI").is_none(),
                    "the openssl tool makes the encrypted-key fixture: {e}"
                );
                None
            }
        }
    })
    .as_deref()
}

/// A valid text changed the way a copy and paste or a bad transfer changes it.
#[derive(Debug, Clone)]
enum Mutation {
    /// Replace the byte at (position mod length) with this one.
    Flip(usize, u8),
    /// Keep only the first (position mod length) bytes.
    Cut(usize),
    /// Drop the line at (position mod lines).
    DropLine(usize),
    /// Insert text at (position mod length).
    Insert(usize, String),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Mutation::Flip(p, b)),
        any::<usize>().prop_map(Mutation::Cut),
        any::<usize>().prop_map(Mutation::DropLine),
        (any::<usize>(), ".{0,12}").prop_map(|(p, s)| Mutation::Insert(p, s)),
    ]
}

fn mutate(bytes: &[u8], ms: &[Mutation]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    for m in ms {
        let len = b.len().max(1);
        match m {
            Mutation::Flip(p, x) => {
                if !b.is_empty() {
                    b[p % len] = *x;
                }
            }
            Mutation::Cut(p) => b.truncate(p % len),
            Mutation::DropLine(p) => {
                let mut lines: Vec<&[u8]> = b.split(|c| *c == b'\n').collect();
                let n = lines.len();
                lines.remove(p % n);
                b = lines.join(&b'\n');
            }
            Mutation::Insert(p, s) => {
                let at = p % len;
                let at = at.min(b.len());
                b.splice(at..at, s.bytes());
            }
        }
    }
    b
}

fn text_of(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A PEM error names the role (so the user knows which file) and is more than a word.
fn names_role(e: &impl std::fmt::Display, role: PemRole) -> bool {
    let t = e.to_string();
    t.contains(role.label()) && t.len() > role.label().len() + 20
}

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn arbitrary_text_is_never_a_panic_as_a_certificate_or_key(text in "\\PC{0,400}") {
        for role in [PemRole::ClientCert, PemRole::RootCert] {
            if let Err(e) = parse_certs(&text, role) {
                prop_assert!(names_role(&e, role), "{e}");
            }
        }
        if let Err(e) = parse_key(&text, PemRole::ClientKey) {
            prop_assert!(names_role(&e, PemRole::ClientKey), "{e}");
        }
    }

    #[test]
    fn pem_armour_around_garbage_is_a_clear_error(
        label in prop::sample::select(vec!["CERTIFICATE", "PRIVATE KEY", "RSA PRIVATE KEY",
            "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "PUBLIC KEY", "X"]),
        body in "[A-Za-z0-9+/=\\n]{0,300}",
    ) {
        let text = format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n");
        if let Err(e) = parse_certs(&text, PemRole::ClientCert) {
            prop_assert!(names_role(&e, PemRole::ClientCert), "{e}");
        }
        let input = PemInput::new(Origin::File("client_key.pem".into()), text);
        if let Err(e) = intake::parse_key_input(&input, &mut Given(Zeroizing::new("pw".into()))) {
            prop_assert!(e.to_string().contains("client_key.pem"), "{e}");
        }
    }

    #[test]
    fn mutated_certificates_and_keys_are_parsed_or_refused_clearly(
        ms in prop::collection::vec(mutation(), 1..4),
    ) {
        let f = fixtures();
        let cert = mutate(f.pki.client_cert_pem.as_bytes(), &ms);
        if let Err(e) = parse_certs(&text_of(&cert), PemRole::ClientCert) {
            prop_assert!(names_role(&e, PemRole::ClientCert), "{e}");
        }
        let key = text_of(&mutate(f.pki.client_key_pem.as_bytes(), &ms));
        let input = PemInput::new(Origin::File("client_key.pem".into()), key);
        if let Err(e) = intake::parse_key_input(&input, &mut Given(Zeroizing::new("pw".into()))) {
            let t = e.to_string();
            prop_assert!(t.contains("client_key.pem") && t.len() > 40, "{t}");
            prop_assert!(!t.contains("PRIVATE KEY-----"), "no key text in an error: {t}");
        }
    }

    #[test]
    fn a_mutated_encrypted_key_is_read_or_refused_clearly(
        ms in prop::collection::vec(mutation(), 1..4),
        passphrase in prop::sample::select(vec![KEY_PASSPHRASE, "", "wrong"]),
    ) {
        let Some(encrypted) = encrypted_key() else {
            return Ok(());
        };
        let text = text_of(&mutate(encrypted.as_bytes(), &ms));
        let input = PemInput::new(Origin::File("client_key.pem".into()), text);
        let mut ask = Given(Zeroizing::new(passphrase.into()));
        if let Err(e) = intake::parse_key_input(&input, &mut ask) {
            let t = e.to_string();
            prop_assert!(t.contains("client_key.pem") && t.len() > 40, "{t}");
            prop_assert!(!t.contains("PRIVATE KEY-----"), "no key text in an error: {t}");
            prop_assert!(!t.contains(KEY_PASSPHRASE), "no passphrase in an error: {t}");
        }
    }

    #[test]
    fn the_profile_file_loader_never_panics_and_names_the_file(text in "\\PC{0,300}") {
        check_profile_file(&text)?;
    }

    #[test]
    fn profile_files_near_the_real_shape_never_panic(
        name in "[a-z\\- \"\\\\]{0,8}",
        key in prop::sample::select(vec!["engine_url", "auth", "user_id", "user_directory",
            "verify_hostname", "timeout", "request_timeout", "deployment", "jwt_claims", "x"]),
        value in prop::sample::select(vec!["\"wss://h:4747\"", "\"cert\"", "true", "3",
            "-1", "1e400", "[1, \"a\"]", "{ a = 1 }", "\"\\u0000\"", "", "\"jwt\""]),
    ) {
        let text = format!("default = \"{name}\"\n[profiles.\"{name}\"]\n{key} = {value}\n");
        check_profile_file(&text)?;
    }

    #[test]
    fn the_keymap_loader_never_panics_and_names_the_file(
        key in "\\PC{0,16}",
        action in "\\PC{0,12}",
        raw in "\\PC{0,120}",
    ) {
        let origin = Path::new("keymap.toml");
        let text = format!("[keys]\n{:?} = {:?}\n", key, action);
        for t in [text.as_str(), raw.as_str()] {
            if let Err(e) = Keymap::from_toml(t, origin) {
                prop_assert!(e.contains("keymap.toml") && e.len() > 20, "{e}");
            }
        }
        if let Err(e) = Key::parse(&key) {
            prop_assert!(!e.is_empty(), "a key error says something");
        }
    }
}

fn check_profile_file(text: &str) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("profiles.toml");
    std::fs::write(&path, text).unwrap();
    if let Err(e) = ProfileStore::open(&path) {
        let t = e.to_string();
        prop_assert!(t.contains("profiles.toml") && t.len() > 30, "{t}");
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(PFX_CASES))]

    #[test]
    fn arbitrary_bytes_are_never_a_panic_as_a_pfx(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let origin = Origin::File("client.pfx".into());
        if let Err(e) = intake::from_pfx_bytes(&bytes, PFX_PASSWORD, origin) {
            let t = e.to_string();
            prop_assert!(t.contains("client.pfx") && t.contains("QMC") || t.contains("password"), "{t}");
        }
    }

    #[test]
    fn a_mutated_pfx_is_read_or_refused_clearly(
        ms in prop::collection::vec(mutation(), 1..3),
        password in prop::sample::select(vec![PFX_PASSWORD, "", "wrong"]),
    ) {
        let f = fixtures();
        let bytes = mutate(&f.pfx, &ms);
        let origin = Origin::File("client.pfx".into());
        match intake::from_pfx_bytes(&bytes, password, origin) {
            Ok(m) => prop_assert!(!m.cert_pem().is_empty()),
            Err(e) => {
                let t = e.to_string();
                prop_assert!(t.starts_with("client.pfx") && t.len() > 40, "{t}");
            }
        }
    }
}

#[test]
fn the_unmutated_fixtures_are_valid() {
    // Without this, a broken fixture would make every "refused clearly" case pass vacuously.
    let f = fixtures();
    let m = intake::from_pfx_bytes(&f.pfx, PFX_PASSWORD, Origin::File("client.pfx".into()))
        .expect("the PFX fixture reads");
    assert!(m.cert_pem().contains("BEGIN CERTIFICATE"));
    assert!(parse_key(&f.pki.client_key_pem, PemRole::ClientKey).is_ok());
    if let Some(encrypted) = encrypted_key() {
        let input = PemInput::new(Origin::File("client_key.pem".into()), encrypted.to_string());
        let key =
            intake::parse_key_input(&input, &mut Given(Zeroizing::new(KEY_PASSPHRASE.into())))
                .expect("the encrypted fixture decrypts");
        assert_eq!(
            key.secret_der(),
            parse_key(&f.pki.client_key_pem, PemRole::ClientKey)
                .unwrap()
                .secret_der()
        );
        let wrong = intake::parse_key_input(&input, &mut Given(Zeroizing::new("wrong".into())));
        assert!(wrong.is_err(), "a wrong passphrase is refused");
    }
    let wrong = intake::from_pfx_bytes(&f.pfx, "wrong", Origin::File("client.pfx".into()));
    assert!(
        wrong
            .err()
            .unwrap()
            .to_string()
            .contains("password is wrong")
    );
}
