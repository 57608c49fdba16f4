use super::*;
use crate::explore::model::{AppEntry, Stream};
use crate::tui::theme::ThemeName;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn entry(id: &str, name: &str, stream: Option<&str>) -> AppEntry {
    AppEntry {
        id: id.into(),
        name: name.into(),
        description: String::new(),
        stream: stream.map(|s| Stream {
            id: format!("s-{s}"),
            name: s.into(),
        }),
        published: stream.is_some(),
        last_reload_time: String::new(),
        owner: None,
        raw: Value::Null,
    }
}

/// An app showing one profile, "demo", with default keys and theme.
fn demo_app() -> App {
    let mut app = App::new(
        Profiles {
            names: vec!["demo".into()],
            active: Some("demo".into()),
            file: None,
            ..Default::default()
        },
        Links::new("https://qlik.example"),
        Keymap::default(),
        Theme::new(ThemeName::Dark),
    );
    // A site attached up front (as the demo does); nothing connects in these tests.
    app.site = Some(Site::new(crate::engine::conn::ConnectionSpec::certificate(
        "wss://localhost:1".into(),
        crate::tls::ClientTls::default(),
        "INTERNAL",
        "sa_engine",
    )));
    app
}

/// The demo app started, its profile's app list answered with `apps`.
fn started_with(apps: Vec<AppEntry>) -> App {
    let mut app = demo_app();
    app.start();
    let node = app
        .take_requests()
        .into_iter()
        .find_map(|r| match r {
            Request::Apps { node } => Some(node),
            _ => None,
        })
        .expect("the profile asks for its apps");
    app.on_reply(Reply::Apps {
        node,
        result: Ok(apps),
    });
    app
}

/// Answers the OpenApp an expanded app sends first, so its folders load.
fn open_the_app(app: &mut App) {
    let opens = app.take_requests();
    let [Request::OpenApp { node, .. }] = opens[..] else {
        panic!("expanding an app opens it first: {opens:?}")
    };
    app.on_reply(Reply::AppOpened {
        node,
        result: Ok(()),
    });
}

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

#[test]
fn keys_drive_lazy_loading_and_failures_mark_the_node() {
    let mut app = demo_app();
    app.start();
    let reqs = app.take_requests();
    assert!(matches!(reqs[0], Request::SiteInfo), "{reqs:?}");
    let Request::Apps { node } = reqs[1] else {
        panic!("the profile loads its apps first: {reqs:?}")
    };
    app.on_reply(Reply::Apps {
        node,
        result: Ok(vec![
            entry("a1", "Sales", Some("Sales")),
            entry("a2", "Scratch", None),
        ]),
    });
    // profile, stream Sales, app, personal group, app
    assert_eq!(app.tree.row_count(), 5);
    app.on_key(key('j'));
    app.on_key(key('j'));
    assert_eq!(app.selected_kind().and_then(|k| k.id()), Some("a1"));
    app.on_key(key('l'));
    // The app opens first; its folders load once it has.
    let opens: Vec<Request> = app.take_requests();
    let [Request::OpenApp { node: app_node, .. }] = opens[..] else {
        panic!("expanding an app opens it first: {opens:?}")
    };
    app.on_reply(Reply::AppOpened {
        node: app_node,
        result: Ok(()),
    });
    let folders: Vec<Request> = app
        .take_requests()
        .into_iter()
        .filter(|r| matches!(r, Request::Folder { .. }))
        .collect();
    assert_eq!(
        folders.len(),
        Folder::OF_APP.len(),
        "every folder loads with its app"
    );
    let Request::Folder { node: sheets, .. } = folders[0] else {
        unreachable!()
    };
    app.on_reply(Reply::Folder {
        node: sheets,
        result: Err("GetLayout failed: engine error 5 (ACCESS_DENIED): denied".into()),
    });
    assert!(matches!(app.tree.node(sheets).load, LoadState::Failed(_)));
    app.on_key(key('j'));
    app.on_key(key('y'));
    assert_eq!(
        app.take_effects(),
        vec![Effect::Copy(
            "https://qlik.example/sense/app/a1/overview".into()
        )]
    );
    app.resize(90, 20);
    let mut term = Terminal::new(TestBackend::new(90, 20)).unwrap();
    term.draw(|f| super::super::ui::draw(f, &app)).unwrap();
    let screen = format!("{}", term.backend());
    assert!(
        screen.contains("✗ error: GetLayout failed: engine error 5"),
        "{screen}"
    );
    app.on_key(key('q'));
    assert!(app.quit);
}

#[test]
fn enter_in_the_palette_runs_the_highlighted_completion() {
    let mut app = started_with(vec![
        entry("a1", "Sales", Some("Sales")),
        entry("a2", "Scratch", None),
        entry("a3", "Sales Forecast", Some("Sales")),
    ]);
    let run = |app: &mut App, line: &str| {
        for c in format!(":{line}").chars() {
            app.on_key(key(c));
        }
        app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    };
    // A partial name: the completion runs.
    run(&mut app, "app scr");
    assert_eq!(app.selected_kind().and_then(|k| k.id()), Some("a2"));
    // An exact name wins over a longer completion listed first.
    run(&mut app, "app sales");
    assert_eq!(app.selected_kind().and_then(|k| k.id()), Some("a1"));
    // A partial command name.
    run(&mut app, "doc");
    assert!(matches!(app.mode(), Mode::Doctor));
    let reqs = app.take_requests();
    assert!(
        reqs.iter().any(|r| matches!(r, Request::Doctor)),
        "{reqs:?}"
    );
}

fn master(id: &str, title: &str) -> crate::explore::model::MasterItem {
    crate::explore::model::MasterItem {
        id: id.into(),
        title: title.into(),
        description: String::new(),
        definition: String::new(),
        r#type: String::new(),
        raw: Value::Null,
    }
}

/// The Usage tab asks for its app's usage once: another master item of the app reads what came
/// back; `r` drops it, and the tab asks again.
#[test]
fn usage_is_computed_once_per_app_and_again_after_reload() {
    use crate::explore::search::Kind;
    use crate::explore::usage::{MasterUsage, UsageReport, UsedBy};
    use crate::tui::domain::AppUsage;
    use crate::tui::place::Place;

    let mut app = demo_app();
    app.start();
    let profile = app
        .take_requests()
        .into_iter()
        .find_map(|r| match r {
            Request::Apps { node } => Some(node),
            _ => None,
        })
        .unwrap();
    app.on_reply(Reply::Apps {
        node: profile,
        result: Ok(vec![entry("a1", "Sales", Some("Sales"))]),
    });
    app.on_key(key('j'));
    app.on_key(key('j'));
    app.on_key(key('l'));
    open_the_app(&mut app);
    let masters_folder = app
        .take_requests()
        .into_iter()
        .find_map(|r| match r {
            Request::Folder {
                node,
                folder: Folder::MasterItems,
                ..
            } => Some(node),
            _ => None,
        })
        .expect("the master items load with the app");
    app.on_reply(Reply::Folder {
        node: masters_folder,
        result: Ok(FolderData::Masters(MasterItems {
            measures: vec![master("m1", "Revenue"), master("m2", "Orders")],
            ..MasterItems::default()
        })),
    });
    let node_of = |app: &App, id: &str| {
        app.tree
            .reachable()
            .into_iter()
            .find(|&n| app.tree.node(n).kind.id() == Some(id))
            .unwrap()
    };
    app.expand(masters_folder);
    let measures = app.tree.node(node_of(&app, "m1")).parent.unwrap();
    app.expand(measures);
    app.select(node_of(&app, "m1"));
    app.update(Action::PrevTab);
    assert_eq!(app.tab, Tab::Usage);
    let asked = |app: &mut App| {
        app.take_requests()
            .into_iter()
            .filter(|r| matches!(r, Request::Usage { app } if app == "a1"))
            .count()
    };
    assert_eq!(asked(&mut app), 1);
    let chart = UsedBy {
        kind: Kind::Object,
        id: "o1".into(),
        title: "Chart".into(),
        trail: vec!["s1".into()],
    };
    let report = UsageReport {
        app_id: "a1".into(),
        master_items: vec![
            MasterUsage {
                kind: Kind::Measure,
                id: "m1".into(),
                title: "Revenue".into(),
                used_by: vec![chart],
            },
            MasterUsage {
                kind: Kind::Measure,
                id: "m2".into(),
                title: "Orders".into(),
                used_by: Vec::new(),
            },
        ],
        fields: Vec::new(),
    };
    app.on_reply(Reply::Usage {
        app: "a1".into(),
        result: Ok(AppUsage {
            report,
            unread: Vec::new(),
        }),
    });
    let lines = app.detail_lines();
    assert!(lines[0].text().contains("used by 1 item"), "{lines:?}");
    assert!(lines[1].text().contains("Chart"), "{lines:?}");
    let trail = ["s1".to_string()];
    assert_eq!(
        lines[1].goto,
        Some(Place::of("a1", Kind::Object, "o1", &trail))
    );

    // The other measure: the same usage, nothing asked.
    app.select(node_of(&app, "m2"));
    assert_eq!(app.tab, Tab::Usage);
    assert_eq!(asked(&mut app), 0);
    assert!(app.detail_lines()[0].text().contains("Orders: unused"));

    // r: computed again.
    app.on_key(key('r'));
    assert_eq!(asked(&mut app), 1);
}

/// An app the engine will not open: one failure on the app node, no folders, nothing more asked.
#[test]
fn an_app_that_does_not_open_fails_once_on_its_node() {
    let mut app = started_with(vec![entry("a1", "Secret", Some("HR"))]);
    app.on_key(key('j'));
    app.on_key(key('j'));
    app.on_key(key('l'));
    let Some(Request::OpenApp { node: app_node, .. }) = app.take_requests().pop() else {
        panic!("expanding an app opens it first")
    };
    app.on_reply(Reply::AppOpened {
        node: app_node,
        result: Err("access denied (engine error 5): no".into()),
    });
    let n = app.tree.node(app_node);
    assert!(matches!(&n.load, LoadState::Failed(e) if e.starts_with("access denied")));
    assert!(
        n.children.is_empty() && !n.expanded,
        "the folders stay closed"
    );
    assert!(app.take_requests().is_empty(), "nothing else is asked");
}

#[test]
fn c_cycles_the_theme_through_dark_light_and_mono() {
    let mut app = started_with(vec![entry("a1", "Sales", None)]);
    let mut seen = vec![app.theme.name];
    for _ in 0..3 {
        app.on_key(key('c'));
        seen.push(app.theme.name);
        assert_eq!(
            app.status.message.as_deref(),
            Some(format!("theme {}", app.theme.name.as_str()).as_str())
        );
    }
    assert_eq!(
        seen,
        [
            ThemeName::Dark,
            ThemeName::Light,
            ThemeName::Mono,
            ThemeName::Dark
        ]
    );
    // Mono draws no colour at all: what NO_COLOR users get.
    app.on_key(key('c'));
    app.on_key(key('c'));
    assert_eq!(app.theme.name, ThemeName::Mono);
    assert_eq!(app.theme.error.fg, None, "mono has no colours");
}
