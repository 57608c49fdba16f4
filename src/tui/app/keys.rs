//! Keys, mouse and actions: overlays take keys first, the keymap turns the rest into actions,
//! and `update` changes state for each.

use super::*;

impl App {
    pub fn on_key(&mut self, e: KeyEvent) {
        let key = Key::from_event(&e);
        let ctrl_c = key.code == KeyCode::Char('c') && key.mods.contains(KeyModifiers::CONTROL);
        match self.mode {
            Mode::Normal => {
                if let Some(a) = self.keymap.action(&key) {
                    self.update(a);
                }
            }
            _ if ctrl_c => self.quit = true,
            Mode::Export => self.on_export_key(&e),
            Mode::SearchResults => self.on_search_key(&e),
            Mode::Traffic => self.on_traffic_key(&e),
            Mode::Diff => self.on_diff_key(&e),
            Mode::ProfileForm => self.on_form_key(&e),
            Mode::ConfirmDelete(node) => {
                self.mode = Mode::Normal;
                match (key.code, self.profile_name(node)) {
                    (KeyCode::Char('y' | 'Y'), Some(name)) => {
                        self.status.message = Some(format!("deleting profile {name}…"));
                        self.profile_requests
                            .push(ProfileRequest::Delete { node, name });
                    }
                    _ => self.status.message = Some("nothing deleted".into()),
                }
            }
            Mode::Help | Mode::Doctor => match key.code {
                KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') | KeyCode::Char('?') => {
                    self.mode = Mode::Normal
                }
                KeyCode::Down | KeyCode::Char('j') => {
                    self.popup_scroll = self.popup_scroll.saturating_add(1)
                }
                KeyCode::Up | KeyCode::Char('k') => {
                    self.popup_scroll = self.popup_scroll.saturating_sub(1)
                }
                KeyCode::PageDown => self.popup_scroll = self.popup_scroll.saturating_add(10),
                KeyCode::PageUp => self.popup_scroll = self.popup_scroll.saturating_sub(10),
                KeyCode::Home | KeyCode::Char('g') => self.popup_scroll = 0,
                _ => {}
            },
            Mode::Filter => match key.code {
                KeyCode::Esc => {
                    let selected = self.selected();
                    self.filter.reset();
                    self.tree.clear_filter();
                    self.mode = Mode::Normal;
                    self.rebuild_keeping_selection();
                    if let Some(id) = selected {
                        self.select(id);
                    }
                }
                KeyCode::Enter | KeyCode::Down | KeyCode::Up => {
                    // Keep the filter and go back to moving through the matches.
                    self.mode = Mode::Normal;
                    if key.code != KeyCode::Enter {
                        self.update(if key.code == KeyCode::Down {
                            Action::Down
                        } else {
                            Action::Up
                        });
                    }
                }
                _ => {
                    if edit_input(&mut self.filter, &e) {
                        let q = self.filter.value().to_string();
                        self.tree.set_filter(&q);
                        // Land on the first match.
                        let first = (0..self.tree.row_count()).find(|&i| self.tree.is_match(i));
                        self.move_to(first.unwrap_or(0));
                    }
                }
            },
            Mode::Search => match key.code {
                KeyCode::Esc => {
                    self.search.reset();
                    self.mode = Mode::Normal;
                }
                KeyCode::Enter => self.search_next(self.detail_cursor + 1),
                _ => {
                    if edit_input(&mut self.search, &e) {
                        self.search_next(self.detail_cursor);
                    }
                }
            },
            Mode::Palette => match key.code {
                KeyCode::Esc => {
                    self.palette.reset();
                    self.mode = Mode::Normal;
                }
                KeyCode::Tab => {
                    let candidates = self.palette_candidates();
                    if let Some(c) = candidates.get(self.palette_pick % candidates.len().max(1)) {
                        self.palette = Input::new(c.line.clone());
                    }
                    self.palette_pick = 0;
                }
                KeyCode::Up => self.palette_pick = self.palette_pick.saturating_sub(1),
                KeyCode::Down => self.palette_pick += 1,
                KeyCode::Enter => {
                    let line = self.palette_line();
                    self.palette.reset();
                    self.mode = Mode::Normal;
                    self.run_command(&line);
                }
                _ => {
                    if edit_input(&mut self.palette, &e) {
                        self.palette_pick = 0;
                    }
                }
            },
        }
    }

    pub fn on_mouse(&mut self, m: MouseEvent) {
        if !self.mouse || self.mode != Mode::Normal {
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

    pub(super) fn search_next(&mut self, from: usize) {
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

    pub(super) fn detail_move(&mut self, delta: isize) {
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
    pub(super) fn jump_from_line(&mut self) -> bool {
        let lines = self.detail_lines();
        let Some(place) = lines.get(self.detail_cursor).and_then(|l| l.goto.clone()) else {
            return false;
        };
        self.jump_to(place);
        true
    }

    pub(super) fn toggle_fold(&mut self) -> bool {
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

    pub fn update(&mut self, action: Action) {
        let page = self.tree_height().saturating_sub(1).max(1) as isize;
        if self.focus == Focus::Detail {
            let dpage = self.areas().detail_rows().saturating_sub(1).max(1) as isize;
            match action {
                Action::Up => return self.detail_move(-1),
                Action::Down => return self.detail_move(1),
                Action::PageUp => return self.detail_move(-dpage),
                Action::PageDown => return self.detail_move(dpage),
                Action::Top => return self.detail_move(-(self.detail_cursor as isize)),
                Action::Bottom => return self.detail_move(isize::MAX / 2),
                // The Data tab scrolls sideways; Left at its left edge goes back to the tree.
                Action::Right if self.tab == Tab::Data => {
                    self.detail_hscroll = self.detail_hscroll.saturating_add(DATA_HSCROLL_STEP);
                    return;
                }
                Action::Left if self.tab == Tab::Data && self.detail_hscroll > 0 => {
                    self.detail_hscroll = self.detail_hscroll.saturating_sub(DATA_HSCROLL_STEP);
                    return;
                }
                // Enter on a line naming another item (a master item, a user) goes there.
                Action::Expand if self.jump_from_line() => return,
                Action::Expand | Action::Right | Action::Left if self.toggle_fold() => return,
                Action::Left => {
                    self.focus = Focus::Tree;
                    return;
                }
                Action::Filter => {
                    self.search.reset();
                    self.mode = Mode::Search;
                    return;
                }
                _ => {}
            }
        }
        let rows = self.tree.row_count();
        match action {
            Action::Up => self.move_to(self.cursor.saturating_sub(1)),
            Action::Down => self.move_to((self.cursor + 1).min(rows.saturating_sub(1))),
            Action::PageUp => self.move_to((self.cursor as isize - page).max(0) as usize),
            Action::PageDown => {
                self.move_to(((self.cursor as isize + page) as usize).min(rows.saturating_sub(1)))
            }
            Action::Top => self.move_to(0),
            Action::Bottom => self.move_to(rows.saturating_sub(1)),
            Action::Right => {
                let Some(id) = self.selected() else { return };
                let n = self.tree.node(id);
                if !n.expanded && n.expandable() {
                    self.expand(id);
                } else if n.expanded && !n.children.is_empty() {
                    self.update(Action::Down);
                }
            }
            Action::Expand => {
                let Some(id) = self.selected() else { return };
                let n = self.tree.node(id);
                if n.expanded {
                    self.collapse(id);
                } else if n.expandable() {
                    self.expand(id);
                } else {
                    self.focus = Focus::Detail;
                }
            }
            Action::Left => {
                let Some(id) = self.selected() else { return };
                let n = self.tree.node(id);
                if n.expanded {
                    self.collapse(id);
                } else if let Some(p) = n.parent {
                    self.select(p);
                }
            }
            Action::FocusNext => {
                self.focus = match self.focus {
                    Focus::Tree => Focus::Detail,
                    Focus::Detail => Focus::Tree,
                };
                self.keep_cursor_visible();
            }
            Action::NextTab => self.set_tab(1),
            Action::PrevTab => self.set_tab(-1),
            Action::Filter => {
                self.mode = Mode::Filter;
                self.focus = Focus::Tree;
            }
            Action::Palette => {
                self.palette.reset();
                self.palette_pick = 0;
                self.mode = Mode::Palette;
            }
            Action::Search => {
                self.palette = Input::new("search ".into());
                self.palette_pick = 0;
                self.mode = Mode::Palette;
            }
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
                self.mode = Mode::ProfileForm;
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
            Action::Help => {
                self.popup_scroll = 0;
                self.mode = Mode::Help;
            }
            Action::Quit => self.quit = true,
        }
    }
}
