//! The explorer's shared state and its event routing: keys go down the overlay stack
//! (`overlays`, each a component in `super::overlays`) and then to the base view's components
//! (`super::base`); domain replies change state through `on_reply`; anything that needs I/O
//! leaves as a `Request` (domain work) or an `Effect` (clipboard, browser) for the event loop
//! to run. Drawing reads this state and never changes it.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};
use serde_json::Value;
use tui_input::{Input, InputRequest};

mod diff_flow;
mod search_flow;

use super::action::Action;
use super::detail::{self, Tab};
use super::domain::{AppUsage, FolderData, Part, Reply, Request, Target};
use super::export_dialog::{ExportDialog, ExportState};
use super::keymap::{Key, Keymap};
use super::layout::Areas;
use super::overlays::Overlay;
use super::palette;
use super::profile_form::{FieldError, ProfileForm, Stage};
use super::profiles::ProfileRequest;
use super::theme::Theme;
use super::tree::{Folder, LoadState, MasterKind, MasterName, NodeId, NodeKind, ObjectInfo, Tree};
use crate::explore::model::{MasterItems, ObjectNode, SiteInfo};
use crate::explore::{Links, Site};

mod commands;
mod connection;
mod keys;
mod profile_actions;
mod replies;
mod split;

/// Rows the Data tab reads at first, and adds each time the user scrolls past the last one.
pub const DATA_PAGE_ROWS: usize = 100;
/// Columns one Left/Right moves the Data tab sideways.
pub(crate) const DATA_HSCROLL_STEP: u16 = 8;

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

/// Which overlay is on top of the stack (`App::mode`), or `Normal` when the base view (tree
/// and detail) has the keys. Derived from `App::overlays`, never stored.
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
    /// The Traffic pane (issue 12).
    Traffic,
    /// The `:diff` view.
    Diff,
}

/// Side effects the event loop performs (they need the terminal or other processes).
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Copy(String),
    Open(String),
    /// Show the folder a file was written to (the platform's file manager); the status bar
    /// says the file's full path either way.
    OpenFolder {
        folder: std::path::PathBuf,
        file: std::path::PathBuf,
    },
    /// Write the settings (the split moved).
    SaveSettings {
        path: std::path::PathBuf,
        settings: super::settings::Settings,
    },
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
    /// The open overlays, bottom to top: the top one takes keys first (`keys.rs::on_key`).
    pub overlays: Vec<Overlay>,
    pub tab: Tab,
    pub size: Rect,
    pub theme: Theme,
    pub keymap: Keymap,
    pub mouse: bool,
    pub details: HashMap<(NodeId, Part), Load<Value>>,
    pub scripts: HashMap<NodeId, Load<String>>,
    pub detail_cursor: usize,
    pub detail_scroll: usize,
    /// `:eval` results per app id, newest last: (expression, value or error).
    pub evals: HashMap<String, Vec<(String, String)>>,
    /// Columns the Data tab is scrolled sideways.
    pub detail_hscroll: u16,
    /// Rows the Data tab reads for a node (grows as the user scrolls past the end).
    pub data_limits: HashMap<NodeId, usize>,
    pub folded: HashSet<String>,
    pub filter: Input,
    pub search: Input,
    pub status: StatusInfo,
    /// The export dialog's state (drawn and edited by its overlay, `overlays::export`; the
    /// export's replies feed it).
    pub export: Option<ExportDialog>,
    /// The open profile form's draft (drawn and edited by its overlay,
    /// `overlays::profile_form`); its save's reply clears it.
    pub profile_form: Option<ProfileForm>,
    /// The last `:search` and its results (kept when the pane closes, for reopening).
    pub search_pane: Option<super::search_pane::SearchPane>,
    /// The frames of the current site's sockets (its ring is the site's tracer).
    pub traffic: super::traffic_pane::TrafficPane,
    /// The last `:diff` (kept when the view closes).
    pub diff_view: Option<super::diff_view::DiffView>,
    /// A jump to a search hit, waiting for the tree levels on its way to load.
    jump: Option<search_flow::Jump>,
    /// A search hit's jump that landed, until the cursor can go to the match.
    landing: Option<search_flow::Landing>,
    pub links: Links,
    pub site: Option<Arc<Site>>,
    /// Each app's master items by id, once its Master items folder has loaded: objects take
    /// their master visualization's title, and a Summary names the master items it uses.
    pub masters: HashMap<String, HashMap<String, MasterName>>,
    /// Who uses each master item and field, per app id: computed once (a walk of the whole app)
    /// when a Usage tab first asks, again after `r` on one of the app's nodes.
    pub usage: HashMap<String, Load<AppUsage>>,
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
    /// When the engine went away (HH:MM:SS), until a socket is open again.
    lost_at: Option<String>,
    /// The explorer's settings (the split), and where they are saved (None: not saved, as in
    /// the demo, which writes nothing to the config dir).
    pub settings: super::settings::Settings,
    pub settings_file: Option<std::path::PathBuf>,
}

impl App {
    pub fn new(profiles: Profiles, links: Links, keymap: Keymap, theme: Theme) -> App {
        let mut app = App {
            tree: Tree::new(),
            cursor: 0,
            scroll: 0,
            focus: Focus::Tree,
            overlays: Vec::new(),
            export: None,
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
            evals: HashMap::new(),
            folded: HashSet::new(),
            filter: Input::default(),
            search: Input::default(),
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
            profile_form: None,
            search_pane: None,
            traffic: super::traffic_pane::TrafficPane::new(Default::default()),
            diff_view: None,
            jump: None,
            landing: None,
            links,
            site: None,
            masters: HashMap::new(),
            usage: HashMap::new(),
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
            lost_at: None,
            settings: Default::default(),
            settings_file: None,
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

    /// Which overlay has the keys (`Mode::Normal`: none, the base view has them).
    pub fn mode(&self) -> Mode {
        self.overlays.last().map_or(Mode::Normal, Overlay::mode)
    }

    /// Opens an overlay on top of the stack.
    pub(crate) fn open(&mut self, overlay: Overlay) {
        self.overlays.push(overlay);
    }

    /// Closes every open overlay of this kind.
    pub(crate) fn close(&mut self, kind: Mode) {
        self.overlays.retain(|o| o.mode() != kind);
    }

    /// Queues a domain request for the event loop.
    pub(crate) fn push_request(&mut self, request: Request) {
        self.requests.push(request);
    }

    /// Queues a profile request (resolve, save, delete, test) for the event loop.
    pub(crate) fn push_profile_request(&mut self, request: ProfileRequest) {
        self.profile_requests.push(request);
    }

    /// Queues a side effect (clipboard, browser, file manager) for the event loop.
    pub(crate) fn push_effect(&mut self, effect: Effect) {
        self.effects.push(effect);
    }

    pub fn take_requests(&mut self) -> Vec<Request> {
        let requests = std::mem::take(&mut self.requests);
        self.on_requests_sent(&requests);
        requests
    }

    /// The profile node whose site is attached.
    pub fn connected_profile(&self) -> Option<NodeId> {
        self.connected
    }

    pub fn take_profile_requests(&mut self) -> Vec<ProfileRequest> {
        std::mem::take(&mut self.profile_requests)
    }

    /// The name of a profile node.
    pub(crate) fn profile_name(&self, id: NodeId) -> Option<String> {
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
            self.usage.clear();
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
        Areas::new(self.size, self.focus, self.tree_width())
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

    /// Rows PageUp/PageDown move the tree's cursor: a screenful less one.
    pub(crate) fn tree_page(&self) -> isize {
        self.tree_height().saturating_sub(1).max(1) as isize
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
    pub(crate) fn move_to(&mut self, row: usize) {
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
        // A detail search (or a jump's match) belongs to the node it was made on.
        self.search.reset();
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
        if self.tab == Tab::Usage {
            self.request_usage(&kind);
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

    /// Computes the usage of the node's app, unless it is known or on its way.
    fn request_usage(&mut self, kind: &NodeKind) {
        let Some(app) = kind.app_id() else { return };
        if !self.usage.contains_key(app) {
            self.usage.insert(app.to_string(), Load::Loading);
            self.requests.push(Request::Usage {
                app: app.to_string(),
            });
        }
    }

    // ----- tree operations -------------------------------------------------------------

    pub(crate) fn rebuild_keeping_selection(&mut self) {
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

    pub(crate) fn expand(&mut self, id: NodeId) {
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

    pub(crate) fn collapse(&mut self, id: NodeId) {
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
                // Open the app first: its folders appear once it opened (`add_app_folders`),
                // and an app the user may not open says so once, on its own node.
                self.tree.clear_children(id);
                self.tree.node_mut(id).load = LoadState::Loading;
                self.requests.push(Request::OpenApp {
                    node: id,
                    app: a.id,
                });
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
                let masters = self.master_visualization_titles(&app);
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

    /// The titles of app `app`'s master visualizations by id (for objects without their own).
    fn master_visualization_titles(&self, app: &str) -> HashMap<String, String> {
        self.masters
            .get(app)
            .into_iter()
            .flatten()
            .filter(|(_, m)| m.kind == MasterKind::Visualization)
            .map(|(id, m)| (id.clone(), m.title.clone()))
            .collect()
    }

    /// The folders of an app that opened; their contents load together (pipelined on the
    /// app's socket) so each shows its count.
    fn add_app_folders(&mut self, id: NodeId) {
        let NodeKind::App(a) = &self.tree.node(id).kind else {
            return;
        };
        let app = a.id.clone();
        self.tree.clear_children(id);
        for folder in Folder::OF_APP {
            let f = self.tree.add_child(
                id,
                NodeKind::Folder {
                    app: app.clone(),
                    folder,
                },
            );
            self.load_children(f);
        }
        self.tree.add_child(id, NodeKind::Script { app });
        self.tree.node_mut(id).load = LoadState::Loaded;
        self.rebuild_keeping_selection();
    }

    fn reload(&mut self, id: NodeId) {
        self.details.retain(|(n, _), _| *n != id);
        self.scripts.remove(&id);
        // What the app's items use may have changed too: its usage is computed again when next
        // shown.
        if let Some(app) = self.tree.node(id).kind.app_id() {
            self.usage.remove(app);
        }
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

    // ----- input -----------------------------------------------------------------------
}

/// Applies an editing key to a text input; returns whether the text changed.
pub(crate) fn edit_input(input: &mut Input, e: &KeyEvent) -> bool {
    input_request(e).is_some_and(|req| input.handle(req).is_some_and(|r| r.value))
}

/// The editing request a key makes in any text input (the form's `SecretInput` too).
pub(crate) fn input_request(e: &KeyEvent) -> Option<InputRequest> {
    let ctrl = e.modifiers.contains(KeyModifiers::CONTROL);
    Some(match e.code {
        KeyCode::Char('u') if ctrl => InputRequest::DeleteLine,
        KeyCode::Char('w') if ctrl => InputRequest::DeletePrevWord,
        KeyCode::Char(c) if !ctrl => InputRequest::InsertChar(c),
        KeyCode::Backspace => InputRequest::DeletePrevChar,
        KeyCode::Delete => InputRequest::DeleteNextChar,
        KeyCode::Left => InputRequest::GoToPrevChar,
        KeyCode::Right => InputRequest::GoToNextChar,
        KeyCode::Home => InputRequest::GoToStart,
        KeyCode::End => InputRequest::GoToEnd,
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
