//! The full views that cover both panes: `:search` results, the Traffic pane, the `:diff` view.
//! Their state lives on `App` (`search_pane`, `traffic`, `diff_view`), not here: a search and a
//! diff are kept when their view closes (for reopening), and the traffic ring is the site's
//! tracer. These components are the open view: its keys and its frame.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::tui::app::{App, Effect};
use crate::tui::component::{Component, Outcome};
use crate::tui::layout::Areas;
use crate::tui::traffic_pane;

/// Over both panes: between the breadcrumb and the status bar.
fn over_panes(f: &Frame, areas: &Areas) -> Rect {
    let top = areas.breadcrumb.y + areas.breadcrumb.height;
    Rect::new(0, top, f.area().width, areas.status.y.saturating_sub(top))
}

pub struct SearchResults;

impl Component for SearchResults {
    fn on_key(&mut self, e: &KeyEvent, app: &mut App) -> Outcome {
        let Some(p) = app.search_pane.as_mut() else {
            return Outcome::Close;
        };
        match e.code {
            KeyCode::Esc | KeyCode::Char('q') => {
                p.cancel.cancel();
                return Outcome::Close;
            }
            KeyCode::Down | KeyCode::Char('j') => p.move_by(1),
            KeyCode::Up | KeyCode::Char('k') => p.move_by(-1),
            KeyCode::PageDown => p.move_by(10),
            KeyCode::PageUp => p.move_by(-10),
            KeyCode::Enter if app.jump_to_selected_hit() => return Outcome::Close,
            _ => {}
        }
        Outcome::Consumed
    }

    fn draw(&self, f: &mut Frame, areas: &Areas, app: &App) {
        let main = over_panes(f, areas);
        if let Some(p) = &app.search_pane {
            p.draw(f, main, &app.theme, app.ticks);
        }
    }
}

pub struct Traffic;

impl Component for Traffic {
    fn on_key(&mut self, e: &KeyEvent, app: &mut App) -> Outcome {
        let page = app.size.height.saturating_sub(8) as usize;
        match app.traffic.on_key(e, page) {
            traffic_pane::Outcome::None => {}
            traffic_pane::Outcome::Close => return Outcome::Close,
            traffic_pane::Outcome::Copy { text, message } => {
                app.status.message = Some(message);
                app.push_effect(Effect::Copy(text));
            }
            traffic_pane::Outcome::Message(m) => app.status.message = Some(m),
        }
        Outcome::Consumed
    }

    fn draw(&self, f: &mut Frame, areas: &Areas, app: &App) {
        let main = over_panes(f, areas);
        crate::tui::traffic_view::draw(f, main, &app.traffic, &app.theme);
    }
}

pub struct Diff;

impl Component for Diff {
    fn on_key(&mut self, e: &KeyEvent, app: &mut App) -> Outcome {
        let Some(v) = app.diff_view.as_mut() else {
            return Outcome::Close;
        };
        match e.code {
            KeyCode::Esc | KeyCode::Char('q') if v.back() => return Outcome::Close,
            KeyCode::Down | KeyCode::Char('j') => v.move_by(1),
            KeyCode::Up | KeyCode::Char('k') => v.move_by(-1),
            KeyCode::PageDown => v.move_by(10),
            KeyCode::PageUp => v.move_by(-10),
            KeyCode::Enter => v.open_selected(),
            KeyCode::Char('e') => v.export(),
            _ => {}
        }
        Outcome::Consumed
    }

    fn draw(&self, f: &mut Frame, areas: &Areas, app: &App) {
        let main = over_panes(f, areas);
        if let Some(v) = &app.diff_view {
            v.draw(f, main, &app.theme, app.ticks);
        }
    }
}
