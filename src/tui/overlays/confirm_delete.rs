//! Asking whether to delete a profile (`D` on it): `y` deletes, any other key keeps it.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::text::Line;

use crate::tui::app::App;
use crate::tui::component::{Component, Outcome};
use crate::tui::layout::Areas;
use crate::tui::profiles::ProfileRequest;
use crate::tui::tree::NodeId;
use crate::tui::ui::draw_popup;

pub struct ConfirmDelete {
    /// The profile node to delete.
    pub node: NodeId,
}

impl Component for ConfirmDelete {
    fn on_key(&mut self, key: &KeyEvent, app: &mut App) -> Outcome {
        let node = self.node;
        match (key.code, app.profile_name(node)) {
            (KeyCode::Char('y' | 'Y'), Some(name)) => {
                app.status.message = Some(format!("deleting profile {name}…"));
                app.push_profile_request(ProfileRequest::Delete { node, name });
            }
            _ => app.status.message = Some("nothing deleted".into()),
        }
        // Any key answers the question.
        Outcome::Close
    }

    fn draw(&self, f: &mut Frame, _areas: &Areas, app: &App) {
        let t = &app.theme;
        let name = app.tree.node(self.node).kind.title();
        let lines = vec![
            Line::raw(format!(
                "Delete profile '{name}' from the profile file, and its secrets from the keyring?"
            )),
            Line::raw(""),
            Line::styled("y deletes · any other key keeps it", t.dim),
        ];
        draw_popup(f, t, " Delete profile ", lines, 70, 6);
    }
}
