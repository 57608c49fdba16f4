//! Profiles against the REAL kernel keyutils backend. Each test joins its own anonymous session
//! keyring (as `keyctl session -` does), so it runs from any shell; under CI a kernel without
//! keyutils is a failure, elsewhere a skip with a notice.
#![allow(clippy::disallowed_macros)] // a test or bench prints its own report

mod common;
mod keyring_support;

use keyring_support::*;
use qlik_tui::profile::secrets::{SecretKind, SecretStore, StoreChoice};
use qlik_tui::tls::pki::DemoPki;

use keyring_support::keyutils_session as session;

#[test]
fn chunked_secrets_round_trip_in_the_kernel_keyring() {
    if !session() {
        return;
    }
    let service = unique_service("lib");
    let store = SecretStore::open(StoreChoice::Keyutils)
        .unwrap()
        .with_service(&service);
    assert_eq!(store.backend(), StoreChoice::Keyutils);
    // 3.3 KB, the size of a 4096-bit RSA key in PEM: two chunks.
    let big: Vec<u8> = (0..3300u32).map(|i| b'a' + (i % 26) as u8).collect();
    store.set("p", SecretKind::ClientKey, &big).unwrap();
    store.set("p", SecretKind::ApiKey, b"k-123").unwrap();
    assert_eq!(
        &store.get("p", SecretKind::ClientKey).unwrap().unwrap()[..],
        &big[..]
    );
    assert_eq!(
        &store.get("p", SecretKind::ApiKey).unwrap().unwrap()[..],
        b"k-123"
    );
    let mut gone = store.delete_all("p").unwrap();
    gone.sort();
    assert_eq!(gone, vec![SecretKind::ClientKey, SecretKind::ApiKey]);
}

#[test]
fn add_show_rename_remove_with_certificates() {
    if !session() {
        return;
    }
    qlik_tui::tls::ensure_crypto_provider();
    let cli = Cli::new("keyutils", "cli");
    let pki = DemoPki::generate().unwrap();
    let certs = tempfile::tempdir().unwrap();
    pki.write_client_files(certs.path()).unwrap();

    cli.ok(&add_args(
        "dev",
        &[
            "--cert-dir",
            certs.path().to_str().unwrap(),
            "--notes",
            "the dev site",
        ],
    ));
    // Acceptance: no PEM anywhere in the config dir, and the keyring holds the entries.
    assert_no_pem_under(cli.config_dir());
    let profiles = std::fs::read_to_string(cli.config_dir().join("profiles.toml")).unwrap();
    assert!(
        profiles.contains("secret_store = \"keyutils\""),
        "{profiles}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let m = std::fs::metadata(cli.config_dir().join("profiles.toml")).unwrap();
        assert_eq!(m.permissions().mode() & 0o777, 0o600);
    }
    let keyring = SecretStore::open(StoreChoice::Keyutils)
        .unwrap()
        .with_service(&cli.service);
    let stored = keyring.load("dev").unwrap();
    assert_eq!(
        stored.kinds().collect::<Vec<_>>(),
        vec![
            SecretKind::ClientCert,
            SecretKind::ClientKey,
            SecretKind::RootCert
        ]
    );
    assert!(
        stored
            .text(SecretKind::ClientKey)
            .unwrap()
            .contains("PRIVATE KEY")
    );

    // list and show: JSON, masked secrets, certificate facts.
    let list: serde_json::Value =
        serde_json::from_str(&cli.ok(&["profile", "list", "--json"])).unwrap();
    assert_eq!(list[0]["name"], "dev");
    assert_eq!(list[0]["engine_url"], "wss://localhost:4747");
    let show_json = cli.ok(&["profile", "show", "dev", "--json"]);
    assert!(!show_json.contains("BEGIN"), "show leaks PEM: {show_json}");
    let show: serde_json::Value = serde_json::from_str(&show_json).unwrap();
    assert!(
        show["secrets"]["client_key"]
            .as_str()
            .unwrap()
            .contains("hidden")
    );
    assert_eq!(show["certificate"]["key_matches"], true);
    assert!(
        show["certificate"]["client"]["subject"]
            .as_str()
            .unwrap()
            .contains("QlikClient")
    );
    assert_eq!(show["certificate"]["client"]["key_type"], "EC P-256");
    assert!(show["certificate"]["days_left"].as_i64().unwrap() > 300);
    let show_text = cli.ok(&["profile", "show", "dev"]);
    assert!(
        show_text.contains("SHA-256") && show_text.contains("key matches  yes"),
        "{show_text}"
    );

    // edit a setting; rename moves the keyring entries.
    cli.ok(&["profile", "edit", "dev", "--ttl", "30"]);
    cli.ok(&["profile", "rename", "dev", "test"]);
    assert!(keyring.load("dev").unwrap().is_empty());
    assert_eq!(keyring.load("test").unwrap().kinds().count(), 3);

    // remove leaves no entry behind (checked from this process: the deleting one was the child).
    cli.ok(&["profile", "remove", "test"]);
    assert!(
        keyring.load("test").unwrap().is_empty(),
        "keyring entries left behind"
    );
    let list: serde_json::Value =
        serde_json::from_str(&cli.ok(&["profile", "list", "--json"])).unwrap();
    assert_eq!(list, serde_json::json!([]));
}

#[test]
fn a_4096_bit_rsa_key_is_stored_in_chunks_and_read_back() {
    if !session() || !require_openssl() {
        return;
    }
    qlik_tui::tls::ensure_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let Some((cert, key)) = openssl_rsa_pair(dir.path(), 4096) else {
        panic!("openssl could not make an RSA key");
    };
    let cli = Cli::new("keyutils", "rsa");
    cli.ok(&add_args(
        "big",
        &[
            "--client-cert",
            cert.to_str().unwrap(),
            "--client-key",
            key.to_str().unwrap(),
        ],
    ));
    let keyring = SecretStore::open(StoreChoice::Keyutils)
        .unwrap()
        .with_service(&cli.service);
    let pem = keyring.get("big", SecretKind::ClientKey).unwrap().unwrap();
    assert!(
        pem.len() > 3000,
        "a 4096-bit key PEM is over 3 KB, got {}",
        pem.len()
    );
    let show: serde_json::Value =
        serde_json::from_str(&cli.ok(&["profile", "show", "big", "--json"])).unwrap();
    assert_eq!(show["certificate"]["client"]["key_type"], "RSA");
    assert_eq!(show["certificate"]["client"]["key_bits"], 4096);
    assert_eq!(show["certificate"]["key_matches"], true);
    cli.ok(&["profile", "remove", "big"]);
    assert!(keyring.load("big").unwrap().is_empty());
}

#[test]
fn without_a_session_keyring_the_error_is_one_clear_sentence() {
    // A thread that has not joined a session keyring: under a plain CI shell this is the
    // user-session fallback; under a PAM login there is a real one and nothing to check.
    if qlik_tui::profile::secrets::has_session_keyring() {
        eprintln!("SKIPPED: this process already has a session keyring (PAM login)");
        return;
    }
    let cli = Cli::new("keyutils", "nosession");
    let pki = DemoPki::generate().unwrap();
    let certs = tempfile::tempdir().unwrap();
    pki.write_client_files(certs.path()).unwrap();
    let err = cli.fails(&add_args(
        "x",
        &["--cert-dir", certs.path().to_str().unwrap()],
    ));
    assert!(
        err.contains("keyutils") && err.contains("no session keyring"),
        "{err}"
    );
    assert!(err.contains("keyctl session"), "{err}");
    assert!(!cli.config_dir().join("profiles.toml").exists());
}

/// The OpenMetadata connector's file → a profile whose certificates sit in the keyring, then the
/// real binary connects with it (`profile test`, `apps -p`, and `QLIK_TUI_PROFILE`) to a
/// simulator that demands those certificates.
#[test]
fn openmetadata_import_then_connect_with_the_profile() {
    if !session() {
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt
        .block_on(qlik_tui::sim::SimServer::start(Default::default()))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    sim.pki().write_client_files(dir.path()).unwrap();
    // A whole ingestion workflow as OpenMetadata writes it; certificate paths relative to it.
    let workflow = dir.path().join("qlik.yaml");
    std::fs::write(
        &workflow,
        format!(
            "source:\n  type: qliksense\n  serviceName: qlik_prod\n  serviceConnection:\n    config:\n      type: QlikSense\n      hostPort: {}\n      displayUrl: https://localhost\n      certificates:\n        clientCertificate: client.pem\n        clientKeyCertificate: client_key.pem\n        rootCertificate: root.pem\n      userDirectory: INTERNAL\n      userId: sa_engine\n      validateHostName: true\n",
            sim.engine_url()
        ),
    )
    .unwrap();

    let cli = Cli::new("keyutils", "om");
    cli.ok(&[
        "profile",
        "import",
        "--openmetadata",
        workflow.to_str().unwrap(),
        "prod",
    ]);
    assert_no_pem_under(cli.config_dir());
    let show: serde_json::Value =
        serde_json::from_str(&cli.ok(&["profile", "show", "prod", "--json"])).unwrap();
    assert_eq!(show["engine_url"], sim.engine_url());
    assert_eq!(show["verify_hostname"], true);
    assert_eq!(show["certificate"]["key_matches"], true);

    let test = cli.ok(&["profile", "test", "prod"]);
    assert!(
        test.starts_with("ok: engine ") && test.contains("sa_engine"),
        "{test}"
    );
    let title = |v: &serde_json::Value| -> Vec<String> {
        let apps = v.as_array().expect("a list of apps");
        apps.iter()
            .map(|a| a["name"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let first_app = common::demo_site()["apps"][0]["title"].clone();
    let by_flag: serde_json::Value =
        serde_json::from_str(&cli.ok(&["apps", "-p", "prod", "--json"])).unwrap();
    assert!(title(&by_flag).iter().any(|t| *t == first_app), "{by_flag}");
    let mut by_env = cli.command(&["apps", "--json"]);
    by_env.env("QLIK_TUI_PROFILE", "prod");
    let out = by_env.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let by_env: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(title(&by_env), title(&by_flag));

    // The engine gone: a clear error, promptly, and no key material in it.
    sim.kill();
    let err = cli.fails(&["profile", "test", "prod"]);
    assert!(
        !err.contains("PRIVATE KEY") && !err.contains("BEGIN"),
        "{err}"
    );
    assert!(err.to_lowercase().contains("connect"), "{err}");
}
