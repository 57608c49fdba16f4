//! The overlay stack's own rules: the top overlay takes the key, closing it uncovers the one
//! below, Ctrl-C quits from any of them, and a reply finds its overlay under another.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::Overlay;
use super::confirm_delete::ConfirmDelete;
use super::doctor::Doctor;
use super::help::Help;
use crate::explore::Links;
use crate::explore::doctor::{Status, StepName, StepResult};
use crate::tui::app::{App, Mode, Profiles};
use crate::tui::domain::Reply;
use crate::tui::keymap::Keymap;
use crate::tui::theme::{Theme, ThemeName};

fn app() -> App {
    App::new(
        Profiles {
            names: vec!["prod".into()],
            ..Default::default()
        },
        Links::new("https://qlik.example"),
        Keymap::default(),
        Theme::new(ThemeName::Dark),
    )
}

fn press(app: &mut App, code: KeyCode) {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn help_scroll(app: &App) -> Option<u16> {
    app.overlays.iter().find_map(|o| match o {
        Overlay::Help(h) => Some(h.scroll),
        _ => None,
    })
}

#[test]
fn the_top_overlay_takes_the_key_and_closing_it_uncovers_the_one_below() {
    let mut app = app();
    let node = app.tree.roots()[0];
    app.open(Overlay::Help(Help::default()));
    app.open(Overlay::ConfirmDelete(ConfirmDelete { node }));
    assert_eq!(app.mode(), Mode::ConfirmDelete(node));
    // `j` answers the question (no), it does not scroll the help below.
    press(&mut app, KeyCode::Char('j'));
    assert_eq!(app.status.message.as_deref(), Some("nothing deleted"));
    assert!(app.take_profile_requests().is_empty());
    assert_eq!(app.mode(), Mode::Help);
    assert_eq!(help_scroll(&app), Some(0));
    // Now the help has the keys.
    press(&mut app, KeyCode::Char('j'));
    assert_eq!(help_scroll(&app), Some(1));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.mode(), Mode::Normal);
    assert!(app.overlays.is_empty());
}

#[test]
fn ctrl_c_quits_from_under_any_overlay() {
    let mut app = app();
    app.open(Overlay::Help(Help::default()));
    app.on_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert!(app.quit);
}

#[test]
fn a_doctor_step_reaches_the_doctor_under_another_overlay() {
    let mut app = app();
    app.open(Overlay::Doctor(Doctor::default()));
    app.open(Overlay::Help(Help::default()));
    app.on_reply(Reply::DoctorStep(StepResult {
        step: StepName::Dns,
        status: Status::Ok,
        millis: 3,
        detail: "qlik.example resolves".into(),
        hint: None,
    }));
    let steps = app.overlays.iter().find_map(|o| match o {
        Overlay::Doctor(d) => Some(d.steps.len()),
        _ => None,
    });
    assert_eq!(steps, Some(1));
    assert_eq!(app.mode(), Mode::Help, "the help stays on top");
}
