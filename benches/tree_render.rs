//! Benchmark (not a test): a 100,000-node tree, fully expanded, drawn on a 120×40 TestBackend.
//! Reports the time per frame, per key press (j, then draw), per page-down, and for the
//! operations that touch the whole tree (expand/collapse of the root, a fuzzy filter).
//!
//! Run: `cargo bench --bench tree_render`
#![allow(clippy::disallowed_macros)] // a test or bench prints its own report

use std::hint::black_box;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use qlik_tui::explore::Links;
use qlik_tui::explore::model::{AppEntry, SheetEntry};
use qlik_tui::tui::keymap::Keymap;
use qlik_tui::tui::tree::{LoadState, NodeKind};
use qlik_tui::tui::{App, Profiles, Theme, ThemeName, ui};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const STREAMS: usize = 10;
const APPS_PER_STREAM: usize = 100;
const SHEETS_PER_APP: usize = 99;

fn build() -> App {
    let mut app = App::new(
        Profiles {
            names: vec!["bench".into()],
            active: Some("bench".into()),
            file: None,
            ..Default::default()
        },
        Links::new("https://qlik.example"),
        Keymap::default(),
        Theme::new(ThemeName::Dark),
    );
    let root = app.tree.roots()[0];
    for s in 0..STREAMS {
        let stream = app.tree.add_child(
            root,
            NodeKind::Stream {
                name: format!("Stream {s}"),
                personal: false,
            },
        );
        for a in 0..APPS_PER_STREAM {
            let app_id = format!("app-{s}-{a}");
            let node = app.tree.add_child(
                stream,
                NodeKind::App(AppEntry {
                    id: app_id.clone(),
                    name: format!("Sales analysis {s}.{a}"),
                    description: String::new(),
                    stream: None,
                    published: true,
                    last_reload_time: String::new(),
                    owner: None,
                    raw: serde_json::Value::Null,
                }),
            );
            for sh in 0..SHEETS_PER_APP {
                let id = app.tree.add_child(
                    node,
                    NodeKind::Sheet {
                        app: app_id.clone(),
                        entry: SheetEntry {
                            id: format!("sheet-{s}-{a}-{sh}"),
                            title: format!("Sheet {sh} of app {a}"),
                            description: String::new(),
                            rank: None,
                            published: true,
                            approved: false,
                            owner: None,
                            meta: serde_json::Value::Null,
                        },
                    },
                );
                app.tree.node_mut(id).load = LoadState::Loaded;
            }
            app.tree.node_mut(node).expanded = true;
            app.tree.node_mut(node).load = LoadState::Loaded;
        }
        app.tree.node_mut(stream).expanded = true;
    }
    app.tree.node_mut(root).expanded = true;
    app.tree.node_mut(root).load = LoadState::Loaded;
    app.tree.rebuild();
    app.resize(120, 40);
    app
}

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

fn report(what: &str, total: Duration, n: u32) {
    let per = total / n;
    println!(
        "{what:<44} {:>10.1} µs  ({n} runs)",
        per.as_secs_f64() * 1e6
    );
}

fn main() {
    let t = Instant::now();
    let mut app = build();
    println!(
        "tree: {} nodes, {} visible rows (built in {:?})",
        app.tree.len(),
        app.tree.row_count(),
        t.elapsed()
    );
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test backend");
    terminal.draw(|f| ui::draw(f, &app)).expect("draw");

    // A frame with nothing changed (the diff is empty; the widgets are still built).
    let n = 500;
    let t = Instant::now();
    for _ in 0..n {
        terminal.draw(|f| ui::draw(f, &app)).expect("draw");
    }
    report("frame (no change)", t.elapsed(), n);

    // A key press: j moves the cursor, then a frame.
    let t = Instant::now();
    for _ in 0..n {
        app.on_key(key('j'));
        terminal.draw(|f| ui::draw(f, &app)).expect("draw");
    }
    report("key press j + frame", t.elapsed(), n);

    // Page down: every visible row changes.
    let pgdn = KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE);
    let t = Instant::now();
    for _ in 0..n {
        app.on_key(pgdn);
        terminal.draw(|f| ui::draw(f, &app)).expect("draw");
    }
    report("key press PgDn + frame", t.elapsed(), n);

    // G / g jump across the whole tree.
    let t = Instant::now();
    for i in 0..n {
        app.on_key(key(if i % 2 == 0 { 'G' } else { 'g' }));
        terminal.draw(|f| ui::draw(f, &app)).expect("draw");
    }
    report("key press G/g + frame", t.elapsed(), n);

    // Whole-tree work: re-flattening after collapsing/expanding the root.
    let root = app.tree.roots()[0];
    let m = 20;
    let t = Instant::now();
    for i in 0..m {
        app.tree.node_mut(root).expanded = i % 2 == 1;
        app.tree.rebuild();
        black_box(app.tree.row_count());
    }
    report("collapse/expand root (re-flatten 100k)", t.elapsed(), m);

    // Fuzzy filter over the 100k visible rows, one query per keystroke.
    let t = Instant::now();
    for q in ["s", "sh", "she", "shee", "sheet 9"] {
        app.tree.set_filter(q);
        black_box(app.tree.row_count());
    }
    report("filter keystroke over 100k rows", t.elapsed(), 5);
    app.tree.clear_filter();

    // The same as a user types it: `/`, then each character filters, lands on the first
    // match, and a frame is drawn.
    app.on_key(key('/'));
    let typed = "sheet 9";
    let t = Instant::now();
    let mut slowest = Duration::ZERO;
    for c in typed.chars() {
        let k = Instant::now();
        app.on_key(key(c));
        terminal.draw(|f| ui::draw(f, &app)).expect("draw");
        slowest = slowest.max(k.elapsed());
    }
    report(
        "typed filter keystroke + frame (/sheet 9)",
        t.elapsed(),
        typed.len() as u32,
    );
    report("  the slowest of those (the first: all rows)", slowest, 1);
    app.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
}
