//! The overlays the explorer stacks over its base view (tree + detail): each is a component
//! (`super::component::Component`) in its own module. `App` keeps them in `overlays`, a stack:
//! keys go to the top one first, closing pops it, and the base view gets keys when it is empty.
//!
//! An enum rather than `Box<dyn Component>`: replies that feed an open overlay (the doctor's
//! steps, the export's progress) find it by its variant without downcasting, `App::mode` is a
//! plain match, and the set of overlays is closed inside this crate.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;

use super::app::{App, Mode};
use super::component::{Component, Outcome};
use super::layout::Areas;

pub mod confirm_delete;
pub mod doctor;
pub mod export;
pub mod help;
pub mod inputs;
pub mod palette;
pub mod panes;
pub mod profile_form;

pub enum Overlay {
    Help(help::Help),
    Palette(palette::Palette),
    Doctor(doctor::Doctor),
    Export(export::Export),
    ProfileForm(profile_form::ProfileFormView),
    ConfirmDelete(confirm_delete::ConfirmDelete),
    Filter(inputs::TreeFilter),
    Search(inputs::DetailSearch),
    SearchResults(panes::SearchResults),
    Traffic(panes::Traffic),
    Diff(panes::Diff),
}

impl Overlay {
    /// Which kind of overlay this is (what `App::mode` reports while it is on top).
    pub fn mode(&self) -> Mode {
        match self {
            Overlay::Help(_) => Mode::Help,
            Overlay::Palette(_) => Mode::Palette,
            Overlay::Doctor(_) => Mode::Doctor,
            Overlay::Export(_) => Mode::Export,
            Overlay::ProfileForm(_) => Mode::ProfileForm,
            Overlay::ConfirmDelete(c) => Mode::ConfirmDelete(c.node),
            Overlay::Filter(_) => Mode::Filter,
            Overlay::Search(_) => Mode::Search,
            Overlay::SearchResults(_) => Mode::SearchResults,
            Overlay::Traffic(_) => Mode::Traffic,
            Overlay::Diff(_) => Mode::Diff,
        }
    }
}

/// Runs `$body` with `$c` bound to the overlay's component, whichever it is.
macro_rules! on_each {
    ($overlay:expr, $c:ident => $body:expr) => {
        match $overlay {
            Overlay::Help($c) => $body,
            Overlay::Palette($c) => $body,
            Overlay::Doctor($c) => $body,
            Overlay::Export($c) => $body,
            Overlay::ProfileForm($c) => $body,
            Overlay::ConfirmDelete($c) => $body,
            Overlay::Filter($c) => $body,
            Overlay::Search($c) => $body,
            Overlay::SearchResults($c) => $body,
            Overlay::Traffic($c) => $body,
            Overlay::Diff($c) => $body,
        }
    };
}

impl Component for Overlay {
    fn on_key(&mut self, key: &KeyEvent, app: &mut App) -> Outcome {
        on_each!(self, c => c.on_key(key, app))
    }

    fn draw(&self, f: &mut Frame, areas: &Areas, app: &App) {
        on_each!(self, c => c.draw(f, areas, app))
    }
}

/// The keys of a read-only popup taller than the screen (help, doctor): scroll, or close.
pub(super) fn scroll_popup(scroll: &mut u16, code: KeyCode) -> Outcome {
    match code {
        KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') | KeyCode::Char('?') => {
            return Outcome::Close;
        }
        KeyCode::Down | KeyCode::Char('j') => *scroll = scroll.saturating_add(1),
        KeyCode::Up | KeyCode::Char('k') => *scroll = scroll.saturating_sub(1),
        KeyCode::PageDown => *scroll = scroll.saturating_add(10),
        KeyCode::PageUp => *scroll = scroll.saturating_sub(10),
        KeyCode::Home | KeyCode::Char('g') => *scroll = 0,
        _ => {}
    }
    Outcome::Consumed
}

#[cfg(test)]
mod tests;
