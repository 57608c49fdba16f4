//! The explorer (ratatui). One event loop merges terminal events, ticks and domain replies into
//! one channel; keys become `Action`s through the keymap; `App::update` changes state and queues
//! domain requests, which run on tokio tasks and come back on the same channel; frames are drawn
//! from state, at most every ~16 ms, after draining whatever arrived in a burst.

pub mod action;
pub mod app;
pub mod clipboard;
pub mod demo;
pub mod detail;
pub mod domain;
pub mod export_dialog;
pub mod json_view;
pub mod keymap;
pub mod layout;
pub mod palette;
pub mod term;
pub mod theme;
pub mod tree;
pub mod ui;

use std::io::stdout;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use futures_util::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::sync::mpsc;

pub use app::{App, Effect, Profiles};
pub use theme::{Theme, ThemeName};

use crate::explore::Site;
use keymap::Keymap;

/// How often the spinner and the requests-in-flight gauge refresh.
const TICK: Duration = Duration::from_millis(120);
/// The shortest time between two frames.
const FRAME: Duration = Duration::from_millis(16);

#[derive(Debug, Clone)]
pub struct TuiOptions {
    pub mouse: bool,
    pub theme: ThemeName,
    pub profiles: Profiles,
}

/// Everything the loop reacts to, on one channel.
#[derive(Debug)]
pub enum Event {
    Term(TermEvent),
    Tick,
    Reply(domain::Reply),
}

impl From<domain::Reply> for Event {
    fn from(r: domain::Reply) -> Event {
        Event::Reply(r)
    }
}

/// Builds the app for a site (also used by the snapshot tests, with a TestBackend).
pub fn new_app(site: &Arc<Site>, opts: &TuiOptions, keymap: Keymap) -> App {
    let mut app = App::new(
        opts.profiles.clone(),
        site.links(),
        keymap,
        Theme::new(opts.theme),
    );
    app.site = Some(site.clone());
    app.mouse = opts.mouse;
    app
}

/// Starts the domain work `app` has queued.
pub fn dispatch(app: &mut App, site: &Arc<Site>, tx: &mpsc::UnboundedSender<Event>) {
    for req in app.take_requests() {
        tokio::spawn(domain::execute(site.clone(), req, tx.clone()));
    }
}

fn handle(app: &mut App, ev: Event) {
    match ev {
        Event::Term(TermEvent::Key(k)) if k.kind != KeyEventKind::Release => app.on_key(k),
        Event::Term(TermEvent::Mouse(m)) => app.on_mouse(m),
        Event::Term(TermEvent::Resize(w, h)) => app.resize(w, h),
        Event::Term(_) => {}
        Event::Tick => app.on_tick(),
        Event::Reply(r) => app.on_reply(r),
    }
}

/// Runs the explorer on the terminal until the user quits. The terminal is restored on every
/// exit path (return, error, panic).
pub async fn run(site: Arc<Site>, opts: TuiOptions) -> anyhow::Result<()> {
    let keymap = Keymap::load(&crate::paths::keymap_path()).map_err(anyhow::Error::msg)?;
    let _guard = term::TerminalGuard::enter(opts.mouse)?;
    let mut terminal = Terminal::new(CrosstermBackend::new(stdout()))?;
    let size = terminal.size()?;
    let (tx, mut rx) = mpsc::unbounded_channel::<Event>();

    let input_tx = tx.clone();
    let input = tokio::spawn(async move {
        let mut events = EventStream::new();
        while let Some(Ok(ev)) = events.next().await {
            if input_tx.send(Event::Term(ev)).is_err() {
                break;
            }
        }
    });
    let tick_tx = tx.clone();
    let ticker = tokio::spawn(async move {
        let mut every = tokio::time::interval(TICK);
        loop {
            every.tick().await;
            if tick_tx.send(Event::Tick).is_err() {
                break;
            }
        }
    });

    let mut app = new_app(&site, &opts, keymap);
    app.resize(size.width, size.height);
    app.start();
    let mut last_frame: Option<Instant> = None;
    let result: anyhow::Result<()> = async {
        loop {
            dispatch(&mut app, &site, &tx);
            perform_effects(&mut app, &mut terminal);
            if app.quit {
                return Ok(());
            }
            if let Some(t) = last_frame
                && t.elapsed() < FRAME
            {
                tokio::time::sleep(FRAME - t.elapsed()).await;
            }
            terminal.draw(|f| ui::draw(f, &app))?;
            #[cfg(feature = "test-hooks")]
            if last_frame.is_none() && std::env::var_os("QLIK_TUI_TEST_PANIC").is_some() {
                panic!("QLIK_TUI_TEST_PANIC: a panic injected after the first frame");
            }
            last_frame = Some(Instant::now());
            let Some(ev) = rx.recv().await else {
                return Ok(());
            };
            handle(&mut app, ev);
            // Drain a burst (many replies, key repeat) before the next frame.
            while let Ok(ev) = rx.try_recv() {
                handle(&mut app, ev);
                if app.quit {
                    break;
                }
            }
        }
    }
    .await;
    input.abort();
    ticker.abort();
    site.close_all().await;
    result
}

fn perform_effects(app: &mut App, terminal: &mut Terminal<CrosstermBackend<std::io::Stdout>>) {
    for effect in app.take_effects() {
        match effect {
            Effect::Copy(text) => {
                let osc = crossterm::execute!(
                    terminal.backend_mut(),
                    crossterm::clipboard::CopyToClipboard::to_clipboard_from(text.as_str())
                );
                let tool = clipboard::copy_with_system_tool(&text);
                if osc.is_err() && tool.is_none() {
                    app.status.message = Some("could not copy: no clipboard available".into());
                }
            }
            Effect::Open(url) => {
                app.status.message = Some(match clipboard::open_link(&url) {
                    Ok(()) => format!("opened {url}"),
                    Err(e) => e,
                });
            }
        }
    }
}
