//! The profile form overlay (`a` adds, `E` edits): one row per key, the error under its field;
//! once checked, the certificate facts and the confirming Enter. The form's draft is
//! `App::profile_form`, not held here: the save's reply (which may come after a key closed
//! nothing) clears it and closes this overlay.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::text::{Line, Span};

use crate::tui::app::{App, input_request};
use crate::tui::component::{Component, Outcome};
use crate::tui::layout::Areas;
use crate::tui::profile_form::{FormMode, ProfileForm, Stage};
use crate::tui::profiles::ProfileRequest;
use crate::tui::theme::{SELECTED_MARK, Theme, UNSELECTED_MARK};
use crate::tui::ui::draw_popup;

pub struct ProfileFormView;

impl Component for ProfileFormView {
    fn on_key(&mut self, e: &KeyEvent, app: &mut App) -> Outcome {
        let named = app.profile_nodes();
        let taken: Vec<String> = named.iter().map(|(_, n)| n.clone()).collect();
        let Some(form) = app.profile_form.as_mut() else {
            return Outcome::Close;
        };
        match (&form.stage, e.code) {
            // Cancel: nothing was written (saving happens only after the confirming Enter).
            (_, KeyCode::Esc) => {
                app.profile_form = None;
                app.status.message = Some("profile form cancelled; nothing saved".into());
                return Outcome::Close;
            }
            (Stage::Saving, _) => {}
            (Stage::Confirm { .. }, KeyCode::Enter) => {
                let Stage::Confirm {
                    profile,
                    secrets,
                    drop,
                    ..
                } = std::mem::replace(&mut form.stage, Stage::Saving)
                else {
                    return Outcome::Consumed;
                };
                let node = match &form.mode {
                    FormMode::Edit(old) => named.iter().find(|(_, n)| n == old).map(|(id, _)| *id),
                    FormMode::Add => None,
                };
                let mode = form.mode.clone();
                app.push_profile_request(ProfileRequest::Save {
                    node,
                    mode,
                    profile,
                    secrets,
                    drop,
                });
            }
            // Any other key goes back to editing.
            (Stage::Confirm { .. }, _) => form.stage = Stage::Editing,
            (Stage::Editing, KeyCode::Enter) => form.check(&taken),
            (Stage::Editing, KeyCode::Tab | KeyCode::Down) => form.next(1),
            (Stage::Editing, KeyCode::BackTab | KeyCode::Up) => form.next(-1),
            (Stage::Editing, _) => {
                if let Some(req) = input_request(e) {
                    form.focused_mut().input.handle(req);
                }
            }
        }
        Outcome::Consumed
    }

    fn draw(&self, f: &mut Frame, _areas: &Areas, app: &App) {
        let t = &app.theme;
        let Some(form) = &app.profile_form else {
            return;
        };
        let title = match &form.mode {
            FormMode::Add => " Add profile ".to_string(),
            FormMode::Edit(name) => format!(" Edit profile {name} "),
        };
        let lines = match &form.stage {
            Stage::Confirm { .. } => confirm_lines(form, t),
            _ => field_lines(form, t),
        };
        let h = lines.len() as u16 + 4;
        draw_popup(f, t, &title, lines, 124, h);
    }
}

/// The checked profile and what goes to the keyring, before the confirming Enter.
fn confirm_lines(form: &ProfileForm, t: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let Stage::Confirm {
        profile,
        facts,
        secrets,
        ..
    } = &form.stage
    else {
        return lines;
    };
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
    let user = crate::tui::profile_form::user_of(profile);
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
    lines
}

/// The fields that apply to the chosen auth mode, each with its error if it has one.
fn field_lines(form: &ProfileForm, t: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
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
    lines
}
