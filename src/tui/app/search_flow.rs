//! The explorer's side of `:search` (issue 13): starting a search on what the cursor is on,
//! feeding the streamed results into the results pane, its keys, and the jump to a hit, which
//! opens the tree level by level (each level may need a load) until the hit's node is selected.
//! The same jump takes Enter on a detail line that names another item (a master item in a
//! Summary, a user in a Usage tab) to that item.

use tokio_util::sync::CancellationToken;

use super::{App, Focus, Load};
use crate::explore::export::Scope;
use crate::tui::detail::Tab;
use crate::tui::domain::{Part, Reply, Request};
use crate::tui::overlays::{Overlay, panes};
use crate::tui::place::{Place, Step};
use crate::tui::search_pane::{SearchPane, jump_path};
use crate::tui::tree::{LoadState, NodeId, NodeKind};

/// A jump under way: where to, and for a search hit what matched there.
pub struct Jump {
    pub place: Place,
    pub found: Option<Found>,
}

/// A search hit's matched text, found in the detail pane on landing (and its script line).
pub struct Found {
    pub text: String,
    pub line: Option<usize>,
}

/// The node a search hit's jump landed on, until its detail lines are there for the cursor to
/// go to the match.
pub struct Landing {
    node: NodeId,
    /// The script line of a script hit (1-based).
    line: Option<usize>,
}

impl App {
    /// `:search PATTERN`: the selected node's app, or every app of the selected profile or
    /// stream (the whole site when nothing app-level is selected).
    pub(super) fn start_search(&mut self, pattern: &str) {
        if self.site.is_none() {
            self.status.message = Some("connect a profile first (Enter on it), then search".into());
            return;
        }
        let selected = self
            .selected()
            .map(|id| (id, self.tree.node(id).kind.clone()));
        let (scope, label) = match &selected {
            Some((id, NodeKind::Stream { name, .. })) => {
                let apps = self
                    .tree
                    .node(*id)
                    .children
                    .iter()
                    .filter_map(|c| match &self.tree.node(*c).kind {
                        NodeKind::App(a) => Some(a.id.clone()),
                        _ => None,
                    })
                    .collect();
                (Scope::Apps(apps), format!("stream {name}"))
            }
            Some((_, kind)) if kind.app_id().is_some() => {
                let app = kind.app_id().unwrap_or_default().to_string();
                let name = self
                    .app_node(&app)
                    .map(|n| self.tree.node(n).kind.title())
                    .unwrap_or_else(|| app.clone());
                (Scope::Apps(vec![app]), name)
            }
            _ => (Scope::All, format!("profile {}", self.status.profile)),
        };
        if let Some(old) = &self.search_pane {
            old.cancel.cancel();
        }
        let cancel = CancellationToken::new();
        self.search_pane = Some(SearchPane::new(pattern, &label, cancel.clone()));
        self.open(Overlay::SearchResults(panes::SearchResults));
        self.requests.push(Request::Search {
            scope,
            pattern: pattern.to_string(),
            cancel,
        });
    }

    /// Takes a search reply; false when `reply` is not one.
    pub(super) fn on_search_reply(&mut self, reply: &Reply) -> bool {
        let Some(p) = self.search_pane.as_mut() else {
            return matches!(
                reply,
                Reply::SearchApp(_) | Reply::SearchProgress(_) | Reply::SearchDone(_)
            );
        };
        match reply {
            Reply::SearchProgress(pr) => p.progress = pr.clone(),
            Reply::SearchApp(a) => p.apps.push(a.clone()),
            Reply::SearchDone(r) => {
                p.done = true;
                if let Err(e) = r {
                    p.error = Some(e.clone());
                }
            }
            _ => return false,
        }
        true
    }

    /// Jumps to the hit selected in the results pane; false when none is.
    pub(crate) fn jump_to_selected_hit(&mut self) -> bool {
        let Some(h) = self.search_pane.as_ref().and_then(|p| p.selected()) else {
            return false;
        };
        self.jump = Some(Jump {
            place: jump_path(h),
            found: Some(Found {
                text: h.text[h.mark.clone()].to_string(),
                line: h.line,
            }),
        });
        self.advance_jump();
        true
    }

    /// Jumps to the item at `place` (named on a detail line), opening the tree on the way.
    pub(super) fn jump_to(&mut self, place: Place) {
        self.jump = Some(Jump { place, found: None });
        self.advance_jump();
    }

    pub(super) fn app_node(&self, app_id: &str) -> Option<NodeId> {
        self.tree
            .reachable()
            .into_iter()
            .find(|&id| matches!(&self.tree.node(id).kind, NodeKind::App(a) if a.id == app_id))
    }

    /// The child of `node` a step names (a field: in any table of the data model).
    fn step_child(&self, node: NodeId, step: &Step) -> Option<NodeId> {
        let children = &self.tree.node(node).children;
        let kind_of = |c: &NodeId| &self.tree.node(*c).kind;
        match step {
            Step::Folder(f) => children
                .iter()
                .copied()
                .find(|c| matches!(kind_of(c), NodeKind::Folder { folder, .. } if folder == f)),
            Step::Id(id) => children
                .iter()
                .copied()
                .find(|c| kind_of(c).id() == Some(id.as_str())),
            Step::Script => children
                .iter()
                .copied()
                .find(|c| matches!(kind_of(c), NodeKind::Script { .. })),
            Step::Field(name) => children.iter().find_map(|t| {
                self.tree.node(*t).children.iter().copied().find(
                    |f| matches!(kind_of(f), NodeKind::Field { field, .. } if &field.name == name),
                )
            }),
        }
    }

    /// Opens the tree towards the pending jump as far as what is loaded allows; called again
    /// after every reply until the hit's node is selected (or a level fails).
    pub(super) fn advance_jump(&mut self) {
        let Some(j) = self.jump.take() else { return };
        let Some(mut node) = self.app_node(&j.place.app) else {
            self.status.message = Some(format!("app '{}' is not in the tree", j.place.app));
            return;
        };
        for step in &j.place.steps {
            match self.tree.node(node).load.clone() {
                LoadState::Loading => {
                    self.jump = Some(j);
                    return;
                }
                LoadState::Failed(e) => {
                    self.status.message = Some(format!("cannot open the way to the hit: {e}"));
                    return;
                }
                LoadState::Idle if self.tree.node(node).kind.loads_children() => {
                    self.expand(node);
                    self.jump = Some(j);
                    return;
                }
                _ => {}
            }
            let Some(next) = self.step_child(node, step) else {
                self.status.message = Some("the hit is no longer in the tree (reload?)".into());
                return;
            };
            self.tree.node_mut(node).expanded = true;
            if let Some(table) = self.tree.node(next).parent {
                self.tree.node_mut(table).expanded = true;
            }
            node = next;
        }
        for a in self.tree.ancestry(node) {
            if a != node {
                self.tree.node_mut(a).expanded = true;
            }
        }
        self.tree.clear_filter();
        self.filter.reset();
        self.rebuild_keeping_selection();
        self.select(node);
        let Some(found) = j.found else {
            // An item named in the detail pane: land on it, its Summary showing.
            self.tab = crate::tui::detail::tabs_for(&self.tree.node(node).kind)[0];
            self.request_detail();
            self.focus = Focus::Tree;
            let kind = &self.tree.node(node).kind;
            self.status.message = Some(format!("jumped to {} {}", kind.tag(), kind.title()));
            return;
        };
        // Show where it matched: the script at its line, else the properties with the match
        // as the detail search.
        let tabs = crate::tui::detail::tabs_for(&self.tree.node(node).kind);
        self.tab = if tabs.contains(&Tab::Properties) {
            Tab::Properties
        } else {
            tabs[0]
        };
        self.search = tui_input::Input::new(found.text.clone());
        self.request_detail();
        self.focus = Focus::Detail;
        self.status.message = Some(format!("jumped to the hit «{}»", found.text));
        self.landing = Some(Landing {
            node,
            line: found.line,
        });
        self.find_landed_match();
    }

    /// Once the detail lines of the node a hit's jump landed on are there, puts the cursor on
    /// the hit's script line, or on the first line holding the match (which the pane
    /// highlights).
    pub(super) fn find_landed_match(&mut self) {
        let Some(landing) = self.landing.take() else {
            return;
        };
        if self.selected() != Some(landing.node) {
            return;
        }
        let ready = match self.tab {
            Tab::Script => matches!(self.scripts.get(&landing.node), Some(Load::Ready(_))),
            Tab::Properties => matches!(
                self.details.get(&(landing.node, Part::Properties)),
                Some(Load::Ready(_))
            ),
            _ => true,
        };
        if !ready {
            self.landing = Some(landing);
            return;
        }
        let q = self.search.value().to_lowercase();
        let row = landing.line.map(|l| l.saturating_sub(1)).or_else(|| {
            self.detail_lines()
                .iter()
                .position(|l| l.text().to_lowercase().contains(&q))
        });
        if let Some(row) = row {
            self.detail_move(row as isize - self.detail_cursor as isize);
        }
    }
}
