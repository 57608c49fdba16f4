//! Drawing the Traffic pane: the frame list (time, session, direction, method, handle, latency,
//! size, status; errors and slow replies stand out) or an open request/reply pair, over the
//! explorer's panes. A pure function of the pane's state.

use ratatui::Frame as TermFrame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::theme::{SELECTED_MARK, Theme, UNSELECTED_MARK};
use super::traffic_pair::{PairView, Side, format_ms, format_size};
use super::traffic_pane::TrafficPane;
use super::ui::shown_lines;
use crate::engine::trace_ring::Frame;
use crate::text::escape_for_terminal;

/// The column headings, aligned with `frame_line`'s columns.
fn headings() -> String {
    format!(
        "{UNSELECTED_MARK}{:<13} {:<4} {:<7} {:<27} {:>6} {:>11} {:>9}  status",
        "time", "ses", "dir", "method", "handle", "latency", "size"
    )
}

pub fn draw(f: &mut TermFrame, area: Rect, pane: &TrafficPane, t: &Theme) {
    f.render_widget(Clear, area);
    match &pane.pair {
        Some(pair) => draw_pair(f, area, pair, t),
        None => draw_list(f, area, pane, t),
    }
}

fn draw_list(f: &mut TermFrame, area: Rect, pane: &TrafficPane, t: &Theme) {
    let (recorded, held) = pane.counts();
    let mut title = format!(" Traffic — {} of {held} frames", pane.shown_len());
    if recorded > held as u64 {
        title.push_str(&format!(" (last of {recorded})"));
    }
    if !pane.filter.value().is_empty() {
        title.push_str(&format!(
            " · filter: {}",
            escape_for_terminal(pane.filter.value())
        ));
    }
    title.push(' ');
    let mut block = Block::new()
        .borders(Borders::ALL)
        .border_style(t.border_focus)
        .title(Span::styled(title, t.accent))
        .style(t.base);
    if pane.paused {
        block = block.title(Span::styled(" ⏸ paused — p resumes ", t.warn));
    }
    let inner = block.inner(area);
    f.render_widget(block, area);
    let mut lines = vec![Line::styled(headings(), t.dim)];
    let body = (inner.height as usize).saturating_sub(2);
    let skip = (pane.cursor + 1).saturating_sub(body);
    let slow = pane.settings.slow_ms as f64;
    for (i, fr) in pane.shown().enumerate().skip(skip).take(body) {
        lines.push(frame_line(fr, i == pane.cursor, slow, t));
    }
    if pane.shown_len() == 0 {
        lines.push(Line::styled(
            if held == 0 {
                "no frames yet: what the explorer sends and receives shows here"
            } else {
                "no frame matches the filter"
            },
            t.dim,
        ));
    }
    let [list, hint] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(inner);
    f.render_widget(Paragraph::new(lines), list);
    let hint_line = if pane.filtering {
        Line::from(vec![
            Span::styled("/", t.accent),
            Span::raw(escape_for_terminal(pane.filter.value()).into_owned()),
            Span::styled("█", t.dim),
            Span::styled("   method or text · Enter keep · Esc clear", t.dim),
        ])
    } else {
        Line::styled(
            "Enter request/reply · / filter · p pause · y yank · w write trace · G follow · Esc close",
            t.dim,
        )
    };
    f.render_widget(Paragraph::new(hint_line), hint);
}

/// Direction and kind: what went out, what came in, what the socket did.
fn direction(kind: &str) -> &'static str {
    match kind {
        "send" => "→ send",
        "recv" => "← recv",
        "push" => "← push",
        "open" => "· open",
        "close" => "· close",
        _ => "↔ http",
    }
}

/// The status cell: ok, the engine's refusal, an HTTP or close code.
fn status_text(fr: &Frame) -> String {
    if let Some(e) = &fr.error {
        return format!("✗ {e}");
    }
    match (fr.kind, fr.status) {
        ("recv", _) => "ok".into(),
        ("close", Some(code)) => format!("code {code}"),
        (_, Some(s)) => s.to_string(),
        _ => String::new(),
    }
}

fn frame_line(fr: &Frame, selected: bool, slow_ms: f64, t: &Theme) -> Line<'static> {
    let time = fr.ts.get(11..23).unwrap_or(&fr.ts);
    let method = fr.method.as_deref().unwrap_or("");
    let handle = fr.handle.map(|h| h.to_string()).unwrap_or_default();
    let size = fr.bytes.map(format_size).unwrap_or_default();
    let text = format!(
        "{}{time:<13} #{:<3} {:<7} {:<27} {handle:>6} {:>11} {size:>9}  ",
        if selected {
            SELECTED_MARK
        } else {
            UNSELECTED_MARK
        },
        fr.conn,
        direction(fr.kind),
        escape_for_terminal(&truncate(method, 27)),
        format_ms(fr.ms),
    );
    let is_slow = fr.ms.is_some_and(|ms| ms > slow_ms);
    let style: Style =
        if fr.error.is_some() || matches!(fr.status, Some(s) if fr.kind == "http" && s >= 400) {
            t.error
        } else if is_slow {
            t.warn
        } else {
            t.base
        };
    let mut status = escape_for_terminal(&status_text(fr)).into_owned();
    if is_slow && fr.error.is_none() {
        status.push_str(" · slow");
    }
    let line = Line::from(vec![Span::styled(text, style), Span::styled(status, style)]);
    if selected {
        line.patch_style(t.selected)
    } else {
        line
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn draw_pair(f: &mut TermFrame, area: Rect, pair: &PairView, t: &Theme) {
    let [sides, hint] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
    if pair.is_exchange() {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(sides);
        draw_side(f, left, &pair.sides[0], pair.focus == 0, pair, t);
        draw_side(f, right, &pair.sides[1], pair.focus == 1, pair, t);
    } else {
        draw_side(f, sides, &pair.sides[0], true, pair, t);
    }
    let line = if pair.searching {
        Line::from(vec![
            Span::styled("search: ", t.accent),
            Span::raw(escape_for_terminal(pair.search.value()).into_owned()),
            Span::styled("█", t.dim),
            Span::styled("   Enter next · Esc close", t.dim),
        ])
    } else if let Some(note) = &pair.note {
        Line::styled(escape_for_terminal(note).into_owned(), t.warn)
    } else {
        Line::styled(
            "Tab other side · Enter fold · / search · n next · y yank pair · Esc back to the list",
            t.dim,
        )
    };
    f.render_widget(Paragraph::new(line), hint);
}

fn draw_side(
    f: &mut TermFrame,
    area: Rect,
    side: &Side,
    focused: bool,
    pair: &PairView,
    t: &Theme,
) {
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(if focused { t.border_focus } else { t.border })
        .title(Span::styled(
            format!(" {} ", escape_for_terminal(&side.title)),
            if focused { t.accent } else { t.dim },
        ))
        .style(t.base);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let query = pair.search.value().to_lowercase();
    let skip = (side.cursor + 1).saturating_sub(inner.height as usize);
    let cursor = focused.then_some(side.cursor);
    let lines = shown_lines(&side.lines(), skip, inner.height, cursor, &query, t);
    f.render_widget(Paragraph::new(lines), inner);
}
