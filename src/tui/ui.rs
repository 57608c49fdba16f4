//! Drawing: a pure function of `&App`. Only the rows inside the tree's viewport are built, so a
//! frame costs the same for ten nodes or a hundred thousand.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::action::Action;
use super::app::App;
use super::base::detail_pane::DetailPane;
use super::base::tree_pane::TreePane;
use super::component::Component;
use super::json_view::DLine;
use super::theme::Theme;
use super::traffic_pair::format_ms;

pub fn draw(f: &mut Frame, app: &App) {
    let areas = app.areas();
    let t = &app.theme;
    f.render_widget(Block::new().style(t.base), f.area());
    draw_breadcrumb(f, app, areas.breadcrumb);
    // The base view: the tree and the detail pane (each draws in its area of `areas`).
    if areas.tree.width > 0 {
        TreePane.draw(f, &areas, app);
    }
    if areas.detail.is_some() {
        DetailPane.draw(f, &areas, app);
    }
    draw_status(f, app, areas.status);
    draw_bottom(f, app, areas.hints);
    // The overlays, bottom to top (each draws over what is below it).
    for overlay in &app.overlays {
        overlay.draw(f, &areas, app);
    }
}

fn draw_breadcrumb(f: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let mut spans = vec![Span::styled(" qlik-tui ", t.accent)];
    if let Some(id) = app.selected() {
        for (i, n) in app.tree.ancestry(id).into_iter().enumerate() {
            if i > 0 {
                spans.push(Span::styled(" ▸ ", t.dim));
            }
            spans.push(Span::styled(app.tree.node(n).kind.title(), t.base));
        }
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub(crate) fn pane_block<'a>(title: String, focused: bool, t: &Theme) -> Block<'a> {
    Block::new()
        .borders(Borders::ALL)
        .border_style(if focused { t.border_focus } else { t.border })
        .title(Span::styled(title, if focused { t.accent } else { t.dim }))
}

/// Text from the engine or a certificate as the terminal may show it: control characters and
/// bidi overrides escaped (`\x1b`, `\u202e`), so the user sees that a title is odd.
pub(crate) fn safe(s: &str) -> String {
    crate::text::escape_for_terminal(s).into_owned()
}

fn styled(line: &DLine, t: &Theme, highlight: Option<Style>) -> Line<'static> {
    let l = Line::from(
        line.segs
            .iter()
            // Tabs (in scripts) become spaces; anything else odd is shown escaped.
            .map(|(seg, s)| Span::styled(safe(&s.replace('\t', "    ")), t.seg(*seg)))
            .collect::<Vec<_>>(),
    );
    match highlight {
        Some(h) => l.patch_style(h),
        None => l,
    }
}

/// The lines of a JSON or text view from `skip` on, `height` of them: the `cursor`'s line
/// marked and highlighted, lines containing `query` (lowercase) highlighted as matches.
pub(crate) fn shown_lines(
    lines: &[DLine],
    skip: usize,
    height: u16,
    cursor: Option<usize>,
    query: &str,
    t: &Theme,
) -> Vec<Line<'static>> {
    lines
        .iter()
        .enumerate()
        .skip(skip)
        .take(height as usize)
        .map(|(i, l)| {
            let at_cursor = cursor == Some(i);
            let hl = if at_cursor {
                Some(t.selected)
            } else if !query.is_empty() && l.text().to_lowercase().contains(query) {
                Some(t.matched)
            } else {
                None
            };
            let mut line = styled(l, t, hl);
            if at_cursor {
                line.spans.insert(0, Span::raw("▶"));
            }
            line
        })
        .collect()
}

fn draw_status(f: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let s = &app.status;
    let (version, user) = s
        .site
        .as_ref()
        .map(|i| (safe(&i.engine_version), safe(&i.user)))
        .unwrap_or_else(|| ("?".into(), "?".into()));
    let in_flight = app
        .site
        .as_ref()
        .map(|s| s.requests_in_flight())
        .unwrap_or(0);
    // The last reply's latency, once the site has answered anything.
    let latency = match app.traffic.ring().last_latency() {
        Some(ms) if app.site.is_some() => format!(" · {}", format_ms(Some(ms))),
        _ => String::new(),
    };
    let mut spans = vec![
        Span::raw(format!(" {} ", safe(&s.profile))),
        Span::raw("│ engine "),
        Span::raw(version),
        Span::raw(" │ "),
        Span::raw(user),
        Span::raw(" │ "),
        Span::raw(safe(&s.session)),
        Span::raw(format!(" │ ⇅ {in_flight}{latency} ")),
    ];
    let note = match (&s.message, &s.last_error) {
        (Some(m), _) => Some(Span::raw(format!("│ {} ", safe(m)))),
        (None, Some(e)) => Some(Span::styled(
            format!("│ ✗ last error: {} ", safe(&e.to_string())),
            t.error,
        )),
        (None, None) => None,
    };
    if let Some(note) = note {
        // A message or error matters more than the site facts: in a narrow terminal keep only
        // the profile and session state before it, so it stays readable.
        let full = Line::from(spans.clone()).width() + note.width();
        if full > area.width as usize {
            spans = vec![
                Span::raw(format!(" {} ", safe(&s.profile))),
                Span::raw(format!("│ {} ", safe(&s.session))),
            ];
        }
        spans.push(note);
    }
    f.render_widget(Paragraph::new(Line::from(spans)).style(t.bar), area);
}

const HINT_ACTIONS: [Action; 9] = [
    Action::Expand,
    Action::Left,
    Action::FocusNext,
    Action::NextTab,
    Action::Filter,
    Action::Palette,
    Action::YankLink,
    Action::Help,
    Action::Quit,
];

fn draw_bottom(f: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let mut spans = Vec::new();
    for (k, what) in app.keymap.hints(&HINT_ACTIONS) {
        spans.push(Span::styled(k, t.key));
        spans.push(Span::styled(format!(" {what}  "), t.dim));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// A line to type in, over the hints row: the prompt, the text, a cursor, what the keys do.
pub(crate) fn draw_input_line(
    f: &mut Frame,
    app: &App,
    area: Rect,
    prompt: &'static str,
    text: &str,
    keys: &'static str,
) {
    let t = &app.theme;
    // Blank the hints row first: a shorter line must not leave the hints' tail behind.
    f.render_widget(Clear, area);
    f.render_widget(Block::new().style(t.base), area);
    let line = Line::from(vec![
        Span::styled(prompt, t.accent),
        Span::raw(text.to_string()),
        Span::styled("█", t.dim),
        Span::styled(keys, t.dim),
    ]);
    f.render_widget(Paragraph::new(line), area);
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

pub(crate) fn draw_popup(f: &mut Frame, t: &Theme, title: &str, lines: Vec<Line>, w: u16, h: u16) {
    draw_scrolled_popup(f, t, title, lines, w, h, 0);
}

/// A popup showing its lines from `scroll` on; when they do not all fit, the title says how
/// to scroll and which lines are shown.
pub(crate) fn draw_scrolled_popup(
    f: &mut Frame,
    t: &Theme,
    title: &str,
    lines: Vec<Line>,
    w: u16,
    h: u16,
    scroll: u16,
) {
    let area = centered(f.area(), w, h);
    f.render_widget(Clear, area);
    // Rows the lines take once wrapped (word wrapping may take a row more now and then).
    let inner_w = area.width.saturating_sub(2).max(1) as usize;
    let total = lines
        .iter()
        .map(|l| l.width().div_ceil(inner_w).max(1) as u16)
        .sum::<u16>();
    let shown = area.height.saturating_sub(2);
    let scroll = scroll.min(total.saturating_sub(shown));
    let title = if total > shown {
        let last = (scroll + shown).min(total);
        format!("{title}· j/k scroll {}-{last}/{total} ", scroll + 1)
    } else {
        title.to_string()
    };
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(t.border_focus)
        .title(Span::styled(title, t.accent))
        .style(t.base);
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        area,
    );
}
