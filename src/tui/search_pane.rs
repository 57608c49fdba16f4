//! The `:search` results pane (issue 13): one component holding a running search's results as
//! they stream in per app, drawing them grouped by app with progress, and turning a picked hit
//! into the path the tree must open to reach it (`jump_path`). The search itself is the domain's
//! (`explore::search::search_site`, run by `domain::execute`).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use tokio_util::sync::CancellationToken;

use super::detail::spinner;
use super::place::Place;
use super::theme::{SELECTED_MARK, Theme, UNSELECTED_MARK};
use crate::explore::export::Progress;
use crate::explore::search::{AppResult, Hit};
use crate::text::escape_for_terminal;

/// A search the pane shows: running, done, or stopped with an error.
pub struct SearchPane {
    pub pattern: String,
    /// What is searched, for the title: an app's name or a profile's.
    pub scope: String,
    pub progress: Progress,
    pub apps: Vec<AppResult>,
    pub done: bool,
    pub error: Option<String>,
    /// Index into `hits()`.
    pub cursor: usize,
    pub cancel: CancellationToken,
}

/// Where a hit lives in the tree, for the jump to it.
pub fn jump_path(h: &Hit) -> Place {
    Place::of(&h.app_id, h.kind, h.id.as_deref().unwrap_or(""), &h.trail)
}

/// A row of the pane: an app's heading, an error line, or a hit (its index in `hits()`).
enum Row<'a> {
    App(&'a AppResult),
    Error(String),
    Hit(usize, &'a Hit),
}

impl SearchPane {
    pub fn new(pattern: &str, scope: &str, cancel: CancellationToken) -> SearchPane {
        SearchPane {
            pattern: pattern.to_string(),
            scope: scope.to_string(),
            progress: Progress::default(),
            apps: Vec::new(),
            done: false,
            error: None,
            cursor: 0,
            cancel,
        }
    }

    pub fn hits(&self) -> impl Iterator<Item = &Hit> {
        self.apps.iter().flat_map(|a| &a.hits)
    }

    pub fn selected(&self) -> Option<&Hit> {
        self.hits().nth(self.cursor)
    }

    pub fn move_by(&mut self, delta: isize) {
        let n = self.hits().count();
        if n == 0 {
            return;
        }
        self.cursor = (self.cursor as isize + delta).clamp(0, n as isize - 1) as usize;
    }

    fn rows(&self) -> Vec<Row<'_>> {
        let mut rows = Vec::new();
        let mut i = 0;
        for a in &self.apps {
            if a.hits.is_empty() && a.errors.is_empty() {
                continue;
            }
            rows.push(Row::App(a));
            for e in &a.errors {
                rows.push(Row::Error(e.message.clone()));
            }
            for h in &a.hits {
                rows.push(Row::Hit(i, h));
                i += 1;
            }
        }
        rows
    }

    fn status_line(&self, ticks: u64, t: &Theme) -> Line<'static> {
        let p = &self.progress;
        let hits = self.hits().count();
        if let Some(e) = &self.error {
            return Line::styled(format!("✗ {}", escape_for_terminal(e)), t.error);
        }
        let text = format!(
            "{} apps {}/{}{} · {hits} hit{} · Enter jumps · Esc closes",
            if self.done { "✓" } else { spinner(ticks) },
            p.apps_done,
            p.apps_total,
            if p.apps_failed > 0 {
                format!(" ({} failed)", p.apps_failed)
            } else {
                String::new()
            },
            if hits == 1 { "" } else { "s" },
        );
        Line::styled(text, if self.done { t.ok } else { t.warn })
    }

    /// Draws the pane over `area` (the explorer's panes), keeping the cursor's row in view.
    pub fn draw(&self, f: &mut Frame, area: Rect, t: &Theme, ticks: u64) {
        f.render_widget(Clear, area);
        let title = format!(
            " Search {:?} in {} ",
            escape_for_terminal(&self.pattern),
            escape_for_terminal(&self.scope)
        );
        let block = Block::new()
            .borders(Borders::ALL)
            .border_style(t.border_focus)
            .title(Span::styled(title, t.accent))
            .style(t.base);
        let inner = block.inner(area);
        f.render_widget(block, area);
        let mut lines = vec![self.status_line(ticks, t)];
        let rows = self.rows();
        let body = (inner.height as usize).saturating_sub(1);
        let at = rows
            .iter()
            .position(|r| matches!(r, Row::Hit(i, _) if *i == self.cursor))
            .unwrap_or(0);
        let skip = (at + 1).saturating_sub(body);
        for row in rows.iter().skip(skip).take(body) {
            lines.push(match row {
                Row::App(a) => Line::styled(
                    format!(
                        "{} ({} hit{})",
                        escape_for_terminal(&a.app_name),
                        a.hits.len(),
                        if a.hits.len() == 1 { "" } else { "s" }
                    ),
                    t.accent,
                ),
                Row::Error(e) => Line::styled(format!("  ✗ {}", escape_for_terminal(e)), t.error),
                Row::Hit(i, h) => hit_line(h, *i == self.cursor, t),
            });
        }
        if rows.is_empty() && self.done && self.error.is_none() {
            lines.push(Line::styled("no item matches", t.dim));
        }
        f.render_widget(Paragraph::new(lines), inner);
    }
}

fn hit_line(h: &Hit, selected: bool, t: &Theme) -> Line<'static> {
    let at = match (h.line, &h.path) {
        (Some(l), _) => format!("line {l}"),
        (None, Some(p)) => p.clone(),
        (None, None) => String::new(),
    };
    let (before, rest) = h.text.split_at(h.mark.start.min(h.text.len()));
    let (m, after) = rest.split_at(h.mark.len().min(rest.len()));
    let one = |s: &str| escape_for_terminal(s).into_owned();
    let mut spans = vec![
        Span::raw(if selected {
            SELECTED_MARK
        } else {
            UNSELECTED_MARK
        }),
        Span::styled(format!("{:<13} ", h.kind.name()), t.dim),
        Span::raw(format!("{} ", one(&h.title))),
        Span::styled(format!("{} ", one(&at)), t.dim),
        Span::raw(one(before)),
        Span::styled(one(m), t.matched.add_modifier(Modifier::BOLD)),
        Span::raw(one(after)),
    ];
    if selected {
        spans = spans
            .into_iter()
            .map(|s| s.patch_style(t.selected))
            .collect();
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::search::Kind;

    fn hit(kind: Kind, id: Option<&str>, trail: &[&str]) -> Hit {
        Hit {
            app_id: "a1".into(),
            app_name: "A".into(),
            kind,
            id: id.map(str::to_string),
            title: "t".into(),
            path: None,
            line: None,
            text: "x".into(),
            link: String::new(),
            mark: 0..1,
            trail: trail.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn a_hit_jumps_to_its_place() {
        let p = jump_path(&hit(Kind::Object, Some("o"), &["s", "c"]));
        let trail = ["s".to_string(), "c".to_string()];
        assert_eq!(p, Place::of("a1", Kind::Object, "o", &trail));
        assert_eq!(
            jump_path(&hit(Kind::Script, None, &[])),
            Place::of("a1", Kind::Script, "", &[])
        );
    }

    #[test]
    fn the_cursor_moves_over_hits_only() {
        let mut p = SearchPane::new("x", "demo", CancellationToken::new());
        p.apps.push(AppResult {
            app_id: "a1".into(),
            app_name: "A".into(),
            hits: vec![
                hit(Kind::Sheet, Some("s"), &[]),
                hit(Kind::Variable, Some("v"), &[]),
            ],
            errors: Vec::new(),
        });
        p.move_by(5);
        assert_eq!(p.selected().unwrap().id.as_deref(), Some("v"));
        p.move_by(-9);
        assert_eq!(p.cursor, 0);
    }
}
