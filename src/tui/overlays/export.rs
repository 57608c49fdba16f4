//! The export dialog (`e`): what to export, the format and file; then the export's progress,
//! and its outcome (with `o` to open the written file's folder).

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::text::{Line, Span};

use crate::tui::app::{App, Effect, edit_input};
use crate::tui::component::{Component, Outcome};
use crate::tui::detail::spinner;
use crate::tui::domain::Request;
use crate::tui::export_dialog::ExportState;
use crate::tui::layout::Areas;
use crate::tui::ui::draw_popup;

/// The open dialog. Its state is `App::export` (kept there, not here, because the export's
/// progress and outcome replies feed it by name, and it outlives the key that started it).
pub struct Export;

impl Component for Export {
    fn on_key(&mut self, e: &KeyEvent, app: &mut App) -> Outcome {
        let Some(d) = app.export.as_mut() else {
            return Outcome::Close;
        };
        match (&d.state, e.code) {
            (ExportState::Editing, KeyCode::Esc) => return Outcome::Close,
            (ExportState::Editing, KeyCode::Tab) => d.next_format(),
            (ExportState::Editing, KeyCode::Enter) => {
                d.state = ExportState::Running(Default::default());
                let path = d.target();
                d.written = Some(path.clone());
                let request = Request::Export {
                    scope: d.scope.clone(),
                    format: d.format,
                    path,
                    cancel: d.cancel.clone(),
                };
                app.push_request(request);
            }
            (ExportState::Editing, _) => {
                edit_input(&mut d.path, e);
            }
            (ExportState::Running(_), KeyCode::Esc) => d.cancel.cancel(),
            (ExportState::Running(_), _) => {}
            // A finished export closes like any dialog; `o` opens the written file's folder.
            (ExportState::Done(_), KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q')) => {
                return Outcome::Close;
            }
            (ExportState::Done(Ok(_)), KeyCode::Char('o')) => {
                if let Some(file) = d.written.clone() {
                    let folder = file
                        .parent()
                        .map(std::path::Path::to_path_buf)
                        .unwrap_or_default();
                    app.status.message = Some(format!(
                        "opening the folder of {} ({})",
                        file.display(),
                        folder.display()
                    ));
                    app.push_effect(Effect::OpenFolder { folder, file });
                }
                return Outcome::Close;
            }
            (ExportState::Done(_), _) => {}
        }
        Outcome::Consumed
    }

    fn draw(&self, f: &mut Frame, _areas: &Areas, app: &App) {
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
}
