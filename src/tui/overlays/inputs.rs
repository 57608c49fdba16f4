//! The one-line inputs over the hints row: the tree filter (`/` on the tree) and the detail
//! search (`/` on the detail pane). Their text belongs to the view they act on (`App::filter`
//! stays applied after Enter; `App::search` is the detail pane's current search), so these
//! components hold no state of their own: they are the typing mode.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;

use crate::tui::action::Action;
use crate::tui::app::{App, edit_input};
use crate::tui::component::{Component, Outcome};
use crate::tui::layout::Areas;
use crate::tui::ui::draw_input_line;

pub struct TreeFilter;

impl Component for TreeFilter {
    fn on_key(&mut self, key: &KeyEvent, app: &mut App) -> Outcome {
        match key.code {
            KeyCode::Esc => {
                let selected = app.selected();
                app.filter.reset();
                app.tree.clear_filter();
                app.rebuild_keeping_selection();
                if let Some(id) = selected {
                    app.select(id);
                }
                Outcome::Close
            }
            // Keep the filter and go back to moving through the matches.
            KeyCode::Enter => Outcome::Close,
            KeyCode::Down => Outcome::CloseThen(vec![Action::Down]),
            KeyCode::Up => Outcome::CloseThen(vec![Action::Up]),
            _ => {
                if edit_input(&mut app.filter, key) {
                    let q = app.filter.value().to_string();
                    app.tree.set_filter(&q);
                    // Land on the first match.
                    let first = (0..app.tree.row_count()).find(|&i| app.tree.is_match(i));
                    app.move_to(first.unwrap_or(0));
                }
                Outcome::Consumed
            }
        }
    }

    fn draw(&self, f: &mut Frame, areas: &Areas, app: &App) {
        draw_input_line(
            f,
            app,
            areas.hints,
            "/",
            app.filter.value(),
            "   Enter keep · Esc clear",
        );
    }
}

pub struct DetailSearch;

impl Component for DetailSearch {
    fn on_key(&mut self, key: &KeyEvent, app: &mut App) -> Outcome {
        match key.code {
            KeyCode::Esc => {
                app.search.reset();
                return Outcome::Close;
            }
            KeyCode::Enter => app.search_next(app.detail_cursor + 1),
            _ => {
                if edit_input(&mut app.search, key) {
                    app.search_next(app.detail_cursor);
                }
            }
        }
        Outcome::Consumed
    }

    fn draw(&self, f: &mut Frame, areas: &Areas, app: &App) {
        draw_input_line(
            f,
            app,
            areas.hints,
            "search: ",
            app.search.value(),
            "   Enter next · Esc close",
        );
    }
}
