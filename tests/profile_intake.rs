//! Certificate intake through the real binary: every format the QMC (and users' copy-paste)
//! produce, and every bad input, which must give a clear error naming the file and the fix and
//! store nothing. Stores into the real kernel keyutils backend (a session keyring joined per
//! test); the encrypted-key and PFX fixtures are made with the openssl tool at test time.

mod keyring_support;

use std::path::Path;

use keyring_support::*;
use qlik_tui::profile::secrets::{SecretStore, StoreChoice};
use qlik_tui::tls::pki::{DemoPki, TestCa, Validity};

fn session() -> bool {
    match join_session_keyring() {
        Ok(()) => true,
        Err(e) => backend_missing("the kernel keyutils session keyring", &e),
    }
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Asserts the profile was stored with a matching key, then removes it.
fn assert_stored(cli: &Cli, name: &str) {
    let show: serde_json::Value =
        serde_json::from_str(&cli.ok(&["profile", "show", name, "--json"])).unwrap();
    assert_eq!(show["certificate"]["key_matches"], true, "{show}");
    assert_no_pem_under(cli.config_dir());
    cli.ok(&["profile", "remove", name]);
}

/// Asserts nothing was stored: no profile file, no keyring entry.
fn assert_nothing_stored(cli: &Cli, name: &str) {
    assert!(
        !cli.config_dir().join("profiles.toml").exists(),
        "a profile file was written"
    );
    let keyring = SecretStore::open(StoreChoice::Keyutils)
        .unwrap()
        .with_service(&cli.service);
    assert!(
        keyring.load(name).unwrap().is_empty(),
        "keyring entries were written"
    );
}

#[test]
fn every_pem_format_and_paste_form_is_taken() {
    if !session() {
        return;
    }
    let cli = Cli::new("keyutils", "formats");
    let pki = DemoPki::generate().unwrap();
    let dir = tempfile::tempdir().unwrap();
    pki.write_client_files(dir.path()).unwrap();
    let cert = dir.path().join("client.pem");
    let key = dir.path().join("client_key.pem");
    let root = dir.path().join("root.pem");

    // Each file by path (PKCS#8 key, as rcgen writes it).
    cli.ok(&add_args(
        "paths",
        &[
            "--client-cert",
            p(&cert),
            "--client-key",
            p(&key),
            "--root-cert",
            p(&root),
        ],
    ));
    assert_stored(&cli, "paths");

    // Windows line endings in every file.
    let crlf = tempfile::tempdir().unwrap();
    for f in ["client.pem", "client_key.pem", "root.pem"] {
        let t = std::fs::read_to_string(dir.path().join(f)).unwrap();
        std::fs::write(crlf.path().join(f), t.replace('\n', "\r\n")).unwrap();
    }
    cli.ok(&add_args("crlf", &["--cert-dir", p(crlf.path())]));
    assert_stored(&cli, "crlf");

    // Pasted: the certificate as one-line PEM with literal \n on the command line, the key on
    // stdin.
    let one_line = pki.client_cert_pem.replace('\n', "\\n");
    let o = cli.run_stdin(
        &add_args("pasted", &["--client-cert", &one_line, "--client-key", "-"]),
        &pki.client_key_pem,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_stored(&cli, "pasted");

    if !require_openssl() {
        return;
    }
    // SEC1 (EC PRIVATE KEY) and PKCS#1 (RSA PRIVATE KEY).
    let sec1 = dir.path().join("sec1.pem");
    openssl(&["ec", "-in", p(&key), "-out", p(&sec1)]).unwrap();
    assert!(
        std::fs::read_to_string(&sec1)
            .unwrap()
            .contains("BEGIN EC PRIVATE KEY")
    );
    cli.ok(&add_args(
        "sec1",
        &["--client-cert", p(&cert), "--client-key", p(&sec1)],
    ));
    assert_stored(&cli, "sec1");

    let rsa = tempfile::tempdir().unwrap();
    let pkcs1 = rsa.path().join("pkcs1.pem");
    openssl(&["genrsa", "-traditional", "-out", p(&pkcs1), "2048"]).unwrap();
    assert!(
        std::fs::read_to_string(&pkcs1)
            .unwrap()
            .contains("BEGIN RSA PRIVATE KEY")
    );
    let rsa_cert = rsa.path().join("client.pem");
    openssl(&[
        "req",
        "-x509",
        "-key",
        p(&pkcs1),
        "-subj",
        "/CN=QlikClient",
        "-days",
        "90",
        "-out",
        p(&rsa_cert),
    ])
    .unwrap();
    cli.ok(&add_args(
        "pkcs1",
        &["--client-cert", p(&rsa_cert), "--client-key", p(&pkcs1)],
    ));
    assert_stored(&cli, "pkcs1");
}

#[test]
fn encrypted_keys_and_pfx_bundles() {
    if !session() || !require_openssl() {
        return;
    }
    let cli = Cli::new("keyutils", "encrypted");
    let pki = DemoPki::generate().unwrap();
    let dir = tempfile::tempdir().unwrap();
    pki.write_client_files(dir.path()).unwrap();
    let cert = dir.path().join("client.pem");
    let key = dir.path().join("client_key.pem");
    let root = dir.path().join("root.pem");
    let enc = dir.path().join("enc.pem");
    openssl(&[
        "pkcs8",
        "-topk8",
        "-in",
        p(&key),
        "-out",
        p(&enc),
        "-v2",
        "aes-256-cbc",
        "-passout",
        "pass:right horse",
    ])
    .unwrap();
    assert!(
        std::fs::read_to_string(&enc)
            .unwrap()
            .contains("ENCRYPTED PRIVATE KEY")
    );

    // Right passphrase: the decrypted key is stored.
    let mut with_pass = Cli {
        envs: vec![("QLIK_TUI_PASSPHRASE".into(), "right horse".into())],
        ..Cli::new("keyutils", "enc-ok")
    };
    with_pass.service = cli.service.clone();
    with_pass.ok(&add_args(
        "enc",
        &["--client-cert", p(&cert), "--client-key", p(&enc)],
    ));
    let keyring = SecretStore::open(StoreChoice::Keyutils)
        .unwrap()
        .with_service(&cli.service);
    let stored = keyring.load("enc").unwrap();
    let stored_key = stored
        .text(qlik_tui::profile::secrets::SecretKind::ClientKey)
        .unwrap();
    assert!(stored_key.contains("BEGIN PRIVATE KEY") && !stored_key.contains("ENCRYPTED"));
    assert_stored(&with_pass, "enc");

    // Wrong passphrase: a clear error naming the file, nothing stored.
    let wrong = Cli {
        envs: vec![("QLIK_TUI_PASSPHRASE".into(), "wrong".into())],
        ..Cli::new("keyutils", "enc-bad")
    };
    let err = wrong.fails(&add_args(
        "encbad",
        &["--client-cert", p(&cert), "--client-key", p(&enc)],
    ));
    assert!(
        err.contains(p(&enc)) && err.contains("passphrase") && err.contains("wrong"),
        "{err}"
    );
    assert_nothing_stored(&wrong, "encbad");

    // No terminal and no passphrase: says how to give one.
    let err = cli.fails(&add_args(
        "encnone",
        &["--client-cert", p(&cert), "--client-key", p(&enc)],
    ));
    assert!(err.contains("QLIK_TUI_PASSPHRASE"), "{err}");

    // PFX with its password (made by openssl like the QMC's Windows export).
    let pfx = dir.path().join("client.pfx");
    openssl(&[
        "pkcs12",
        "-export",
        "-inkey",
        p(&key),
        "-in",
        p(&cert),
        "-certfile",
        p(&root),
        "-out",
        p(&pfx),
        "-passout",
        "pass:pfx-pw",
    ])
    .unwrap();
    let pfx_ok = Cli {
        envs: vec![("QLIK_TUI_PASSPHRASE".into(), "pfx-pw".into())],
        ..Cli::new("keyutils", "pfx")
    };
    pfx_ok.ok(&add_args("pfx", &["--pfx", p(&pfx)]));
    let keyring = SecretStore::open(StoreChoice::Keyutils)
        .unwrap()
        .with_service(&pfx_ok.service);
    assert_eq!(
        keyring.load("pfx").unwrap().kinds().count(),
        3,
        "cert, key and root from the PFX"
    );
    assert_stored(&pfx_ok, "pfx");

    let pfx_bad = Cli {
        envs: vec![("QLIK_TUI_PASSPHRASE".into(), "nope".into())],
        ..Cli::new("keyutils", "pfxbad")
    };
    let err = pfx_bad.fails(&add_args("pfxbad", &["--pfx", p(&pfx)]));
    assert!(
        err.contains(p(&pfx)) && err.contains("PFX password is wrong"),
        "{err}"
    );
    assert_nothing_stored(&pfx_bad, "pfxbad");
}

#[test]
fn bad_inputs_name_the_file_and_the_fix_and_store_nothing() {
    if !session() {
        return;
    }
    let pki = DemoPki::generate().unwrap();
    let dir = tempfile::tempdir().unwrap();
    pki.write_client_files(dir.path()).unwrap();
    let cert = dir.path().join("client.pem");
    let key = dir.path().join("client_key.pem");
    let body_line = pki.client_key_pem.lines().nth(1).unwrap().to_string();

    let check = |tag: &str, extra: &[&str], must: &[&str]| {
        let cli = Cli::new("keyutils", tag);
        let err = cli.fails(&add_args(tag, extra));
        for m in must {
            assert!(err.contains(m), "{tag}: expected {m:?} in: {err}");
        }
        assert!(
            !err.contains(&body_line[..24]),
            "{tag}: error quotes the key: {err}"
        );
        assert_nothing_stored(&cli, tag);
    };

    // Garbage.
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "this is not a certificate\n").unwrap();
    check(
        "garbage",
        &["--client-cert", p(&garbage), "--client-key", p(&key)],
        &[p(&garbage), "no PEM block", "export the file again"],
    );

    // Truncated key.
    let truncated = dir.path().join("truncated.pem");
    std::fs::write(
        &truncated,
        &pki.client_key_pem[..pki.client_key_pem.len() / 2],
    )
    .unwrap();
    check(
        "truncated",
        &["--client-cert", p(&cert), "--client-key", p(&truncated)],
        &[p(&truncated), "truncated", "copy the whole file again"],
    );

    // Swapped files.
    check(
        "swapped",
        &["--client-cert", p(&key), "--client-key", p(&cert)],
        &[p(&key), "swap client.pem and client_key.pem"],
    );

    // Key of another certificate.
    let other = TestCa::new("other")
        .unwrap()
        .issue_client("x", Validity::Days(30))
        .unwrap();
    let other_key = dir.path().join("other_key.pem");
    std::fs::write(&other_key, &other.key_pem).unwrap();
    check(
        "mismatch",
        &["--client-cert", p(&cert), "--client-key", p(&other_key)],
        &[p(&other_key), p(&cert), "does not belong"],
    );

    // Expired certificate: refused, then accepted with --force.
    let old = pki
        .ca
        .issue_client("old", Validity::ExpiredDaysAgo(5))
        .unwrap();
    let old_dir = tempfile::tempdir().unwrap();
    std::fs::write(old_dir.path().join("client.pem"), &old.cert_pem).unwrap();
    std::fs::write(old_dir.path().join("client_key.pem"), &old.key_pem).unwrap();
    let old_cert = old_dir.path().join("client.pem");
    check(
        "expired",
        &["--cert-dir", p(old_dir.path())],
        &[p(&old_cert), "expired", "--force"],
    );
    let forced = Cli::new("keyutils", "forced");
    let out = forced.run(&add_args(
        "forced",
        &["--cert-dir", p(old_dir.path()), "--force"],
    ));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning"));
    forced.ok(&["profile", "remove", "forced"]);

    // A missing file and a folder without the QMC files.
    check(
        "missing",
        &[
            "--client-cert",
            "/nonexistent/client.pem",
            "--client-key",
            p(&key),
        ],
        &["/nonexistent/client.pem", "no such file"],
    );
    let empty = tempfile::tempdir().unwrap();
    check(
        "emptydir",
        &["--cert-dir", p(empty.path())],
        &["client.pem", "no such file"],
    );
}

#[test]
fn list_piped_into_head_does_not_panic() {
    // SIGPIPE: `qlik-tui profile list | head -1` must end quietly.
    let cli = Cli::new("keyutils", "pipe");
    let mut text = String::from("version = 1\n");
    for i in 0..2000 {
        text.push_str(&format!(
            "[profiles.p{i}]\nengine_url = \"wss://h{i}:4747\"\n"
        ));
    }
    std::fs::write(cli.config_dir().join("profiles.toml"), text).unwrap();
    let mut child = cli
        .command(&["profile", "list"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    std::io::Read::read_exact(&mut out, &mut first).unwrap();
    drop(out);
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !err.contains("panicked") && !err.contains("Broken pipe"),
        "{err}"
    );
}

#[test]
fn a_broken_profile_file_names_line_and_key() {
    let cli = Cli::new("keyutils", "broken");
    std::fs::write(
        cli.config_dir().join("profiles.toml"),
        "[profiles.dev]\nengine_url = \"wss://h:4747\"\nverify_hostname = \"yes\"\n",
    )
    .unwrap();
    let err = cli.fails(&["profile", "list"]);
    assert!(
        err.contains("line 3") && err.contains("profiles.dev.verify_hostname"),
        "{err}"
    );
    let err = cli.fails(&["apps", "-p", "dev"]);
    assert!(err.contains("line 3"), "{err}");
}
