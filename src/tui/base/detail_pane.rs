//! The detail pane, a component of the base view: with focus, it takes the moves (they move
//! its cursor), folding, sideways scrolling of the Data tab, jumps from a line that names an
//! item, and `/` (its search); and it draws the selected node's tabs. Its state (the tab, the
//! cursor, what was read) is `App`'s: replies fill it and the tree's moves reset it.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::style::Modifier;
use ratatui::widgets::{Paragraph, Tabs, Wrap};

use crate::tui::action::Action;
use crate::tui::app::{App, DATA_HSCROLL_STEP, Focus};
use crate::tui::component::{Component, Outcome};
use crate::tui::detail::{self, Tab};
use crate::tui::keymap::Key;
use crate::tui::layout::Areas;
use crate::tui::overlays::{Overlay, inputs};
use crate::tui::ui::{pane_block, shown_lines};

pub struct DetailPane;

impl DetailPane {
    /// Takes the detail pane's actions (when it has focus); passes the others to the tree.
    pub fn on_action(&mut self, action: Action, app: &mut App) -> Outcome {
        let dpage = app.areas().detail_rows().saturating_sub(1).max(1) as isize;
        match action {
            Action::Up => app.detail_move(-1),
            Action::Down => app.detail_move(1),
            Action::PageUp => app.detail_move(-dpage),
            Action::PageDown => app.detail_move(dpage),
            Action::Top => app.detail_move(-(app.detail_cursor as isize)),
            Action::Bottom => app.detail_move(isize::MAX / 2),
            // The Data tab scrolls sideways; Left at its left edge goes back to the tree.
            Action::Right if app.tab == Tab::Data => {
                app.detail_hscroll = app.detail_hscroll.saturating_add(DATA_HSCROLL_STEP);
            }
            Action::Left if app.tab == Tab::Data && app.detail_hscroll > 0 => {
                app.detail_hscroll = app.detail_hscroll.saturating_sub(DATA_HSCROLL_STEP);
            }
            // Enter on a line naming another item (a master item, a user) goes there.
            Action::Expand if app.jump_from_line() => {}
            Action::Expand | Action::Right | Action::Left if app.toggle_fold() => {}
            Action::Left => app.focus = Focus::Tree,
            Action::Filter => {
                app.search.reset();
                app.open(Overlay::Search(inputs::DetailSearch));
            }
            _ => return Outcome::Pass,
        }
        Outcome::Consumed
    }
}

impl Component for DetailPane {
    fn on_key(&mut self, key: &KeyEvent, app: &mut App) -> Outcome {
        match app.keymap.action(&Key::from_event(key)) {
            Some(action) => self.on_action(action, app),
            None => Outcome::Pass,
        }
    }

    fn draw(&self, f: &mut Frame, areas: &Areas, app: &App) {
        let Some(area) = areas.detail else { return };
        let t = &app.theme;
        let focused = app.focus == Focus::Detail;
        let block = pane_block(" Detail ".into(), focused, t);
        let inner = block.inner(area);
        f.render_widget(block, area);
        let Some(kind) = app.selected_kind() else {
            return;
        };
        let [tabs_area, body] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
        let tabs = detail::tabs_for(kind);
        let selected = tabs.iter().position(|x| *x == app.tab).unwrap_or(0);
        f.render_widget(
            Tabs::new(tabs.iter().map(|x| x.title()))
                .select(selected)
                .style(t.dim)
                .highlight_style(t.accent.add_modifier(Modifier::REVERSED))
                .divider("│"),
            tabs_area,
        );
        let lines = detail::lines(app);
        // The detail search being typed, or the match of the search hit just jumped to.
        let query = app.search.value().to_lowercase();
        let cursor = focused.then_some(app.detail_cursor);
        let shown = shown_lines(&lines, app.detail_scroll, body.height, cursor, &query, t);
        let para = Paragraph::new(shown);
        // The summary is prose (descriptions, errors with their fix, links): wrap it. JSON and the
        // script keep one line per row so the cursor and folding stay on the row they name.
        let para = match app.tab {
            detail::Tab::Summary | detail::Tab::Links => para.wrap(Wrap { trim: false }),
            // A wide table scrolls sideways.
            detail::Tab::Data => para.scroll((0, app.detail_hscroll)),
            _ => para,
        };
        f.render_widget(para, body);
    }
}
