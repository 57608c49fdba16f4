//! The command palette (`:`): a line to type a command in, its completions above it, Tab to
//! take the highlighted one, Enter to run.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use tui_input::Input;

use crate::tui::app::{App, edit_input};
use crate::tui::component::{Component, Outcome};
use crate::tui::layout::Areas;
use crate::tui::palette::{self, Candidate};
use crate::tui::theme::{SELECTED_MARK, UNSELECTED_MARK};
use crate::tui::ui::draw_input_line;

/// Rows of the palette's list at most; the list scrolls to keep the pick in view.
const PALETTE_ROWS: usize = 10;

#[derive(Debug, Default)]
pub struct Palette {
    pub input: Input,
    /// The highlighted completion (wraps around the list).
    pub pick: usize,
}

impl Palette {
    /// A palette with `text` typed already (`:search ` for the search key).
    pub fn with(text: &str) -> Palette {
        Palette {
            input: Input::new(text.into()),
            pick: 0,
        }
    }

    /// What Enter runs: the line as typed when it names a command and argument exactly (or
    /// nothing completes it, e.g. an app id), else the highlighted completion — `:doc` runs
    /// `doctor`, `:app sal` opens "Sales Overview", as in k9s.
    fn line(&self, app: &App) -> String {
        let typed = self
            .input
            .value()
            .trim()
            .trim_start_matches(':')
            .to_string();
        let candidates = app.palette_completions(self.input.value());
        let exact = palette::names_a_command(&typed)
            || candidates
                .iter()
                .any(|c| c.line.trim().eq_ignore_ascii_case(&typed));
        if exact || candidates.is_empty() {
            typed
        } else {
            candidates[self.pick % candidates.len()].line.clone()
        }
    }
}

impl Component for Palette {
    fn on_key(&mut self, key: &KeyEvent, app: &mut App) -> Outcome {
        match key.code {
            KeyCode::Esc => return Outcome::Close,
            KeyCode::Tab => {
                let candidates = app.palette_completions(self.input.value());
                if let Some(c) = candidates.get(self.pick % candidates.len().max(1)) {
                    self.input = Input::new(c.line.clone());
                }
                self.pick = 0;
            }
            KeyCode::Up => self.pick = self.pick.saturating_sub(1),
            KeyCode::Down => self.pick += 1,
            KeyCode::Enter => {
                let line = self.line(app);
                // The palette is off the stack while this runs: what the command opens goes
                // where the palette was.
                app.run_command(&line);
                return Outcome::Close;
            }
            _ => {
                if edit_input(&mut self.input, key) {
                    self.pick = 0;
                }
            }
        }
        Outcome::Consumed
    }

    fn draw(&self, f: &mut Frame, areas: &Areas, app: &App) {
        let t = &app.theme;
        draw_input_line(
            f,
            app,
            areas.hints,
            ":",
            self.input.value(),
            "   Tab complete · Enter run · Esc cancel",
        );
        let candidates = app.palette_completions(self.input.value());
        if candidates.is_empty() {
            return;
        }
        let hints = areas.hints;
        let pick = self.pick % candidates.len();
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
            .map(|(i, c)| candidate_line(app, c, i == pick))
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
}

/// One completion: each command with its keys (as the keymap binds them now) and what it
/// does, so the palette teaches the keys.
fn candidate_line(app: &App, c: &Candidate, picked: bool) -> Line<'static> {
    let t = &app.theme;
    let mark = if picked {
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
    if picked { line.style(t.selected) } else { line }
}
