//! The things a person browses, as plain data: apps, sheets, objects, master items, bookmarks,
//! variables, the data model. Built from engine replies by the loaders; read by the TUI and the
//! exporter. Every entry keeps the engine's raw JSON where one exists, so nothing is lost.

use serde::Serialize;
use serde_json::Value;

/// An app of the site (from GetDocList, or the Cloud items API).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AppEntry {
    pub id: String,
    pub name: String,
    pub description: String,
    pub stream: Option<Stream>,
    pub published: bool,
    pub last_reload_time: String,
    pub owner: Option<String>,
    #[serde(skip)]
    pub raw: Value,
}

impl AppEntry {
    /// An entry that knows only the app's id (the doc list did not show the app).
    pub fn bare(id: &str) -> AppEntry {
        AppEntry {
            id: id.to_string(),
            name: id.to_string(),
            description: String::new(),
            stream: None,
            published: false,
            last_reload_time: String::new(),
            owner: None,
            raw: Value::Null,
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stream {
    pub id: String,
    pub name: String,
}

/// A sheet (or story) from a session app-object list.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SheetEntry {
    pub id: String,
    pub title: String,
    pub description: String,
    pub rank: Option<f64>,
    pub published: bool,
    pub approved: bool,
    pub owner: Option<String>,
    #[serde(skip)]
    pub meta: Value,
}

/// A visualization or container on a sheet, with its nested children.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ObjectNode {
    pub id: String,
    pub r#type: String,
    pub title: String,
    /// The master visualization this object is built from (`qExtendsId`).
    pub master_id: Option<String>,
    pub children: Vec<ObjectNode>,
    /// The object's own properties, from the full property tree.
    #[serde(skip)]
    pub properties: Value,
}

impl ObjectNode {
    /// This node and all below it, depth first.
    pub fn walk(&self) -> Vec<&ObjectNode> {
        let mut out = Vec::with_capacity(self.size());
        self.walk_into(&mut out);
        out
    }

    fn walk_into<'a>(&'a self, out: &mut Vec<&'a ObjectNode>) {
        out.push(self);
        for c in &self.children {
            c.walk_into(out);
        }
    }

    /// How many nodes `walk` gives, counted without collecting them.
    pub fn size(&self) -> usize {
        1 + self.children.iter().map(ObjectNode::size).sum::<usize>()
    }
}

/// A master dimension or measure.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MasterItem {
    pub id: String,
    pub title: String,
    pub description: String,
    /// Measures: the expression. Dimensions: the field definitions joined by ", ".
    pub definition: String,
    /// Master visualizations: the chart type.
    pub r#type: String,
    #[serde(skip)]
    pub raw: Value,
}

#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct MasterItems {
    pub dimensions: Vec<MasterItem>,
    pub measures: Vec<MasterItem>,
    pub visualizations: Vec<MasterItem>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BookmarkEntry {
    pub id: String,
    pub title: String,
    pub description: String,
    pub sheet_id: Option<String>,
    #[serde(skip)]
    pub raw: Value,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VariableEntry {
    pub id: String,
    pub name: String,
    pub definition: String,
    pub description: String,
    #[serde(skip)]
    pub raw: Value,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FieldEntry {
    pub name: String,
    pub key_type: String,
    pub is_key: bool,
    /// Rows of the table holding a value of this field (qnRows).
    pub rows: u64,
    /// Distinct values across the app (qnTotalDistinctValues).
    pub distinct_values: u64,
    pub tags: Vec<String>,
    pub comment: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TableEntry {
    pub name: String,
    pub rows: u64,
    pub fields: Vec<FieldEntry>,
    /// A synthetic key table ($Syn), made by the engine when tables share several fields.
    pub synthetic: bool,
    /// Loosely coupled (the data model has a loop the engine broke here).
    pub loose: bool,
    pub comment: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct DataModel {
    pub tables: Vec<TableEntry>,
    /// Keys between tables: (key fields, tables).
    pub keys: Vec<(Vec<String>, Vec<String>)>,
    /// Why there are no tables, when the app layout says (opened without data, never loaded).
    pub empty_because: Option<String>,
}

/// Why an app open in a session without its data shows no tables.
pub const OPENED_WITHOUT_DATA: &str = "the data model is empty because the app is open without its data in this engine session (qIsOpenedWithoutData): another client of this user opened it with qNoData on the same session (same user, app and identity), and the engine keeps that mode while the session lives. Close that client, or wait for its session to end (a /ttl/ session lingers), then try again";

/// Why an app without data shows no tables.
pub const HAS_NO_DATA: &str = "the data model is empty because the app holds no data (qHasData is false): it has not been reloaded since it was created or its data was dropped; reload it in Qlik Sense";

/// What the export and the explorer say when the load script cannot be read.
pub const SCRIPT_NEEDS_RELOAD_RIGHT: &str = "the load script is not shown: reading it needs the reload right on this app (or owning it), and the engine refused GetScriptEx and GetScript with access denied. Ask the app's owner or a Qlik admin (QMC security rules) for the right";

/// Site facts shown in the status bar and reports.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct SiteInfo {
    pub engine_version: String,
    pub user: String,
}

/// What a quick connect found (`profile test`).
#[derive(Debug, Clone)]
pub struct SiteCheck {
    pub info: SiteInfo,
    /// Apps the user sees (GetDocList, or the Qlik Cloud items list).
    pub apps: usize,
}
