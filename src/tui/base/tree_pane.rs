//! The tree pane, a component of the base view: the tree's moves (up, down, pages, open, close,
//! parent) and the filter's opening, and its frame. Its state (the tree, the cursor, the
//! scroll, the filter's text) is `App`'s: the detail pane, the breadcrumb and the jumps read it.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::tui::action::Action;
use crate::tui::app::{App, Focus};
use crate::tui::component::{Component, Outcome};
use crate::tui::detail::spinner;
use crate::tui::keymap::Key;
use crate::tui::layout::Areas;
use crate::tui::overlays::{Overlay, inputs};
use crate::tui::theme::{SELECTED_MARK, UNSELECTED_MARK};
use crate::tui::tree::{LoadState, Row};
use crate::tui::ui::{pane_block, safe};

pub struct TreePane;

impl TreePane {
    /// Takes the tree's actions; passes the others (the app's own: palette, yank, export, ...).
    pub fn on_action(&mut self, action: Action, app: &mut App) -> Outcome {
        let page = app.tree_page();
        let rows = app.tree.row_count();
        match action {
            Action::Up => app.move_to(app.cursor.saturating_sub(1)),
            Action::Down => app.move_to((app.cursor + 1).min(rows.saturating_sub(1))),
            Action::PageUp => app.move_to((app.cursor as isize - page).max(0) as usize),
            Action::PageDown => {
                app.move_to(((app.cursor as isize + page) as usize).min(rows.saturating_sub(1)))
            }
            Action::Top => app.move_to(0),
            Action::Bottom => app.move_to(rows.saturating_sub(1)),
            Action::Right => {
                let Some(id) = app.selected() else {
                    return Outcome::Consumed;
                };
                let n = app.tree.node(id);
                if !n.expanded && n.expandable() {
                    app.expand(id);
                } else if n.expanded && !n.children.is_empty() {
                    // Through `update`: with the detail pane focused, Down moves its cursor.
                    app.update(Action::Down);
                }
            }
            Action::Expand => {
                let Some(id) = app.selected() else {
                    return Outcome::Consumed;
                };
                let n = app.tree.node(id);
                if n.expanded {
                    app.collapse(id);
                } else if n.expandable() {
                    app.expand(id);
                } else {
                    app.focus = Focus::Detail;
                }
            }
            Action::Left => {
                let Some(id) = app.selected() else {
                    return Outcome::Consumed;
                };
                let n = app.tree.node(id);
                if n.expanded {
                    app.collapse(id);
                } else if let Some(p) = n.parent {
                    app.select(p);
                }
            }
            Action::Filter => {
                app.open(Overlay::Filter(inputs::TreeFilter));
                app.focus = Focus::Tree;
            }
            _ => return Outcome::Pass,
        }
        Outcome::Consumed
    }
}

impl Component for TreePane {
    fn on_key(&mut self, key: &KeyEvent, app: &mut App) -> Outcome {
        match app.keymap.action(&Key::from_event(key)) {
            Some(action) => self.on_action(action, app),
            None => Outcome::Pass,
        }
    }

    fn draw(&self, f: &mut Frame, areas: &Areas, app: &App) {
        let area = areas.tree;
        let t = &app.theme;
        let mut title = format!(" Explorer ({}) ", app.tree.row_count());
        if app.tree.filter_active() {
            title = format!(
                " Explorer — filter: {} ({}) ",
                app.filter.value(),
                app.tree.row_count()
            );
        }
        let block = pane_block(title, app.focus == Focus::Tree, t);
        let inner = block.inner(area);
        f.render_widget(block, area);
        let rows = app.tree.rows(app.scroll, inner.height as usize);
        let lines: Vec<Line> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| tree_row(app, r, app.scroll + i == app.cursor, inner.width as usize))
            .collect();
        if app.tree.roots().is_empty() {
            f.render_widget(
                Paragraph::new(no_profiles_hint(app))
                    .style(t.base)
                    .wrap(Wrap { trim: false }),
                inner,
            );
        } else if lines.is_empty() {
            f.render_widget(
                Paragraph::new(Line::styled("(nothing matches)", t.dim)),
                inner,
            );
        } else {
            f.render_widget(Paragraph::new(lines), inner);
        }
    }
}

/// The text of one tree row: indent, expander, tag, title (with filter matches), count, state.
pub fn tree_row(app: &App, row: &Row, selected: bool, width: usize) -> Line<'static> {
    let t = &app.theme;
    let node = app.tree.node(row.id);
    let mut spans = Vec::with_capacity(8);
    spans.push(Span::raw(if selected {
        SELECTED_MARK
    } else {
        UNSELECTED_MARK
    }));
    spans.push(Span::raw("  ".repeat(node.depth as usize)));
    let expander = if node.expanded {
        "▾ "
    } else if node.expandable() {
        "▸ "
    } else {
        "  "
    };
    spans.push(Span::styled(expander, t.dim));
    spans.push(Span::styled(format!("[{}] ", node.kind.tag()), t.tag));
    let title = node.kind.title();
    match &row.matched {
        Some(idx) if !idx.is_empty() => {
            for (i, ch) in title.chars().enumerate() {
                let style = if idx.binary_search(&(i as u32)).is_ok() {
                    t.matched
                } else {
                    t.base
                };
                spans.push(Span::styled(ch.to_string(), style));
            }
        }
        _ => spans.push(Span::styled(title, t.base)),
    }
    if !node.children.is_empty() {
        spans.push(Span::styled(format!(" ({})", node.children.len()), t.dim));
    }
    match &node.load {
        LoadState::Loading => spans.push(Span::styled(format!(" {}", spinner(app.ticks)), t.warn)),
        LoadState::Failed(e) => spans.push(Span::styled(
            format!(" ✗ error: {}", safe(&e.to_string())),
            t.error,
        )),
        _ => {}
    }
    match app.tested.get(&row.id) {
        Some(Ok(s)) => spans.push(Span::styled(format!(" ✓ test ok: {}", safe(s)), t.ok)),
        Some(Err(e)) => spans.push(Span::styled(
            format!(" ✗ test failed: {}", safe(&e.to_string())),
            t.error,
        )),
        None => {}
    }
    let mut line = Line::from(spans);
    if selected {
        line = line.patch_style(t.selected);
    }
    let _ = width;
    line
}

/// What the profile pane says when the profile file holds no profile.
fn no_profiles_hint(app: &App) -> Vec<Line<'static>> {
    let t = &app.theme;
    let file = app
        .profiles_file
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "the profile file".into());
    vec![
        Line::styled("No profiles yet.", t.accent),
        Line::raw(""),
        Line::raw(format!("Profiles live in {file}.")),
        Line::raw("Add one here with `a` (a form), or with"),
        Line::styled(
            "  qlik-tui profile add NAME --engine-url wss://HOST:4747 --cert-dir DIR --user-directory DIR --user-id ID",
            t.dim,
        ),
        Line::raw(""),
        Line::raw("To look around first: qlik-tui --demo (a built-in simulator)."),
    ]
}
