//! The palette's commands and the export dialog: completions, running a `:` line, and the
//! dialog's keys.

use super::*;
use crate::tui::traffic_pane::Outcome;

impl App {
    pub(super) fn open_export(&mut self) {
        self.export = Some(ExportDialog::for_selection(&self.tree, self.selected()));
        self.mode = Mode::Export;
    }

    pub(super) fn on_export_key(&mut self, e: &KeyEvent) {
        let Some(d) = self.export.as_mut() else {
            self.mode = Mode::Normal;
            return;
        };
        match (&d.state, e.code) {
            (ExportState::Editing, KeyCode::Esc) => self.mode = Mode::Normal,
            (ExportState::Editing, KeyCode::Tab) => d.next_format(),
            (ExportState::Editing, KeyCode::Enter) => {
                d.state = ExportState::Running(Default::default());
                let path = d.target();
                d.written = Some(path.clone());
                self.requests.push(Request::Export {
                    scope: d.scope.clone(),
                    format: d.format,
                    path,
                    cancel: d.cancel.clone(),
                });
            }
            (ExportState::Editing, _) => {
                edit_input(&mut d.path, e);
            }
            (ExportState::Running(_), KeyCode::Esc) => d.cancel.cancel(),
            (ExportState::Running(_), _) => {}
            // A finished export closes like any dialog; `o` opens the written file's folder.
            (ExportState::Done(_), KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q')) => {
                self.mode = Mode::Normal
            }
            (ExportState::Done(Ok(_)), KeyCode::Char('o')) => {
                if let Some(file) = d.written.clone() {
                    let folder = file
                        .parent()
                        .map(std::path::Path::to_path_buf)
                        .unwrap_or_default();
                    self.status.message = Some(format!(
                        "opening the folder of {} ({})",
                        file.display(),
                        folder.display()
                    ));
                    self.effects.push(Effect::OpenFolder { folder, file });
                }
                self.mode = Mode::Normal;
            }
            (ExportState::Done(_), _) => {}
        }
    }

    pub(super) fn open_traffic(&mut self) {
        self.traffic.sync();
        self.mode = Mode::Traffic;
    }

    pub(super) fn on_traffic_key(&mut self, e: &KeyEvent) {
        let page = self.size.height.saturating_sub(8) as usize;
        match self.traffic.on_key(e, page) {
            Outcome::None => {}
            Outcome::Close => self.mode = Mode::Normal,
            Outcome::Copy { text, message } => {
                self.status.message = Some(message);
                self.effects.push(Effect::Copy(text));
            }
            Outcome::Message(m) => self.status.message = Some(m),
        }
    }

    /// The hub link of the selected node (the single-object link for objects).
    pub fn selected_link(&self) -> Option<String> {
        detail::links_of(self, self.selected()?)
            .first()
            .map(|(_, l)| l.clone())
    }

    /// Completions for the palette's current text.
    pub fn palette_candidates(&self) -> Vec<palette::Candidate> {
        let apps: Vec<String> = self
            .tree
            .reachable()
            .into_iter()
            .filter_map(|id| match &self.tree.node(id).kind {
                NodeKind::App(a) => Some(a.name.clone()),
                _ => None,
            })
            .collect();
        let profiles: Vec<String> = self
            .tree
            .roots()
            .iter()
            .map(|&id| self.tree.node(id).kind.title())
            .collect();
        palette::complete(self.palette.value(), &profiles, &apps)
    }

    /// What Enter runs: the line as typed when it names a command and argument exactly (or
    /// nothing completes it, e.g. an app id), else the highlighted completion — `:doc` runs
    /// `doctor`, `:app sal` opens "Sales Overview", as in k9s.
    pub(super) fn palette_line(&self) -> String {
        let typed = self
            .palette
            .value()
            .trim()
            .trim_start_matches(':')
            .to_string();
        let candidates = self.palette_candidates();
        let exact = palette::names_a_command(&typed)
            || candidates
                .iter()
                .any(|c| c.line.trim().eq_ignore_ascii_case(&typed));
        if exact || candidates.is_empty() {
            typed
        } else {
            candidates[self.palette_pick % candidates.len()]
                .line
                .clone()
        }
    }

    pub(super) fn run_command(&mut self, line: &str) {
        match palette::parse(line) {
            Ok(palette::Command::Run(action)) => self.update(action),
            Ok(palette::Command::Eval(expression)) => {
                match self
                    .selected_kind()
                    .and_then(|k| k.app_id())
                    .map(str::to_string)
                {
                    Some(app) => {
                        self.status.message = Some(format!("evaluating {expression}…"));
                        self.requests.push(Request::Eval { app, expression });
                    }
                    None => {
                        self.status.message = Some(
                            ":eval works on an app: select the app (or anything in it) first"
                                .into(),
                        )
                    }
                }
            }
            Ok(palette::Command::Search(pattern)) => self.start_search(&pattern),
            Ok(palette::Command::Diff { profile, app }) => self.start_diff(&profile, app),
            Ok(palette::Command::Profile(name)) => {
                let found = self
                    .tree
                    .roots()
                    .iter()
                    .copied()
                    .find(|&id| self.tree.node(id).kind.title().eq_ignore_ascii_case(&name));
                match found {
                    Some(id) => {
                        self.tree.clear_filter();
                        self.filter.reset();
                        self.rebuild_keeping_selection();
                        self.select(id);
                        if self.connected != Some(id) {
                            self.connect(id);
                        }
                    }
                    None => self.status.message = Some(format!("no profile named '{name}'")),
                }
            }
            Ok(palette::Command::App(name)) => {
                let found = self.tree.reachable().into_iter().find(|&id| {
                    matches!(&self.tree.node(id).kind, NodeKind::App(a)
                        if a.name.eq_ignore_ascii_case(&name) || a.id == name)
                });
                match found {
                    Some(id) => {
                        self.tree.clear_filter();
                        self.filter.reset();
                        for a in self.tree.ancestry(id) {
                            if a != id {
                                self.tree.node_mut(a).expanded = true;
                            }
                        }
                        self.expand(id);
                        self.select(id);
                    }
                    None => self.status.message = Some(format!("no app named '{name}'")),
                }
            }
            Err(e) => self.status.message = Some(e),
        }
    }
}
