//! The `:diff` view (issue 14): a tree of the changed items of two apps with counts per kind;
//! Enter shows one item's two property trees side by side (pointer by pointer, differences
//! highlighted) or the script's unified diff; `e` writes the readable report. The diff itself
//! is the domain's (`explore::diff`, run by `domain::run_diff`).

use std::path::PathBuf;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::app::Load;
use super::detail::spinner;
use super::theme::{SELECTED_MARK, Theme, UNSELECTED_MARK};
use crate::explore::diff::values::flatten;
use crate::explore::diff::{Diff, DiffOptions, Kind, Op, item_values, report};
use crate::explore::export::AppDoc;
use crate::text::{cut_chars, escape_for_terminal};

/// A finished diff with both apps, so any item's two trees can be shown.
#[derive(Debug, Clone)]
pub struct Compared {
    pub diff: Diff,
    pub a: AppDoc,
    pub b: AppDoc,
}

/// One line of the tree: a kind's heading, a changed item, or the script.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    Kind {
        kind: Kind,
        items: usize,
        changes: usize,
    },
    Item {
        kind: Kind,
        id: String,
        title: String,
        op: Op,
        changes: usize,
    },
    Script {
        lines: usize,
    },
}

pub struct DiffView {
    /// What is compared, for the title: "app on profile ↔ app on profile".
    pub label: String,
    pub state: Load<Box<Compared>>,
    /// Index into the selectable rows (items and the script).
    pub cursor: usize,
    /// The row shown side by side (Enter), and how far it is scrolled.
    pub open: Option<usize>,
    pub scroll: usize,
    /// Where `e` writes the report.
    pub report_path: PathBuf,
    /// What `e` did (written, or why not).
    pub note: Option<Result<String, String>>,
}

impl DiffView {
    pub fn new(label: String) -> DiffView {
        DiffView {
            label,
            state: Load::Loading,
            cursor: 0,
            open: None,
            scroll: 0,
            report_path: PathBuf::from("qlik-diff.txt"),
            note: None,
        }
    }

    fn compared(&self) -> Option<&Compared> {
        match &self.state {
            Load::Ready(c) => Some(c),
            _ => None,
        }
    }

    /// The tree's rows: per kind a heading, then its items in change order; the script last.
    pub fn rows(&self) -> Vec<Row> {
        let Some(c) = self.compared() else {
            return Vec::new();
        };
        let mut rows: Vec<Row> = Vec::new();
        for (kind, n) in c.diff.counts() {
            let mut items: Vec<Row> = Vec::new();
            for ch in c.diff.changes.iter().filter(|x| x.kind == kind) {
                match items
                    .iter_mut()
                    .find(|r| matches!(r, Row::Item { id, .. } if *id == ch.id))
                {
                    Some(Row::Item { changes, .. }) => *changes += 1,
                    _ => items.push(Row::Item {
                        kind,
                        id: ch.id.clone(),
                        title: ch.title.clone(),
                        op: ch.op,
                        changes: 1,
                    }),
                }
            }
            rows.push(Row::Kind {
                kind,
                items: items.len(),
                changes: n,
            });
            rows.extend(items);
        }
        if !c.diff.script.is_empty() {
            rows.push(Row::Script {
                lines: c.diff.script.len(),
            });
        }
        rows
    }

    fn selectable(&self) -> Vec<Row> {
        self.rows()
            .into_iter()
            .filter(|r| !matches!(r, Row::Kind { .. }))
            .collect()
    }

    pub fn move_by(&mut self, delta: isize) {
        if self.open.is_some() {
            self.scroll = (self.scroll as isize + delta).max(0) as usize;
            return;
        }
        let n = self.selectable().len();
        if n > 0 {
            self.cursor = (self.cursor as isize + delta).clamp(0, n as isize - 1) as usize;
        }
    }

    /// Enter: shows the selected row side by side.
    pub fn open_selected(&mut self) {
        if self.cursor < self.selectable().len() {
            self.open = Some(self.cursor);
            self.scroll = 0;
        }
    }

    /// Esc: back from side by side; true when the view should close.
    pub fn back(&mut self) -> bool {
        self.open.take().is_none()
    }

    /// `e`: writes the readable report (atomically) to `report_path`.
    pub fn export(&mut self) {
        let Some(c) = self.compared() else {
            self.note = Some(Err("the diff is not ready yet".into()));
            return;
        };
        let text = report::render(&c.diff);
        let path = self.report_path.clone();
        self.note = Some(
            crate::fsutil::write_atomic(&path, text.as_bytes(), false)
                .map(|()| format!("report written to {}", path.display()))
                .map_err(|e| format!("cannot write {}: {e}", path.display())),
        );
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, t: &Theme, ticks: u64) {
        f.render_widget(Clear, area);
        let block = Block::new()
            .borders(Borders::ALL)
            .border_style(t.border_focus)
            .title(Span::styled(
                format!(" Diff {} ", escape_for_terminal(&self.label)),
                t.accent,
            ))
            .style(t.base);
        let inner = block.inner(area);
        f.render_widget(block, area);
        let mut lines = vec![self.status_line(t, ticks), self.keys_line(t)];
        let body = (inner.height as usize).saturating_sub(2);
        let width = inner.width as usize;
        match (self.compared(), self.open) {
            (Some(c), Some(i)) => {
                if let Some(row) = self.selectable().get(i) {
                    let rows = side_by_side(c, row, width, t);
                    lines.extend(rows.into_iter().skip(self.scroll).take(body));
                }
            }
            (Some(c), None) => {
                if c.diff.is_equal() {
                    lines.push(Line::styled("no differences", t.ok));
                }
                lines.extend(self.tree_lines(t, body));
            }
            _ => {}
        }
        f.render_widget(Paragraph::new(lines), inner);
    }

    fn status_line(&self, t: &Theme, ticks: u64) -> Line<'static> {
        let c = match &self.state {
            Load::Loading => {
                return Line::styled(format!("{} walking both apps…", spinner(ticks)), t.warn);
            }
            Load::Failed(e) => {
                return Line::styled(format!("✗ {}", escape_for_terminal(e)), t.error);
            }
            Load::Ready(c) => c,
        };
        if let Some(note) = &self.note {
            return match note {
                Ok(s) => Line::styled(format!("✓ {}", escape_for_terminal(s)), t.ok),
                Err(e) => Line::styled(format!("✗ {}", escape_for_terminal(e)), t.error),
            };
        }
        Line::styled(report::summary(&c.diff), t.warn)
    }

    fn keys_line(&self, t: &Theme) -> Line<'static> {
        Line::styled(
            if self.open.is_some() {
                "j/k scroll · Esc back to the list"
            } else {
                "j/k move · Enter shows the item side by side · e writes the report · Esc closes"
            },
            t.dim,
        )
    }

    fn tree_lines(&self, t: &Theme, body: usize) -> Vec<Line<'static>> {
        let rows = self.rows();
        let mut at = 0;
        let mut selected_row = 0;
        for (i, r) in rows.iter().enumerate() {
            if !matches!(r, Row::Kind { .. }) {
                if at == self.cursor {
                    selected_row = i;
                }
                at += 1;
            }
        }
        let skip = (selected_row + 1).saturating_sub(body);
        let mut n = 0;
        let mut out = Vec::new();
        for r in rows.iter() {
            let selected = !matches!(r, Row::Kind { .. }) && {
                n += 1;
                n - 1 == self.cursor
            };
            let mark = if selected {
                SELECTED_MARK
            } else {
                UNSELECTED_MARK
            };
            let line = match r {
                Row::Kind {
                    kind,
                    items,
                    changes,
                } => Line::styled(
                    format!(
                        "{} ({items} item{}, {changes} change{})",
                        kind.plural(),
                        plural(*items),
                        plural(*changes)
                    ),
                    t.accent,
                ),
                Row::Item {
                    id,
                    title,
                    op,
                    changes,
                    ..
                } => {
                    let style = op_style(*op, t);
                    let mut spans = vec![
                        Span::raw(mark),
                        Span::styled(format!("{} ", op.mark()), style),
                        Span::raw(escape_for_terminal(title).into_owned()),
                        Span::styled(format!("  {}", escape_for_terminal(id)), t.dim),
                    ];
                    if *op == Op::Changed {
                        spans.push(Span::styled(
                            format!("  {changes} value{}", plural(*changes)),
                            t.dim,
                        ));
                    }
                    Line::from(spans)
                }
                Row::Script { lines } => Line::from(vec![
                    Span::raw(mark),
                    Span::styled("~ ", t.warn),
                    Span::styled(format!("script ({lines} diff lines)"), t.accent),
                ]),
            };
            out.push(if selected {
                line.patch_style(t.selected)
            } else {
                line
            });
        }
        out.into_iter().skip(skip).take(body).collect()
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn op_style(op: Op, t: &Theme) -> Style {
    match op {
        Op::Added => t.ok,
        Op::Removed => t.error,
        Op::Changed => t.warn,
    }
}

/// The item's two trees, pointer by pointer: a's pointers in order, then b's own; a row whose
/// values differ is highlighted. The script row shows its unified diff instead.
fn side_by_side(c: &Compared, row: &Row, width: usize, t: &Theme) -> Vec<Line<'static>> {
    let (kind, id) = match row {
        Row::Item { kind, id, .. } => (*kind, id.as_str()),
        Row::Kind { .. } => return Vec::new(),
        Row::Script { .. } => {
            return c
                .diff
                .script
                .iter()
                .map(|l| {
                    let style = match l.chars().next() {
                        Some('+') => t.ok,
                        Some('-') => t.error,
                        Some('@') => t.accent,
                        _ => t.base,
                    };
                    Line::styled(escape_for_terminal(l).into_owned(), style)
                })
                .collect();
        }
    };
    let opts = DiffOptions::default();
    let (a, b) = item_values(&c.a, &c.b, kind, id, &opts);
    let fa = a.as_ref().map(flatten).unwrap_or_default();
    let fb = b.as_ref().map(flatten).unwrap_or_default();
    let mut pointers: Vec<&String> = fa.iter().map(|(p, _)| p).collect();
    pointers.extend(
        fb.iter()
            .map(|(p, _)| p)
            .filter(|p| !fa.iter().any(|(x, _)| x == *p)),
    );
    let find = |side: &[(String, serde_json::Value)], p: &str| {
        side.iter().find(|(x, _)| x == p).map(|(_, v)| v.clone())
    };
    let half = width.saturating_sub(3) / 2;
    let cell = |p: &str, v: &Option<serde_json::Value>| {
        let text = match v {
            Some(v) => format!("{p} = {v}"),
            None => String::new(),
        };
        let text = escape_for_terminal(&text).into_owned();
        let cut = cut_chars(&text, half.saturating_sub(1)).into_owned();
        format!("{cut:<half$}")
    };
    let mut out = vec![Line::styled(
        format!(
            "{:<half$} │ {}",
            cut_chars(&format!("a: {}", c.diff.a.source), half),
            cut_chars(&format!("b: {}", c.diff.b.source), half)
        ),
        t.accent,
    )];
    for p in pointers {
        let (va, vb) = (find(&fa, p), find(&fb, p));
        let style = match (&va, &vb) {
            (Some(x), Some(y)) if x == y => t.base,
            (None, _) => t.ok,
            (_, None) => t.error,
            _ => t.warn,
        };
        out.push(Line::styled(
            format!("{} │ {}", cell(p, &va), cell(p, &vb)),
            style,
        ));
    }
    out
}
