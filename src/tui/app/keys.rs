//! Keys, mouse and actions: the overlay stack takes keys first, top down; with it empty the
//! base view's components (the focused detail pane, then the tree) take them, and what neither
//! takes is one of the app's own actions (`app_action`).

use super::*;
use crate::tui::base::detail_pane::DetailPane;
use crate::tui::base::tree_pane::TreePane;
use crate::tui::component::{Component, Outcome};
use crate::tui::overlays::help::Help;
use crate::tui::overlays::palette::Palette;
use crate::tui::overlays::profile_form::ProfileFormView;

impl App {
    pub fn on_key(&mut self, e: KeyEvent) {
        let key = Key::from_event(&e);
        let ctrl_c = key.code == KeyCode::Char('c') && key.mods.contains(KeyModifiers::CONTROL);
        if ctrl_c && !self.overlays.is_empty() {
            self.quit = true;
            return;
        }
        // The overlays, top first: each is taken off the stack while it handles the key, so it
        // can change the shared state and open others; it goes back where it was unless it
        // closed.
        let mut depth = self.overlays.len();
        while depth > 0 {
            depth -= 1;
            let mut overlay = self.overlays.remove(depth);
            match overlay.on_key(&e, self) {
                Outcome::Consumed => {
                    self.overlays
                        .insert(depth.min(self.overlays.len()), overlay);
                    return;
                }
                Outcome::Close => return,
                Outcome::CloseThen(actions) => {
                    for a in actions {
                        self.update(a);
                    }
                    return;
                }
                Outcome::Pass => self
                    .overlays
                    .insert(depth.min(self.overlays.len()), overlay),
            }
        }
        // The base view: the focused detail pane first, then the tree; the keymap turns what
        // neither takes into one of the app's own actions.
        if self.focus == Focus::Detail && DetailPane.on_key(&e, self) != Outcome::Pass {
            return;
        }
        if TreePane.on_key(&e, self) != Outcome::Pass {
            return;
        }
        if let Some(a) = self.keymap.action(&key) {
            self.app_action(a);
        }
    }

    pub fn on_mouse(&mut self, m: MouseEvent) {
        if !self.mouse || !self.overlays.is_empty() {
            return;
        }
        let areas = self.areas();
        let pos = Position::new(m.column, m.row);
        match m.kind {
            MouseEventKind::ScrollDown => self.update(Action::Down),
            MouseEventKind::ScrollUp => self.update(Action::Up),
            MouseEventKind::Down(_) => {
                if areas.tree.contains(pos) {
                    self.focus = Focus::Tree;
                    let inner_top = areas.tree.y + 1;
                    if m.row >= inner_top {
                        let row = self.scroll + (m.row - inner_top) as usize;
                        if row < self.tree.row_count() {
                            if row == self.cursor {
                                self.update(Action::Expand);
                            } else {
                                self.move_to(row);
                            }
                        }
                    }
                } else if areas.detail.is_some_and(|d| d.contains(pos)) {
                    self.focus = Focus::Detail;
                }
            }
            _ => {}
        }
    }

    /// The lines of the detail pane as they are now (used for cursor bounds and search).
    pub fn detail_lines(&self) -> Vec<crate::tui::json_view::DLine> {
        detail::lines(self)
    }

    pub(crate) fn search_next(&mut self, from: usize) {
        let q = self.search.value().to_lowercase();
        if q.is_empty() {
            return;
        }
        let lines = self.detail_lines();
        let n = lines.len();
        let found = (0..n)
            .map(|k| (from + k) % n.max(1))
            .find(|&i| lines[i].text().to_lowercase().contains(&q));
        match found {
            Some(i) => self.detail_move(i as isize - self.detail_cursor as isize),
            None => self.status.message = Some(format!("not found: {q}")),
        }
    }

    pub(crate) fn detail_move(&mut self, delta: isize) {
        let n = self.detail_lines().len();
        if self.tab == Tab::Data && delta > 0 && self.detail_cursor + 2 >= n {
            self.more_data_rows();
        }
        let h = self.areas().detail_rows().max(1);
        let c = (self.detail_cursor as isize + delta).clamp(0, n.saturating_sub(1) as isize);
        self.detail_cursor = c as usize;
        if self.detail_cursor < self.detail_scroll {
            self.detail_scroll = self.detail_cursor;
        } else if self.detail_cursor >= self.detail_scroll + h {
            self.detail_scroll = self.detail_cursor + 1 - h;
        }
    }

    /// Past the last row of the Data tab: read another page's worth of rows, if there are more.
    pub(super) fn more_data_rows(&mut self) {
        let Some(id) = self.selected() else { return };
        let limit = self.data_limit(id);
        let more = matches!(
            self.details.get(&(id, Part::Data(limit))),
            Some(Load::Ready(v)) if detail::data_has_more(v)
        );
        if more {
            self.data_limits.insert(id, limit + DATA_PAGE_ROWS);
            self.request_detail();
        }
    }

    /// Jumps to the item the detail line under the cursor names, if it names one.
    pub(crate) fn jump_from_line(&mut self) -> bool {
        let lines = self.detail_lines();
        let Some(place) = lines.get(self.detail_cursor).and_then(|l| l.goto.clone()) else {
            return false;
        };
        self.jump_to(place);
        true
    }

    pub(crate) fn toggle_fold(&mut self) -> bool {
        let lines = self.detail_lines();
        let Some(path) = lines.get(self.detail_cursor).and_then(|l| l.fold.clone()) else {
            return false;
        };
        if !self.folded.remove(&path) {
            self.folded.insert(path);
        }
        true
    }

    pub(super) fn set_tab(&mut self, step: isize) {
        let Some(kind) = self.selected_kind() else {
            return;
        };
        let tabs = detail::tabs_for(kind);
        let i = tabs.iter().position(|t| *t == self.tab).unwrap_or(0) as isize;
        let n = tabs.len() as isize;
        self.tab = tabs[((i + step) % n + n) as usize % tabs.len()];
        self.detail_cursor = 0;
        self.detail_scroll = 0;
        self.detail_hscroll = 0;
        self.folded.clear();
        self.request_detail();
    }

    /// Runs an action as if its key was pressed with no overlay open: the focused detail pane
    /// takes it first, then the tree, then the app.
    pub fn update(&mut self, action: Action) {
        if self.focus == Focus::Detail && DetailPane.on_action(action, self) != Outcome::Pass {
            return;
        }
        if TreePane.on_action(action, self) != Outcome::Pass {
            return;
        }
        self.app_action(action);
    }

    /// The actions that belong to neither pane: focus, tabs, overlays, yanks, profiles, theme.
    fn app_action(&mut self, action: Action) {
        match action {
            Action::FocusNext => {
                self.focus = match self.focus {
                    Focus::Tree => Focus::Detail,
                    Focus::Detail => Focus::Tree,
                };
                self.keep_cursor_visible();
            }
            Action::NextTab => self.set_tab(1),
            Action::PrevTab => self.set_tab(-1),
            Action::Palette => self.open(Overlay::Palette(Palette::default())),
            Action::Search => self.open(Overlay::Palette(Palette::with("search "))),
            Action::YankLink => match self.selected_link() {
                Some(l) => {
                    self.status.message = Some(format!("copied link {l}"));
                    self.effects.push(Effect::Copy(l));
                }
                None => self.status.message = Some("this node has no link".into()),
            },
            Action::YankId => {
                match self
                    .selected_kind()
                    .and_then(|k| k.id().map(str::to_string))
                {
                    Some(id) => {
                        self.status.message = Some(format!("copied id {id}"));
                        self.effects.push(Effect::Copy(id));
                    }
                    None => self.status.message = Some("this node has no id".into()),
                }
            }
            Action::OpenLink => match self.selected_link() {
                Some(l) => self.effects.push(Effect::Open(l)),
                None => self.status.message = Some("this node has no link".into()),
            },
            Action::Reload => {
                if let Some(id) = self.selected() {
                    self.reload(id);
                }
            }
            Action::Export => self.open_export(),
            Action::Traffic => self.open_traffic(),
            Action::AddProfile if self.profiles_file.is_none() => {
                self.status.message = Some(
                    "the built-in demo has no profile file: run `qlik-tui` to add yours".into(),
                )
            }
            Action::AddProfile => {
                self.profile_form = Some(ProfileForm::add());
                self.open(Overlay::ProfileForm(ProfileFormView));
            }
            // The built-in demo has no profile file: its doctor checks the demo connection.
            Action::DoctorProfile if self.profiles_file.is_none() => self.start_doctor(None),
            Action::EditProfile
            | Action::DeleteProfile
            | Action::TestProfile
            | Action::DoctorProfile => self.on_profile_action(action),
            Action::Narrower => self.move_split(false),
            Action::Wider => self.move_split(true),
            Action::Theme => {
                self.theme = Theme::new(self.theme.name.next());
                self.status.message = Some(format!("theme {}", self.theme.name.as_str()));
            }
            Action::Help => self.open(Overlay::Help(Help::default())),
            Action::Quit => self.quit = true,
            // The panes' own (moves, open/close, filter) never get here.
            _ => {}
        }
    }
}
