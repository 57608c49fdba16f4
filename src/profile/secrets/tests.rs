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
