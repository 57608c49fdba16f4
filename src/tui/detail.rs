//! The detail pane's content for the selected node: which tabs it has, and the lines each tab
//! shows (Summary facts, JSON views, links, the script). Pure functions of the app state.

use serde_json::Value;

use super::app::{App, Load};
use super::domain::Part;
use super::json_view::{DLine, Seg, json_lines};
use super::place::Place;
use super::tree::{LoadState, MasterKind, NodeId, NodeKind};
use super::usage_tab;
use crate::explore::app::joined_strings;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Summary,
    Properties,
    Layout,
    Tree,
    Links,
    Script,
    /// The rows of a hypercube, list object or field (computed with the app's data).
    Data,
    /// Who uses a master item or a field (issue 13).
    Usage,
}

impl Tab {
    pub fn title(self) -> &'static str {
        match self {
            Tab::Summary => "Summary",
            Tab::Properties => "Properties",
            Tab::Layout => "Layout",
            Tab::Tree => "Full property tree",
            Tab::Links => "Links",
            Tab::Script => "Script",
            Tab::Data => "Data",
            Tab::Usage => "Usage",
        }
    }
}

pub fn tabs_for(kind: &NodeKind) -> &'static [Tab] {
    use Tab::*;
    match kind {
        NodeKind::Script { .. } => &[Script],
        NodeKind::Sheet { .. } | NodeKind::Story { .. } => {
            &[Summary, Properties, Layout, Tree, Links]
        }
        NodeKind::Object { .. } => &[Summary, Properties, Layout, Tree, Links, Data],
        NodeKind::MasterItem {
            kind: MasterKind::Visualization,
            ..
        } => &[Summary, Properties, Layout, Tree, Links, Data, Usage],
        NodeKind::MasterItem { .. } => &[Summary, Properties, Layout, Links, Usage],
        NodeKind::Field { .. } => &[Summary, Data, Usage],
        NodeKind::App(_) | NodeKind::Bookmark { .. } | NodeKind::Variable { .. } => {
            &[Summary, Properties, Layout, Links]
        }
        _ => &[Summary],
    }
}

fn field(label: &str, value: impl Into<String>) -> DLine {
    DLine::new(vec![
        (Seg::Label, format!("{label:<12} ")),
        (Seg::Plain, value.into()),
    ])
}

fn heading(text: &str) -> DLine {
    DLine::new(vec![(Seg::Heading, text.to_string())])
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn str_at<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

/// The hub links of a node: (what, url). The first is what `y` and `o` use.
pub fn links_of(app: &App, id: NodeId) -> Vec<(String, String)> {
    let l = &app.links;
    let kind = &app.tree.node(id).kind;
    let Some(app_id) = kind.app_id() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    match kind {
        NodeKind::Sheet { entry, .. } => out.push(("sheet".into(), l.sheet(app_id, &entry.id))),
        NodeKind::Object { sheet, info, .. } => {
            out.push(("object".into(), l.object(app_id, &info.id)));
            out.push(("sheet".into(), l.sheet(app_id, sheet)));
        }
        NodeKind::MasterItem {
            kind: MasterKind::Visualization,
            item,
            ..
        } => out.push(("object".into(), l.object(app_id, &item.id))),
        NodeKind::Bookmark { entry, .. } => {
            if let Some(s) = &entry.sheet_id {
                out.push((
                    "bookmark".into(),
                    l.sheet_with_bookmark(app_id, s, &entry.id),
                ));
            }
        }
        _ => {}
    }
    out.push(("app".into(), l.app(app_id)));
    out
}

fn load_lines(load: Option<&Load<Value>>, app: &App) -> Vec<DLine> {
    match load {
        None | Some(Load::Loading) => vec![DLine::new(vec![(
            Seg::Dim,
            format!("{} loading…", spinner(app.ticks)),
        )])],
        Some(Load::Failed(e)) => vec![DLine::new(vec![(Seg::Error, format!("✗ error: {e}"))])],
        Some(Load::Ready(v)) => json_lines(v, &app.folded),
    }
}

/// A data table (`explore::data::DataTable` as JSON) as aligned columns: the header, the rows,
/// then how many rows there are and how to get more.
fn data_lines(v: &Value) -> Vec<DLine> {
    use unicode_width::UnicodeWidthStr;
    let headers: Vec<String> = v["headers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|h| h.as_str().unwrap_or("").to_string())
        .collect();
    let rows: Vec<Vec<String>> = v["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            r.as_array()
                .into_iter()
                .flatten()
                .map(|c| c["text"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate().take(widths.len()) {
            widths[i] = widths[i].max(c.width());
        }
    }
    let line = |cells: &[String]| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.width())))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = vec![heading(&line(&headers))];
    out.extend(rows.iter().map(|r| DLine::plain(line(r))));
    let total = v["total_rows"].as_u64().unwrap_or(0);
    let more = if (rows.len() as u64) < total {
        " · ↓ on the last row loads more"
    } else {
        ""
    };
    out.push(DLine::new(vec![(
        Seg::Dim,
        format!("{} of {total} rows{more} · ←/→ scroll sideways", rows.len()),
    )]));
    out
}

/// Whether a loaded data table has rows beyond those read.
pub fn data_has_more(v: &Value) -> bool {
    let read = v["rows"].as_array().map_or(0, Vec::len) as u64;
    read < v["total_rows"].as_u64().unwrap_or(0)
}

pub fn spinner(ticks: u64) -> &'static str {
    const FRAMES: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];
    FRAMES[(ticks % FRAMES.len() as u64) as usize]
}

/// The lines of the current tab for the selected node.
pub fn lines(app: &App) -> Vec<DLine> {
    let Some(id) = app.selected() else {
        return vec![DLine::plain("nothing selected")];
    };
    match app.tab {
        Tab::Summary => summary(app, id),
        Tab::Properties => load_lines(app.details.get(&(id, Part::Properties)), app),
        Tab::Layout => load_lines(app.details.get(&(id, Part::Layout)), app),
        Tab::Tree => load_lines(app.details.get(&(id, Part::FullTree)), app),
        Tab::Data => match app.details.get(&(id, Part::Data(app.data_limit(id)))) {
            Some(Load::Ready(v)) => data_lines(v),
            other => load_lines(other, app),
        },
        Tab::Usage => usage_tab::lines(app, id),
        Tab::Links => links_of(app, id)
            .into_iter()
            .map(|(what, url)| {
                DLine::new(vec![(Seg::Label, format!("{what:<10} ")), (Seg::Link, url)])
            })
            .collect(),
        Tab::Script => match app.scripts.get(&id) {
            None | Some(Load::Loading) => {
                vec![DLine::new(vec![(
                    Seg::Dim,
                    format!("{} loading…", spinner(app.ticks)),
                )])]
            }
            Some(Load::Failed(e)) => vec![DLine::new(vec![(Seg::Error, format!("✗ error: {e}"))])],
            Some(Load::Ready(s)) => s
                .lines()
                .enumerate()
                .map(|(i, l)| {
                    DLine::new(vec![
                        (Seg::Dim, format!("{:>4} ", i + 1)),
                        (
                            if l.trim_start().starts_with("//") {
                                Seg::Dim
                            } else {
                                Seg::Plain
                            },
                            l.to_string(),
                        ),
                    ])
                })
                .collect(),
        },
    }
}

fn summary(app: &App, id: NodeId) -> Vec<DLine> {
    let node = app.tree.node(id);
    let mut out = vec![heading(&format!(
        "{} · {}",
        node.kind.tag(),
        node.kind.title()
    ))];
    match &node.kind {
        NodeKind::Profile { name } => {
            out.push(field("profile", name.clone()));
            if let Some(p) = app.profile_settings.get(name) {
                out.push(field("engine url", p.engine_url.clone()));
                out.push(field("auth", p.auth.as_str()));
                let user = super::profile_form::user_of(p);
                if !user.is_empty() {
                    out.push(field("profile user", user));
                }
                out.push(field(
                    "hub links",
                    p.display_url.clone().unwrap_or_else(|| {
                        crate::engine::conn::spec::derive_display_url(&p.engine_url)
                    }),
                ));
                if !p.verify_hostname {
                    out.push(field("host name", "not checked (the chain still is)"));
                }
                if let Some(s) = p.secret_store {
                    out.push(field("secrets in", s.label()));
                }
                if let Some(n) = &p.notes {
                    out.push(field("notes", n.clone()));
                }
            }
            match app.tested.get(&id) {
                Some(Ok(s)) => out.push(field("last test", format!("ok: {s}"))),
                Some(Err(e)) => out.push(field("last test", format!("failed: {e}"))),
                None => {}
            }
            if app.connected_profile() == Some(id) {
                if let Some(site) = &app.status.site {
                    out.push(field("engine", site.engine_version.clone()));
                    out.push(field("user", site.user.clone()));
                }
                out.push(field("session", app.status.session.clone()));
            } else {
                out.push(field(
                    "session",
                    match &node.load {
                        LoadState::Loading => "connecting",
                        LoadState::Failed(_) => "not connected",
                        _ => "not connected (Enter connects)",
                    },
                ));
            }
        }
        NodeKind::Stream { name, personal } => {
            out.push(field("stream", name.clone()));
            if *personal {
                out.push(field(
                    "",
                    "apps in no stream: personal or not yet published",
                ));
            }
        }
        NodeKind::App(a) => {
            out.push(field("id", a.id.clone()));
            out.push(field("title", a.name.clone()));
            out.push(field("description", a.description.clone()));
            out.push(field(
                "stream",
                a.stream
                    .as_ref()
                    .map(|s| s.name.clone())
                    .unwrap_or_else(|| "(none)".into()),
            ));
            out.push(field("published", yes_no(a.published)));
            out.push(field("owner", a.owner.clone().unwrap_or_default()));
            out.push(field("last reload", a.last_reload_time.clone()));
            if let Some(evals) = app.evals.get(&a.id) {
                out.push(heading(":eval"));
                for (expression, value) in evals {
                    out.push(field(expression, value.clone()));
                }
            }
        }
        NodeKind::Folder { folder, .. } => {
            out.push(field("folder", folder.title()));
            out.push(field("items", node.children.len().to_string()));
        }
        NodeKind::Sheet { entry, .. } | NodeKind::Story { entry, .. } => {
            out.push(field("id", entry.id.clone()));
            out.push(field("title", entry.title.clone()));
            out.push(field("description", entry.description.clone()));
            out.push(field("owner", entry.owner.clone().unwrap_or_default()));
            out.push(field("created", str_at(&entry.meta, "/createdDate")));
            out.push(field("modified", str_at(&entry.meta, "/modifiedDate")));
            out.push(field("published", yes_no(entry.published)));
            out.push(field("approved", yes_no(entry.approved)));
            if matches!(node.kind, NodeKind::Sheet { .. }) {
                out.push(field("objects", node.children.len().to_string()));
            }
        }
        NodeKind::Object { info, .. } => {
            let p = &info.properties;
            out.push(field("id", info.id.clone()));
            out.push(field("type", info.r#type.clone()));
            out.push(field("title", info.title.clone()));
            let description = match str_at(p, "/qMetaDef/description") {
                "" => str_at(p, "/description"),
                d => d,
            };
            out.push(field("description", description));
            let app_id = node.kind.app_id().unwrap_or_default();
            if let Some(m) = &info.master_id {
                let label = (Seg::Label, format!("{:<12} ", "extends"));
                out.push(master_ref(app, app_id, MasterKind::Visualization, m, label));
            }
            if !node.children.is_empty() {
                out.push(field("children", node.children.len().to_string()));
            }
            hypercube(app, app_id, p, &mut out);
            if out.iter().any(|l| l.goto.is_some()) {
                out.push(DLine::new(vec![(
                    Seg::Dim,
                    "Enter on a → line jumps to that master item".to_string(),
                )]));
            }
        }
        NodeKind::MasterItem { kind, item, .. } => {
            out.push(field("id", item.id.clone()));
            out.push(field("title", item.title.clone()));
            out.push(field("description", item.description.clone()));
            match kind {
                MasterKind::Dimension => out.push(field("fields", item.definition.clone())),
                MasterKind::Measure => out.push(field("expression", item.definition.clone())),
                MasterKind::Visualization => out.push(field("chart", item.r#type.clone())),
            }
        }
        NodeKind::Bookmark { entry, .. } => {
            out.push(field("id", entry.id.clone()));
            out.push(field("title", entry.title.clone()));
            out.push(field("description", entry.description.clone()));
            out.push(field("sheet", entry.sheet_id.clone().unwrap_or_default()));
        }
        NodeKind::Variable { entry, .. } => {
            out.push(field("id", entry.id.clone()));
            out.push(field("name", entry.name.clone()));
            out.push(field("definition", entry.definition.clone()));
            out.push(field("description", entry.description.clone()));
        }
        NodeKind::Table { entry, .. } => {
            out.push(field("table", entry.name.clone()));
            out.push(field("rows", entry.rows.to_string()));
            out.push(field("fields", entry.fields.len().to_string()));
            let keys: Vec<&str> = entry
                .fields
                .iter()
                .filter(|f| f.is_key)
                .map(|f| f.name.as_str())
                .collect();
            out.push(field("keys", keys.join(", ")));
            if entry.synthetic {
                out.push(field(
                    "synthetic",
                    "yes: tables share several fields; consider one composite key",
                ));
            }
            if entry.loose {
                out.push(field("loose", "yes: part of a circular reference"));
            }
            if !entry.comment.is_empty() {
                out.push(field("comment", entry.comment.clone()));
            }
        }
        NodeKind::Field {
            table, field: f, ..
        } => {
            out.push(field("field", f.name.clone()));
            out.push(field("table", table.clone()));
            out.push(field(
                "key",
                if f.is_key { f.key_type.as_str() } else { "no" },
            ));
            out.push(field("rows", f.rows.to_string()));
            out.push(field("distinct", f.distinct_values.to_string()));
            if !f.tags.is_empty() {
                out.push(field("tags", f.tags.join(", ")));
            }
            if !f.comment.is_empty() {
                out.push(field("comment", f.comment.clone()));
            }
        }
        NodeKind::Script { .. } => {}
    }
    if let LoadState::Failed(e) = &node.load {
        out.push(DLine::plain(""));
        out.push(DLine::new(vec![(Seg::Error, format!("✗ error: {e}"))]));
        out.push(DLine::new(vec![(Seg::Dim, "press r to retry".to_string())]));
    }
    out
}

/// A line naming a master item an object uses (`qExtendsId`, `qLibraryId`), after `lead`: its
/// title and kind with the id beside it, Enter jumping to it. Before the app's master items
/// have loaded, the kind and id (the jump loads them); an id the app does not have says so.
fn master_ref(app: &App, app_id: &str, kind: MasterKind, id: &str, lead: (Seg, String)) -> DLine {
    let known = app.masters.get(app_id);
    let named = known.and_then(|m| m.get(id));
    let kind = named.map_or(kind, |n| n.kind);
    let what = format!("master {} {id}", kind.kind().name());
    let line =
        |segs: Vec<(Seg, String)>| DLine::new(std::iter::once(lead.clone()).chain(segs).collect());
    match (known, named) {
        (Some(_), None) => line(vec![(
            Seg::Error,
            format!("{what}: not among the app's master items (deleted?)"),
        )]),
        _ => {
            let segs = match named {
                Some(n) => vec![(Seg::Str, n.title.clone()), (Seg::Dim, format!("  {what}"))],
                None => vec![(Seg::Str, what)],
            };
            line(segs).jumping_to(Place::of(app_id, kind.kind(), id, &[]))
        }
    }
}

/// The object's dimensions and measures with their expressions, or the master items they are.
fn hypercube(app: &App, app_id: &str, p: &Value, out: &mut Vec<DLine>) {
    let Some(hc) = p.get("qHyperCubeDef") else {
        return;
    };
    let list = |key: &str| {
        hc.get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let dims = list("qDimensions");
    if !dims.is_empty() {
        out.push(heading("Dimensions"));
        for d in &dims {
            let lib = str_at(d, "/qLibraryId");
            out.push(if lib.is_empty() {
                let text = joined_strings(d.pointer("/qDef/qFieldDefs"));
                DLine::new(vec![(Seg::Label, "  • ".into()), (Seg::Str, text)])
            } else {
                master_ref(app, app_id, MasterKind::Dimension, lib, jump_bullet())
            });
        }
    }
    let measures = list("qMeasures");
    if !measures.is_empty() {
        out.push(heading("Measures"));
        for m in &measures {
            let lib = str_at(m, "/qLibraryId");
            out.push(if lib.is_empty() {
                let label = str_at(m, "/qDef/qLabel");
                let expr = str_at(m, "/qDef/qDef");
                let text = if label.is_empty() {
                    expr.to_string()
                } else {
                    format!("{label}: {expr}")
                };
                DLine::new(vec![(Seg::Label, "  • ".into()), (Seg::Str, text)])
            } else {
                master_ref(app, app_id, MasterKind::Measure, lib, jump_bullet())
            });
        }
    }
}

/// The bullet of a line Enter jumps from.
pub fn jump_bullet() -> (Seg, String) {
    (Seg::Label, "  → ".into())
}
