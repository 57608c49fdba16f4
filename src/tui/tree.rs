//! The tree pane's model: an arena of nodes plus a flat list of the rows currently visible
//! (expanded nodes flattened in order). Moving the cursor touches nothing; expanding or
//! collapsing rebuilds only the visible list; drawing reads the viewport's slice. So the cost of
//! a frame depends on the pane's height, not on the size of the tree.

use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use crate::explore::model::{
    AppEntry, BookmarkEntry, FieldEntry, MasterItem, SheetEntry, TableEntry, VariableEntry,
};
use crate::explore::search::Kind;

pub type NodeId = usize;

/// The folders of an app (and the master-item sub-folders).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Folder {
    Sheets,
    Stories,
    MasterItems,
    Dimensions,
    Measures,
    Visualizations,
    Bookmarks,
    Variables,
    DataModel,
}

impl Folder {
    pub fn title(self) -> &'static str {
        match self {
            Folder::Sheets => "Sheets",
            Folder::Stories => "Stories",
            Folder::MasterItems => "Master items",
            Folder::Dimensions => "Dimensions",
            Folder::Measures => "Measures",
            Folder::Visualizations => "Visualizations",
            Folder::Bookmarks => "Bookmarks",
            Folder::Variables => "Variables",
            Folder::DataModel => "Data model",
        }
    }

    /// The folders an app node shows, in order (the load script is a leaf after them).
    pub const OF_APP: [Folder; 6] = [
        Folder::Sheets,
        Folder::Stories,
        Folder::MasterItems,
        Folder::Bookmarks,
        Folder::Variables,
        Folder::DataModel,
    ];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MasterKind {
    Dimension,
    Measure,
    Visualization,
}

impl MasterKind {
    /// The search's word for it, which also places it in the tree (`Place::of`).
    pub fn kind(self) -> Kind {
        match self {
            MasterKind::Dimension => Kind::Dimension,
            MasterKind::Measure => Kind::Measure,
            MasterKind::Visualization => Kind::Visualization,
        }
    }
}

/// A master item as other items name it (by id): its kind and title.
#[derive(Debug, Clone, PartialEq)]
pub struct MasterName {
    pub kind: MasterKind,
    pub title: String,
}

/// A sheet object or container child as the tree holds it (children are tree nodes).
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectInfo {
    pub id: String,
    pub r#type: String,
    pub title: String,
    pub master_id: Option<String>,
    pub properties: serde_json::Value,
}

/// What a node stands for. App-level nodes carry their app id so a request can be built from
/// the node alone.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Profile {
        name: String,
    },
    Stream {
        name: String,
        personal: bool,
    },
    App(AppEntry),
    Folder {
        app: String,
        folder: Folder,
    },
    Sheet {
        app: String,
        entry: SheetEntry,
    },
    Story {
        app: String,
        entry: SheetEntry,
    },
    Object {
        app: String,
        sheet: String,
        info: ObjectInfo,
    },
    MasterItem {
        app: String,
        kind: MasterKind,
        item: MasterItem,
    },
    Bookmark {
        app: String,
        entry: BookmarkEntry,
    },
    Variable {
        app: String,
        entry: VariableEntry,
    },
    Table {
        app: String,
        entry: TableEntry,
    },
    Field {
        app: String,
        table: String,
        field: FieldEntry,
    },
    Script {
        app: String,
    },
}

impl NodeKind {
    /// A short type tag shown before the title (no reliance on icons or color).
    pub fn tag(&self) -> String {
        match self {
            NodeKind::Profile { .. } => "profile".into(),
            NodeKind::Stream { personal: true, .. } => "personal".into(),
            NodeKind::Stream { .. } => "stream".into(),
            NodeKind::App(_) => "app".into(),
            NodeKind::Folder { .. } => "dir".into(),
            NodeKind::Sheet { .. } => "sheet".into(),
            NodeKind::Story { .. } => "story".into(),
            NodeKind::Object { info, .. } => info.r#type.clone(),
            NodeKind::MasterItem { kind, .. } => match kind {
                MasterKind::Dimension => "dim".into(),
                MasterKind::Measure => "measure".into(),
                MasterKind::Visualization => "master".into(),
            },
            NodeKind::Bookmark { .. } => "bookmark".into(),
            NodeKind::Variable { .. } => "var".into(),
            NodeKind::Table { .. } => "table".into(),
            NodeKind::Field { field, .. } if field.is_key => "key".into(),
            NodeKind::Field { .. } => "field".into(),
            NodeKind::Script { .. } => "script".into(),
        }
    }

    /// The title as drawn (tree rows, breadcrumb, detail, filter): control characters and bidi
    /// overrides in what an app author wrote are shown escaped, so an odd title looks odd.
    pub fn title(&self) -> String {
        let raw = self.raw_title();
        match crate::text::escape_for_terminal(&raw) {
            std::borrow::Cow::Borrowed(_) => raw,
            std::borrow::Cow::Owned(escaped) => escaped,
        }
    }

    fn raw_title(&self) -> String {
        let or_id = |t: &str, id: &str| {
            if t.is_empty() {
                format!("({id})")
            } else {
                t.to_string()
            }
        };
        match self {
            NodeKind::Profile { name } => name.clone(),
            NodeKind::Stream { name, .. } => name.clone(),
            NodeKind::App(a) => or_id(&a.name, &a.id),
            NodeKind::Folder { folder, .. } => folder.title().into(),
            NodeKind::Sheet { entry, .. } | NodeKind::Story { entry, .. } => {
                or_id(&entry.title, &entry.id)
            }
            NodeKind::Object { info, .. } => or_id(&info.title, &info.id),
            NodeKind::MasterItem { item, .. } => or_id(&item.title, &item.id),
            NodeKind::Bookmark { entry, .. } => or_id(&entry.title, &entry.id),
            NodeKind::Variable { entry, .. } => or_id(&entry.name, &entry.id),
            NodeKind::Table { entry, .. } => entry.name.clone(),
            NodeKind::Field { field, .. } => field.name.clone(),
            NodeKind::Script { .. } => "Load script".into(),
        }
    }

    /// The engine id of what the node stands for, where it has one.
    pub fn id(&self) -> Option<&str> {
        match self {
            NodeKind::App(a) => Some(&a.id),
            NodeKind::Sheet { entry, .. } | NodeKind::Story { entry, .. } => Some(&entry.id),
            NodeKind::Object { info, .. } => Some(&info.id),
            NodeKind::MasterItem { item, .. } => Some(&item.id),
            NodeKind::Bookmark { entry, .. } => Some(&entry.id),
            NodeKind::Variable { entry, .. } => Some(&entry.id),
            _ => None,
        }
    }

    pub fn app_id(&self) -> Option<&str> {
        match self {
            NodeKind::Profile { .. } | NodeKind::Stream { .. } => None,
            NodeKind::App(a) => Some(&a.id),
            NodeKind::Folder { app, .. }
            | NodeKind::Sheet { app, .. }
            | NodeKind::Story { app, .. }
            | NodeKind::Object { app, .. }
            | NodeKind::MasterItem { app, .. }
            | NodeKind::Bookmark { app, .. }
            | NodeKind::Variable { app, .. }
            | NodeKind::Table { app, .. }
            | NodeKind::Field { app, .. }
            | NodeKind::Script { app } => Some(app),
        }
    }

    /// Whether children come from a request when the node is first expanded.
    pub fn loads_children(&self) -> bool {
        matches!(
            self,
            NodeKind::Profile { .. }
                | NodeKind::App(_)
                | NodeKind::Folder { .. }
                | NodeKind::Sheet { .. }
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum LoadState {
    /// Children not asked for yet (or the node has none to load).
    Idle,
    Loading,
    Loaded,
    /// The request failed: the engine's code and message.
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct Node {
    pub kind: NodeKind,
    pub parent: Option<NodeId>,
    pub children: Vec<NodeId>,
    pub depth: u16,
    pub expanded: bool,
    pub load: LoadState,
}

impl Node {
    pub fn expandable(&self) -> bool {
        !self.children.is_empty() || (self.kind.loads_children() && self.load != LoadState::Loaded)
    }
}

/// One visible row: the node and, while a filter is active, the matched character indices.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub id: NodeId,
    pub matched: Option<Vec<u32>>,
}

/// The active filter: its query, and the rows it keeps.
struct Filter {
    query: String,
    pattern: Pattern,
    /// The visible list it ran over (see `Tree::generation`).
    generation: u64,
    /// The matching nodes, in visible order: a query that extends this one searches only these.
    hits: Vec<NodeId>,
    /// The rows shown: matches (true) and their ancestors (false), in visible order.
    rows: Vec<(NodeId, bool)>,
}

#[derive(Default)]
pub struct Tree {
    nodes: Vec<Node>,
    /// Each node's title, kept so a filter keystroke does not build 100k strings.
    titles: Vec<Box<str>>,
    roots: Vec<NodeId>,
    /// Expanded nodes flattened in display order.
    visible: Vec<NodeId>,
    /// Bumped whenever `visible` changes: a filter narrowed from an older one is only valid
    /// over the same rows.
    generation: u64,
    filter: Option<Filter>,
    /// Columns the widest visible row takes (see `content_width`), measured in `rebuild`.
    content_width: usize,
}

impl Tree {
    pub fn new() -> Tree {
        Tree::default()
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
    }

    pub fn node_mut(&mut self, id: NodeId) -> &mut Node {
        &mut self.nodes[id]
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn roots(&self) -> &[NodeId] {
        &self.roots
    }

    pub fn add_root(&mut self, kind: NodeKind) -> NodeId {
        let id = self.push(kind, None, 0);
        self.roots.push(id);
        id
    }

    pub fn add_child(&mut self, parent: NodeId, kind: NodeKind) -> NodeId {
        let depth = self.nodes[parent].depth + 1;
        let id = self.push(kind, Some(parent), depth);
        self.nodes[parent].children.push(id);
        id
    }

    /// Changes what a node stands for (a renamed profile).
    pub fn set_kind(&mut self, id: NodeId, kind: NodeKind) {
        self.titles[id] = kind.title().into();
        self.nodes[id].kind = kind;
        self.generation += 1;
    }

    fn push(&mut self, kind: NodeKind, parent: Option<NodeId>, depth: u16) -> NodeId {
        self.titles.push(kind.title().into());
        self.nodes.push(Node {
            kind,
            parent,
            children: Vec::new(),
            depth,
            expanded: false,
            load: LoadState::Idle,
        });
        self.nodes.len() - 1
    }

    /// Drops a root (a deleted profile); the arena keeps its slots, unreachable.
    pub fn remove_root(&mut self, id: NodeId) {
        self.roots.retain(|&r| r != id);
    }

    /// Drops a node's children (on reload); the arena keeps their slots, unreachable.
    pub fn clear_children(&mut self, id: NodeId) {
        self.nodes[id].children.clear();
    }

    /// The path from the root to `id`, inclusive.
    pub fn ancestry(&self, id: NodeId) -> Vec<NodeId> {
        let mut out = vec![id];
        let mut cur = id;
        while let Some(p) = self.nodes[cur].parent {
            out.push(p);
            cur = p;
        }
        out.reverse();
        out
    }

    /// Rebuilds the visible list after an expand, collapse or change of children.
    pub fn rebuild(&mut self) {
        let mut out = Vec::with_capacity(self.visible.len().max(64));
        let mut stack: Vec<NodeId> = self.roots.iter().rev().copied().collect();
        while let Some(id) = stack.pop() {
            out.push(id);
            let n = &self.nodes[id];
            if n.expanded {
                stack.extend(n.children.iter().rev());
            }
        }
        self.content_width = out.iter().map(|&id| self.row_width(id)).max().unwrap_or(0);
        self.visible = out;
        self.generation += 1;
    }

    /// Columns the widest visible row takes as drawn (selection mark, indent, expander, tag,
    /// title, child count), so the tree pane can fit its content. Measured when the visible
    /// rows change, not per frame.
    pub fn content_width(&self) -> usize {
        self.content_width
    }

    fn row_width(&self, id: NodeId) -> usize {
        let n = &self.nodes[id];
        let count = if n.children.is_empty() {
            0
        } else {
            n.children.len().to_string().len() + 3
        };
        // "▶ " + indent + "▸ " + "[tag] " + title + " (n)"
        2 + 2 * n.depth as usize
            + 2
            + n.kind.tag().len()
            + 3
            + unicode_width::UnicodeWidthStr::width(&*self.titles[id])
            + count
    }

    /// The rows shown: all visible nodes, or the filter's result.
    pub fn row_count(&self) -> usize {
        match &self.filter {
            Some(f) => f.rows.len(),
            None => self.visible.len(),
        }
    }

    pub fn row_id(&self, index: usize) -> Option<NodeId> {
        match &self.filter {
            Some(f) => f.rows.get(index).map(|r| r.0),
            None => self.visible.get(index).copied(),
        }
    }

    /// The rows in `start..start+len`, for drawing. A match's highlighted characters are
    /// worked out here, for the rows drawn only.
    pub fn rows(&self, start: usize, len: usize) -> Vec<Row> {
        match &self.filter {
            Some(f) => {
                let mut matcher = Matcher::new(Config::DEFAULT);
                let mut buf = Vec::new();
                f.rows
                    .iter()
                    .skip(start)
                    .take(len)
                    .map(|&(id, hit)| Row {
                        id,
                        matched: hit.then(|| {
                            let mut indices = Vec::new();
                            f.pattern.indices(
                                Utf32Str::new(&self.titles[id], &mut buf),
                                &mut matcher,
                                &mut indices,
                            );
                            indices.sort_unstable();
                            indices.dedup();
                            indices
                        }),
                    })
                    .collect()
            }
            None => self
                .visible
                .iter()
                .skip(start)
                .take(len)
                .map(|&id| Row { id, matched: None })
                .collect(),
        }
    }

    /// Whether row `index` is a match of the filter (not an ancestor kept for context).
    pub fn is_match(&self, index: usize) -> bool {
        self.filter
            .as_ref()
            .and_then(|f| f.rows.get(index))
            .is_some_and(|r| r.1)
    }

    pub fn index_of(&self, id: NodeId) -> Option<usize> {
        match &self.filter {
            Some(f) => f.rows.iter().position(|r| r.0 == id),
            None => self.visible.iter().position(|&v| v == id),
        }
    }

    pub fn filter_active(&self) -> bool {
        self.filter.is_some()
    }

    /// Fuzzy-filters the visible rows by title: matches keep their ancestors for context.
    /// An empty query clears the filter. While the query grows (each keystroke of a typed
    /// query), only the previous matches are searched: a match of the longer query is a match
    /// of the shorter one.
    pub fn set_filter(&mut self, query: &str) {
        if query.trim().is_empty() {
            self.filter = None;
            return;
        }
        let pattern = Pattern::new(
            query,
            CaseMatching::Ignore,
            Normalization::Smart,
            AtomKind::Fuzzy,
        );
        // ASCII only: normalisation of accented letters may change between the two queries.
        let previous = self.filter.take().filter(|f| {
            f.generation == self.generation && query.is_ascii() && query.starts_with(&f.query)
        });
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut buf = Vec::new();
        let mut matches = |id: &NodeId| {
            pattern
                .score(Utf32Str::new(&self.titles[*id], &mut buf), &mut matcher)
                .is_some()
        };
        let hits: Vec<NodeId> = match &previous {
            Some(f) => f.hits.iter().copied().filter(|id| matches(id)).collect(),
            None => self
                .visible
                .iter()
                .copied()
                .filter(|id| matches(id))
                .collect(),
        };
        // Keep each match's ancestors so the rows still read as a tree. Hits come in visible
        // order, ancestors first, so a marked node's own ancestors are marked already.
        const ANCESTOR: u8 = 1;
        const HIT: u8 = 2;
        let mut mark = vec![0u8; self.nodes.len()];
        for &id in &hits {
            mark[id] = HIT;
            let mut cur = self.nodes[id].parent;
            while let Some(p) = cur {
                if mark[p] != 0 {
                    break;
                }
                mark[p] = ANCESTOR;
                cur = self.nodes[p].parent;
            }
        }
        let rows = self
            .visible
            .iter()
            .filter(|&&id| mark[id] != 0)
            .map(|&id| (id, mark[id] == HIT))
            .collect();
        self.filter = Some(Filter {
            query: query.to_string(),
            pattern,
            generation: self.generation,
            hits,
            rows,
        });
    }

    pub fn clear_filter(&mut self) {
        self.filter = None;
    }

    /// Ids of all nodes in the arena that are reachable, depth first (for `:app` lookups).
    pub fn reachable(&self) -> Vec<NodeId> {
        let mut out = Vec::new();
        let mut stack: Vec<NodeId> = self.roots.iter().rev().copied().collect();
        while let Some(id) = stack.pop() {
            out.push(id);
            stack.extend(self.nodes[id].children.iter().rev());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(name: &str) -> NodeKind {
        NodeKind::Profile { name: name.into() }
    }

    fn stream(name: &str) -> NodeKind {
        NodeKind::Stream {
            name: name.into(),
            personal: false,
        }
    }

    #[test]
    fn flattens_only_expanded_nodes_in_order() {
        let mut t = Tree::new();
        let p = t.add_root(profile("p"));
        let a = t.add_child(p, stream("A"));
        let _a1 = t.add_child(a, stream("A1"));
        let b = t.add_child(p, stream("B"));
        t.rebuild();
        assert_eq!(t.row_count(), 1);
        t.node_mut(p).expanded = true;
        t.rebuild();
        assert_eq!(
            t.rows(0, 10).iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![p, a, b]
        );
        t.node_mut(a).expanded = true;
        t.rebuild();
        assert_eq!(t.row_count(), 4);
        assert_eq!(t.index_of(b), Some(3));
        assert_eq!(t.ancestry(b), vec![p, b]);
    }

    #[test]
    fn filter_keeps_ancestors_and_marks_matches() {
        let mut t = Tree::new();
        let p = t.add_root(profile("p"));
        let a = t.add_child(p, stream("Sales"));
        let x = t.add_child(a, stream("Revenue"));
        let _y = t.add_child(p, stream("Other"));
        for n in [p, a] {
            t.node_mut(n).expanded = true;
        }
        t.rebuild();
        t.set_filter("rev");
        let rows = t.rows(0, 10);
        assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), vec![p, a, x]);
        assert_eq!(rows[2].matched.as_deref(), Some(&[0u32, 1, 2][..]));
        assert_eq!(rows[1].matched, None);
        t.set_filter("");
        assert_eq!(t.row_count(), 4);
    }

    #[test]
    fn a_growing_query_narrows_and_a_rebuild_searches_everything_again() {
        let mut t = Tree::new();
        let p = t.add_root(profile("p"));
        let a = t.add_child(p, stream("Revenue"));
        let b = t.add_child(p, stream("Return"));
        let hidden = t.add_child(a, stream("Revenue detail"));
        t.node_mut(p).expanded = true;
        t.rebuild();
        let ids = |t: &Tree| t.rows(0, 10).iter().map(|r| r.id).collect::<Vec<_>>();
        t.set_filter("re");
        assert_eq!(ids(&t), vec![p, a, b]);
        t.set_filter("rev");
        assert_eq!(ids(&t), vec![p, a], "narrowed from the matches of 're'");
        t.set_filter("re");
        assert_eq!(
            ids(&t),
            vec![p, a, b],
            "a shorter query searches all rows again"
        );
        // New rows appear: the next keystroke must not narrow from the old matches only.
        t.set_filter("rev");
        t.node_mut(a).expanded = true;
        t.rebuild();
        t.set_filter("reve");
        assert_eq!(ids(&t), vec![p, a, hidden]);
        assert!(t.is_match(2) && !t.is_match(0));
        t.set_kind(b, stream("Revert"));
        t.set_filter("rever");
        assert_eq!(
            ids(&t),
            vec![p, b],
            "a renamed node is matched by its new title"
        );
    }
}
