//! Profiles against a REAL Secret Service: this test starts its own private D-Bus session bus
//! and an unlocked gnome-keyring-daemon in a temporary home, so it needs no desktop and leaves
//! nothing running. Under CI a missing dbus-daemon or gnome-keyring is a failure; elsewhere a
//! skip with a notice.
//!
//! One test function on purpose: it points this process's DBUS_SESSION_BUS_ADDRESS at the
//! private bus, which must not race with other tests.

mod keyring_support;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use keyring_support::*;
use qlik_tui::profile::secrets::{SecretKind, SecretStore, StoreChoice};
use qlik_tui::tls::pki::DemoPki;

/// Children we started; killed (by pid) and reaped on drop.
struct Daemons(Vec<Child>);
impl Drop for Daemons {
    fn drop(&mut self) {
        for c in self.0.iter_mut().rev() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

const BUS_CONFIG: &str = r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=BUS_PATH</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#;

/// Starts a bus with no service activation (so nothing but our unlocked daemon can own
/// org.freedesktop.secrets) and returns its address.
fn start_bus(dir: &Path, daemons: &mut Daemons) -> Result<String, String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let bus_path = dir.join("bus");
    let conf = dir.join("bus.conf");
    std::fs::write(
        &conf,
        BUS_CONFIG.replace("BUS_PATH", bus_path.to_str().unwrap()),
    )
    .map_err(|e| e.to_string())?;
    let mut child = Command::new("dbus-daemon")
        .arg(format!("--config-file={}", conf.display()))
        .args(["--nofork", "--print-address=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("dbus-daemon: {e}"))?;
    let stdout = child.stdout.take().unwrap();
    daemons.0.push(child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let addr = line.trim().to_string();
    if addr.is_empty() {
        return Err("dbus-daemon printed no address".into());
    }
    Ok(addr)
}

fn name_has_owner(addr: &str, name: &str) -> bool {
    Command::new("dbus-send")
        .env("DBUS_SESSION_BUS_ADDRESS", addr)
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.NameHasOwner",
        ])
        .arg(format!("string:{name}"))
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("boolean true"))
        .unwrap_or(false)
}

/// Starts gnome-keyring-daemon (secrets only) on `addr` with a home in `dir`; `password`
/// unlocks (and on first start creates) the login keyring. None: start it locked.
fn start_keyring(
    dir: &Path,
    addr: &str,
    password: Option<&str>,
    daemons: &mut Daemons,
) -> Result<(), String> {
    let mut cmd = Command::new("gnome-keyring-daemon");
    cmd.args(["--foreground", "--components=secrets"])
        .env("DBUS_SESSION_BUS_ADDRESS", addr)
        .env("HOME", dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_RUNTIME_DIR", dir.join("run"))
        .env_remove("DISPLAY")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if password.is_some() {
        cmd.arg("--unlock").stdin(Stdio::piped());
    } else {
        cmd.arg("--start").stdin(Stdio::null());
    }
    std::fs::create_dir_all(dir.join("run")).map_err(|e| e.to_string())?;
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("gnome-keyring-daemon: {e}"))?;
    if let Some(pw) = password {
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(pw.as_bytes()).map_err(|e| e.to_string())?;
        drop(stdin);
    }
    daemons.0.push(child);
    // Wait (bounded) until the daemon owns the Secret Service name.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !name_has_owner(addr, "org.freedesktop.secrets") {
        if Instant::now() > deadline {
            return Err(
                "gnome-keyring-daemon did not register org.freedesktop.secrets within 20 s".into(),
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

fn tools_present() -> Result<(), String> {
    for tool in ["dbus-daemon", "dbus-send", "gnome-keyring-daemon"] {
        let found = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
            .unwrap_or(false);
        if !found {
            return Err(format!(
                "{tool} is not installed (apt-get install dbus-daemon dbus gnome-keyring)"
            ));
        }
    }
    Ok(())
}

#[test]
fn profiles_in_a_real_gnome_keyring() {
    if let Err(e) = tools_present() {
        backend_missing("the Secret Service (gnome-keyring on a private D-Bus)", &e);
        return;
    }
    qlik_tui::tls::ensure_crypto_provider();
    let home = tempfile::tempdir().unwrap();
    let mut daemons = Daemons(vec![]);
    let addr = match start_bus(home.path(), &mut daemons)
        .and_then(|a| start_keyring(home.path(), &a, Some("test-pw"), &mut daemons).map(|()| a))
    {
        Ok(a) => a,
        Err(e) => {
            backend_missing("the Secret Service (gnome-keyring on a private D-Bus)", &e);
            return;
        }
    };
    // SAFETY: the only test in this binary; no other thread reads the environment now.
    unsafe {
        std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &addr);
    }

    // 1. The library, chunked: a 3.3 KB secret (a 4096-bit RSA key's size) in two entries.
    let service = unique_service("ss");
    let store = SecretStore::open(StoreChoice::SecretService)
        .expect("Secret Service store")
        .with_service(&service);
    let big: Vec<u8> = (0..3300u32).map(|i| b'A' + (i % 26) as u8).collect();
    store.set("p", SecretKind::ClientKey, &big).unwrap();
    assert_eq!(
        &store.get("p", SecretKind::ClientKey).unwrap().unwrap()[..],
        &big[..]
    );
    assert_eq!(store.delete_all("p").unwrap(), vec![SecretKind::ClientKey]);
    assert!(store.get("p", SecretKind::ClientKey).unwrap().is_none());

    // 2. The binary: add with certificates, nothing in the config dir, entries in the keyring.
    let mut cli = Cli::new("secret-service", "sscli");
    cli.envs
        .push(("DBUS_SESSION_BUS_ADDRESS".into(), addr.clone()));
    let pki = DemoPki::generate().unwrap();
    let certs = tempfile::tempdir().unwrap();
    pki.write_client_files(certs.path()).unwrap();
    cli.ok(&add_args(
        "prod",
        &["--cert-dir", certs.path().to_str().unwrap()],
    ));
    assert_no_pem_under(cli.config_dir());
    let keyring = SecretStore::open(StoreChoice::SecretService)
        .unwrap()
        .with_service(&cli.service);
    assert_eq!(keyring.load("prod").unwrap().kinds().count(), 3);
    let show: serde_json::Value =
        serde_json::from_str(&cli.ok(&["profile", "show", "prod", "--json"])).unwrap();
    assert_eq!(show["certificate"]["key_matches"], true);
    assert!(
        show["keyring"].as_str().unwrap().contains("Secret Service"),
        "{show}"
    );

    // auto picks the Secret Service when a session bus answers.
    let mut auto = Cli::new("auto", "ssauto");
    auto.envs
        .push(("DBUS_SESSION_BUS_ADDRESS".into(), addr.clone()));
    auto.ok(&add_args(
        "a",
        &["--cert-dir", certs.path().to_str().unwrap()],
    ));
    let text = std::fs::read_to_string(auto.config_dir().join("profiles.toml")).unwrap();
    assert!(text.contains("secret_store = \"secret-service\""), "{text}");
    auto.ok(&["profile", "remove", "a"]);

    // 3. remove leaves no entry behind.
    cli.ok(&["profile", "remove", "prod"]);
    assert!(
        keyring.load("prod").unwrap().is_empty(),
        "entries left behind"
    );

    // 4. No session bus: one sentence naming the backend, the cause and the fix.
    let mut nobus = Cli::new("secret-service", "nobus");
    nobus.envs.push((
        "XDG_RUNTIME_DIR".into(),
        home.path().join("none").display().to_string(),
    ));
    let err = {
        let o = nobus
            .command(&add_args(
                "x",
                &["--cert-dir", certs.path().to_str().unwrap()],
            ))
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .output()
            .unwrap();
        assert!(!o.status.success());
        String::from_utf8(o.stderr).unwrap()
    };
    assert!(
        err.contains("Secret Service") && err.contains("no D-Bus session bus"),
        "{err}"
    );
    assert!(err.contains("--secret-store keyutils"), "{err}");
    assert!(!nobus.config_dir().join("profiles.toml").exists());

    // 5. A locked keyring: restart the daemon without the password.
    drop(daemons);
    let mut daemons = Daemons(vec![]);
    let addr2 = start_bus(&home.path().join("second"), &mut daemons)
        .and_then(|a| start_keyring(home.path(), &a, None, &mut daemons).map(|()| a));
    let addr2 = match addr2 {
        Ok(a) => a,
        Err(e) => panic!("restarting gnome-keyring locked failed: {e}"),
    };
    let mut locked = Cli::new("secret-service", "locked");
    locked.envs.push(("DBUS_SESSION_BUS_ADDRESS".into(), addr2));
    let err = locked.fails(&add_args(
        "y",
        &["--cert-dir", certs.path().to_str().unwrap()],
    ));
    assert!(
        err.contains("Secret Service") && err.contains("locked"),
        "{err}"
    );
    assert!(err.contains("--unlock"), "{err}");
    assert!(!locked.config_dir().join("profiles.toml").exists());
}
