//! The doctor overlay (`:doctor`): the checks of a profile or of the connected site as their
//! steps arrive, then the verdict.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::text::{Line, Span};

use crate::explore::doctor::{Report, Status, StepResult};
use crate::tui::app::App;
use crate::tui::component::{Component, Outcome};
use crate::tui::detail::spinner;
use crate::tui::layout::Areas;
use crate::tui::ui::draw_scrolled_popup;

#[derive(Debug, Default)]
pub struct Doctor {
    pub steps: Vec<StepResult>,
    pub report: Option<Report>,
    /// First line shown (the steps can be taller than the terminal).
    pub scroll: u16,
}

impl Doctor {
    pub fn on_step(&mut self, step: StepResult) {
        self.steps.push(step);
    }

    pub fn on_done(&mut self, report: Report) {
        // A profile that could not be resolved has no live steps: show the report's.
        if self.steps.len() < report.steps.len() {
            self.steps = report.steps.clone();
        }
        self.report = Some(report);
    }
}

impl Component for Doctor {
    fn on_key(&mut self, key: &KeyEvent, _app: &mut App) -> Outcome {
        super::scroll_popup(&mut self.scroll, key.code)
    }

    fn draw(&self, f: &mut Frame, _areas: &Areas, app: &App) {
        let t = &app.theme;
        let mut lines = Vec::new();
        for s in &self.steps {
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
        match &self.report {
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
            self.scroll,
        );
    }
}
