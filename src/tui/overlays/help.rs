//! The help overlay (`?`): every key as bound now and every `:` command, scrollable.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::text::{Line, Span};

use crate::tui::app::App;
use crate::tui::component::{Component, Outcome};
use crate::tui::layout::Areas;
use crate::tui::ui::draw_scrolled_popup;

#[derive(Debug, Default)]
pub struct Help {
    /// First line shown (the help can be taller than the terminal).
    pub scroll: u16,
}

impl Component for Help {
    fn on_key(&mut self, key: &KeyEvent, _app: &mut App) -> Outcome {
        super::scroll_popup(&mut self.scroll, key.code)
    }

    fn draw(&self, f: &mut Frame, _areas: &Areas, app: &App) {
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
            self.scroll,
        );
    }
}
