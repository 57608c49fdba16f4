//! Snapshot tests of each explorer screen (ratatui TestBackend + insta), on the simulator's demo
//! site through the real domain layer over real TLS. Keys are injected as the terminal would
//! send them; volatile text (the port, the engine version) is masked.

mod common;

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use qlik_tui::explore::Site;
use qlik_tui::profile::manage;
use qlik_tui::profile::secrets::{SecretKind, SecretStore, Secrets, StoreChoice};
use qlik_tui::profile::store::{Profile, ProfileStore};
use qlik_tui::sim::{SimConfig, SimServer};
use qlik_tui::tls::intake;
use qlik_tui::tui::detail::Tab;
use qlik_tui::tui::domain::{self, Reply};
use qlik_tui::tui::keymap::Keymap;
use qlik_tui::tui::profiles::{self, Keyring, ProfileSource};
use qlik_tui::tui::tree::NodeKind;
use qlik_tui::tui::{App, Profiles, ThemeName, TuiOptions, new_app, profiles_app, ui};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use zeroize::Zeroizing;

struct Harness {
    app: App,
    /// Where the profiles come from (None: the demo's one site, attached up front).
    source: Option<ProfileSource>,
    sim: SimServer,
    term: Terminal<TestBackend>,
}

impl Harness {
    async fn new(width: u16, height: u16) -> Harness {
        Harness::with_sim(SimConfig::default(), width, height).await
    }

    /// The demo profile on a simulator configured as `cfg` says.
    async fn with_sim(cfg: SimConfig, width: u16, height: u16) -> Harness {
        let sim = SimServer::start(cfg).await.expect("simulator starts");
        let site = Site::new(common::sim_spec(&sim));
        let opts = TuiOptions {
            mouse: false,
            theme: ThemeName::Dark,
            profiles: Profiles {
                names: vec!["demo".into()],
                active: Some("demo".into()),
                file: None,
                ..Default::default()
            },
            source: None,
        };
        let mut app = new_app(&site, &opts, Keymap::default());
        app.resize(width, height);
        app.start();
        let mut h = Harness {
            app,
            source: None,
            sim,
            term: Terminal::new(TestBackend::new(width, height)).expect("test backend"),
        };
        h.settle().await;
        h
    }

    /// Runs every queued domain request to completion and feeds the replies back, until the
    /// app asks for nothing more (each request bounded).
    async fn settle(&mut self) {
        for _ in 0..50 {
            let reqs = self.app.take_requests();
            let profile_reqs = self.app.take_profile_requests();
            if reqs.is_empty() && profile_reqs.is_empty() {
                return;
            }
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Reply>();
            for r in reqs {
                let site = self.app.site.clone().expect("a connected site");
                // Boxed: the domain futures are large in a debug build, and the test thread's
                // stack (2 MiB) is not the event loop's.
                tokio::time::timeout(
                    Duration::from_secs(20),
                    Box::pin(domain::execute(site, r, tx.clone())),
                )
                .await
                .expect("every request finishes");
            }
            for r in profile_reqs {
                let source = self.source.clone().expect("a profile source");
                tokio::time::timeout(
                    Duration::from_secs(20),
                    Box::pin(profiles::execute(source, r, tx.clone())),
                )
                .await
                .expect("every profile request finishes");
            }
            drop(tx);
            // As the event loop does: answers from a site the app has since left are dropped.
            let epoch = self.app.epoch;
            while let Some(reply) = rx.recv().await {
                let from_site = !matches!(reply, Reply::Connected { .. } | Reply::Tested { .. });
                if !from_site || self.app.epoch == epoch {
                    self.app.on_reply(reply);
                }
            }
        }
        panic!("the app kept asking for more work");
    }

    /// The explorer as `qlik-tui` opens it: on the profiles of a profile file in a temp dir,
    /// their secrets in a private (mock) keyring. `dev` points at the simulator with its
    /// certificates stored and is the file's default; `no-secrets` has nothing in the keyring;
    /// `staging` is never opened.
    async fn on_profiles(width: u16, height: u16) -> (Harness, tempfile::TempDir) {
        let sim = SimServer::start(SimConfig::default())
            .await
            .expect("simulator starts");
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("profiles.toml");
        let keyring = Arc::new(SecretStore::with_store(
            keyring_core::mock::Store::new().expect("mock keyring"),
            StoreChoice::Keyutils,
        ));
        let mut store = ProfileStore::open(&path).expect("profile file");
        let user = |p: &mut Profile| {
            p.user_directory = Some("INTERNAL".into());
            p.user_id = Some("sa_engine".into());
        };
        let mut dev = Profile::new("dev", &sim.engine_url());
        user(&mut dev);
        manage::add(&mut store, &keyring, dev, &sim_secrets(&sim)).expect("add dev");
        let mut bare = Profile::new("no-secrets", "wss://qlik.invalid:4747");
        user(&mut bare);
        store.insert(bare).expect("add no-secrets");
        store
            .insert(Profile::new("staging", "wss://staging.invalid:4747"))
            .expect("add staging");
        store.set_default(Some("dev")).expect("default");
        store.save().expect("save");

        let source = ProfileSource {
            path,
            keyring: Keyring::Fixed(keyring),
        };
        let opts = TuiOptions {
            mouse: false,
            theme: ThemeName::Dark,
            profiles: profiles::load(&source, None).expect("profiles load"),
            source: Some(source.clone()),
        };
        let mut app = profiles_app(&opts, Keymap::default());
        app.resize(width, height);
        app.start();
        let mut h = Harness {
            app,
            source: Some(source),
            sim,
            term: Terminal::new(TestBackend::new(width, height)).expect("test backend"),
        };
        h.settle().await;
        (h, dir)
    }

    async fn key(&mut self, code: KeyCode) {
        self.app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
        // Boxed: the domain futures settle runs are large, and long key sequences in one test
        // would otherwise grow the test thread's stack past its limit.
        Box::pin(self.settle()).await;
    }

    async fn typed(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c)).await;
        }
    }

    /// Opens the demo app with a container (`common::container_path`) down to the container's
    /// first child and selects it; returns the child's title.
    async fn open_container_child(&mut self) -> String {
        let common::ContainerPath {
            app,
            sheet,
            container,
            child,
            ..
        } = common::container_path();
        self.typed(":").await;
        self.typed(&format!("app {app}")).await;
        self.key(KeyCode::Enter).await;
        self.typed("j").await; // Sheets
        self.typed("l").await;
        self.goto(&sheet).await;
        self.typed("l").await;
        self.goto(&container).await;
        self.typed("l").await;
        self.typed("j").await;
        assert_eq!(
            self.app.selected_kind().map(|k| k.title()),
            Some(child.clone())
        );
        child
    }

    /// In the open search results pane, down to the first hit `pick` accepts, then Enter.
    async fn jump_to_hit(&mut self, pick: impl Fn(&qlik_tui::explore::search::Hit) -> bool) {
        let pane = self.app.search_pane.as_ref().expect("the results pane");
        let Some(at) = pane.hits().position(pick) else {
            panic!("no hit is the one wanted:\n{}", self.screen());
        };
        for _ in 0..at {
            self.typed("j").await;
        }
        self.key(KeyCode::Enter).await;
    }

    /// Selects the visible row titled `title` with the filter, then clears the filter.
    async fn goto(&mut self, title: &str) {
        self.typed("/").await;
        self.typed(title).await;
        self.key(KeyCode::Enter).await;
        self.typed("/").await;
        self.key(KeyCode::Esc).await;
        let got = self.app.selected_kind().map(|k| k.title());
        if got.as_deref() != Some(title) {
            let screen = self.screen();
            panic!("the filter should land on '{title}', not {got:?}:\n{screen}");
        }
    }

    fn screen(&mut self) -> String {
        self.term.draw(|f| ui::draw(f, &self.app)).expect("draw");
        let buf = self.term.backend().buffer();
        let mut out = String::new();
        for y in 0..buf.area.height {
            let mut line = String::new();
            for x in 0..buf.area.width {
                line.push_str(buf[(x, y)].symbol());
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        let version = common::demo_site()["engine"]["componentVersion"]
            .as_str()
            .unwrap_or("?")
            .to_string();
        // The keymap path depends on the user running the tests (HOME, XDG_CONFIG_HOME): mask
        // it and the padding its length leaves.
        let keymap = qlik_tui::paths::keymap_path().display().to_string();
        let out = mask_traffic_times(&out);
        out.replace(&format!(":{}", self.sim.addr().port()), ":PORT")
            .replace(&version, "<engine-version>")
            .lines()
            .map(|l| match l.split_once(keymap.as_str()) {
                Some((before, after)) => format!("{before}<keymap> {}\n", after.trim_start()),
                None => format!("{l}\n"),
            })
            .collect()
    }
}

/// What changes from run to run in the Traffic pane and the status bar's `⇅`: a frame's time
/// (`07:40:01.123`) and a latency (`12 ms`, `0.4 ms`, with the padding before it).
fn mask_traffic_times(screen: &str) -> String {
    let time = regex::Regex::new(r"\b\d{2}:\d{2}:\d{2}\.\d{3}\b").expect("regex");
    let ms = regex::Regex::new(r" +\d+(?:\.\d)? ms\b").expect("regex");
    let screen = time.replace_all(screen, "hh:mm:ss.mmm");
    ms.replace_all(&screen, " <ms>").into_owned()
}

/// A simulator's client certificate, key and root, as a profile's keyring secrets.
fn sim_secrets(sim: &SimServer) -> Secrets {
    let tls = sim.client_tls();
    let mut secrets = Secrets::default();
    for (kind, pem) in [
        (SecretKind::ClientCert, tls.cert_pem),
        (
            SecretKind::ClientKey,
            tls.key_pem.map(|k| k.expose().to_string()),
        ),
        (SecretKind::RootCert, tls.root_pem),
    ] {
        let pem = pem.expect("the simulator's client material");
        secrets.insert(kind, Zeroizing::new(pem.into_bytes()));
    }
    secrets
}

/// The app the demo user may not open (OpenDoc answers error 5).
fn denied_app() -> String {
    let site = common::demo_site();
    site["apps"]
        .as_array()
        .expect("apps")
        .iter()
        .find(|a| {
            a.get("deniedUsers")
                .is_some_and(|d| d.to_string().contains("sa_engine"))
        })
        .and_then(|a| a["title"].as_str())
        .expect("the demo site has an app denied to sa_engine")
        .to_string()
}

/// Titles with escape sequences, BEL, CR, backspace, C1, DEL and bidi overrides are drawn escaped
/// (`\x1b`, `\u202e`) in the tree, the breadcrumb and the detail pane: the user sees they are odd.
#[tokio::test]
async fn hostile_titles_are_shown_escaped() {
    let cfg = SimConfig {
        hostile_titles: true,
        ..SimConfig::default()
    };
    let mut h = Harness::with_sim(cfg, 140, 30).await;
    // The first stream's second app (its first one is denied to the user), its sheets, the first
    // sheet and its first object.
    for k in ["j", "j", "j", "l", "j", "l", "j", "l", "j"] {
        h.typed(k).await;
    }
    let screen = h.screen();
    for escaped in [
        "\\x1b]0;pwned\\x07Sales",
        "\\x1b[2J",
        "\\x0dOverwritten\\x08",
        "\\u202efdp.exe",
    ] {
        assert!(screen.contains(escaped), "{escaped} not shown:\n{screen}");
    }
    assert!(
        !screen
            .lines()
            .any(|l| l.chars().any(qlik_tui::text::is_unsafe_for_terminal)),
        "a raw control character reached the screen:\n{screen}"
    );
    insta::assert_snapshot!("hostile_titles", screen);
}

#[tokio::test]
async fn profiles_screen() {
    let mut h = Harness::new(100, 30).await;
    insta::assert_snapshot!("profiles", h.screen());
}

#[tokio::test]
async fn object_summary_and_properties() {
    let mut h = Harness::new(120, 34).await;
    let child = h.open_container_child().await;
    let summary = h.screen();
    assert!(summary.contains(&child));
    insta::assert_snapshot!("object_summary", summary);
    h.typed("]").await;
    let props = h.screen();
    assert!(props.contains("\"qInfo\""), "{props}");
    insta::assert_snapshot!("object_properties", props);
}

/// The Traffic pane (issue 12) on the demo's frames: `T` opens it, the filter keeps the doc
/// list's request and reply, Enter shows them side by side (JSON, foldable), Esc goes back.
#[tokio::test]
async fn traffic_pane_with_a_request_and_its_reply() {
    let mut h = Harness::new(130, 30).await;
    h.typed("T").await;
    let all = h.screen();
    assert!(all.contains("Traffic —") && all.contains("→ send"), "{all}");
    h.typed("/GetDocList").await;
    h.key(KeyCode::Enter).await;
    let list = h.screen();
    assert!(
        list.contains("filter: GetDocList") && list.contains("← recv"),
        "{list}"
    );
    insta::assert_snapshot!("traffic_list", list);
    h.key(KeyCode::Enter).await;
    let pair = h.screen();
    assert!(
        pair.contains("Request #")
            && pair.contains("\"method\": \"GetDocList\"")
            && pair.contains("\"qDocList\""),
        "{pair}"
    );
    insta::assert_snapshot!("traffic_pair", pair);
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Esc).await;
    assert_eq!(h.app.mode(), qlik_tui::tui::app::Mode::Normal);
}

#[tokio::test]
async fn filter_screen() {
    let mut h = Harness::new(100, 30).await;
    h.typed("/sal").await;
    insta::assert_snapshot!("filter", h.screen());
    h.key(KeyCode::Esc).await;
    assert!(!h.app.tree.filter_active());
}

#[tokio::test]
async fn palette_screen() {
    let mut h = Harness::new(100, 30).await;
    h.typed(":app ").await;
    insta::assert_snapshot!("palette", h.screen());
}

#[tokio::test]
async fn help_overlay() {
    let mut h = Harness::new(100, 34).await;
    h.typed("?").await;
    insta::assert_snapshot!("help", h.screen());
}

/// In 80×24 the help is taller than the terminal: the title says so and j scrolls to the end.
#[tokio::test]
async fn help_scrolls_in_a_small_terminal() {
    let mut h = Harness::new(80, 24).await;
    h.typed("?").await;
    let top = h.screen();
    assert!(top.contains("j/k scroll 1-"), "{top}");
    assert!(!top.contains("Keymap file"), "{top}");
    for _ in 0..30 {
        h.typed("j").await;
    }
    let end = h.screen();
    assert!(end.contains("Keymap file"), "{end}");
    assert!(end.contains(":wider"), "{end}");
    assert!(!end.contains("k ↑"), "scrolled past the first keys:\n{end}");
    h.typed("g").await;
    assert!(h.screen().contains("k ↑"));
}

/// An app the user may not open says so once, on its own node (access denied, the engine's
/// code, what to check), and its folders stay closed: not one `OpenDoc failed` per folder.
#[tokio::test]
async fn a_denied_app_says_so_once_on_its_node() {
    let denied = denied_app();
    let mut h = Harness::new(120, 30).await;
    h.typed(":").await;
    h.typed(&format!("app {denied}")).await;
    h.key(KeyCode::Enter).await;
    let screen = h.screen();
    assert_eq!(
        h.app.selected_kind().map(|k| k.title()).as_deref(),
        Some(denied.as_str())
    );
    let id = h.app.selected().expect("the app is selected");
    let node = h.app.tree.node(id);
    assert!(node.children.is_empty() && !node.expanded, "{screen}");
    for says in ["access denied", "engine error 5", "QMC", "section access"] {
        assert!(screen.contains(says), "{says} missing:\n{screen}");
    }
    assert_eq!(
        screen.matches("✗ error").count(),
        2,
        "once on the node, once in its summary:\n{screen}"
    );
    assert!(!screen.contains("[dir]"), "no folders:\n{screen}");
    insta::assert_snapshot!("denied_app", screen);
}

#[tokio::test]
async fn narrow_terminal() {
    let mut h = Harness::new(50, 16).await;
    insta::assert_snapshot!("narrow_tree", h.screen());
    h.key(KeyCode::Tab).await;
    insta::assert_snapshot!("narrow_detail", h.screen());
}

/// `qlik-tui` on a real profile file: the default profile connects at start, a profile whose
/// keyring holds nothing shows why on its node (and the fix), the others keep working, and
/// `:profile NAME` switches back.
#[tokio::test]
async fn real_profiles_connect_fail_on_their_node_and_switch() {
    let (mut h, _dir) = Harness::on_profiles(110, 24).await;
    let first = h.screen();
    assert!(first.contains("[profile] dev"), "{first}");
    assert!(
        first.contains("[app]"),
        "dev is connected and lists apps:\n{first}"
    );
    insta::assert_snapshot!("profiles_real", first);

    // Down to `no-secrets` (collapse dev first so its row is next) and open it.
    h.typed("h").await;
    h.typed("j").await;
    h.key(KeyCode::Enter).await;
    let failed = h.screen();
    assert!(failed.contains("✗ error"), "{failed}");
    assert!(
        failed.contains("profile edit no-secrets"),
        "the error names the fix:\n{failed}"
    );
    insta::assert_snapshot!("profile_error", failed);

    // The rest keeps working: back to dev from the palette.
    h.typed(":profile dev").await;
    h.key(KeyCode::Enter).await;
    let back = h.screen();
    assert!(back.contains("[app]"), "{back}");
    assert_eq!(h.app.status.profile, "dev");
}

/// With no profile at all the pane says how to add one and mentions the demo.
#[tokio::test]
async fn no_profiles_says_how_to_add_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = ProfileSource {
        path: dir.path().join("profiles.toml"),
        keyring: Keyring::Open(None),
    };
    let profiles = profiles::load(&source, None).expect("an absent file is no profiles");
    assert!(profiles.names.is_empty());
    let opts = TuiOptions {
        mouse: false,
        theme: ThemeName::Dark,
        profiles,
        source: Some(source),
    };
    let mut app = profiles_app(&opts, Keymap::default());
    app.resize(100, 20);
    app.start();
    assert!(app.take_requests().is_empty() && app.take_profile_requests().is_empty());
    let mut term = Terminal::new(TestBackend::new(100, 20)).expect("test backend");
    term.draw(|f| ui::draw(f, &app)).expect("draw");
    let screen =
        format!("{}", term.backend()).replace(&dir.path().display().to_string(), "<config>");
    assert!(screen.contains("qlik-tui profile add"), "{screen}");
    assert!(screen.contains("--demo"), "{screen}");
}

/// The certificate facts of `dir`'s files, as the form shows them: what changes from run to
/// run (dates, fingerprints) is masked by its label.
fn mask_facts(screen: &str, dir: &std::path::Path) -> String {
    let files = intake::read_cert_dir(dir).expect("cert files");
    let m = intake::from_pem_inputs(
        &files.cert,
        &files.key,
        files.root.as_ref(),
        &mut intake::CannotAsk("not encrypted"),
    )
    .expect("material");
    let facts = intake::validate(&m, false).expect("valid");
    let mut out = screen.to_string();
    for (label, value) in facts.rows() {
        if matches!(label, "SHA-256" | "root" | "root SHA-256") {
            out = out.replace(&value, &format!("<{label}>"));
        }
    }
    // "not after" carries the days left, which the clock may have moved by one since the
    // screen was drawn: mask from the date to "days left)" on the row.
    out.lines()
        .map(|l| {
            let masked = l.find("not after").and_then(|at| {
                let start = at + l[at..].find(|c: char| c.is_ascii_digit())?;
                let end = start + l[start..].find("days left)")? + "days left)".len();
                Some(format!("{}<not after>{}", &l[..start], &l[end..]))
            });
            masked.unwrap_or_else(|| l.to_string()) + "\n"
        })
        .collect()
}

/// The profile form from the profile pane: Esc writes nothing; a bad value is refused inline,
/// naming the field and the fix; the certificate facts show before saving; the saved profile
/// (file + keyring) connects and tests; delete asks first and removes file entry and secrets.
#[tokio::test]
async fn profile_form_adds_checks_tests_and_deletes() {
    let (mut h, dir) = Harness::on_profiles(130, 36).await;
    let file = dir.path().join("profiles.toml");
    let Some(Keyring::Fixed(keyring)) = h.source.as_ref().map(|s| s.keyring.clone()) else {
        panic!("the harness keyring");
    };
    let before = std::fs::read(&file).expect("profile file");

    h.typed("a").await;
    h.typed("scratch").await;
    h.key(KeyCode::Esc).await;
    assert!(h.app.profile_form.is_none());
    assert_eq!(std::fs::read(&file).unwrap(), before, "Esc writes nothing");

    h.typed("a").await;
    h.typed("qa").await;
    h.key(KeyCode::Tab).await; // deployment
    h.key(KeyCode::Tab).await; // engine_url
    h.typed("https://qlik.corp").await;
    h.key(KeyCode::Enter).await;
    let refused = h.screen();
    assert!(
        refused.contains("✗ engine_url") && refused.contains("expected wss://"),
        "{refused}"
    );
    insta::assert_snapshot!("profile_form_error", refused);
    assert_eq!(std::fs::read(&file).unwrap(), before, "nothing saved");

    // Fix the URL (the check left the focus on it), fill in the user and the certificates.
    let certs = tempfile::tempdir().expect("cert dir");
    h.sim
        .pki()
        .write_client_files(certs.path())
        .expect("cert files");
    h.app
        .on_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    let url = h.sim.engine_url();
    h.typed(&url).await;
    for (skip, text) in [
        (3, "INTERNAL"), // display_url, auth, user_directory
        (1, "sa_engine"),
        (2, certs.path().to_str().expect("utf-8 path")), // verify_hostname, cert_dir
    ] {
        for _ in 0..skip {
            h.key(KeyCode::Tab).await;
        }
        h.typed(text).await;
    }
    h.key(KeyCode::Enter).await;
    let facts = h.screen();
    assert!(
        facts.contains("key matches   yes") && facts.contains("days left)"),
        "{facts}"
    );
    insta::assert_snapshot!("profile_form_facts", mask_facts(&facts, certs.path()));
    assert_eq!(
        std::fs::read(&file).unwrap(),
        before,
        "not saved before Enter"
    );

    h.key(KeyCode::Enter).await;
    assert!(h.app.profile_form.is_none(), "saved and closed");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("[profiles.qa]"), "{text}");
    assert!(
        !text.contains("BEGIN") && !text.contains("PRIVATE KEY"),
        "{text}"
    );
    assert_eq!(
        keyring.stored_kinds("qa").unwrap(),
        vec![
            SecretKind::ClientCert,
            SecretKind::ClientKey,
            SecretKind::RootCert
        ]
    );

    // The new profile is selected: it connects, and tests.
    assert_eq!(
        h.app.selected_kind().map(|k| k.title()).as_deref(),
        Some("qa")
    );
    h.key(KeyCode::Enter).await;
    assert_eq!(h.app.status.profile, "qa");
    assert!(h.screen().contains("[app]"));
    h.typed("t").await;
    let tested = h.screen();
    assert!(tested.contains("✓ test ok: engine"), "{tested}");
    assert!(tested.contains("last test    ok: engine"), "{tested}");

    // Delete asks first; `n` keeps it, `y` removes file entry and keyring entries.
    h.typed("D").await;
    assert!(h.screen().contains("Delete profile 'qa'"));
    h.typed("n").await;
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("[profiles.qa]")
    );
    h.typed("D").await;
    h.typed("y").await;
    assert!(
        !std::fs::read_to_string(&file)
            .unwrap()
            .contains("[profiles.qa]")
    );
    assert!(keyring.stored_kinds("qa").unwrap().is_empty());
    assert!(!h.screen().contains("[profile] qa"));
}

/// Editing a profile: the form holds its stored settings; a missing user and an incomplete
/// certificate set are refused under their fields; a pasted PEM is never shown; a rename
/// saves under the new name.
#[tokio::test]
async fn profile_form_edits_and_renames() {
    let (mut h, dir) = Harness::on_profiles(130, 36).await;
    let file = dir.path().join("profiles.toml");
    h.typed("h").await; // collapse dev
    h.typed("jj").await; // staging
    h.typed("E").await;
    let form = h.screen();
    assert!(
        form.contains("Edit profile staging") && form.contains("wss://staging.invalid:4747"),
        "{form}"
    );

    // Rename, and check: certificate auth needs the user.
    h.app
        .on_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    h.typed("stage2").await;
    h.key(KeyCode::Enter).await;
    let refused = h.screen();
    assert!(refused.contains("✗ user_directory"), "{refused}");

    h.typed("INTERNAL").await;
    h.key(KeyCode::Tab).await;
    h.typed("sa_engine").await;
    // A pasted root certificate alone: hidden, and refused without the client pair.
    for _ in 0..5 {
        h.key(KeyCode::Tab).await; // verify_hostname, cert_dir, client_cert, client_key, root
    }
    h.app.on_paste(&h.sim.pki().root_cert_pem.clone());
    h.key(KeyCode::Enter).await;
    let pasted = h.screen();
    assert!(pasted.contains("(pasted certificate,"), "{pasted}");
    assert!(!pasted.contains("BEGIN"), "{pasted}");
    assert!(pasted.contains("✗ client_cert"), "{pasted}");

    // The check moved to client_cert; drop the pasted root instead.
    h.key(KeyCode::Tab).await;
    h.key(KeyCode::Tab).await;
    h.app
        .on_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    h.key(KeyCode::Enter).await;
    let confirm = h.screen();
    assert!(confirm.contains("Secrets: unchanged"), "{confirm}");
    h.key(KeyCode::Enter).await;
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("[profiles.stage2]") && !text.contains("[profiles.staging]"),
        "{text}"
    );
    assert!(text.contains("user_id = \"sa_engine\""), "{text}");
    assert!(h.screen().contains("[profile] stage2"));
}

/// `d` runs the doctor on the selected profile, resolved afresh: the connected one passes every
/// step; one whose keyring holds nothing fails at `config` with the reason and the fix (the
/// profile a user most needs the doctor for is the one that does not connect).
#[tokio::test]
async fn doctor_runs_on_the_selected_profile() {
    let (mut h, _dir) = Harness::on_profiles(110, 30).await;
    h.typed("d").await;
    let ok = h.screen();
    assert!(ok.contains("Doctor"), "{ok}");
    for step in ["✓ config", "✓ tls", "✓ websocket", "✓ engine"] {
        assert!(ok.contains(step), "{step} on:\n{ok}");
    }
    assert!(ok.contains("all checks passed"), "{ok}");
    h.key(KeyCode::Esc).await;

    h.typed("h").await;
    h.typed("j").await;
    h.typed(":doctor").await;
    h.key(KeyCode::Enter).await;
    let failed = h.screen();
    assert!(failed.contains("✗ config"), "{failed}");
    assert!(failed.contains("profile edit no-secrets"), "{failed}");
    assert!(failed.contains("failed: invalid_config"), "{failed}");
    assert!(!failed.contains("✓"), "later steps are skipped:\n{failed}");
}

/// `:search` on the profile searches the whole site: the results pane fills grouped by app with
/// the match marked and the progress done; Enter on a hit opens the tree down to it (loading
/// each level) and selects it, showing its properties.
#[tokio::test]
async fn search_results_pane_and_the_jump_to_a_hit() {
    let common::ContainerPath {
        app,
        child,
        child_id,
        ..
    } = common::container_path();
    let mut h = Harness::new(120, 34).await;
    h.typed(":search Regional").await;
    h.key(KeyCode::Enter).await;
    let screen = h.screen();
    assert!(
        screen.contains("Search \"Regional\" in profile demo"),
        "{screen}"
    );
    assert!(screen.contains(&app) && screen.contains(&child), "{screen}");
    insta::assert_snapshot!("search_results", screen);

    // Down to the nested container child, then Enter.
    h.jump_to_hit(|x| x.id.as_deref() == Some(child_id.as_str()))
        .await;
    let kind = h.app.selected_kind().expect("a node is selected").clone();
    assert_eq!(kind.id(), Some(child_id.as_str()));
    let screen = h.screen();
    assert!(
        screen.contains(&format!("\"qId\": \"{child_id}\"")),
        "{screen}"
    );
    assert!(screen.contains("jumped to the hit"), "{screen}");
    // The cursor is on the match, which the pane highlights.
    let at = &h.app.detail_lines()[h.app.detail_cursor];
    assert!(at.text().contains("Regional"), "{:?}:\n{screen}", at.text());
    assert_eq!(h.app.search.value(), "Regional");

    // A field hit opens the data model and its table.
    h.typed(":search StoreName").await;
    h.key(KeyCode::Enter).await;
    h.jump_to_hit(|x| x.kind.name() == "field").await;
    let title = h.app.selected_kind().map(|k| k.title());
    assert_eq!(title.as_deref(), Some("StoreName"));
}

/// The engine killed while the explorer is open: the status bar stops saying connected and says
/// since when, with the reason; the next action tries to connect again, and with the engine
/// still gone the node it opens shows the error.
#[tokio::test]
async fn a_killed_engine_is_shown_disconnected_and_the_next_action_reconnects() {
    let mut h = Harness::new(120, 30).await;
    let screen = h.screen();
    assert!(
        screen.contains("connected") && !screen.contains("disconnected"),
        "{screen}"
    );
    let site = h.app.site.clone().expect("the demo site");
    let sockets_before = site.open_sockets();
    assert!(sockets_before > 0);

    h.sim.kill();
    tokio::time::timeout(Duration::from_secs(5), async {
        while site.lost().is_none() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the client sees the socket end");
    h.app.on_tick();
    let screen = h.screen();
    assert!(screen.contains("disconnected since "), "{screen}");
    let err = h.app.status.last_error.clone().unwrap_or_default();
    assert!(
        err.contains("connection was lost") && err.contains("reconnects"),
        "{err}"
    );

    // The next action connects again: the engine is still gone, so the node shows why.
    let app = common::demo_site()["apps"][0]["title"]
        .as_str()
        .unwrap()
        .to_string();
    h.goto(&app).await;
    h.key(KeyCode::Char('l')).await;
    let screen = h.screen();
    assert!(screen.contains("✗"), "{screen}");
    assert!(
        screen.contains("refused") || screen.contains("connect"),
        "the node says the connection failed: {screen}"
    );
    assert!(h.screen().contains("disconnected since "));
}

/// The Data tab of a table object: the first 100 rows computed over the simulator's table,
/// more when the cursor goes past the last row, and a sideways scroll.
#[tokio::test]
async fn data_tab_pages_and_scrolls() {
    let mut h = Harness::new(120, 34).await;
    h.open_container_child().await;
    h.typed("]]]]]").await;
    let data = h.screen();
    assert!(data.contains("Data"), "{data}");
    // The child's cube: Region × Country by Revenue, sorted by region then country.
    assert!(data.contains("Region    Country     Revenue"), "{data}");
    assert!(data.contains("Region 1  Country 01"), "{data}");
    insta::assert_snapshot!("data_tab", data);

    // Into the pane, to the last row, one further: the next rows are read.
    h.key(KeyCode::Tab).await;
    h.typed("G").await;
    let first = h.screen();
    assert!(first.contains("100 of 120 rows"), "{first}");
    h.typed("j").await;
    // The cursor stays on the first new row; the end of the table is now further down.
    assert!(h.screen().contains("▶Region 5  Country 05"));
    h.typed("G").await;
    let more = h.screen();
    assert!(more.contains("120 of 120 rows"), "{more}");
    assert!(more.contains("Region 5  Country 24"), "{more}");

    // Sideways: the first column scrolls out of view.
    h.typed("gl").await;
    let side = h.screen();
    assert!(!side.contains("Region    Country"), "{side}");
    assert!(side.contains("Country     Revenue"), "{side}");
    h.typed("h").await;
    assert!(h.screen().contains("Region    Country     Revenue"));
}

/// `:eval EXPR` on an app: the value computed over the simulator's table, in the status line
/// and the app's summary.
#[tokio::test]
async fn eval_on_an_app_shows_the_value() {
    let app = common::richest_demo_app();
    let (id, title) = (app["id"].as_str().unwrap(), app["title"].as_str().unwrap());
    let mut h = Harness::new(120, 34).await;
    let sum: f64 = {
        let index = h.sim.site().app(id).unwrap().index();
        let t = index.data_table();
        let s = t.column("Sales").unwrap();
        t.rows.iter().map(|r| r[s].num.unwrap()).sum()
    };
    let want = format!("Sum(Sales) = {}", qlik_tui::sim::table::format_number(sum));
    h.typed(":").await;
    h.typed(&format!("app {title}")).await;
    h.key(KeyCode::Enter).await;
    h.typed(":").await;
    h.typed("eval Sum(Sales)").await;
    h.key(KeyCode::Enter).await;
    let screen = h.screen();
    assert!(screen.contains(&want), "{want}:\n{screen}");
    assert!(screen.contains(":eval"), "{screen}");
    // Not on an app: a clear message, nothing sent.
    let mut other = Harness::new(120, 34).await;
    other.typed(":").await;
    other.typed("eval 1").await;
    other.key(KeyCode::Enter).await;
    assert!(other.screen().contains(":eval works on an app"));
}

/// The master items each object, sheet or master visualization of `app` (the asset's JSON)
/// links to by `qLibraryId` or `qExtendsId` in its own properties (its children are objects of
/// their own): master id → the users' ids, in the asset's order. Read from the asset, not
/// through the product's usage code.
fn master_links(app: &serde_json::Value) -> std::collections::BTreeMap<String, Vec<String>> {
    use serde_json::Value;
    fn linked(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    match (k.as_str(), x) {
                        ("qLibraryId" | "qExtendsId", Value::String(s)) => out.push(s.clone()),
                        _ => linked(x, out),
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|x| linked(x, out)),
            _ => {}
        }
    }
    fn each(entry: &Value, map: &mut std::collections::BTreeMap<String, Vec<String>>) {
        let p = &entry["qProperty"];
        let id = p
            .pointer("/qInfo/qId")
            .and_then(Value::as_str)
            .unwrap_or("");
        let mut ids = Vec::new();
        linked(p, &mut ids);
        ids.dedup();
        for m in ids {
            map.entry(m).or_default().push(id.to_string());
        }
        for c in entry["qChildren"].as_array().into_iter().flatten() {
            each(c, map);
        }
    }
    let mut map = std::collections::BTreeMap::new();
    for o in app["objects"].as_array().into_iter().flatten() {
        each(o, &mut map);
    }
    map
}

/// (id, title) of the richest demo app's master items under `key` ("measures", "dimensions").
fn master_items(app: &serde_json::Value, key: &str) -> Vec<(String, String)> {
    app[key]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            let s = |p: &str| {
                m.pointer(p)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string()
            };
            (s("/qProperty/qInfo/qId"), s("/qProperty/qMetaDef/title"))
        })
        .collect()
}

impl Harness {
    /// Opens the richest demo app and selects master item `title` in its `folder`
    /// ("Measures", "Dimensions"), its Usage tab showing (the last tab).
    async fn open_master_usage(&mut self, app_title: &str, folder: &str, title: &str) {
        self.typed(":").await;
        self.typed(&format!("app {app_title}")).await;
        self.key(KeyCode::Enter).await;
        self.goto("Master items").await;
        self.typed("l").await;
        self.goto(folder).await;
        self.typed("l").await;
        self.goto(title).await;
        self.typed("[").await;
    }
}

/// The Usage tab of a master measure lists every object and master visualization that links to
/// it (kind, title, id), as the asset says; Enter on each line lands on that user in the tree,
/// opening the way (a container's child, a master visualization). A master item nobody links
/// to says "unused"; a field's tab lists the master dimension naming it.
#[tokio::test]
async fn usage_tab_lists_the_users_and_enter_lands_on_each() {
    let app = common::richest_demo_app();
    let app_title = app["title"].as_str().unwrap().to_string();
    let links = master_links(&app);
    let users_of = |id: &str| links.get(id).cloned().unwrap_or_default();
    // The master measure with the fewest users, at least two (a short list, more than one kind).
    let measures = master_items(&app, "measures");
    let (measure, title) = measures
        .iter()
        .filter(|(id, _)| users_of(id).len() >= 2)
        .min_by_key(|(id, _)| users_of(id).len())
        .cloned()
        .expect("the richest demo app has a master measure used twice");
    let users = users_of(&measure);

    let mut h = Harness::new(120, 34).await;
    h.open_master_usage(&app_title, "Measures", &title).await;
    let screen = h.screen();
    assert!(screen.contains("Usage"), "{screen}");
    assert!(
        screen.contains(&format!("used by {} items", users.len())),
        "{screen}"
    );
    for u in &users {
        assert!(
            screen.contains(u.as_str()),
            "user {u} not listed:\n{screen}"
        );
    }
    insta::assert_snapshot!("usage_tab", screen);

    // Enter on each user's line lands on a user; over all lines, on every user once.
    let measure_node = h.app.selected().expect("the measure is selected");
    let mut landed = Vec::new();
    for line in 1..=users.len() {
        h.app.select(measure_node);
        if h.app.tab != Tab::Usage {
            h.typed("[").await; // a jump shows the user's Summary; the Usage tab is the last
        }
        assert_eq!(h.app.tab, Tab::Usage);
        h.key(KeyCode::Tab).await; // into the detail pane, on the heading
        for _ in 0..line {
            h.typed("j").await;
        }
        h.key(KeyCode::Enter).await;
        let at = h
            .app
            .selected_kind()
            .and_then(|k| k.id())
            .map(str::to_string);
        assert!(
            at.as_ref().is_some_and(|id| users.contains(id)),
            "Enter on line {line} of {title}'s usage landed on {at:?}:\n{}",
            h.screen()
        );
        assert!(h.screen().contains("jumped to"));
        landed.extend(at);
    }
    landed.sort();
    let mut want = users.clone();
    want.sort();
    assert_eq!(landed, want);

    // A master item nobody links to.
    let all = [master_items(&app, "dimensions"), measures.clone()].concat();
    let (unused_id, unused_title) = all
        .iter()
        .find(|(id, _)| users_of(id).is_empty())
        .cloned()
        .expect("the richest demo app has an unused master item");
    let folder = if measures.iter().any(|(id, _)| *id == unused_id) {
        "Measures"
    } else {
        "Dimensions"
    };
    let mut h = Harness::new(120, 34).await;
    h.open_master_usage(&app_title, folder, &unused_title).await;
    let screen = h.screen();
    assert!(
        screen.contains(&format!("{unused_title}: unused")),
        "{screen}"
    );

    // A field: the master dimension whose field list names it uses it (Enter lands there).
    let dimension = &app["dimensions"][0]["qProperty"];
    let field = dimension
        .pointer("/qDim/qFieldDefs/0")
        .and_then(|v| v.as_str())
        .expect("a field of the first master dimension")
        .to_string();
    let dimension_title = dimension
        .pointer("/qMetaDef/title")
        .and_then(|v| v.as_str())
        .unwrap()
        .to_string();
    h.typed(&format!(":search {field}")).await;
    h.key(KeyCode::Enter).await;
    h.jump_to_hit(|x| x.kind.name() == "field" && x.id.as_deref() == Some(field.as_str()))
        .await;
    h.typed("[").await;
    let screen = h.screen();
    assert!(
        screen.contains(&format!("field {field}: used by")),
        "{screen}"
    );
    let row = h
        .app
        .detail_lines()
        .iter()
        .position(|l| l.text().contains(&dimension_title) && l.text().contains("dimension"))
        .unwrap_or_else(|| panic!("{dimension_title} uses {field}:\n{screen}"));
    // The search's jump left the focus on the detail pane, whose cursor the tab change reset.
    for _ in 0..row {
        h.typed("j").await;
    }
    h.key(KeyCode::Enter).await;
    assert_eq!(
        h.app.selected_kind().map(|k| k.title()).as_deref(),
        Some(dimension_title.as_str())
    );
}

/// Every object of `app` (the asset's JSON) at any depth: its properties.
fn asset_objects(app: &serde_json::Value) -> Vec<serde_json::Value> {
    fn each(entry: &serde_json::Value, out: &mut Vec<serde_json::Value>) {
        out.push(entry["qProperty"].clone());
        for c in entry["qChildren"].as_array().into_iter().flatten() {
            each(c, out);
        }
    }
    let mut out = Vec::new();
    for o in app["objects"].as_array().into_iter().flatten() {
        each(o, &mut out);
    }
    out
}

/// The title of master item `id` of `app` (a dimension, measure or master visualization).
fn master_title(app: &serde_json::Value, id: &str) -> String {
    let masters = [&app["dimensions"], &app["measures"]]
        .into_iter()
        .flat_map(|l| l.as_array().cloned().unwrap_or_default())
        .map(|m| m["qProperty"].clone())
        .chain(asset_objects(app));
    masters
        .into_iter()
        .find(|p| p.pointer("/qInfo/qId").and_then(|v| v.as_str()) == Some(id))
        .and_then(|p| p.pointer("/qMetaDef/title")?.as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("master item {id} in the asset"))
}

impl Harness {
    /// In the detail pane, on the first line whose text has `text`, presses Enter: the pane
    /// must have the focus.
    async fn enter_on_detail_line(&mut self, text: &str) {
        let row = self
            .app
            .detail_lines()
            .iter()
            .position(|l| l.text().contains(text))
            .unwrap_or_else(|| panic!("no detail line has {text:?}:\n{}", self.screen()));
        self.typed("g").await;
        for _ in 0..row {
            self.typed("j").await;
        }
        self.key(KeyCode::Enter).await;
    }
}

/// Issue 17, names not ids: an object's Summary names each master item it uses (`qLibraryId`
/// dimensions and measures, the `qExtendsId` of a master visualization instance) by its title
/// and kind, the id beside it; Enter on the line lands on the master item in the tree.
#[tokio::test]
async fn summary_names_master_items_and_enter_jumps_to_them() {
    let app = common::demo_site()["apps"]
        .as_array()
        .expect("apps")
        .iter()
        .find(|a| a["title"].as_str() == Some(common::container_path().app.as_str()))
        .cloned()
        .expect("the container's app");
    let common::ContainerPath { child_id, .. } = common::container_path();
    let child = asset_objects(&app)
        .into_iter()
        .find(|p| p.pointer("/qInfo/qId").and_then(|v| v.as_str()) == Some(child_id.as_str()))
        .expect("the container child in the asset");
    let lib = |list: &str| -> Vec<String> {
        child
            .pointer(&format!("/qHyperCubeDef/{list}"))
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
            .filter_map(|d| d["qLibraryId"].as_str().map(str::to_string))
            .collect()
    };
    let (dims, measures) = (lib("qDimensions"), lib("qMeasures"));
    assert!(
        !dims.is_empty() && !measures.is_empty(),
        "the container child uses master items"
    );

    // Wide enough for the longest summary line beside a tree that fits the demo's titles.
    let mut h = Harness::new(140, 34).await;
    h.open_container_child().await;
    let screen = h.screen();
    for (kind, id) in dims
        .iter()
        .map(|d| ("dimension", d))
        .chain(measures.iter().map(|m| ("measure", m)))
    {
        let named = format!("{}  master {kind} {id}", master_title(&app, id));
        assert!(screen.contains(&named), "{named:?} not on:\n{screen}");
    }
    h.key(KeyCode::Tab).await;
    h.enter_on_detail_line(&format!("master measure {}", measures[0]))
        .await;
    let kind = h.app.selected_kind().expect("a node is selected");
    assert!(
        matches!(kind, NodeKind::MasterItem { .. }) && kind.id() == Some(measures[0].as_str()),
        "{kind:?}"
    );
    assert!(h.screen().contains("jumped to measure"));

    // A master visualization instance: reached through a search for its master's id.
    let (instance, master) = asset_objects(&app)
        .into_iter()
        .find_map(|p| {
            let m = p["qExtendsId"].as_str()?.to_string();
            Some((p.pointer("/qInfo/qId")?.as_str()?.to_string(), m))
        })
        .expect("the app has a master visualization instance");
    h.typed(&format!(":search {master}")).await;
    h.key(KeyCode::Enter).await;
    h.jump_to_hit(|x| x.id.as_deref() == Some(instance.as_str()))
        .await;
    h.typed("[").await; // from the Properties the jump shows, to the Summary
    let screen = h.screen();
    let named = format!(
        "extends      {}  master visualization {master}",
        master_title(&app, &master)
    );
    assert!(screen.contains(&named), "{named:?} not on:\n{screen}");
    h.enter_on_detail_line("extends").await;
    assert_eq!(
        h.app.selected_kind().and_then(|k| k.id()),
        Some(master.as_str())
    );
}

/// `:diff prod` on the richest demo app, `dev` connected: `prod` is a second profile on a
/// simulator serving the variant site (`sim::variant`). The view lists the changed items per
/// kind with counts; Enter shows an item's two trees side by side; `e` writes the report; Esc
/// goes back, then closes.
#[tokio::test]
async fn diff_view_of_an_app_on_two_profiles() {
    use qlik_tui::sim::variant;
    let (mut h, dir) = Harness::on_profiles(120, 34).await;
    let other = SimServer::start(SimConfig {
        variant: true,
        ..SimConfig::default()
    })
    .await
    .expect("variant simulator starts");
    let source = h.source.clone().expect("profiles");
    let mut store = ProfileStore::open(&source.path).expect("profile file");
    let mut prod = Profile::new("prod", &other.engine_url());
    prod.user_directory = Some("INTERNAL".into());
    prod.user_id = Some("sa_engine".into());
    let keyring = source.keyring_of(None).expect("keyring");
    manage::add(&mut store, &keyring, prod, &sim_secrets(&other)).expect("add prod");

    let app = common::richest_demo_app()["title"]
        .as_str()
        .expect("title")
        .to_string();
    h.typed(":").await;
    h.typed(&format!("app {app}")).await;
    h.key(KeyCode::Enter).await;
    h.typed(":diff prod").await;
    h.key(KeyCode::Enter).await;
    let screen = h.screen();
    assert!(
        screen.contains(&format!("Diff {app} on dev ↔ the same app on prod")),
        "{screen}"
    );
    assert!(screen.contains("sheets (3 items, 5 changes)"), "{screen}");
    assert!(screen.contains(variant::SHEET_RENAMED.1), "{screen}");
    assert!(
        screen.contains(&format!("+ Store notes  {}", variant::OBJECT_REPLACED.2)),
        "{screen}"
    );
    insta::assert_snapshot!("diff_view", screen);

    // The first item (the renamed sheet) side by side: its title differs, highlighted.
    h.key(KeyCode::Enter).await;
    let screen = h.screen();
    assert!(screen.contains("a: profile 'dev'"), "{screen}");
    assert!(
        screen.contains(&format!("/title = \"{}\"", variant::SHEET_RENAMED.1)),
        "{screen}"
    );
    insta::assert_snapshot!("diff_side_by_side", screen);

    // Back, then the report to a file.
    h.key(KeyCode::Esc).await;
    let path = dir.path().join("report.txt");
    h.app.diff_view.as_mut().expect("the view").report_path = path.clone();
    h.typed("e").await;
    let report = std::fs::read_to_string(&path).expect("the report is written");
    assert!(
        report.contains(&format!("~ measure {} ", variant::MEASURE_EXPRESSION.0)),
        "{report}"
    );
    assert!(h.screen().contains("report written to"));
    h.key(KeyCode::Esc).await;
    assert!(!h.screen().contains("Diff "));
}

/// `:` lists every action of the one key table with its key and what it does; typing
/// fuzzy-matches (`yid` → yank-id), and the list scrolls to keep the pick in view.
#[tokio::test]
async fn the_palette_lists_every_action_with_its_key() {
    use qlik_tui::tui::action::Action;
    use qlik_tui::tui::bindings;
    let mut h = Harness::new(120, 36).await;
    h.typed(":").await;
    let candidates = h.app.palette_candidates();
    for a in Action::ALL {
        let b = bindings::of(a).unwrap_or_else(|| panic!("{a:?} has no row"));
        assert!(
            candidates.iter().any(|c| c.binding == Some(b)),
            ":{} ({a:?}) is not in the palette",
            b.command
        );
    }
    let screen = h.screen();
    for line in ["commands 1/", "down", "j ↓"] {
        assert!(screen.contains(line), "{line} missing:\n{screen}");
    }
    insta::assert_snapshot!("palette_commands", screen);
    // The pick scrolls the list: the 12th command is shown once picked.
    for _ in 0..12 {
        h.key(KeyCode::Down).await;
    }
    let twelfth = candidates[12].line.trim().to_string();
    let screen = h.screen();
    assert!(screen.contains(&format!("▶ {twelfth}")), "{screen}");
    h.key(KeyCode::Esc).await;
    h.typed(":yid").await;
    let first = h.app.palette_candidates()[0].line.clone();
    assert_eq!(first, "yank-id");
    let screen = h.screen();
    assert!(
        screen.contains("yank-id") && screen.contains("copy the node's id"),
        "{screen}"
    );
}

/// The export dialog ends like a dialog: the suggested name keeps the title's letters; a
/// finished export says `1 app` and the full path (dialog and status bar); `o` asks for the
/// folder and closes; Enter or q close it too.
#[tokio::test]
async fn the_export_dialog_ends_like_a_dialog() {
    use qlik_tui::tui::Effect;
    let dir = tempfile::tempdir().expect("temp dir");
    let app = common::container_path().app;
    let mut h = Harness::new(120, 30).await;
    h.goto(&app).await;
    h.typed("e").await;
    let suggested = h
        .app
        .export
        .as_ref()
        .map(|d| d.path.value().to_string())
        .unwrap_or_default();
    assert!(
        suggested.starts_with("qlik-export-app-") && suggested.ends_with(".json"),
        "{suggested}"
    );
    // A path of our own, in the temp dir.
    h.app
        .on_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    let file = dir.path().join("out.json");
    h.typed(&file.display().to_string()).await;
    h.key(KeyCode::Enter).await;
    assert!(file.is_file(), "the export was written");
    let screen = h.screen();
    assert!(screen.contains("✓ wrote 1 app,"), "{screen}");
    assert!(!screen.contains("1 apps"), "{screen}");
    let status = h.app.status.message.clone().unwrap_or_default();
    assert!(
        status.contains(&file.display().to_string()) && status.contains("1 app,"),
        "{status}"
    );
    assert!(screen.contains("o opens its folder · Enter, q or Esc closes"));
    h.typed("o").await;
    assert_eq!(
        h.app.take_effects(),
        vec![Effect::OpenFolder {
            folder: dir.path().to_path_buf(),
            file: file.clone()
        }]
    );
    assert_eq!(
        h.app.mode(),
        qlik_tui::tui::app::Mode::Normal,
        "o closes it"
    );
    // q closes a finished export too (written to the temp dir as well, not the working dir).
    h.typed("e").await;
    h.app
        .on_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    h.typed(&dir.path().join("again.json").display().to_string())
        .await;
    h.key(KeyCode::Enter).await;
    h.typed("q").await;
    assert_eq!(
        h.app.mode(),
        qlik_tui::tui::app::Mode::Normal,
        "q closes it"
    );
    assert!(!h.app.quit, "q closed the dialog, not the explorer");
}

/// At 120 columns the tree pane fits the demo's longest (unicode) title instead of cutting it;
/// `>` and `<` move the split.
#[tokio::test]
async fn the_split_fits_the_titles_and_moves() {
    let long = common::demo_site()["apps"]
        .as_array()
        .expect("apps")
        .iter()
        .filter_map(|a| a["title"].as_str())
        .max_by_key(|t| t.chars().count())
        .expect("a title")
        .to_string();
    let mut h = Harness::new(120, 30).await;
    let screen = h.screen();
    let last_word = long.split_whitespace().last().unwrap_or_default();
    let tail: String = last_word.chars().take(1).collect();
    assert!(
        screen
            .lines()
            .any(|l| l.contains("[app] Budget") && l.contains(&tail)),
        "the long title is cut:\n{screen}"
    );
    insta::assert_snapshot!("split_fits", screen);
    let before = h.app.tree_width();
    h.typed(">>").await;
    assert_eq!(h.app.tree_width(), before + 8);
    assert_eq!(h.app.settings.tree_width, Some(before + 8));
    insta::assert_snapshot!("split_moved", h.screen());
    h.typed("<<<<").await;
    assert_eq!(h.app.tree_width(), before - 8);
}

/// After the engine restarts, the status bar says disconnected since when; `r` reconnects:
/// `reconnecting…` while its requests are out, then connected, with the apps listed again.
#[tokio::test]
async fn r_reconnects_after_an_engine_restart() {
    let mut h = Harness::new(120, 30).await;
    let site = h.app.site.clone().expect("the demo site");
    h.sim.restart_engine();
    tokio::time::timeout(Duration::from_secs(5), async {
        while site.lost().is_none() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the client sees the sockets end");
    h.app.on_tick();
    assert!(h.screen().contains("disconnected since "));

    h.app
        .on_key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::NONE));
    let requests = h.app.take_requests();
    assert!(!requests.is_empty(), "r asks the engine again");
    let screen = h.screen();
    assert!(screen.contains("reconnecting…"), "{screen}");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Reply>();
    for r in requests {
        tokio::time::timeout(
            Duration::from_secs(20),
            Box::pin(domain::execute(site.clone(), r, tx.clone())),
        )
        .await
        .expect("every request finishes");
    }
    drop(tx);
    while let Some(reply) = rx.recv().await {
        h.app.on_reply(reply);
    }
    h.settle().await;
    h.app.on_tick();
    let screen = h.screen();
    assert!(
        screen.contains("│ connected")
            && !screen.contains("disconnected")
            && !screen.contains("reconnecting"),
        "{screen}"
    );
    assert!(site.open_sockets() > 0);
    assert!(
        screen.contains("[app]"),
        "the apps are listed again:\n{screen}"
    );
}

/// A data-model field's Data tab lists its distinct values with their frequency, computed over
/// the simulator's table (the same session list object `qlik-tui values` reads).
#[tokio::test]
async fn a_field_node_shows_its_values_with_their_frequency() {
    let app = common::richest_demo_app();
    let id = app["id"].as_str().unwrap().to_string();
    let mut h = Harness::new(120, 34).await;
    let counts: std::collections::BTreeMap<String, usize> = {
        let index = h.sim.site().app(&id).unwrap().index();
        let t = index.data_table();
        let r = t.column("Region").unwrap();
        let mut n = std::collections::BTreeMap::new();
        for row in &t.rows {
            *n.entry(row[r].text.clone()).or_default() += 1;
        }
        n
    };
    assert!(counts.len() > 1);
    h.typed(":search Region").await;
    h.key(KeyCode::Enter).await;
    h.jump_to_hit(|x| {
        x.kind.name() == "field" && x.id.as_deref() == Some("Region") && x.app_id == id
    })
    .await;
    assert_eq!(
        h.app.selected_kind().map(|k| k.title()).as_deref(),
        Some("Region")
    );
    h.typed("]").await;
    let screen = h.screen();
    assert!(screen.contains("Data"), "{screen}");
    let header = screen
        .lines()
        .find(|l| l.contains("Frequency"))
        .unwrap_or_else(|| panic!("a Frequency column:\n{screen}"));
    assert!(header.contains("Region"), "{header}");
    // The detail pane's rows, as cells (split on runs of two or more spaces).
    let rows: Vec<Vec<String>> = screen
        .lines()
        .filter_map(|l| l.split_once("││").map(|(_, detail)| detail))
        .map(|d| {
            d.trim_matches(['│', '▶', ' '])
                .split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(String::from)
                .collect()
        })
        .collect();
    for (value, n) in &counts {
        assert!(
            rows.iter().any(|r| *r == [value.clone(), n.to_string()]),
            "{value}: {n}:\n{screen}"
        );
    }
}
