//! Drawing: a pure function of `&App`. Only the rows inside the tree's viewport are built, so a
//! frame costs the same for ten nodes or a hundred thousand.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Tabs, Wrap};

use super::action::Action;
use super::app::{App, Focus};
use super::component::Component;
use super::detail::{self, spinner};
use super::json_view::DLine;
use super::theme::{SELECTED_MARK, Theme, UNSELECTED_MARK};
use super::traffic_pair::format_ms;
use super::tree::{LoadState, Row};

pub fn draw(f: &mut Frame, app: &App) {
    let areas = app.areas();
    let t = &app.theme;
    f.render_widget(Block::new().style(t.base), f.area());
    draw_breadcrumb(f, app, areas.breadcrumb);
    if areas.tree.width > 0 {
        draw_tree(f, app, areas.tree);
    }
    if let Some(d) = areas.detail {
        draw_detail(f, app, d);
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

fn pane_block<'a>(title: String, focused: bool, t: &Theme) -> Block<'a> {
    Block::new()
        .borders(Borders::ALL)
        .border_style(if focused { t.border_focus } else { t.border })
        .title(Span::styled(title, if focused { t.accent } else { t.dim }))
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

fn draw_tree(f: &mut Frame, app: &App, area: Rect) {
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

/// Text from the engine or a certificate as the terminal may show it: control characters and
/// bidi overrides escaped (`\x1b`, `\u202e`), so the user sees that a title is odd.
fn safe(s: &str) -> String {
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
pub(super) fn shown_lines(
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

fn draw_detail(f: &mut Frame, app: &App, area: Rect) {
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
