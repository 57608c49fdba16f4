//! The CLI as a script sees it: exit codes of the existing commands against a real simulator
//! (TLS on loopback), color only on request, completion scripts loaded by a real bash, and the
//! manual page rendered by groff.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use qlik_tui::profile::store::{Profile, ProfileStore};
use qlik_tui::sim::{SimConfig, SimServer};

/// A temp config/state dir and the simulator's certificates written as the QMC exports them.
struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new(sim: Option<&SimServer>) -> Env {
        let dir = tempfile::tempdir().unwrap();
        if let Some(sim) = sim {
            common::write_cert_dir(sim, dir.path());
        }
        Env { dir }
    }

    fn certs(&self) -> PathBuf {
        self.dir.path().join("certs")
    }

    fn conn(&self, engine_url: &str) -> Vec<String> {
        vec![
            "--engine-url".into(),
            engine_url.into(),
            "--cert-dir".into(),
            self.certs().display().to_string(),
            "--user-directory".into(),
            "INTERNAL".into(),
            "--user-id".into(),
            "sa_engine".into(),
        ]
    }

    fn command(&self, args: &[String]) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_qlik-tui"));
        cmd.args(args)
            .env("QLIK_TUI_STATE_DIR", self.dir.path())
            .env("QLIK_TUI_CONFIG_DIR", self.dir.path())
            .env_remove("QLIK_TUI_PROFILE")
            .env_remove("NO_COLOR");
        cmd
    }

    async fn run(&self, args: &[String]) -> Output {
        self.run_cmd(self.command(args)).await
    }

    async fn run_cmd(&self, mut cmd: std::process::Command) -> Output {
        // The binary is bounded by its own timeouts; the test's bound is this join.
        let run = tokio::task::spawn_blocking(move || cmd.output());
        tokio::time::timeout(Duration::from_secs(60), run)
            .await
            .expect("the command finishes")
            .unwrap()
            .unwrap()
    }
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited, not killed")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test]
async fn exit_codes_of_the_existing_commands() {
    let sim = SimServer::start(SimConfig::default()).await.unwrap();
    let env = Env::new(Some(&sim));
    let conn = env.conn(&sim.engine_url());

    // 0: it worked.
    let o = env.run(&[args(&["apps"]), conn.clone()].concat()).await;
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));

    // 2: usage errors, clap's own and ours.
    for bad in [
        args(&["apps", "--no-such-flag"]),
        args(&["apps", "-p", "nobody"]),
        args(&["links", "-p", "nobody", "--app", "a"]),
        args(&["profile", "show", "nobody"]),
        [
            args(&["links", "--app", "a", "--bookmark", "b"]),
            conn.clone(),
        ]
        .concat(),
        [args(&["export", "--format", "json"]), conn.clone()].concat(),
        [
            args(&["apps", "--engine-url", &sim.engine_url(), "--client-cert"]),
            vec![env.dir.path().join("missing.pem").display().to_string()],
        ]
        .concat(),
    ] {
        let o = env.run(&bad).await;
        assert_eq!(code(&o), 2, "{bad:?}: {}", text(&o.stderr));
        assert!(!text(&o.stderr).contains("panicked"), "{bad:?}");
    }

    // 3: the connection failed (nothing listens on the port any more).
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let o = env
        .run(
            &[
                args(&["apps"]),
                env.conn(&format!("wss://127.0.0.1:{closed}")),
            ]
            .concat(),
        )
        .await;
    assert_eq!(code(&o), 3, "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("refused"), "{}", text(&o.stderr));

    // 1: the thing failed: a doctor step fails.
    let o = env
        .run(
            &[
                args(&["doctor"]),
                env.conn(&format!("wss://127.0.0.1:{closed}")),
            ]
            .concat(),
        )
        .await;
    assert_eq!(code(&o), 1, "{}", text(&o.stdout));

    // The help documents the table.
    let o = env.run(&args(&["--help"])).await;
    assert_eq!(code(&o), 0);
    let help = text(&o.stdout);
    for line in [
        "Exit codes:",
        "0  ok",
        "1  the thing failed (a doctor step failed, a diff found differences",
        "2  usage or input error",
        "3  connection failed",
        "4  the engine refused",
    ] {
        assert!(help.contains(line), "{help}");
    }
    // The README's table says the same.
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md reads");
    for row in [
        "| 0 | ok |",
        "| 1 | the thing failed (a doctor step failed, a diff found differences",
        "| 2 | usage or input error",
        "| 3 | connection failed",
        "| 4 | the engine refused",
    ] {
        assert!(readme.contains(row), "README lacks the exit-code row {row}");
    }
}

fn write_profiles(config_dir: &Path, names: &[&str]) {
    let mut store = ProfileStore::open(&config_dir.join("profiles.toml")).unwrap();
    for n in names {
        store
            .insert(Profile::new(n, "wss://127.0.0.1:9/never-contacted"))
            .unwrap();
    }
    store.save().unwrap();
}

#[tokio::test]
async fn color_only_where_asked_and_never_in_a_pipe() {
    let env = Env::new(None);
    write_profiles(env.dir.path(), &["dev"]);
    let esc = |o: &Output| o.stdout.contains(&0x1b) || o.stderr.contains(&0x1b);

    // Output to a pipe (as here) is plain under auto.
    let o = env.run(&args(&["profile", "list"])).await;
    assert_eq!(code(&o), 0);
    assert!(text(&o.stdout).starts_with("NAME"), "{}", text(&o.stdout));
    assert!(!esc(&o));
    let o = env.run(&args(&["apps", "-p", "nobody"])).await;
    assert!(
        text(&o.stderr).starts_with("error: "),
        "{}",
        text(&o.stderr)
    );
    assert!(!esc(&o));

    // --color always colors the table header and the error line, on stdout and stderr.
    let o = env
        .run(&args(&["--color", "always", "profile", "list"]))
        .await;
    assert!(
        text(&o.stdout).starts_with("\x1b[1mNAME"),
        "{:?}",
        text(&o.stdout)
    );
    let o = env
        .run(&args(&["apps", "--color", "always", "-p", "nobody"]))
        .await;
    assert!(
        text(&o.stderr).starts_with("\x1b[1;31merror:\x1b[0m"),
        "{:?}",
        text(&o.stderr)
    );

    // --color never and NO_COLOR: plain even where always would color.
    let o = env
        .run(&args(&["--color", "never", "profile", "list"]))
        .await;
    assert!(!esc(&o));
    let mut cmd = env.command(&args(&["profile", "list"]));
    cmd.env("NO_COLOR", "1");
    assert!(!esc(&env.run_cmd(cmd).await));
}

/// Writes `qlik-tui completions bash` to a file and runs `probe` in a clean bash after sourcing
/// it, with the real binary first on PATH and the config and state in the test's directory;
/// returns bash's stdout once bash succeeded.
async fn bash_completion_probe(env: &Env, probe: &str) -> String {
    let o = env.run(&args(&["completions", "bash"])).await;
    assert_eq!(code(&o), 0);
    let script = env.dir.path().join("qlik-tui.bash");
    std::fs::write(&script, &o.stdout).unwrap();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_qlik-tui")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let probe = format!("source '{}'\n{probe}", script.display());
    let mut cmd = std::process::Command::new("bash");
    cmd.args(["--norc", "--noprofile", "-c", &probe])
        .env("PATH", path)
        .env("QLIK_TUI_CONFIG_DIR", env.dir.path())
        .env("QLIK_TUI_STATE_DIR", env.dir.path());
    let o = env.run_cmd(cmd).await;
    let out = text(&o.stdout);
    assert!(o.status.success(), "{out}{}", text(&o.stderr));
    out
}

#[tokio::test]
async fn bash_loads_the_completion_script_and_completes_profile_names() {
    let env = Env::new(None);
    write_profiles(env.dir.path(), &["dev", "prod-eu", "prod-us"]);
    // The completion asks the real binary (on PATH) for the names; it reads the profile file
    // only: the profiles' URL points at a port where nothing listens.
    let out = bash_completion_probe(
        &env,
        r#"complete -p qlik-tui
COMP_WORDS=(qlik-tui apps -p prod); COMP_CWORD=3; COMPREPLY=(); _qlik_tui_dynamic qlik-tui prod -p
echo "profile: ${COMPREPLY[*]}"
COMP_WORDS=(qlik-tui profile show ''); COMP_CWORD=3; COMPREPLY=(); _qlik_tui_dynamic qlik-tui '' show
echo "show: ${COMPREPLY[*]}"
COMP_WORDS=(qlik-tui exp); COMP_CWORD=1; COMPREPLY=(); _qlik_tui_dynamic qlik-tui exp qlik-tui
echo "sub: ${COMPREPLY[*]}"
"#,
    )
    .await;
    assert!(
        out.contains("complete -o bashdefault -o default -F _qlik_tui_dynamic qlik-tui"),
        "{out}"
    );
    assert!(out.contains("profile: prod-eu prod-us\n"), "{out}");
    assert!(out.contains("show: dev prod-eu prod-us\n"), "{out}");
    assert!(out.contains("sub: export\n"), "{out}");

    // Every shell clap_complete knows gets a script naming the binary.
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let o = env.run(&args(&["completions", shell])).await;
        assert_eq!(code(&o), 0, "{shell}");
        assert!(text(&o.stdout).contains("qlik-tui"), "{shell}");
    }
    let o = env.run(&args(&["completions", "tcsh"])).await;
    assert_eq!(code(&o), 2);
}

#[tokio::test]
async fn the_manual_page_renders() {
    let env = Env::new(None);
    let o = env.run(&args(&["man"])).await;
    assert_eq!(code(&o), 0);
    let roff = text(&o.stdout);
    assert!(roff.contains(".TH qlik-tui 1"), "{roff}");
    let page = env.dir.path().join("qlik-tui.1");
    std::fs::write(&page, &o.stdout).unwrap();
    let groff = std::process::Command::new("groff")
        .args(["-man", "-Tutf8", "-P", "-cbu", "-ww"])
        .arg(&page)
        .output();
    match groff {
        Ok(r) => {
            let shown = text(&r.stdout);
            assert!(r.status.success(), "{}", text(&r.stderr));
            assert!(r.stderr.is_empty(), "groff warns: {}", text(&r.stderr));
            for part in ["NAME", "SYNOPSIS", "qlik-tui", "completions", "Exit codes"] {
                assert!(shown.contains(part), "{part} missing from:\n{shown}");
            }
        }
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "groff is needed to render the manual page in CI: {e}"
            );
            // Without groff, at least the page's sections are where man expects them.
            for part in [".SH NAME", ".SH SYNOPSIS", ".SH SUBCOMMANDS"] {
                assert!(roff.contains(part), "{part} missing");
            }
        }
    }
}

/// `--app <TAB>` offers the ids the named profile's last `apps` listed (the cache file, in the
/// format `qlik-tui apps -p NAME` writes), an unknown profile nothing, and no key press opens a
/// socket: the profile's URL is a loopback listener that records every accept.
#[tokio::test]
async fn bash_completes_app_ids_from_the_cache_and_never_connects() {
    let env = Env::new(None);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut store = ProfileStore::open(&env.dir.path().join("profiles.toml")).unwrap();
    store
        .insert(Profile::new("demo", &format!("wss://127.0.0.1:{port}")))
        .unwrap();
    store.save().unwrap();
    let cache = env.dir.path().join("cache").join("apps");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::write(cache.join("demo.tsv"), "app-sales\tSales EU\napp-hr\tHR\n").unwrap();

    let out = bash_completion_probe(
        &env,
        r#"COMP_WORDS=(qlik-tui export -p demo --app ''); COMP_CWORD=5; COMPREPLY=(); _qlik_tui_dynamic qlik-tui '' --app
echo "demo: ${COMPREPLY[*]}"
COMP_WORDS=(qlik-tui get sheets --profile=demo --app app-s); COMP_CWORD=5; COMPREPLY=(); _qlik_tui_dynamic qlik-tui app-s --app
echo "prefix: ${COMPREPLY[*]}"
COMP_WORDS=(qlik-tui export -p nobody --app ''); COMP_CWORD=5; COMPREPLY=(); _qlik_tui_dynamic qlik-tui '' --app
echo "unknown: ${COMPREPLY[*]}."
"#,
    )
    .await;
    assert!(out.contains("demo: app-sales app-hr\n"), "{out}");
    assert!(out.contains("prefix: app-sales\n"), "{out}");
    assert!(out.contains("unknown: .\n"), "{out}");

    // The titles come with the ids (what fish shows as descriptions).
    let o = env.run(&args(&["app-ids", "demo"])).await;
    assert_eq!(code(&o), 0);
    assert_eq!(text(&o.stdout), "app-sales\tSales EU\napp-hr\tHR\n");
    let o = env.run(&args(&["app-ids", "nobody"])).await;
    assert_eq!((code(&o), text(&o.stdout)), (0, String::new()));

    assert!(
        matches!(listener.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "completion must never connect"
    );
}
