//! The real binary in a pseudo-terminal: `qlik-tui --demo` starts the simulator in-process,
//! and keys a person would type reach a nested container child, show its properties, yank its
//! link (the OSC 52 sequence appears in the output), and quit with the terminal restored.

mod common;
mod keyring_support;
mod pty;

use std::process::Command;
use std::time::Duration;

use base64::Engine;
use pty::Pty;
use qlik_tui::sim::{SimConfig, SimServer};

const WAIT: Duration = Duration::from_secs(30);
const COLS: u16 = 120;
const ROWS: u16 = 36;

/// Keys a person types to select the container on its sheet: the app from the palette, then
/// Sheets; the sheet and the container found with the filter (Enter keeps the match, `/` Esc
/// clears the filter).
fn select_container(t: &mut Pty, app: &str, sheet: &str, container: &str) {
    t.keys(":");
    t.keys(&format!("app {app}\r"));
    t.expect_screen("Sheets", COLS as usize, ROWS as usize, WAIT);
    t.keys("jl");
    t.expect_screen(sheet, COLS as usize, ROWS as usize, WAIT);
    t.keys(&format!("/{sheet}\r/\x1b"));
    t.keys("l");
    t.expect_screen(container, COLS as usize, ROWS as usize, WAIT);
    t.keys(&format!("/{container}\r/\x1b"));
}

/// `qlik-tui --demo` in a pty with its own config and state dirs, once it shows `app`.
fn demo_showing(app: &str) -> (tempfile::TempDir, tempfile::TempDir, Pty) {
    let config = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let t = pty::demo(config.path(), state.path(), &[], COLS, ROWS);
    t.expect_after(0, "\x1b[?1049h", WAIT);
    t.expect_screen(app, COLS as usize, ROWS as usize, WAIT);
    (config, state, t)
}

/// Quits with q: the alternate screen is left, the cursor shown, the tty back in cooked mode.
fn quit_and_expect_restored(t: &mut Pty) {
    let m = t.mark();
    t.keys("q");
    let status = t.wait_exit(WAIT);
    assert!(status.success(), "{status:?}");
    let after = String::from_utf8_lossy(&t.output()[m..]).into_owned();
    assert!(
        after.contains("\x1b[?1049l"),
        "alternate screen left: {after:?}"
    );
    assert!(after.contains("\x1b[?25h"), "cursor shown: {after:?}");
    assert!(t.cooked(), "the terminal is back in cooked mode");
}

/// This thread's own kernel session keyring (inherited by the binaries it starts), a private
/// config dir and keyring service, and a simulator. None (a skip) when the kernel has no
/// keyutils, except under CI, where that fails.
async fn keyutils_and_simulator(tag: &str) -> Option<(SimServer, keyring_support::Cli)> {
    if let Err(e) = keyring_support::join_session_keyring() {
        keyring_support::backend_missing("the kernel keyutils session keyring", &e);
        return None;
    }
    let sim = SimServer::start(SimConfig::default())
        .await
        .expect("simulator starts");
    Some((sim, keyring_support::Cli::new("keyutils", tag)))
}

/// `qlik-tui ARGS` (the explorer on the profiles) in a pty, with `cli`'s config dir and
/// keyring service.
fn explorer(cli: &keyring_support::Cli, args: &[&str]) -> Pty {
    let mut cmd = Command::new(keyring_support::bin());
    cmd.args(args)
        .env("QLIK_TUI_CONFIG_DIR", cli.config_dir())
        .env("QLIK_TUI_STATE_DIR", cli.config_dir().join("state"))
        .env("QLIK_TUI_KEYRING_SERVICE", &cli.service)
        .env("TERM", "xterm-256color")
        .env_remove("QLIK_TUI_PROFILE")
        .env_remove("QLIK_TUI_SECRET_STORE")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("QLIK_TUI_TEST_PANIC");
    Pty::spawn(cmd, COLS, ROWS)
}

#[test]
fn demo_reaches_a_nested_child_yanks_its_link_and_restores_the_terminal() {
    let common::ContainerPath {
        app,
        sheet,
        container,
        child,
        child_id,
    } = common::container_path();
    let (config, _state, mut t) = demo_showing(&app);

    select_container(&mut t, &app, &sheet, &container);
    t.keys("l");
    t.expect_screen(&child, COLS as usize, ROWS as usize, WAIT);

    // The nested child: its summary, then its properties.
    t.keys("j");
    t.expect_screen(&child_id, COLS as usize, ROWS as usize, WAIT);
    t.keys("]");
    t.expect_screen("\"qInfo\"", COLS as usize, ROWS as usize, WAIT);
    t.expect_screen("\"qHyperCubeDef\"", COLS as usize, ROWS as usize, WAIT);

    // Yank its link: OSC 52 carries the single-object link of this child.
    let m = t.mark();
    t.keys("y");
    t.expect_after(m, "\x1b]52;c;", WAIT);
    let text = t.text();
    let start = text.rfind("\x1b]52;c;").unwrap() + "\x1b]52;c;".len();
    let end = start
        + text[start..]
            .find(['\x07', '\x1b'])
            .expect("the OSC 52 sequence is terminated");
    let link = base64::engine::general_purpose::STANDARD
        .decode(&text[start..end])
        .expect("OSC 52 carries base64");
    let link = String::from_utf8(link).unwrap();
    assert!(
        link.contains("/single/?appid=") && link.ends_with(&format!("&obj={child_id}")),
        "{link}"
    );

    quit_and_expect_restored(&mut t);
    // The demo writes nothing to the config dir (profiles, keyring references).
    assert_eq!(std::fs::read_dir(config.path()).unwrap().count(), 0);
}

/// `:search` in the real binary: the results pane lists the hit, Enter jumps to the nested
/// container child (its properties show its id), q restores the terminal.
#[test]
fn demo_searches_jumps_to_the_hit_and_restores_the_terminal() {
    let common::ContainerPath {
        app,
        child,
        child_id,
        ..
    } = common::container_path();
    let (_config, _state, mut t) = demo_showing(&app);
    t.keys(&format!(":search {child}\r"));
    t.expect_screen("1 hit ·", COLS as usize, ROWS as usize, WAIT);
    t.expect_screen("/title", COLS as usize, ROWS as usize, WAIT);
    t.keys("\r");
    t.expect_screen("jumped to the hit", COLS as usize, ROWS as usize, WAIT);
    t.expect_screen(
        &format!("\"qId\": \"{child_id}\""),
        COLS as usize,
        ROWS as usize,
        WAIT,
    );
    quit_and_expect_restored(&mut t);
}

/// `qlik-tui -p dev` on a real profile: added with the real binary (`profile add --cert-dir`),
/// its certificates in the REAL kernel keyutils keyring, pointing at a simulator in this test.
/// The explorer connects it at start; keys reach a sheet object's properties; q restores the
/// terminal. Under CI a kernel without keyutils fails the test; elsewhere it is skipped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_from_the_keyring_opens_the_explorer_on_its_site() {
    let Some((sim, cli)) = keyutils_and_simulator("tui").await else {
        return;
    };
    let common::ContainerPath {
        app,
        sheet,
        container,
        ..
    } = common::container_path();
    keyring_support::add_sim_profile(&cli, "dev", &sim);
    keyring_support::assert_no_pem_under(cli.config_dir());

    let mut t = explorer(&cli, &["-p", "dev", "--secret-store", "keyutils"]);
    t.expect_after(0, "\x1b[?1049h", WAIT);
    // Connected at start: the profile's apps are listed and the status bar says so.
    t.expect_screen(&app, COLS as usize, ROWS as usize, WAIT);
    t.expect_screen("connected", COLS as usize, ROWS as usize, WAIT);

    select_container(&mut t, &app, &sheet, &container);
    t.keys("]");
    t.expect_screen("\"qInfo\"", COLS as usize, ROWS as usize, WAIT);

    quit_and_expect_restored(&mut t);
    assert!(sim.requests_served() > 0);
    keyring_support::assert_no_pem_under(cli.config_dir());
    cli.ok(&["profile", "remove", "dev"]);
}

/// A new user with no profile: `qlik-tui` says how to add one; `a` opens the form; the
/// certificates are pasted (bracketed paste, as a terminal sends a paste); the facts show
/// before the confirming Enter; the profile lands in the profile file (no PEM in it) and its
/// certificates in the REAL kernel keyutils keyring; Enter on it connects to the simulator.
/// Under CI a kernel without keyutils fails the test; elsewhere it is skipped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_add_form_takes_pasted_certificates_into_the_keyring_and_connects() {
    let Some((sim, cli)) = keyutils_and_simulator("tui-form").await else {
        return;
    };
    let app = common::container_path().app;
    let mut t = explorer(&cli, &["--secret-store", "keyutils"]);
    t.expect_screen("No profiles yet", COLS as usize, ROWS as usize, WAIT);
    t.expect_screen("--demo", COLS as usize, ROWS as usize, WAIT);

    t.keys("a");
    t.expect_screen("Add profile", COLS as usize, ROWS as usize, WAIT);
    // name, deployment, engine_url, display_url, auth, user_directory, user_id,
    // verify_hostname, cert_dir, client_cert, client_key, root_cert
    t.keys("qa\t\t");
    t.keys(&sim.engine_url());
    t.keys("\t\t\tINTERNAL\tsa_engine\t\t\t");
    let pki = sim.pki();
    for pem in [
        &pki.client_cert_pem,
        &pki.client_key_pem,
        &pki.root_cert_pem,
    ] {
        t.send(format!("\x1b[200~{pem}\x1b[201~").as_bytes());
        std::thread::sleep(Duration::from_millis(100));
        t.keys("\t");
    }
    t.expect_screen("(pasted key,", COLS as usize, ROWS as usize, WAIT);
    t.keys("\r");
    t.expect_screen("key matches   yes", COLS as usize, ROWS as usize, WAIT);
    t.expect_screen("days left", COLS as usize, ROWS as usize, WAIT);
    t.keys("\r");
    t.expect_screen("saved profile qa", COLS as usize, ROWS as usize, WAIT);
    keyring_support::assert_no_pem_under(cli.config_dir());
    let text = t.text();
    assert!(
        !text.contains("PRIVATE KEY") && !text.contains("BEGIN CERT"),
        "the terminal never shows the pasted PEM"
    );

    // The new profile is selected: Enter connects it.
    t.keys("\r");
    t.expect_screen(&app, COLS as usize, ROWS as usize, WAIT);
    quit_and_expect_restored(&mut t);

    let show: serde_json::Value =
        serde_json::from_str(&cli.ok(&["profile", "show", "qa", "--json"])).unwrap();
    assert_eq!(show["certificate"]["key_matches"], true, "{show}");
    for kind in ["client_cert", "client_key", "root_cert"] {
        assert!(show["secrets"][kind].is_string(), "{kind} stored: {show}");
    }
    cli.ok(&["profile", "remove", "qa"]);
}

/// The Data tab in the real binary: a table object's rows, more rows past the last one, and a
/// sideways scroll, drawn on a real terminal.
#[test]
fn demo_scrolls_the_data_tab_of_a_table() {
    let common::ContainerPath {
        app,
        sheet,
        container,
        child,
        ..
    } = common::container_path();
    let config = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let mut t = pty::demo(config.path(), state.path(), &[], COLS, ROWS);
    t.expect_screen(&app, COLS as usize, ROWS as usize, WAIT);
    select_container(&mut t, &app, &sheet, &container);
    t.keys("lj");
    t.expect_screen(&child, COLS as usize, ROWS as usize, WAIT);
    t.keys("]]]]]");
    t.expect_screen(
        "Region    Country     Revenue",
        COLS as usize,
        ROWS as usize,
        WAIT,
    );
    t.expect_screen("Region 1  Country 01", COLS as usize, ROWS as usize, WAIT);

    // Down to the last row: 100 of the cube's rows; one further reads the rest.
    t.keys("\tG");
    t.expect_screen("100 of 120 rows", COLS as usize, ROWS as usize, WAIT);
    t.keys("j");
    t.expect_screen("▶Region 5  Country 05", COLS as usize, ROWS as usize, WAIT);
    t.keys("G");
    t.expect_screen("120 of 120 rows", COLS as usize, ROWS as usize, WAIT);
    t.expect_screen("Region 5  Country 24", COLS as usize, ROWS as usize, WAIT);

    // Sideways: the region column leaves the pane, its left edge shows the country column.
    t.keys("gl");
    t.expect_screen("│  Country 01  ", COLS as usize, ROWS as usize, WAIT);
    quit_and_expect_restored(&mut t);
}

/// The Traffic pane in the real binary (issue 12), with `--trace FILE` given too (both sinks):
/// `T` opens it on the demo's frames, `/` filters them, `w` writes the frames shown as a trace
/// file in the state dir (mode 0600), and `qlik-tui trace --json` reads that file: requests
/// were recorded, by method. The `--trace` file holds the same exchange under the same session.
#[test]
fn demo_traffic_pane_filters_and_writes_a_trace_that_trace_reads() {
    let app = common::container_path().app;
    let config = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let recorded = state.path().join("recorded.ndjson");
    let recorded_arg = recorded.to_str().unwrap();
    let mut t = pty::demo(
        config.path(),
        state.path(),
        &["--trace", recorded_arg],
        COLS,
        ROWS,
    );
    t.expect_screen(&app, COLS as usize, ROWS as usize, WAIT);

    t.keys("T");
    t.expect_screen("Traffic —", COLS as usize, ROWS as usize, WAIT);
    t.expect_screen("GetDocList", COLS as usize, ROWS as usize, WAIT);
    t.keys("/GetDocList\r");
    t.expect_screen("filter: GetDocList", COLS as usize, ROWS as usize, WAIT);
    t.keys("w");
    t.expect_screen("wrote 2 frames to", COLS as usize, ROWS as usize, WAIT);

    let traces = state.path().join("traces");
    let files: Vec<_> = std::fs::read_dir(&traces)
        .unwrap_or_else(|e| panic!("{}: {e}", traces.display()))
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&files[0]).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the trace file is private");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_qlik-tui"))
        .args(["trace", "--json"])
        .arg(&files[0])
        .output()
        .expect("qlik-tui trace runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON summary");
    assert_eq!(summary["requests"], 1, "{summary}");
    assert_eq!(summary["by_method"]["GetDocList"]["count"], 1, "{summary}");

    // The same exchange in the --trace file: one numbering of sessions for both sinks.
    let conn_of = |text: &str| -> Vec<(String, u64)> {
        text.lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("an event"))
            .filter(|v| v["method"] == "GetDocList")
            .map(|v| {
                (
                    v["kind"].as_str().unwrap().to_string(),
                    v["conn"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let written = conn_of(&std::fs::read_to_string(&files[0]).unwrap());
    let in_file = conn_of(&std::fs::read_to_string(&recorded).unwrap());
    assert_eq!(written.len(), 2, "{written:?}");
    assert_eq!(written, in_file);

    // Esc closes the pane; q then quits as usual.
    t.keys("\x1b");
    quit_and_expect_restored(&mut t);
}

/// `:diff prod` in the real binary on two real profiles (certificates in the kernel keyutils
/// keyring): `dev` on the demo site, `prod` on its variant. The diff view opens over the panes
/// with the variant's renamed sheet; Enter shows it side by side; Esc twice and q restore the
/// terminal. Under CI a kernel without keyutils fails the test; elsewhere it is skipped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_diff_view_opens_from_two_profiles() {
    use qlik_tui::sim::variant;
    let Some((sim, cli)) = keyutils_and_simulator("tui-diff").await else {
        return;
    };
    let other = SimServer::start(SimConfig {
        variant: true,
        ..SimConfig::default()
    })
    .await
    .expect("variant simulator starts");
    keyring_support::add_sim_profile(&cli, "dev", &sim);
    keyring_support::add_sim_profile(&cli, "prod", &other);
    let app = common::richest_demo_app()["title"]
        .as_str()
        .unwrap()
        .to_string();
    let mut t = explorer(&cli, &["-p", "dev", "--secret-store", "keyutils"]);
    t.expect_after(0, "\x1b[?1049h", WAIT);
    t.expect_screen(&app, COLS as usize, ROWS as usize, WAIT);
    t.keys(":");
    t.keys(&format!("app {app}\r"));
    t.expect_screen("Sheets", COLS as usize, ROWS as usize, WAIT);
    t.keys(":diff prod\r");
    t.expect_screen("the same app on prod", COLS as usize, ROWS as usize, WAIT);
    t.expect_screen(
        "sheets (3 items, 5 changes)",
        COLS as usize,
        ROWS as usize,
        WAIT,
    );
    t.expect_screen(variant::SHEET_RENAMED.1, COLS as usize, ROWS as usize, WAIT);
    t.keys("\r");
    t.expect_screen("b: profile 'prod'", COLS as usize, ROWS as usize, WAIT);
    t.keys("\x1b");
    t.expect_screen("j/k move", COLS as usize, ROWS as usize, WAIT);
    t.keys("\x1b");
    quit_and_expect_restored(&mut t);
    cli.ok(&["profile", "remove", "dev"]);
    cli.ok(&["profile", "remove", "prod"]);
}

/// `<` / `>` move the split, the width goes to settings.toml in the config dir, and the next
/// start opens with the same split (the explorer on an empty profile file: no keyring needed).
#[test]
fn the_split_moved_with_angle_brackets_is_remembered() {
    let config = tempfile::tempdir().unwrap();
    let start = || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_qlik-tui"));
        cmd.env("QLIK_TUI_CONFIG_DIR", config.path())
            .env("QLIK_TUI_STATE_DIR", config.path().join("state"))
            .env("TERM", "xterm-256color")
            .env_remove("QLIK_TUI_PROFILE")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("QLIK_TUI_TEST_PANIC");
        Pty::spawn(cmd, COLS, ROWS)
    };
    let mut t = start();
    t.expect_after(0, "\x1b[?1049h", WAIT);
    t.expect_screen("Explorer", COLS as usize, ROWS as usize, WAIT);
    // 2/5 of 120 columns at first; three steps of 4 to the right.
    t.keys(">>>");
    t.expect_screen("tree pane 60 columns", COLS as usize, ROWS as usize, WAIT);
    t.keys("q");
    assert!(t.wait_exit(WAIT).success());
    let saved = std::fs::read_to_string(config.path().join("settings.toml"))
        .expect("the settings file is written");
    assert_eq!(saved, "tree_width = 60\n");

    let mut t = start();
    t.expect_screen("Explorer", COLS as usize, ROWS as usize, WAIT);
    let screen = pty::render(&t.output(), COLS as usize, ROWS as usize);
    let top: Vec<char> = screen[1].chars().collect();
    assert_eq!(
        (top[59], top[60]),
        ('┐', '┌'),
        "the detail pane starts at column 60 again:\n{}",
        screen.join("\n")
    );
    t.keys("q");
    assert!(t.wait_exit(WAIT).success());
}

/// The SGR parameters of every `ESC [ … m` in `out` that set a color (30–38, 40–48, 90–97,
/// 100–107; 39 and 49, "the default color", are not a color).
fn color_sgrs(out: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(out);
    let mut found = Vec::new();
    for part in text.split("\x1b[").skip(1) {
        let Some(end) = part.find(|c: char| !(c.is_ascii_digit() || c == ';' || c == ':')) else {
            continue;
        };
        if !part[end..].starts_with('m') {
            continue;
        }
        let params = &part[..end];
        let colors = params.split([';', ':']).any(|p| {
            matches!(
                p.parse::<u32>(),
                Ok(30..=38 | 40..=48 | 90..=97 | 100..=107)
            )
        });
        if colors {
            found.push(params.to_string());
        }
    }
    found
}

/// The demo explorer in a pty with `args` and `NO_COLOR` set or not: everything it wrote from
/// its first frame through a move into the tree to its exit.
fn explorer_output(args: &[&str], no_color: bool) -> Vec<u8> {
    let config = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_qlik-tui"));
    cmd.arg("--demo")
        .args(args)
        .env("QLIK_TUI_CONFIG_DIR", config.path())
        .env("QLIK_TUI_STATE_DIR", state.path())
        .env("TERM", "xterm-256color")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("QLIK_TUI_TEST_PANIC");
    if no_color {
        cmd.env("NO_COLOR", "1");
    } else {
        cmd.env_remove("NO_COLOR");
    }
    let mut t = Pty::spawn(cmd, COLS, ROWS);
    t.expect_screen("Explorer (", COLS as usize, ROWS as usize, WAIT);
    let app = common::demo_site()["apps"][0]["title"]
        .as_str()
        .unwrap()
        .to_string();
    t.expect_screen(&app, COLS as usize, ROWS as usize, WAIT);
    t.keys("jl");
    std::thread::sleep(Duration::from_millis(300));
    quit_and_expect_restored(&mut t);
    t.output()
}

/// `NO_COLOR` and `--color never` draw the explorer without a single color (the mono theme:
/// bold, reverse, underline); on a terminal it is colored by default, and `--color always`
/// beats `NO_COLOR` as on the command line.
#[test]
fn no_color_and_color_never_draw_the_explorer_without_color() {
    let colored = color_sgrs(&explorer_output(&[], false));
    assert!(!colored.is_empty(), "a terminal gets color by default");
    let none = color_sgrs(&explorer_output(&[], true));
    assert!(none.is_empty(), "NO_COLOR: {none:?}");
    let none = color_sgrs(&explorer_output(&["--color", "never"], false));
    assert!(none.is_empty(), "--color never: {none:?}");
    let always = color_sgrs(&explorer_output(&["--color", "always"], true));
    assert!(!always.is_empty(), "--color always beats NO_COLOR");
}
