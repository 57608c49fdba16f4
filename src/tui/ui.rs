//! Drawing: a pure function of `&App`. Only the rows inside the tree's viewport are built, so a
//! frame costs the same for ten nodes or a hundred thousand.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Tabs, Wrap};

use super::action::Action;
use super::app::{App, Focus, Mode};
use super::detail::{self, spinner};
use super::export_dialog::ExportState;
use super::json_view::DLine;
use super::layout::Areas;
use super::profile_form::{FormMode, Stage};
use super::theme::{SELECTED_MARK, Theme, UNSELECTED_MARK};
use super::traffic_pair::format_ms;
use super::tree::{LoadState, Row};
use crate::explore::doctor::Status;

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
    match app.mode {
        Mode::Help => draw_help(f, app),
        Mode::Palette => draw_palette(f, app, areas.hints),
        Mode::Doctor => draw_doctor(f, app),
        Mode::Export => draw_export(f, app),
        Mode::SearchResults | Mode::Traffic | Mode::Diff => {
            let main = over_panes(f, &areas);
            match app.mode {
                Mode::Traffic => super::traffic_view::draw(f, main, &app.traffic, t),
                Mode::Diff => {
                    if let Some(v) = &app.diff_view {
                        v.draw(f, main, t, app.ticks);
                    }
                }
                _ => {
                    if let Some(p) = &app.search_pane {
                        p.draw(f, main, t, app.ticks);
                    }
                }
            }
        }
        Mode::ProfileForm => draw_profile_form(f, app),
        Mode::ConfirmDelete(node) => {
            let name = app.tree.node(node).kind.title();
            let lines = vec![
                Line::raw(format!(
                    "Delete profile '{name}' from the profile file, and its secrets from the keyring?"
                )),
                Line::raw(""),
                Line::styled("y deletes · any other key keeps it", t.dim),
            ];
            draw_popup(f, t, " Delete profile ", lines, 70, 6);
        }
        _ => {}
    }
}

/// Over both panes: between the breadcrumb and the status bar (search, traffic, diff).
fn over_panes(f: &Frame, areas: &Areas) -> Rect {
    let top = areas.breadcrumb.y + areas.breadcrumb.height;
    Rect::new(0, top, f.area().width, areas.status.y.saturating_sub(top))
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
    let line = match app.mode {
        Mode::Filter => Line::from(vec![
            Span::styled("/", t.accent),
            Span::raw(app.filter.value().to_string()),
            Span::styled("█", t.dim),
            Span::styled("   Enter keep · Esc clear", t.dim),
        ]),
        Mode::Search => Line::from(vec![
            Span::styled("search: ", t.accent),
            Span::raw(app.search.value().to_string()),
            Span::styled("█", t.dim),
            Span::styled("   Enter next · Esc close", t.dim),
        ]),
        Mode::Palette => Line::from(vec![
            Span::styled(":", t.accent),
            Span::raw(app.palette.value().to_string()),
            Span::styled("█", t.dim),
            Span::styled("   Tab complete · Enter run · Esc cancel", t.dim),
        ]),
        _ => {
            let mut spans = Vec::new();
            for (k, what) in app.keymap.hints(&HINT_ACTIONS) {
                spans.push(Span::styled(k, t.key));
                spans.push(Span::styled(format!(" {what}  "), t.dim));
            }
            Line::from(spans)
        }
    };
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

fn draw_popup(f: &mut Frame, t: &Theme, title: &str, lines: Vec<Line>, w: u16, h: u16) {
    draw_scrolled_popup(f, t, title, lines, w, h, 0);
}

/// A popup showing its lines from `scroll` on; when they do not all fit, the title says how
/// to scroll and which lines are shown.
fn draw_scrolled_popup(
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

/// The profile form: one row per key, the error under its field; once checked, the
/// certificate facts and the confirming Enter.
fn draw_profile_form(f: &mut Frame, app: &App) {
    let t = &app.theme;
    let Some(form) = &app.profile_form else {
        return;
    };
    let title = match &form.mode {
        FormMode::Add => " Add profile ".to_string(),
        FormMode::Edit(name) => format!(" Edit profile {name} "),
    };
    let mut lines = Vec::new();
    match &form.stage {
        Stage::Confirm {
            profile,
            facts,
            secrets,
            ..
        } => {
            lines.push(Line::styled(
                format!("Save profile '{}'?", profile.name),
                t.accent,
            ));
            lines.push(Line::raw(format!(
                "  {:<16}{}",
                "engine_url", profile.engine_url
            )));
            lines.push(Line::raw(format!(
                "  {:<16}{}",
                "auth",
                profile.auth.as_str()
            )));
            let user = super::profile_form::user_of(profile);
            lines.push(Line::raw(format!("  {:<16}{}", "user", user)));
            lines.push(Line::raw(""));
            if facts.is_empty() {
                let kinds: Vec<&str> = secrets.kinds().map(|k| k.label()).collect();
                lines.push(if kinds.is_empty() {
                    Line::styled("Secrets: unchanged", t.dim)
                } else {
                    Line::raw(format!("Secrets (go to the keyring): {}", kinds.join(", ")))
                });
            } else {
                lines.push(Line::styled("Certificate (goes to the keyring):", t.accent));
                for (label, value) in facts {
                    let style = if *label == "warning" { t.warn } else { t.base };
                    lines.push(Line::styled(format!("  {label:<14}{value}"), style));
                }
            }
            lines.push(Line::raw(""));
            lines.push(Line::styled(
                "Enter saves · any other key goes back to the form · Esc cancels",
                t.dim,
            ));
        }
        _ => {
            for (i, field) in form.fields.iter().enumerate() {
                if !form.applies(field.key) {
                    continue;
                }
                let focused = i == form.focus;
                let mut spans = vec![
                    Span::raw(if focused {
                        SELECTED_MARK
                    } else {
                        UNSELECTED_MARK
                    }),
                    Span::styled(format!("{:<16}", field.key), t.key),
                ];
                let shown = field.shown();
                if shown.is_empty() && !focused {
                    spans.push(Span::styled(field.hint, t.dim));
                } else {
                    spans.push(Span::styled(shown, t.base));
                }
                if focused {
                    spans.push(Span::styled("█", t.dim));
                }
                let mut line = Line::from(spans);
                if focused {
                    line = line.patch_style(t.selected);
                }
                lines.push(line);
                if let Some(e) = form.error.as_ref().filter(|e| e.key == field.key) {
                    lines.push(Line::styled(
                        format!("    ✗ {}: {}", e.key, e.message),
                        t.error,
                    ));
                }
            }
            if let Some(e) = form.error.as_ref().filter(|e| e.key.is_empty()) {
                lines.push(Line::styled(format!("✗ {}", e.message), t.error));
            }
            lines.push(Line::raw(""));
            lines.push(Line::styled(
                if matches!(form.stage, Stage::Saving) {
                    "saving…"
                } else {
                    "Tab next · Enter check · Esc cancel (nothing is saved until you confirm)"
                },
                t.dim,
            ));
        }
    }
    let h = lines.len() as u16 + 4;
    draw_popup(f, t, &title, lines, 124, h);
}

fn draw_help(f: &mut Frame, app: &App) {
    let t = &app.theme;
    let mut lines = Vec::new();
    // The palette's rows, in its order: keys as bound now, the command, what it does.
    for b in crate::tui::bindings::BINDINGS {
        let keys: Vec<String> = b
            .action
            .map(|a| app.keymap.keys_for(a))
            .unwrap_or_default()
            .iter()
            .map(|k| k.display())
            .collect();
        let command = match b.arg {
            Some(arg) => format!(":{} {arg}", b.command),
            None => format!(":{}", b.command),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{:<10}", keys.join(" ")), t.key),
            Span::styled(format!("{command:<20}"), t.accent),
            Span::raw(b.about),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::styled(
        "Detail pane: Enter folds JSON, / searches. Filter: Esc clears.",
        t.dim,
    ));
    lines.push(Line::styled(
        format!("Keymap file: {}", crate::paths::keymap_path().display()),
        t.dim,
    ));
    let h = lines.len() as u16 + 2;
    draw_scrolled_popup(
        f,
        t,
        " Help — keys and : commands (Esc closes) ",
        lines,
        84,
        h,
        app.popup_scroll,
    );
}

/// Rows of the palette's list at most; the list scrolls to keep the pick in view.
const PALETTE_ROWS: usize = 10;

/// The palette's completions: each command with its keys (as the keymap binds them now) and
/// what it does, so the palette teaches the keys.
fn draw_palette(f: &mut Frame, app: &App, hints: Rect) {
    let t = &app.theme;
    let candidates = app.palette_candidates();
    if candidates.is_empty() {
        return;
    }
    let pick = app.palette_pick % candidates.len();
    let first = (pick + 1).saturating_sub(PALETTE_ROWS);
    let shown = candidates.len().min(PALETTE_ROWS);
    let w = hints.width.min(84);
    let area = Rect::new(
        hints.x,
        hints.y.saturating_sub(shown as u16 + 2),
        w,
        shown as u16 + 2,
    );
    f.render_widget(Clear, area);
    let lines: Vec<Line> = candidates
        .iter()
        .enumerate()
        .skip(first)
        .take(shown)
        .map(|(i, c)| {
            let mark = if i == pick {
                SELECTED_MARK
            } else {
                UNSELECTED_MARK
            };
            let mut spans = vec![Span::raw(mark)];
            match c.binding {
                Some(b) => {
                    let name = match b.arg {
                        Some(arg) => format!("{} {arg}", b.command),
                        None => b.command.to_string(),
                    };
                    let keys = b
                        .action
                        .map(|a| app.keymap.keys_for(a))
                        .unwrap_or_default()
                        .iter()
                        .map(|k| k.display())
                        .collect::<Vec<_>>()
                        .join(" ");
                    spans.push(Span::raw(format!("{name:<16}")));
                    spans.push(Span::styled(format!("{keys:<9}"), t.key));
                    spans.push(Span::styled(b.about, t.dim));
                }
                None => spans.push(Span::raw(c.line.clone())),
            }
            let line = Line::from(spans);
            if i == pick {
                line.style(t.selected)
            } else {
                line
            }
        })
        .collect();
    let title = format!(" commands {}/{} ", pick + 1, candidates.len());
    f.render_widget(
        Paragraph::new(lines).block(
            Block::new()
                .borders(Borders::ALL)
                .border_style(t.border_focus)
                .title(title)
                .style(t.base),
        ),
        area,
    );
}

fn draw_export(f: &mut Frame, app: &App) {
    let t = &app.theme;
    let Some(d) = &app.export else { return };
    let mut lines = vec![
        Line::from(vec![
            Span::styled("what    ", t.dim),
            Span::raw(d.what.clone()),
        ]),
        Line::from(vec![
            Span::styled("format  ", t.dim),
            Span::styled(d.format.name(), t.accent),
            Span::styled("   (Tab: json, ndjson, csv, md)", t.dim),
        ]),
        Line::from(vec![
            Span::styled("file    ", t.dim),
            Span::raw(d.path.value().to_string()),
            Span::styled(
                if d.state == ExportState::Editing {
                    "█"
                } else {
                    ""
                },
                t.dim,
            ),
        ]),
        Line::from(""),
    ];
    match &d.state {
        ExportState::Editing => lines.push(Line::styled("Enter exports · Esc closes", t.dim)),
        ExportState::Running(p) => lines.push(Line::styled(
            format!(
                "{} apps {}/{} · sheets {} · objects {} · Esc cancels",
                spinner(app.ticks),
                p.apps_done,
                p.apps_total,
                p.sheets_done,
                p.objects_done
            ),
            t.warn,
        )),
        ExportState::Done(Ok(s)) => {
            lines.push(Line::styled(format!("✓ wrote {}", d.summary(s)), t.ok));
            lines.push(Line::styled(
                "o opens its folder · Enter, q or Esc closes",
                t.dim,
            ));
        }
        ExportState::Done(Err(e)) => {
            lines.push(Line::styled(format!("✗ error: {e}"), t.error));
            lines.push(Line::styled("Enter, q or Esc closes", t.dim));
        }
    }
    draw_popup(f, t, " Export ", lines, 96, 10);
}

fn draw_doctor(f: &mut Frame, app: &App) {
    let t = &app.theme;
    let mut lines = Vec::new();
    for s in &app.doctor.steps {
        let style = match s.status {
            Status::Ok => t.ok,
            Status::Fail => t.error,
            Status::Warn => t.warn,
            Status::Skip => t.dim,
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!("{} {:<11}", s.status.symbol(), s.step.as_str()),
                style,
            ),
            Span::raw(s.detail.clone()),
        ]));
        if let Some(h) = &s.hint {
            lines.push(Line::styled(format!("              → {h}"), t.dim));
        }
    }
    match &app.doctor.report {
        None => lines.push(Line::styled(
            format!("{} checking…", spinner(app.ticks)),
            t.warn,
        )),
        Some(r) if r.ok => lines.push(Line::styled("all checks passed", t.ok)),
        Some(r) => lines.push(Line::styled(
            format!("failed: {}", r.cause.map(|c| c.code()).unwrap_or("unknown")),
            t.error,
        )),
    }
    let area = f.area();
    draw_scrolled_popup(
        f,
        t,
        " Doctor (Esc closes) ",
        lines,
        area.width.saturating_sub(4),
        area.height.saturating_sub(4),
        app.popup_scroll,
    );
}
