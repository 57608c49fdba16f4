//! `qlik-tui --demo` in tmux, as a new user meets it: open the help, read the keys it lists, and
//! with only those keys reach an object's properties, then quit. tmux renders the screen, so
//! this checks what a person sees (capture-pane), not our own reading of the output bytes.
//! Needs tmux (CI installs it): a skip with a notice elsewhere, a failure under CI.

mod common;
mod keyring_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

const WAIT: Duration = Duration::from_secs(30);

/// A tmux server of this test's own (its socket in a temp dir), running one session.
struct Tmux {
    socket: PathBuf,
    _dir: tempfile::TempDir,
}

impl Tmux {
    fn start(cmd: &str, dir: tempfile::TempDir) -> Tmux {
        let t = Tmux {
            socket: dir.path().join("tmux.sock"),
            _dir: dir,
        };
        let o = t.run(&[
            "new-session",
            "-d",
            "-x",
            "100",
            "-y",
            "30",
            "-s",
            "demo",
            cmd,
        ]);
        assert!(o.status.success(), "tmux new-session: {o:?}");
        t
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(["-f", "/dev/null"])
            .args(args)
            .output()
            .expect("run tmux")
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "demo"]).stdout)
            .into_owned()
    }

    /// Waits until the screen shows `needle`; panics with the screen after `WAIT`.
    fn wait_for(&self, needle: &str) -> String {
        self.wait_until(needle, |s| s.contains(needle))
    }

    /// Waits until `ready` holds for the screen; panics naming `what` after `WAIT`.
    fn wait_until(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if ready(&s) {
                return s;
            }
            assert!(start.elapsed() < WAIT, "never saw {what:?} on:\n{s}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until the screen no longer shows `needle`.
    fn wait_gone(&self, needle: &str) {
        let start = Instant::now();
        while self.screen().contains(needle) {
            assert!(
                start.elapsed() < WAIT,
                "{needle:?} stayed on:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// One key, by tmux's name for it (`j`, `Escape`, `]`...).
    fn key(&self, k: &str) {
        assert!(self.run(&["send-keys", "-t", "demo", k]).status.success());
    }

    /// Presses `j` until the breadcrumb (the top line) ends with `title`, as a user reading
    /// the screen would.
    fn down_to(&self, title: &str) {
        for _ in 0..40 {
            if self.screen().lines().next().unwrap_or("").ends_with(title) {
                return;
            }
            self.key("j");
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("never reached {title}:\n{}", self.screen());
    }

    fn alive(&self) -> bool {
        self.run(&["has-session", "-t", "demo"]).status.success()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

fn tmux_available() -> bool {
    match Command::new("tmux").arg("-V").output() {
        Ok(o) if o.status.success() => true,
        _ => keyring_support::backend_missing("tmux", "not on PATH"),
    }
}

/// The first app of the demo site with a sheet holding objects: (app title, sheet title, the
/// sheet's number of objects).
fn app_with_objects() -> (String, String, usize) {
    let site = common::demo_site();
    for app in site["apps"].as_array().expect("apps") {
        for sheet in app["objects"].as_array().into_iter().flatten() {
            let is_sheet = sheet.pointer("/qProperty/qInfo/qType") == Some(&Value::from("sheet"));
            let children = sheet["qChildren"].as_array().map_or(0, Vec::len);
            if is_sheet && children > 0 {
                let title = sheet
                    .pointer("/qProperty/qMetaDef/title")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                return (
                    app["title"].as_str().unwrap().into(),
                    title.into(),
                    children,
                );
            }
        }
    }
    panic!("the demo site has a sheet with objects");
}

/// The help line for `key`, e.g. "j ↓           down".
fn help_line<'a>(help: &'a str, key: &str) -> &'a str {
    help.lines()
        .flat_map(|l| l.split('│'))
        .map(str::trim)
        .find(|cell| cell.split_whitespace().next() == Some(key))
        .unwrap_or_else(|| panic!("the help lists no key {key:?}:\n{help}"))
}

#[test]
fn a_new_user_reaches_an_objects_properties_with_the_keys_the_help_shows() {
    if !tmux_available() {
        return;
    }
    let (app, sheet, objects) = app_with_objects();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let cmd = format!(
        "env QLIK_TUI_CONFIG_DIR='{}' QLIK_TUI_STATE_DIR='{}' TERM=xterm-256color '{}' --demo",
        config.display(),
        dir.path().join("state").display(),
        Path::new(env!("CARGO_BIN_EXE_qlik-tui")).display()
    );
    let t = Tmux::start(&cmd, dir);
    t.wait_for("[profile] demo");

    // The key hints at the bottom point to `?`; the help names the keys used below.
    let hints = t.wait_for("? help");
    assert!(hints.contains("q quit"), "{hints}");
    t.key("?");
    let mut help = t.wait_for("Help — keys");
    // The help is longer than a 30-row terminal: read it to its end the way its title says,
    // with j, keeping every screen seen (bounded: it stops when three key presses in a row
    // change nothing, so a slow redraw is not taken for the end).
    let mut unchanged = 0;
    for _ in 0..80 {
        t.key("j");
        std::thread::sleep(Duration::from_millis(60));
        let screen = t.screen();
        if help.ends_with(&screen) {
            unchanged += 1;
            if unchanged == 3 {
                break;
            }
            continue;
        }
        unchanged = 0;
        help.push_str(&screen);
    }
    for (key, action) in [
        ("j", "down"),
        ("l", "expand"),
        ("]", "next detail tab"),
        ("q", "quit"),
    ] {
        let line = help_line(&help, key);
        assert!(line.contains(action), "{key}: {line}");
    }
    assert!(help.contains("Esc closes"), "{help}");
    // Esc alone: a key sent right behind it would reach the program in the same read and be
    // taken for Alt+key, as in any terminal program.
    t.key("Escape");
    t.wait_gone("Help — keys");

    // Down to the app (the breadcrumb on the top line says where the selection is), open it.
    t.down_to(&app);
    t.key("l");
    t.wait_for("Sheets");
    // Sheets ▸ the sheet ▸ its first object.
    t.key("j");
    t.key("l");
    t.wait_for(&sheet);
    t.down_to(&sheet);
    t.key("l");
    // As a user would, wait for the objects to load (the sheet's summary counts them).
    let count = format!(" {objects}");
    t.wait_until("the sheet's objects loaded", |s| {
        s.lines().any(|l| {
            let cell = l.split('│').nth(3).unwrap_or("").trim_end();
            cell.starts_with("objects") && cell.ends_with(&count)
        })
    });
    t.key("j");
    t.wait_for(&format!("{sheet} ▸ "));

    // The Properties tab: the object's JSON.
    t.key("]");
    let props = t.wait_for("\"qInfo\"");
    assert!(props.contains("\"qId\""), "{props}");

    t.key("q");
    let start = Instant::now();
    while t.alive() {
        assert!(start.elapsed() < WAIT, "q did not quit:\n{}", t.screen());
        std::thread::sleep(Duration::from_millis(100));
    }
}
