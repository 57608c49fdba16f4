//! The explorer's state and its one mutator: keys become actions (through the keymap), actions
//! and domain replies change state through `update` / `on_reply`, and anything that needs I/O
//! leaves as a `Request` (domain work) or an `Effect` (clipboard, browser) for the event loop to
//! run. Drawing reads this state and never changes it.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};
use serde_json::Value;
use tui_input::{Input, InputRequest};

mod search_flow;

use super::action::Action;
use super::detail::{self, Tab};
use super::domain::{FolderData, Part, Reply, Request, Target};
use super::export_dialog::{ExportDialog, ExportState};
use super::keymap::{Key, Keymap};
use super::layout::Areas;
use super::palette;
use super::profile_form::{FieldError, FormMode, ProfileForm, Stage};
use super::profiles::ProfileRequest;
use super::theme::Theme;
use super::tree::{Folder, LoadState, MasterKind, NodeId, NodeKind, ObjectInfo, Tree};
use crate::explore::doctor::{Report, StepResult};
use crate::explore::model::{MasterItems, ObjectNode, SiteInfo};
use crate::explore::{Links, Site};

/// Rows the Data tab reads at first, and adds each time the user scrolls past the last one.
pub const DATA_PAGE_ROWS: usize = 100;
/// Columns one Left/Right moves the Data tab sideways.
const DATA_HSCROLL_STEP: u16 = 8;

/// A value the detail pane is waiting for or has.
#[derive(Debug, Clone, PartialEq)]
pub enum Load<T> {
    Loading,
    Ready(T),
    Failed(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Tree,
    Detail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Typing a tree filter (`/` on the tree) or a detail search (`/` on the detail pane).
    Filter,
    Search,
    Palette,
    Help,
    Doctor,
    Export,
    /// The profile form (add / edit).
    ProfileForm,
    /// Asking whether to delete a profile node.
    ConfirmDelete(NodeId),
    /// The `:search` results pane.
    SearchResults,
}

/// Side effects the event loop performs (they need the terminal or other processes).
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Copy(String),
    Open(String),
}

#[derive(Debug, Default)]
pub struct StatusInfo {
    pub profile: String,
    pub site: Option<SiteInfo>,
    /// "connecting", "connected", or the failure.
    pub session: String,
    pub last_error: Option<String>,
    /// A transient message (copied, opened, ...).
    pub message: Option<String>,
}

#[derive(Debug, Default)]
pub struct DoctorView {
    pub steps: Vec<StepResult>,
    pub report: Option<Report>,
}

/// Names shown as profiles (the demo has one) and where they are kept.
#[derive(Debug, Clone, Default)]
pub struct Profiles {
    pub names: Vec<String>,
    /// The profile to connect at start (`-p`, `QLIK_TUI_PROFILE`, the file's `default`).
    pub active: Option<String>,
    /// The profile file, named in the hint shown when there are no profiles.
    pub file: Option<std::path::PathBuf>,
    /// The profiles' settings (no secrets), shown in their Summary.
    pub settings: Vec<crate::profile::store::Profile>,
}

pub struct App {
    pub tree: Tree,
    pub cursor: usize,
    pub scroll: usize,
    pub focus: Focus,
    pub mode: Mode,
    pub tab: Tab,
    pub size: Rect,
    pub theme: Theme,
    pub keymap: Keymap,
    pub mouse: bool,
    pub details: HashMap<(NodeId, Part), Load<Value>>,
    pub scripts: HashMap<NodeId, Load<String>>,
    pub detail_cursor: usize,
    pub detail_scroll: usize,
    /// Columns the Data tab is scrolled sideways.
    pub detail_hscroll: u16,
    /// Rows the Data tab reads for a node (grows as the user scrolls past the end).
    pub data_limits: HashMap<NodeId, usize>,
    /// First line shown of the help or doctor popup (they can be taller than the terminal).
    pub popup_scroll: u16,
    pub folded: HashSet<String>,
    pub filter: Input,
    pub search: Input,
    pub palette: Input,
    pub palette_pick: usize,
    pub status: StatusInfo,
    pub doctor: DoctorView,
    pub export: Option<ExportDialog>,
    pub profile_form: Option<ProfileForm>,
    /// The last `:search` and its results (kept when the pane closes, for reopening).
    pub search_pane: Option<super::search_pane::SearchPane>,
    /// A jump to a search hit, waiting for the tree levels on its way to load.
    jump: Option<search_flow::Jump>,
    pub links: Links,
    pub site: Option<Arc<Site>>,
    pub masters: HashMap<String, HashMap<String, String>>,
    pub ticks: u64,
    pub quit: bool,
    /// The profile file (for the empty pane's hint).
    pub profiles_file: Option<std::path::PathBuf>,
    /// Each profile's settings by name (no secrets), for its Summary.
    pub profile_settings: HashMap<String, crate::profile::store::Profile>,
    /// Outcomes of profile tests, shown on their nodes: `Ok(summary)` or the failure.
    pub tested: HashMap<NodeId, Result<String, String>>,
    /// Bumped whenever the site changes: replies to an older site's requests are dropped.
    pub epoch: u64,
    requests: Vec<Request>,
    profile_requests: Vec<ProfileRequest>,
    effects: Vec<Effect>,
    /// The profile node whose site is attached (it loads that site's apps).
    connected: Option<NodeId>,
    /// The profile node being resolved; only its answer is taken.
    connecting: Option<NodeId>,
    /// The profile to connect when the app starts.
    start_with: Option<NodeId>,
}

impl App {
    pub fn new(profiles: Profiles, links: Links, keymap: Keymap, theme: Theme) -> App {
        let mut app = App {
            tree: Tree::new(),
            cursor: 0,
            scroll: 0,
            focus: Focus::Tree,
            mode: Mode::Normal,
            tab: Tab::Summary,
            size: Rect::new(0, 0, 80, 24),
            theme,
            keymap,
            mouse: false,
            details: HashMap::new(),
            scripts: HashMap::new(),
            detail_cursor: 0,
            detail_scroll: 0,
            detail_hscroll: 0,
            data_limits: HashMap::new(),
            popup_scroll: 0,
            folded: HashSet::new(),
            filter: Input::default(),
            search: Input::default(),
            palette: Input::default(),
            palette_pick: 0,
            status: StatusInfo {
                profile: profiles
                    .active
                    .clone()
                    .unwrap_or_else(|| "no profile".into()),
                session: if profiles.active.is_some() {
                    "connecting".into()
                } else {
                    "not connected".into()
                },
                ..StatusInfo::default()
            },
            doctor: DoctorView::default(),
            export: None,
            profile_form: None,
            search_pane: None,
            jump: None,
            links,
            site: None,
            masters: HashMap::new(),
            ticks: 0,
            quit: false,
            profiles_file: profiles.file.clone(),
            profile_settings: profiles
                .settings
                .iter()
                .map(|p| (p.name.clone(), p.clone()))
                .collect(),
            tested: HashMap::new(),
            epoch: 0,
            requests: Vec::new(),
            profile_requests: Vec::new(),
            effects: Vec::new(),
            connected: None,
            connecting: None,
            start_with: None,
        };
        for name in &profiles.names {
            let id = app.tree.add_root(NodeKind::Profile { name: name.clone() });
            if profiles.active.as_ref() == Some(name) {
                app.start_with = Some(id);
            }
        }
        app.tree.rebuild();
        app
    }

    /// Opens the active profile: at once when its site is attached (the demo), else after
    /// resolving it.
    pub fn start(&mut self) {
        let Some(p) = self.start_with else { return };
        if self.site.is_some() {
            self.connected = Some(p);
            self.requests.push(Request::SiteInfo);
        }
        self.expand(p);
        self.select(p);
    }

    pub fn take_requests(&mut self) -> Vec<Request> {
        std::mem::take(&mut self.requests)
    }

    /// The profile node whose site is attached.
    pub fn connected_profile(&self) -> Option<NodeId> {
        self.connected
    }

    pub fn take_profile_requests(&mut self) -> Vec<ProfileRequest> {
        std::mem::take(&mut self.profile_requests)
    }

    /// The name of a profile node.
    fn profile_name(&self, id: NodeId) -> Option<String> {
        match &self.tree.node(id).kind {
            NodeKind::Profile { name } => Some(name.clone()),
            _ => None,
        }
    }

    /// Resolves profile `node` into a connection, leaving the connected one: its subtree is
    /// folded away and its sessions close (the event loop closes a site the app let go of).
    fn connect(&mut self, node: NodeId) {
        let Some(name) = self.profile_name(node) else {
            return;
        };
        if let Some(old) = self.connected.take() {
            self.tree.clear_children(old);
            let n = self.tree.node_mut(old);
            n.expanded = false;
            n.load = LoadState::Idle;
            self.site = None;
            self.epoch += 1;
            self.details.clear();
            self.scripts.clear();
        }
        self.connecting = Some(node);
        self.tree.node_mut(node).load = LoadState::Loading;
        self.status.profile = name.clone();
        self.status.site = None;
        self.status.session = "connecting".into();
        self.profile_requests
            .push(ProfileRequest::Connect { node, name });
        self.rebuild_keeping_selection();
    }

    /// Attaches the site of a resolved profile and loads its apps.
    fn on_connected(&mut self, node: NodeId, site: Arc<Site>) {
        self.links = site.links();
        self.site = Some(site);
        self.epoch += 1;
        self.connecting = None;
        self.connected = Some(node);
        self.tree.node_mut(node).load = LoadState::Idle;
        self.status.last_error = None;
        self.requests.push(Request::SiteInfo);
        self.expand(node);
    }

    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    pub fn areas(&self) -> Areas {
        Areas::new(self.size, self.focus)
    }

    pub fn resize(&mut self, width: u16, height: u16) {
        self.size = Rect::new(0, 0, width, height);
        self.keep_cursor_visible();
    }

    pub fn selected(&self) -> Option<NodeId> {
        self.tree.row_id(self.cursor)
    }

    pub fn selected_kind(&self) -> Option<&NodeKind> {
        self.selected().map(|id| &self.tree.node(id).kind)
    }

    fn tree_height(&self) -> usize {
        self.areas().tree_rows().max(1)
    }

    fn keep_cursor_visible(&mut self) {
        let h = self.tree_height();
        let rows = self.tree.row_count();
        if rows == 0 {
            self.cursor = 0;
            self.scroll = 0;
            return;
        }
        self.cursor = self.cursor.min(rows - 1);
        if self.cursor < self.scroll {
            self.scroll = self.cursor;
        } else if self.cursor >= self.scroll + h {
            self.scroll = self.cursor + 1 - h;
        }
        self.scroll = self.scroll.min(rows.saturating_sub(h));
    }

    /// Moves the cursor to a row; a new selection resets the detail pane and asks for its data.
    fn move_to(&mut self, row: usize) {
        let before = self.selected();
        self.cursor = row;
        self.keep_cursor_visible();
        if self.selected() != before {
            self.on_selection_changed();
        }
    }

    pub fn select(&mut self, id: NodeId) {
        if let Some(i) = self.tree.index_of(id) {
            self.move_to(i);
        }
    }

    /// Rows the Data tab shows for `id`: a first page, more on demand.
    pub fn data_limit(&self, id: NodeId) -> usize {
        self.data_limits.get(&id).copied().unwrap_or(DATA_PAGE_ROWS)
    }

    fn on_selection_changed(&mut self) {
        self.detail_cursor = 0;
        self.detail_scroll = 0;
        self.detail_hscroll = 0;
        self.folded.clear();
        self.status.message = None;
        if let Some(kind) = self.selected_kind() {
            let tabs = detail::tabs_for(kind);
            if !tabs.contains(&self.tab) {
                self.tab = tabs[0];
            }
        }
        self.request_detail();
    }

    /// Asks for what the current tab of the selected node shows, unless it is there already.
    fn request_detail(&mut self) {
        let Some(id) = self.selected() else { return };
        let kind = self.tree.node(id).kind.clone();
        if let (Tab::Script, NodeKind::Script { app }) = (self.tab, &kind) {
            if let std::collections::hash_map::Entry::Vacant(e) = self.scripts.entry(id) {
                e.insert(Load::Loading);
                self.requests.push(Request::Script {
                    node: id,
                    app: app.clone(),
                });
            }
            return;
        }
        let part = match self.tab {
            Tab::Properties => Part::Properties,
            Tab::Layout => Part::Layout,
            Tab::Tree => Part::FullTree,
            Tab::Data => Part::Data(self.data_limit(id)),
            // The summary of these reads their properties.
            Tab::Summary if matches!(kind, NodeKind::Sheet { .. } | NodeKind::Story { .. }) => {
                Part::Properties
            }
            _ => return,
        };
        if self.details.contains_key(&(id, part)) {
            return;
        }
        if let (Part::Properties, NodeKind::Object { info, .. }) = (part, &kind) {
            // The sheet's property tree already brought these.
            self.details
                .insert((id, part), Load::Ready(info.properties.clone()));
            return;
        }
        let Some(app) = kind.app_id().map(str::to_string) else {
            return;
        };
        let target = match &kind {
            NodeKind::App(_) => Target::App,
            NodeKind::Sheet { entry, .. } | NodeKind::Story { entry, .. } => {
                Target::Object(entry.id.clone())
            }
            NodeKind::Object { info, .. } => Target::Object(info.id.clone()),
            NodeKind::MasterItem { kind: mk, item, .. } => match mk {
                MasterKind::Dimension => Target::Dimension(item.id.clone()),
                MasterKind::Measure => Target::Measure(item.id.clone()),
                MasterKind::Visualization => Target::Object(item.id.clone()),
            },
            NodeKind::Bookmark { entry, .. } => Target::Bookmark(entry.id.clone()),
            NodeKind::Variable { entry, .. } => Target::Variable(entry.id.clone()),
            NodeKind::Field { field, .. } => Target::Field(field.name.clone()),
            _ => return,
        };
        self.details.insert((id, part), Load::Loading);
        self.requests.push(Request::Detail {
            node: id,
            app,
            target,
            part,
        });
    }

    // ----- tree operations -------------------------------------------------------------

    fn rebuild_keeping_selection(&mut self) {
        let sel = self.selected();
        self.tree.rebuild();
        if self.tree.filter_active() {
            let q = self.filter.value().to_string();
            self.tree.set_filter(&q);
        }
        if let Some(s) = sel
            && let Some(i) = self.tree.index_of(s)
        {
            self.cursor = i;
        }
        self.keep_cursor_visible();
    }

    fn expand(&mut self, id: NodeId) {
        if matches!(self.tree.node(id).kind, NodeKind::Profile { .. }) && self.connected != Some(id)
        {
            if self.connecting != Some(id) {
                self.connect(id);
            }
            return;
        }
        let node = self.tree.node(id);
        if node.kind.loads_children() && matches!(node.load, LoadState::Idle | LoadState::Failed(_))
        {
            self.load_children(id);
        }
        self.tree.node_mut(id).expanded = true;
        self.rebuild_keeping_selection();
    }

    fn collapse(&mut self, id: NodeId) {
        self.tree.node_mut(id).expanded = false;
        self.rebuild_keeping_selection();
        if matches!(self.tree.node(id).kind, NodeKind::App(_)) {
            self.close_unused_sessions();
        }
    }

    /// Keeps one session per app that is expanded; closes the others.
    fn close_unused_sessions(&mut self) {
        let apps: Vec<String> = self
            .tree
            .reachable()
            .into_iter()
            .filter_map(|id| {
                let n = self.tree.node(id);
                match &n.kind {
                    NodeKind::App(a) if n.expanded => Some(a.id.clone()),
                    _ => None,
                }
            })
            .collect();
        self.requests.push(Request::KeepApps { apps });
    }

    fn load_children(&mut self, id: NodeId) {
        let kind = self.tree.node(id).kind.clone();
        match kind {
            NodeKind::Profile { .. } => {
                self.tree.node_mut(id).load = LoadState::Loading;
                self.requests.push(Request::Apps { node: id });
            }
            NodeKind::App(a) => {
                // The folders are known; their contents load together (pipelined on the app's
                // socket) so each shows its count.
                self.tree.clear_children(id);
                for folder in Folder::OF_APP {
                    let f = self.tree.add_child(
                        id,
                        NodeKind::Folder {
                            app: a.id.clone(),
                            folder,
                        },
                    );
                    self.load_children(f);
                }
                self.tree
                    .add_child(id, NodeKind::Script { app: a.id.clone() });
                self.tree.node_mut(id).load = LoadState::Loaded;
            }
            NodeKind::Folder { app, folder } => {
                self.tree.node_mut(id).load = LoadState::Loading;
                self.requests.push(Request::Folder {
                    node: id,
                    app,
                    folder,
                });
            }
            NodeKind::Sheet { app, entry } => {
                self.tree.node_mut(id).load = LoadState::Loading;
                let masters = self.masters.get(&app).cloned().unwrap_or_default();
                self.requests.push(Request::Sheet {
                    node: id,
                    app,
                    sheet: entry.id,
                    masters,
                });
            }
            _ => {}
        }
    }

    fn reload(&mut self, id: NodeId) {
        self.details.retain(|(n, _), _| *n != id);
        self.scripts.remove(&id);
        let node = self.tree.node(id);
        let is_profile = matches!(node.kind, NodeKind::Profile { .. });
        if is_profile && self.connected != Some(id) {
            self.connect(id);
            return;
        }
        if node.kind.loads_children() && node.load != LoadState::Idle {
            self.tree.clear_children(id);
            self.load_children(id);
            self.rebuild_keeping_selection();
        }
        if is_profile {
            self.requests.push(Request::SiteInfo);
        }
        self.request_detail();
        self.status.message = Some(format!("reloading {}", self.tree.node(id).kind.title()));
    }

    // ----- replies ---------------------------------------------------------------------

    fn fail_node(&mut self, node: NodeId, error: String) {
        self.tree.node_mut(node).load = LoadState::Failed(error.clone());
        self.status.last_error = Some(error);
    }

    pub fn on_reply(&mut self, reply: Reply) {
        if self.on_search_reply(&reply) {
            return;
        }
        self.on_other_reply(reply);
        self.advance_jump();
    }

    fn on_other_reply(&mut self, reply: Reply) {
        match reply {
            Reply::SiteInfo(Ok(info)) => {
                self.status.site = Some(info);
                self.status.session = "connected".into();
            }
            Reply::SiteInfo(Err(e)) => {
                self.status.session = "disconnected".into();
                self.status.last_error = Some(e);
            }
            Reply::Apps { node, result } => match result {
                Ok(apps) => {
                    self.tree.clear_children(node);
                    let mut groups: Vec<(Option<String>, Vec<_>)> = Vec::new();
                    for a in apps {
                        let key = a.stream.as_ref().map(|s| s.name.clone());
                        match groups.iter_mut().find(|(k, _)| *k == key) {
                            Some((_, v)) => v.push(a),
                            None => groups.push((key, vec![a])),
                        }
                    }
                    for (stream, apps) in groups {
                        let g = self.tree.add_child(
                            node,
                            NodeKind::Stream {
                                personal: stream.is_none(),
                                name: stream.unwrap_or_else(|| "Personal / unpublished".into()),
                            },
                        );
                        for a in apps {
                            self.tree.add_child(g, NodeKind::App(a));
                        }
                        self.tree.node_mut(g).expanded = true;
                        self.tree.node_mut(g).load = LoadState::Loaded;
                    }
                    self.tree.node_mut(node).load = LoadState::Loaded;
                }
                Err(e) => self.fail_node(node, e),
            },
            Reply::Folder { node, result } => match result {
                Ok(data) => self.fill_folder(node, data),
                Err(e) => self.fail_node(node, e),
            },
            Reply::Sheet { node, result } => match result {
                Ok(root) => {
                    self.tree.clear_children(node);
                    let (app, sheet) = match &self.tree.node(node).kind {
                        NodeKind::Sheet { app, entry } => (app.clone(), entry.id.clone()),
                        _ => return,
                    };
                    for child in &root.children {
                        self.add_object(node, &app, &sheet, child);
                    }
                    self.details
                        .entry((node, Part::Properties))
                        .or_insert(Load::Ready(root.properties.clone()));
                    self.tree.node_mut(node).load = LoadState::Loaded;
                }
                Err(e) => self.fail_node(node, e),
            },
            Reply::Detail { node, part, result } => {
                let v = match result {
                    Ok(v) => Load::Ready(v),
                    Err(e) => {
                        self.status.last_error = Some(e.clone());
                        Load::Failed(e)
                    }
                };
                self.details.insert((node, part), v);
            }
            Reply::Script { node, result } => {
                let v = match result {
                    Ok(s) => Load::Ready(s),
                    Err(e) => {
                        self.status.last_error = Some(e.clone());
                        Load::Failed(e)
                    }
                };
                self.scripts.insert(node, v);
            }
            Reply::Connected { node, result } => {
                if self.connecting != Some(node) {
                    return; // another profile was chosen meanwhile
                }
                match result {
                    Ok(spec) => self.on_connected(node, Site::new(*spec)),
                    Err(e) => {
                        self.connecting = None;
                        self.status.session = "not connected".into();
                        self.fail_node(node, e);
                    }
                }
            }
            Reply::Tested { node, result } => {
                let name = self.profile_name(node).unwrap_or_default();
                let outcome = result.map(|i| format!("engine {}, {}", i.engine_version, i.user));
                self.status.message = Some(match &outcome {
                    Ok(s) => format!("profile {name}: test ok: {s}"),
                    Err(e) => format!("profile {name}: test failed: {e}"),
                });
                self.tested.insert(node, outcome);
            }
            Reply::Loaded { node, result } => match result {
                Ok(p) => {
                    self.status.message = None;
                    self.profile_form = Some(ProfileForm::edit(&p));
                    self.mode = Mode::ProfileForm;
                }
                Err(e) => self.fail_node(node, e),
            },
            Reply::Saved {
                node,
                profile,
                result,
            } => self.on_profile_saved(node, *profile, result),
            Reply::Deleted { node, name, result } => self.on_profile_deleted(node, name, result),
            Reply::DoctorStep(s) => self.doctor.steps.push(s),
            Reply::DoctorDone(r) => {
                // A profile that could not be resolved has no live steps: show the report's.
                if self.doctor.steps.len() < r.steps.len() {
                    self.doctor.steps = r.steps.clone();
                }
                self.doctor.report = Some(r);
            }
            Reply::ExportProgress(p) => {
                if let Some(d) = self.export.as_mut()
                    && matches!(d.state, ExportState::Running(_))
                {
                    d.state = ExportState::Running(p);
                }
            }
            Reply::ExportDone(r) => {
                if let Err(e) = &r {
                    self.status.last_error = Some(e.clone());
                }
                if let Some(d) = self.export.as_mut() {
                    self.status.message = Some(match &r {
                        Ok(s) => format!(
                            "exported {} apps, {} sheets, {} objects to {}",
                            s.apps,
                            s.sheets,
                            s.objects,
                            d.path.value()
                        ),
                        Err(_) => "export failed".into(),
                    });
                    d.state = ExportState::Done(r);
                }
            }
            Reply::Done | Reply::SearchApp(_) | Reply::SearchProgress(_) | Reply::SearchDone(_) => {
            }
        }
        self.rebuild_keeping_selection();
    }

    fn add_object(&mut self, parent: NodeId, app: &str, sheet: &str, obj: &ObjectNode) {
        let id = self.tree.add_child(
            parent,
            NodeKind::Object {
                app: app.to_string(),
                sheet: sheet.to_string(),
                info: ObjectInfo {
                    id: obj.id.clone(),
                    r#type: obj.r#type.clone(),
                    title: obj.title.clone(),
                    master_id: obj.master_id.clone(),
                    properties: obj.properties.clone(),
                },
            },
        );
        self.tree.node_mut(id).load = LoadState::Loaded;
        for c in &obj.children {
            self.add_object(id, app, sheet, c);
        }
    }

    fn fill_folder(&mut self, node: NodeId, data: FolderData) {
        let NodeKind::Folder { app, .. } = self.tree.node(node).kind.clone() else {
            return;
        };
        self.tree.clear_children(node);
        let a = || app.clone();
        let kinds: Vec<NodeKind> = match data {
            FolderData::Sheets(v) => v
                .into_iter()
                .map(|entry| NodeKind::Sheet { app: a(), entry })
                .collect(),
            FolderData::Stories(v) => v
                .into_iter()
                .map(|entry| NodeKind::Story { app: a(), entry })
                .collect(),
            FolderData::Bookmarks(v) => v
                .into_iter()
                .map(|entry| NodeKind::Bookmark { app: a(), entry })
                .collect(),
            FolderData::Variables(v) => v
                .into_iter()
                .map(|entry| NodeKind::Variable { app: a(), entry })
                .collect(),
            FolderData::Masters(m) => {
                self.fill_masters(node, &app, m);
                Vec::new()
            }
            FolderData::DataModel(dm) => {
                for entry in dm.tables {
                    let fields = entry.fields.clone();
                    let table = entry.name.clone();
                    let t = self.tree.add_child(
                        node,
                        NodeKind::Table {
                            app: app.clone(),
                            entry,
                        },
                    );
                    self.tree.node_mut(t).load = LoadState::Loaded;
                    for field in fields {
                        let f = self.tree.add_child(
                            t,
                            NodeKind::Field {
                                app: app.clone(),
                                table: table.clone(),
                                field,
                            },
                        );
                        self.tree.node_mut(f).load = LoadState::Loaded;
                    }
                }
                Vec::new()
            }
        };
        for kind in kinds {
            let leaf = !kind.loads_children();
            let id = self.tree.add_child(node, kind);
            if leaf {
                self.tree.node_mut(id).load = LoadState::Loaded;
            }
        }
        self.tree.node_mut(node).load = LoadState::Loaded;
    }

    fn fill_masters(&mut self, node: NodeId, app: &str, m: MasterItems) {
        let titles: HashMap<String, String> = m
            .visualizations
            .iter()
            .map(|v| (v.id.clone(), v.title.clone()))
            .collect();
        self.masters.insert(app.to_string(), titles);
        for (folder, kind, items) in [
            (Folder::Dimensions, MasterKind::Dimension, m.dimensions),
            (Folder::Measures, MasterKind::Measure, m.measures),
            (
                Folder::Visualizations,
                MasterKind::Visualization,
                m.visualizations,
            ),
        ] {
            let f = self.tree.add_child(
                node,
                NodeKind::Folder {
                    app: app.to_string(),
                    folder,
                },
            );
            for item in items {
                let i = self.tree.add_child(
                    f,
                    NodeKind::MasterItem {
                        app: app.to_string(),
                        kind,
                        item,
                    },
                );
                self.tree.node_mut(i).load = LoadState::Loaded;
            }
            self.tree.node_mut(f).load = LoadState::Loaded;
        }
    }

    // ----- input -----------------------------------------------------------------------

    pub fn on_tick(&mut self) {
        self.ticks = self.ticks.wrapping_add(1);
        self.watch_connection();
    }

    /// The status bar follows the sockets: once every socket of the site has ended on its own
    /// (the engine went away), it stops saying connected and says since when; the next action
    /// (r, opening a node) connects again, and the first open socket after that says so.
    pub fn watch_connection(&mut self) {
        let Some(site) = &self.site else { return };
        let lost = site.lost();
        let down = self.status.session.starts_with(DISCONNECTED_SINCE);
        match lost {
            Some(reason) if self.status.session == "connected" => {
                self.status.session = format!("{DISCONNECTED_SINCE} {}", clock_now());
                self.status.last_error = Some(format!(
                    "the engine connection was lost ({reason}): r or opening a node reconnects"
                ));
            }
            None if down && site.open_sockets() > 0 => {
                self.status.session = "connected".into();
            }
            _ => {}
        }
    }

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
                        self.palette = Input::new(c.clone());
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
    pub fn detail_lines(&self) -> Vec<super::json_view::DLine> {
        detail::lines(self)
    }

    fn search_next(&mut self, from: usize) {
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

    fn detail_move(&mut self, delta: isize) {
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
    fn more_data_rows(&mut self) {
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

    fn toggle_fold(&mut self) -> bool {
        let lines = self.detail_lines();
        let Some(path) = lines.get(self.detail_cursor).and_then(|l| l.fold.clone()) else {
            return false;
        };
        if !self.folded.remove(&path) {
            self.folded.insert(path);
        }
        true
    }

    fn set_tab(&mut self, step: isize) {
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
            Action::Help => {
                self.popup_scroll = 0;
                self.mode = Mode::Help;
            }
            Action::Quit => self.quit = true,
        }
    }

    /// Edit, delete or test the profile the selection is in.
    fn on_profile_action(&mut self, action: Action) {
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
            Action::DeleteProfile => self.mode = Mode::ConfirmDelete(node),
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
    fn start_doctor(&mut self, profile: Option<String>) {
        self.doctor = DoctorView::default();
        self.popup_scroll = 0;
        self.mode = Mode::Doctor;
        match profile {
            Some(name) => self.profile_requests.push(ProfileRequest::Doctor { name }),
            None => self.requests.push(Request::Doctor),
        }
    }

    /// The profiles shown: node and name.
    fn profile_nodes(&self) -> Vec<(NodeId, String)> {
        self.tree
            .roots()
            .iter()
            .filter_map(|&id| Some((id, self.profile_name(id)?)))
            .collect()
    }

    fn on_form_key(&mut self, e: &KeyEvent) {
        let named = self.profile_nodes();
        let taken: Vec<String> = named.iter().map(|(_, n)| n.clone()).collect();
        let Some(form) = self.profile_form.as_mut() else {
            self.mode = Mode::Normal;
            return;
        };
        match (&form.stage, e.code) {
            // Cancel: nothing was written (saving happens only after the confirming Enter).
            (_, KeyCode::Esc) => {
                self.profile_form = None;
                self.mode = Mode::Normal;
                self.status.message = Some("profile form cancelled; nothing saved".into());
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
                    return;
                };
                let node = match &form.mode {
                    FormMode::Edit(old) => named.iter().find(|(_, n)| n == old).map(|(id, _)| *id),
                    FormMode::Add => None,
                };
                self.profile_requests.push(ProfileRequest::Save {
                    node,
                    mode: form.mode.clone(),
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
                edit_input(&mut form.focused_mut().input, e);
            }
        }
    }

    /// Pasted text (bracketed paste) goes whole into the focused form field.
    pub fn on_paste(&mut self, text: &str) {
        if self.mode != Mode::ProfileForm {
            return;
        }
        if let Some(form) = self.profile_form.as_mut()
            && matches!(form.stage, Stage::Editing)
        {
            let f = form.focused_mut();
            let mut v = f.input.value().to_string();
            v.push_str(text);
            f.input = Input::new(v);
        }
    }

    fn on_profile_saved(
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
                if self.mode == Mode::ProfileForm {
                    self.mode = Mode::Normal;
                }
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

    fn on_profile_deleted(&mut self, node: NodeId, name: String, result: Result<(), String>) {
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

    fn open_export(&mut self) {
        self.export = Some(ExportDialog::for_selection(&self.tree, self.selected()));
        self.mode = Mode::Export;
    }

    fn on_export_key(&mut self, e: &KeyEvent) {
        let Some(d) = self.export.as_mut() else {
            self.mode = Mode::Normal;
            return;
        };
        match (&d.state, e.code) {
            (ExportState::Editing, KeyCode::Esc) => self.mode = Mode::Normal,
            (ExportState::Editing, KeyCode::Tab) => d.next_format(),
            (ExportState::Editing, KeyCode::Enter) => {
                d.state = ExportState::Running(Default::default());
                self.requests.push(Request::Export {
                    scope: d.scope.clone(),
                    format: d.format,
                    path: d.target(),
                    cancel: d.cancel.clone(),
                });
            }
            (ExportState::Editing, _) => {
                edit_input(&mut d.path, e);
            }
            (ExportState::Running(_), KeyCode::Esc) => d.cancel.cancel(),
            (ExportState::Running(_), _) => {}
            (ExportState::Done(_), KeyCode::Esc | KeyCode::Enter) => self.mode = Mode::Normal,
            (ExportState::Done(_), _) => {}
        }
    }

    /// The hub link of the selected node (the single-object link for objects).
    pub fn selected_link(&self) -> Option<String> {
        detail::links_of(self, self.selected()?)
            .first()
            .map(|(_, l)| l.clone())
    }

    /// Completions for the palette's current text.
    pub fn palette_candidates(&self) -> Vec<String> {
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
    fn palette_line(&self) -> String {
        let typed = self
            .palette
            .value()
            .trim()
            .trim_start_matches(':')
            .to_string();
        let candidates = self.palette_candidates();
        let exact = candidates
            .iter()
            .any(|c| c.trim().eq_ignore_ascii_case(&typed));
        if exact || candidates.is_empty() {
            typed
        } else {
            candidates[self.palette_pick % candidates.len()].clone()
        }
    }

    fn run_command(&mut self, line: &str) {
        match palette::parse(line) {
            Ok(palette::Command::Quit) => self.quit = true,
            Ok(palette::Command::Reload) => self.update(Action::Reload),
            Ok(palette::Command::Export) => self.open_export(),
            Ok(palette::Command::Doctor) => self.update(Action::DoctorProfile),
            Ok(palette::Command::Search(pattern)) => self.start_search(&pattern),
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

/// Applies an editing key to a text input; returns whether the text changed.
fn edit_input(input: &mut Input, e: &KeyEvent) -> bool {
    let ctrl = e.modifiers.contains(KeyModifiers::CONTROL);
    let req = match e.code {
        KeyCode::Char('u') if ctrl => InputRequest::DeleteLine,
        KeyCode::Char('w') if ctrl => InputRequest::DeletePrevWord,
        KeyCode::Char(c) if !ctrl => InputRequest::InsertChar(c),
        KeyCode::Backspace => InputRequest::DeletePrevChar,
        KeyCode::Delete => InputRequest::DeleteNextChar,
        KeyCode::Left => InputRequest::GoToPrevChar,
        KeyCode::Right => InputRequest::GoToNextChar,
        KeyCode::Home => InputRequest::GoToStart,
        KeyCode::End => InputRequest::GoToEnd,
        _ => return false,
    };
    input.handle(req).is_some_and(|r| r.value)
}

/// How the status bar starts when the engine has gone away.
const DISCONNECTED_SINCE: &str = "disconnected since";

/// The wall clock as HH:MM:SS, local time when the offset is known (else UTC).
fn clock_now() -> String {
    let now = time::OffsetDateTime::now_local().unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    format!("{:02}:{:02}:{:02}", now.hour(), now.minute(), now.second())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::model::{AppEntry, Stream};
    use crate::tui::theme::ThemeName;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    fn entry(id: &str, name: &str, stream: Option<&str>) -> AppEntry {
        AppEntry {
            id: id.into(),
            name: name.into(),
            description: String::new(),
            stream: stream.map(|s| Stream {
                id: format!("s-{s}"),
                name: s.into(),
            }),
            published: stream.is_some(),
            last_reload_time: String::new(),
            owner: None,
            raw: Value::Null,
        }
    }

    /// An app showing one profile, "demo", with default keys and theme.
    fn demo_app() -> App {
        let mut app = App::new(
            Profiles {
                names: vec!["demo".into()],
                active: Some("demo".into()),
                file: None,
                ..Default::default()
            },
            Links::new("https://qlik.example"),
            Keymap::default(),
            Theme::new(ThemeName::Dark),
        );
        // A site attached up front (as the demo does); nothing connects in these tests.
        app.site = Some(Site::new(crate::engine::conn::ConnectionSpec::certificate(
            "wss://localhost:1".into(),
            crate::tls::ClientTls::default(),
            "INTERNAL",
            "sa_engine",
        )));
        app
    }

    fn key(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    #[test]
    fn keys_drive_lazy_loading_and_failures_mark_the_node() {
        let mut app = demo_app();
        app.start();
        let reqs = app.take_requests();
        assert!(matches!(reqs[0], Request::SiteInfo), "{reqs:?}");
        let Request::Apps { node } = reqs[1] else {
            panic!("the profile loads its apps first: {reqs:?}")
        };
        app.on_reply(Reply::Apps {
            node,
            result: Ok(vec![
                entry("a1", "Sales", Some("Sales")),
                entry("a2", "Scratch", None),
            ]),
        });
        // profile, stream Sales, app, personal group, app
        assert_eq!(app.tree.row_count(), 5);
        app.on_key(key('j'));
        app.on_key(key('j'));
        assert_eq!(app.selected_kind().and_then(|k| k.id()), Some("a1"));
        app.on_key(key('l'));
        let folders: Vec<Request> = app
            .take_requests()
            .into_iter()
            .filter(|r| matches!(r, Request::Folder { .. }))
            .collect();
        assert_eq!(
            folders.len(),
            Folder::OF_APP.len(),
            "every folder loads with its app"
        );
        let Request::Folder { node: sheets, .. } = folders[0] else {
            unreachable!()
        };
        app.on_reply(Reply::Folder {
            node: sheets,
            result: Err("GetLayout failed: engine error 5 (ACCESS_DENIED): denied".into()),
        });
        assert!(matches!(app.tree.node(sheets).load, LoadState::Failed(_)));
        app.on_key(key('j'));
        app.on_key(key('y'));
        assert_eq!(
            app.take_effects(),
            vec![Effect::Copy(
                "https://qlik.example/sense/app/a1/overview".into()
            )]
        );
        let mut term = Terminal::new(TestBackend::new(90, 20)).unwrap();
        term.draw(|f| super::super::ui::draw(f, &app)).unwrap();
        let screen = format!("{}", term.backend());
        assert!(
            screen.contains("✗ error: GetLayout failed: engine error 5"),
            "{screen}"
        );
        app.on_key(key('q'));
        assert!(app.quit);
    }

    #[test]
    fn enter_in_the_palette_runs_the_highlighted_completion() {
        let mut app = demo_app();
        app.start();
        let node = app
            .take_requests()
            .into_iter()
            .find_map(|r| match r {
                Request::Apps { node } => Some(node),
                _ => None,
            })
            .unwrap();
        app.on_reply(Reply::Apps {
            node,
            result: Ok(vec![
                entry("a1", "Sales", Some("Sales")),
                entry("a2", "Scratch", None),
                entry("a3", "Sales Forecast", Some("Sales")),
            ]),
        });
        let run = |app: &mut App, line: &str| {
            for c in format!(":{line}").chars() {
                app.on_key(key(c));
            }
            app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        };
        // A partial name: the completion runs.
        run(&mut app, "app scr");
        assert_eq!(app.selected_kind().and_then(|k| k.id()), Some("a2"));
        // An exact name wins over a longer completion listed first.
        run(&mut app, "app sales");
        assert_eq!(app.selected_kind().and_then(|k| k.id()), Some("a1"));
        // A partial command name.
        run(&mut app, "doc");
        assert!(matches!(app.mode, Mode::Doctor));
        let reqs = app.take_requests();
        assert!(
            reqs.iter().any(|r| matches!(r, Request::Doctor)),
            "{reqs:?}"
        );
    }
}
