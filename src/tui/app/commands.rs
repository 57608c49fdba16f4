//! The palette's commands: completions, running a `:` line; and opening the export dialog and
//! the Traffic pane.

use super::*;
use crate::tui::overlays::export::Export;
use crate::tui::overlays::panes;

impl App {
    pub(super) fn open_export(&mut self) {
        self.export = Some(ExportDialog::for_selection(&self.tree, self.selected()));
        self.open(Overlay::Export(Export));
    }

    pub(super) fn open_traffic(&mut self) {
        self.traffic.sync();
        self.open(Overlay::Traffic(panes::Traffic));
    }

    /// The hub link of the selected node (the single-object link for objects).
    pub fn selected_link(&self) -> Option<String> {
        detail::links_of(self, self.selected()?)
            .first()
            .map(|(_, l)| l.clone())
    }

    /// Completions for the open palette's text (none typed when it is closed).
    pub fn palette_candidates(&self) -> Vec<palette::Candidate> {
        let typed = self.overlays.iter().rev().find_map(|o| match o {
            Overlay::Palette(p) => Some(p.input.value()),
            _ => None,
        });
        self.palette_completions(typed.unwrap_or(""))
    }

    /// Completions for `typed` in the palette: commands, then profiles' and apps' names.
    pub(crate) fn palette_completions(&self, typed: &str) -> Vec<palette::Candidate> {
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
        palette::complete(typed, &profiles, &apps)
    }

    pub(crate) fn run_command(&mut self, line: &str) {
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
