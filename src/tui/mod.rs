//! The explorer (ratatui). One event loop merges terminal events, ticks and domain replies into
//! one channel; keys become `Action`s through the keymap; `App::update` changes state and queues
//! domain requests, which run on tokio tasks and come back on the same channel; frames are drawn
//! from state, at most every ~16 ms, after draining whatever arrived in a burst.

pub mod action;
pub mod app;
pub mod base;
pub mod bindings;
pub mod clipboard;
pub mod component;
pub mod demo;
pub mod detail;
pub mod diff_view;
pub mod domain;
pub mod export_dialog;
pub mod json_view;
pub mod keymap;
pub mod layout;
pub mod overlays;
pub mod palette;
pub mod place;
pub mod profile_form;
pub mod profiles;
pub mod search_pane;
pub mod secret_input;
pub mod settings;
#[cfg(unix)]
pub mod signals;
pub mod term;
pub mod theme;
pub mod traffic_pair;
pub mod traffic_pane;
pub mod traffic_view;
pub mod tree;
pub mod ui;
pub mod usage_tab;

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
use settings::Settings;

/// How often the spinner and the requests-in-flight gauge refresh.
const TICK: Duration = Duration::from_millis(120);
/// The shortest time between two frames.
const FRAME: Duration = Duration::from_millis(16);

#[derive(Debug, Clone)]
pub struct TuiOptions {
    pub mouse: bool,
    pub theme: ThemeName,
    pub profiles: Profiles,
    /// Where real profiles come from (None for the demo, whose one site is given).
    pub source: Option<profiles::ProfileSource>,
}

/// Everything the loop reacts to, on one channel.
#[derive(Debug)]
pub enum Event {
    Term(TermEvent),
    Tick,
    /// A signal for the loop itself (end, suspend, resume): it owns the terminal.
    #[cfg(unix)]
    Signal(signals::Signal),
    /// A domain reply and the app's epoch when it was asked for: replies from an older site
    /// are dropped; profile replies (None) name their node and are always taken.
    Reply(Option<u64>, domain::Reply),
}

/// Builds the app for a site (also used by the snapshot tests, with a TestBackend), with the
/// default settings.
pub fn new_app(site: &Arc<Site>, opts: &TuiOptions, keymap: Keymap) -> App {
    new_app_with(site, opts, keymap, Settings::default())
}

fn new_app_with(site: &Arc<Site>, opts: &TuiOptions, keymap: Keymap, settings: Settings) -> App {
    let mut app = profiles_app_with(opts, keymap, settings);
    app.links = site.links();
    // Made again on the same spec, traced into the app's Traffic ring: the site given has
    // opened nothing yet (the demo and the tests make it just before).
    app.site = Some(Site::new(app.traffic.attach(site.spec().clone())));
    app
}

/// Builds the app on profiles that connect when opened (no site yet), with the default
/// settings.
pub fn profiles_app(opts: &TuiOptions, keymap: Keymap) -> App {
    profiles_app_with(opts, keymap, Settings::default())
}

fn profiles_app_with(opts: &TuiOptions, keymap: Keymap, settings: Settings) -> App {
    let mut app = App::new(
        opts.profiles.clone(),
        crate::explore::Links::new(""),
        keymap,
        Theme::new(opts.theme),
    );
    app.mouse = opts.mouse;
    app.traffic = traffic_pane::TrafficPane::new(settings.traffic);
    app.settings = settings;
    app
}

/// Starts the work `app` has queued: domain requests on its site, profile work on `source`.
pub fn dispatch(
    app: &mut App,
    source: Option<&profiles::ProfileSource>,
    tx: &mpsc::UnboundedSender<Event>,
) {
    let requests = app.take_requests();
    if !requests.is_empty() {
        match app.site.clone() {
            Some(site) => {
                let (reply_tx, mut reply_rx) = mpsc::unbounded_channel::<domain::Reply>();
                for req in requests {
                    tokio::spawn(domain::execute(site.clone(), req, reply_tx.clone()));
                }
                let (epoch, tx) = (app.epoch, tx.clone());
                tokio::spawn(async move {
                    while let Some(r) = reply_rx.recv().await {
                        if tx.send(Event::Reply(Some(epoch), r)).is_err() {
                            break;
                        }
                    }
                });
            }
            None => {
                app.status.message =
                    Some("not connected: open a profile first (Enter on its node)".into())
            }
        }
    }
    for req in app.take_profile_requests() {
        let Some(source) = source.cloned() else {
            continue;
        };
        let (reply_tx, mut reply_rx) = mpsc::unbounded_channel::<domain::Reply>();
        tokio::spawn(profiles::execute(source, req, reply_tx));
        let tx = tx.clone();
        tokio::spawn(async move {
            if let Some(r) = reply_rx.recv().await {
                let _ = tx.send(Event::Reply(None, r));
            }
        });
    }
}

fn handle(app: &mut App, ev: Event) {
    match ev {
        Event::Term(TermEvent::Key(k)) if k.kind != KeyEventKind::Release => app.on_key(k),
        Event::Term(TermEvent::Mouse(m)) => app.on_mouse(m),
        Event::Term(TermEvent::Resize(w, h)) => app.resize(w, h),
        Event::Term(TermEvent::Paste(text)) => {
            // The paste may be a key or a passphrase for the profile form: wiped once used.
            let text = zeroize::Zeroizing::new(text);
            app.on_paste(&text);
        }
        Event::Term(_) => {}
        Event::Tick => app.on_tick(),
        Event::Reply(epoch, r) if epoch.is_none_or(|e| e == app.epoch) => app.on_reply(r),
        Event::Reply(..) => {}
        #[cfg(unix)]
        Event::Signal(_) => {}
    }
}

/// Runs the explorer on the terminal until the user quits (status 0) or a signal ends it
/// (128+signo): on `site` (the demo) or on the profiles of `opts.source`. The terminal is
/// restored on every exit path (return, error, panic, SIGTERM/SIGHUP/SIGQUIT) and while
/// suspended (Ctrl-Z, SIGTSTP).
pub async fn run(site: Option<Arc<Site>>, opts: TuiOptions) -> anyhow::Result<i32> {
    let keymap = Keymap::load(&crate::paths::keymap_path()).map_err(anyhow::Error::msg)?;
    let settings = Settings::load(&crate::paths::settings_path()).map_err(anyhow::Error::msg)?;
    let guard = term::TerminalGuard::enter(opts.mouse)?;
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
    #[cfg(unix)]
    let signals = tokio::spawn(signals::forward(tx.clone()));
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

    let mut app = match &site {
        Some(site) => new_app_with(site, &opts, keymap, settings),
        None => profiles_app_with(&opts, keymap, settings),
    };
    // The split the user left; saved again only outside the demo (which writes nothing to
    // the config dir).
    app.settings_file = opts.source.is_some().then(crate::paths::settings_path);
    // The site the loop last saw: when the app lets go of one, its sessions are closed.
    let mut attached = app.site.clone();
    app.resize(size.width, size.height);
    app.start();
    let mut last_frame: Option<Instant> = None;
    let result: anyhow::Result<i32> = async {
        loop {
            dispatch(&mut app, opts.source.as_ref(), &tx);
            if !same_site(&attached, &app.site) {
                if let Some(old) = attached.take() {
                    tokio::spawn(async move { old.close_all().await });
                }
                attached = app.site.clone();
            }
            perform_effects(&mut app, &mut terminal);
            if app.quit {
                return Ok(0);
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
                return Ok(0);
            };
            if let Some(code) = on_event(&mut app, ev, &guard, &mut terminal, opts.mouse)? {
                return Ok(code);
            }
            // Drain a burst (many replies, key repeat) before the next frame.
            while let Ok(ev) = rx.try_recv() {
                if let Some(code) = on_event(&mut app, ev, &guard, &mut terminal, opts.mouse)? {
                    return Ok(code);
                }
                if app.quit {
                    break;
                }
            }
        }
    }
    .await;
    input.abort();
    ticker.abort();
    #[cfg(unix)]
    signals.abort();
    if let Some(site) = &app.site {
        site.close_all().await;
    }
    result
}

/// One event; the terminal's own (signals, Ctrl-Z) are handled here, the rest by the app.
/// Some(status): the explorer must end with it.
fn on_event(
    app: &mut App,
    ev: Event,
    guard: &term::TerminalGuard,
    terminal: &mut Terminal<CrosstermBackend<std::io::Stdout>>,
    mouse: bool,
) -> anyhow::Result<Option<i32>> {
    #[cfg(unix)]
    {
        use crossterm::event::{KeyCode, KeyModifiers};
        let signal = match &ev {
            Event::Signal(s) => Some(*s),
            // Raw mode turns Ctrl-Z into a key; it suspends as in every TUI.
            Event::Term(TermEvent::Key(k))
                if k.kind != KeyEventKind::Release
                    && k.code == KeyCode::Char('z')
                    && k.modifiers.contains(KeyModifiers::CONTROL) =>
            {
                Some(signals::Signal::Suspend)
            }
            _ => None,
        };
        match signal {
            Some(signals::Signal::Exit(signo)) => {
                return Ok(Some(signals::Signal::exit_status(signo)));
            }
            Some(signals::Signal::Suspend) => {
                term::restore();
                signals::stop_self();
                guard.reenter(mouse)?;
                redraw_all(terminal)?;
                return Ok(None);
            }
            Some(signals::Signal::Resumed) => {
                guard.reenter(mouse)?;
                redraw_all(terminal)?;
                return Ok(None);
            }
            None => {}
        }
    }
    #[cfg(not(unix))]
    let _ = (guard, terminal, mouse);
    handle(app, ev);
    Ok(None)
}

/// Makes the next frame draw every cell: the screen is cleared and an empty frame drawn, so
/// nothing of the last frame counts as already on screen. (`Terminal::clear` would ask the
/// terminal for the cursor position, an answer a pty without a terminal emulator never gives.)
/// Only after a suspend or resume, which exist on Unix alone.
#[cfg(unix)]
fn redraw_all(terminal: &mut Terminal<CrosstermBackend<std::io::Stdout>>) -> std::io::Result<()> {
    crossterm::execute!(
        terminal.backend_mut(),
        crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
    )?;
    terminal.draw(|_| {})?;
    Ok(())
}

fn same_site(a: &Option<Arc<Site>>, b: &Option<Arc<Site>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => Arc::ptr_eq(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// `qlik-tui` with no command: the explorer on the profile file's profiles, `preselect` (or the
/// file's `default`) connected at start.
pub async fn run_profiles(
    source: profiles::ProfileSource,
    preselect: Option<String>,
    mouse: bool,
    theme: ThemeName,
) -> anyhow::Result<i32> {
    let opts = TuiOptions {
        mouse,
        theme,
        profiles: profiles::load(&source, preselect)?,
        source: Some(source),
    };
    run(None, opts).await
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
            Effect::SaveSettings { path, settings } => {
                if let Err(e) = settings.save(&path) {
                    app.status.last_error = Some(e);
                }
            }
            Effect::OpenFolder { folder, file } => {
                app.status.message = Some(match clipboard::open_folder(&folder) {
                    Ok(()) => format!("opened the folder of {}", file.display()),
                    Err(e) => format!("wrote {}; {e}", file.display()),
                });
            }
        }
    }
}
