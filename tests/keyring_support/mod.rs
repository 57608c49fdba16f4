//! Helpers for the tests that need a real keyring backend or run the real binary.
#![allow(clippy::disallowed_macros)] // a test or bench prints its own report
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_qlik-tui"))
}

/// CI asks for the real backends: a missing one is a failure there, a skip elsewhere.
pub fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Fails under CI, prints a notice and returns false otherwise.
pub fn backend_missing(what: &str, why: &str) -> bool {
    if ci() {
        panic!("{what} is required when CI is set, but is not available: {why}");
    }
    eprintln!("SKIPPED: {what} is not available here ({why}); CI runs this test for real");
    false
}

/// Joins a new anonymous kernel session keyring for this thread, so keyutils works here and
/// in every process this thread spawns (what `keyctl session -` does for a shell).
pub fn join_session_keyring() -> Result<(), String> {
    const KEYCTL_JOIN_SESSION_KEYRING: libc::c_long = 1;
    // SAFETY: keyctl(JOIN_SESSION_KEYRING, NULL) takes no pointers but the null name; it only
    // changes this thread's credentials.
    let r = unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            KEYCTL_JOIN_SESSION_KEYRING,
            std::ptr::null::<libc::c_char>(),
        )
    };
    if r < 0 {
        Err(std::io::Error::last_os_error().to_string())
    } else {
        Ok(())
    }
}

/// Joins a session keyring for this test thread; false (skip) when keyutils is missing, a
/// failure under CI.
pub fn keyutils_session() -> bool {
    match join_session_keyring() {
        Ok(()) => {
            assert!(
                qlik_tui::profile::secrets::has_session_keyring(),
                "joined a session keyring but it is not seen"
            );
            true
        }
        Err(e) => backend_missing("the kernel keyutils session keyring", &e),
    }
}

/// A per-test keyring service name, so parallel tests and earlier runs never meet.
pub fn unique_service(tag: &str) -> String {
    format!(
        "qlik-tui-test-{tag}-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    )
}

/// Runs the binary with a private config dir, the given keyring service and backend.
pub struct Cli {
    pub config: tempfile::TempDir,
    pub service: String,
    pub store: &'static str,
    pub envs: Vec<(String, String)>,
    /// Some: every run records `--trace` to its own file in this folder (under the config dir,
    /// so the scans of what the runs wrote read the traces too).
    pub trace_dir: Option<PathBuf>,
    pub runs: std::sync::atomic::AtomicUsize,
}

impl Cli {
    pub fn new(store: &'static str, tag: &str) -> Cli {
        Cli {
            config: tempfile::tempdir().unwrap(),
            service: unique_service(tag),
            store,
            envs: vec![],
            trace_dir: None,
            runs: Default::default(),
        }
    }

    pub fn config_dir(&self) -> &Path {
        self.config.path()
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(bin());
        c.args(args);
        if let Some(dir) = &self.trace_dir {
            let n = self.runs.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            c.arg("--trace").arg(dir.join(format!("run-{n}.ndjson")));
        }
        c.env("QLIK_TUI_CONFIG_DIR", self.config.path())
            .env("QLIK_TUI_STATE_DIR", self.config.path().join("state"))
            .env("QLIK_TUI_KEYRING_SERVICE", &self.service)
            .env("QLIK_TUI_SECRET_STORE", self.store)
            .env_remove("QLIK_TUI_PROFILE")
            .env_remove("QLIK_TUI_PASSPHRASE")
            .stdin(Stdio::null());
        for (k, v) in &self.envs {
            c.env(k, v);
        }
        // A new session without a controlling terminal: a passphrase prompt must fail at once
        // (as under CI), never wait for a key press on the developer's terminal.
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            // SAFETY: setsid is async-signal-safe and touches no memory of the parent.
            unsafe {
                c.pre_exec(|| {
                    libc::setsid();
                    Ok(())
                });
            }
        }
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run qlik-tui")
    }

    pub fn run_stdin(&self, args: &[&str], input: &str) -> Output {
        use std::io::Write;
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    /// Runs and insists on success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "qlik-tui {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&o.stderr),
            String::from_utf8_lossy(&o.stdout)
        );
        String::from_utf8(o.stdout).unwrap()
    }

    /// Runs and insists on failure; returns stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(!o.status.success(), "qlik-tui {args:?} should have failed");
        let err = String::from_utf8(o.stderr).unwrap();
        assert!(!err.contains("panicked"), "{err}");
        err
    }
}

/// Every file under `dir`, as (path, text) for the ones that are text.
pub fn files_under(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((
                    p.clone(),
                    String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned(),
                ));
            }
        }
    }
    out
}

/// The acceptance check: no PEM of any kind anywhere under the config dir.
pub fn assert_no_pem_under(dir: &Path) {
    for (p, text) in files_under(dir) {
        assert!(
            !text.contains("PRIVATE KEY") && !text.contains("BEGIN CERT"),
            "{} holds PEM text",
            p.display()
        );
    }
}

/// Makes an openssl-made RSA certificate + key (4096 bits) in `dir`: client.pem,
/// client_key.pem. None when the openssl tool is missing (CI installs it).
pub fn openssl_rsa_pair(dir: &Path, bits: u32) -> Option<(PathBuf, PathBuf)> {
    let cert = dir.join("client.pem");
    let key = dir.join("client_key.pem");
    let st = Command::new("openssl")
        .args(["req", "-x509", "-newkey"])
        .arg(format!("rsa:{bits}"))
        .args([
            "-nodes",
            "-subj",
            "/CN=QlikClient",
            "-days",
            "60",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    st.success().then_some((cert, key))
}

/// Runs openssl with `args`; None when the tool is missing.
pub fn openssl(args: &[&str]) -> Option<()> {
    let st = Command::new("openssl")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    assert!(st.success(), "openssl {args:?} failed");
    Some(())
}

/// openssl is needed for the encrypted-key and PFX fixtures.
pub fn require_openssl() -> bool {
    if Command::new("openssl").arg("version").output().is_ok() {
        return true;
    }
    backend_missing(
        "the openssl tool (for PFX and encrypted-key fixtures)",
        "not on PATH",
    )
}

/// `profile add NAME` on `sim` as INTERNAL\sa_engine, its client certificates (written to a
/// temporary QMC-style folder) into `cli`'s keyring.
pub fn add_sim_profile(cli: &Cli, name: &str, sim: &qlik_tui::sim::SimServer) {
    let certs = tempfile::tempdir().unwrap();
    sim.pki().write_client_files(certs.path()).unwrap();
    cli.ok(&[
        "profile",
        "add",
        name,
        "--engine-url",
        &sim.engine_url(),
        "--cert-dir",
        certs.path().to_str().unwrap(),
        "--user-directory",
        "INTERNAL",
        "--user-id",
        "sa_engine",
    ]);
}

/// `profile add NAME --engine-url wss://localhost:4747 EXTRA.. --user-directory INTERNAL
/// --user-id sa_engine`.
pub fn add_args<'a>(name: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "profile",
        "add",
        name,
        "--engine-url",
        "wss://localhost:4747",
    ];
    v.extend_from_slice(extra);
    v.extend_from_slice(&["--user-directory", "INTERNAL", "--user-id", "sa_engine"]);
    v
}
