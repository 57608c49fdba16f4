//! The profile overlays' actions: the add/edit form, deleting, testing, the doctor on a profile,
//! and what their replies change.

use super::*;
use crate::tui::overlays::confirm_delete::ConfirmDelete;
use crate::tui::overlays::doctor::Doctor;

impl App {
    /// Edit, delete or test the profile the selection is in.
    pub(super) fn on_profile_action(&mut self, action: Action) {
        let Some(node) = self.selected().map(|id| self.tree.ancestry(id)[0]) else {
            return;
        };
        let Some(name) = self.profile_name(node) else {
            return;
        };
        if self.profiles_file.is_none() {
            self.status.message = Some(format!(
                "'{name}' is the built-in demo: run `qlik-tui` for your own profiles"
            ));
            return;
        }
        match action {
            Action::EditProfile => {
                self.status.message = Some(format!("loading profile {name}…"));
                self.profile_requests
                    .push(ProfileRequest::Load { node, name });
            }
            Action::DeleteProfile => self.open(Overlay::ConfirmDelete(ConfirmDelete { node })),
            Action::DoctorProfile => self.start_doctor(Some(name)),
            _ => {
                self.tested.remove(&node);
                self.status.message = Some(format!("testing profile {name}…"));
                self.profile_requests
                    .push(ProfileRequest::Test { node, name });
            }
        }
    }

    /// Opens the doctor view and starts a walk: on the named profile (resolved afresh, so a
    /// profile that fails to connect can be diagnosed), or on the connected site.
    pub(super) fn start_doctor(&mut self, profile: Option<String>) {
        self.open(Overlay::Doctor(Doctor::default()));
        match profile {
            Some(name) => self.profile_requests.push(ProfileRequest::Doctor { name }),
            None => self.requests.push(Request::Doctor),
        }
    }

    /// The profiles shown: node and name.
    pub(crate) fn profile_nodes(&self) -> Vec<(NodeId, String)> {
        self.tree
            .roots()
            .iter()
            .filter_map(|&id| Some((id, self.profile_name(id)?)))
            .collect()
    }

    /// Pasted text (bracketed paste) goes whole into the focused form field.
    pub fn on_paste(&mut self, text: &str) {
        if self.mode() != Mode::ProfileForm {
            return;
        }
        if let Some(form) = self.profile_form.as_mut()
            && matches!(form.stage, Stage::Editing)
        {
            // Appended in place: no plain copy of a pasted key or passphrase is made.
            form.focused_mut().input.push_str(text);
        }
    }

    pub(super) fn on_profile_saved(
        &mut self,
        node: Option<NodeId>,
        profile: crate::profile::store::Profile,
        result: Result<(), String>,
    ) {
        let name = profile.name.clone();
        match result {
            Ok(()) => {
                if let Some(old) = node.and_then(|id| self.profile_name(id)) {
                    self.profile_settings.remove(&old);
                }
                self.profile_settings.insert(name.clone(), profile);
                self.profile_form = None;
                self.close(Mode::ProfileForm);
                let id = match node {
                    Some(id) => {
                        self.tree
                            .set_kind(id, NodeKind::Profile { name: name.clone() });
                        id
                    }
                    None => self.tree.add_root(NodeKind::Profile { name: name.clone() }),
                };
                self.status.message = Some(format!("saved profile {name}"));
                self.rebuild_keeping_selection();
                self.select(id);
                // An edited connected profile connects again with what was saved.
                if self.connected == Some(id) {
                    self.connect(id);
                }
            }
            Err(e) => {
                if let Some(f) = self.profile_form.as_mut() {
                    f.stage = Stage::Editing;
                    f.error = Some(FieldError {
                        key: "",
                        message: format!("not saved: {e}"),
                    });
                }
            }
        }
    }

    pub(super) fn on_profile_deleted(
        &mut self,
        node: NodeId,
        name: String,
        result: Result<(), String>,
    ) {
        match result {
            Ok(()) => {
                if self.connecting == Some(node) {
                    self.connecting = None;
                }
                if self.connected == Some(node) {
                    self.connected = None;
                    self.site = None;
                    self.epoch += 1;
                    self.status.site = None;
                    self.status.session = "not connected".into();
                }
                self.tree.remove_root(node);
                self.profile_settings.remove(&name);
                self.tested.remove(&node);
                self.status.message =
                    Some(format!("deleted profile {name} and its keyring entries"));
                self.rebuild_keeping_selection();
            }
            Err(e) => {
                self.status.last_error = Some(format!("profile {name} not deleted: {e}"));
            }
        }
    }
}
