//! Loaders for one open app: each turns a few engine requests into model entries. Independent
//! requests are sent together (they are pipelined on the socket); a sheet's whole subtree comes
//! from one GetFullPropertyTree, and layouts are asked for only where a title needs evaluating.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::model::{
    BookmarkEntry, DataModel, FieldEntry, HAS_NO_DATA, MasterItem, MasterItems,
    OPENED_WITHOUT_DATA, ObjectNode, SheetEntry, TableEntry, VariableEntry,
};
use crate::engine::api::{Doc, GenericObject};
use crate::engine::{EngineError, Session};

/// An open app: its own session (one socket per open app, as Qlik requires) and the Doc handle.
pub struct AppSession {
    pub app_id: String,
    pub session: Session,
    pub doc: Doc,
}

fn str_at<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

/// A title as properties hold it: a literal string, or an expression only a layout evaluates.
pub fn literal_title(props: &Value) -> Option<String> {
    for ptr in ["/title", "/qMetaDef/title", "/qMeta/title"] {
        match props.pointer(ptr) {
            Some(Value::String(s)) if !s.is_empty() => return Some(s.clone()),
            _ => {}
        }
    }
    None
}

fn title_is_expression(props: &Value) -> bool {
    props.pointer("/title/qStringExpression").is_some()
        || props.pointer("/title/qValueExpression").is_some()
}

/// The strings of a JSON array joined by ", " (field definitions); "" for anything else.
pub fn joined_strings(v: Option<&Value>) -> String {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// Reads an evaluated title from a layout.
pub fn layout_title(layout: &Value) -> String {
    for ptr in ["/title", "/qMeta/title"] {
        if let Some(Value::String(s)) = layout.pointer(ptr)
            && !s.is_empty()
        {
            return s.clone();
        }
    }
    String::new()
}

impl AppSession {
    /// Opens the app without its data (fast; enough for browsing metadata).
    pub async fn open(session: Session, app_id: &str) -> Result<AppSession, EngineError> {
        Self::open_with(session, app_id, true).await
    }

    /// Opens the app; with `no_data = false` its data is loaded, which the data model's tables
    /// and row counts need (GetTablesAndKeys answers nothing for an app opened without data).
    pub async fn open_with(
        session: Session,
        app_id: &str,
        no_data: bool,
    ) -> Result<AppSession, EngineError> {
        let global = session.global();
        let doc = match global.open_doc(app_id, no_data).await {
            Ok(doc) => doc,
            // The socket joined a live session of this user and app (SESSION_ATTACHED: another
            // window, or a `/ttl/` session), where the app is already open: use that doc.
            // 1009: there it is open in the other mode (with / without data); data_model() says
            // so when the tables are missing.
            Err(
                e @ EngineError::Rpc {
                    code: 1002 | 1009, ..
                },
            ) => match global.get_active_doc().await {
                Ok(doc) if doc.id == app_id => doc,
                _ => return Err(e),
            },
            Err(e) => return Err(e),
        };
        Ok(AppSession {
            app_id: app_id.to_string(),
            session,
            doc,
        })
    }

    /// Creates a session list object, reads its layout, and leaves the object to die with the
    /// session (no extra round trip to destroy it).
    async fn list_layout(&self, props: Value) -> Result<Value, EngineError> {
        let obj = self.doc.create_session_object(props).await?;
        obj.get_layout().await
    }

    async fn list_items(&self, props: Value, list_key: &str) -> Result<Vec<Value>, EngineError> {
        let mut layout = self.list_layout(props).await?;
        // Moved out of the layout, not copied.
        Ok(match layout.pointer_mut(&format!("/{list_key}/qItems")) {
            Some(Value::Array(items)) => std::mem::take(items),
            _ => Vec::new(),
        })
    }

    pub async fn app_layout(&self) -> Result<Value, EngineError> {
        self.doc.get_app_layout().await
    }

    /// Sheets (or stories, with `object_type = "story"`), ordered by rank then title.
    pub async fn sheets_of_type(&self, object_type: &str) -> Result<Vec<SheetEntry>, EngineError> {
        let props = json!({
            "qInfo": {"qType": format!("{object_type}List")},
            "qAppObjectListDef": {"qType": object_type, "qData": {
                "title": "/qMetaDef/title", "description": "/qMetaDef/description", "rank": "/rank"
            }}
        });
        let items = self.list_items(props, "qAppObjectList").await?;
        let mut sheets: Vec<SheetEntry> = items
            .iter()
            .map(|it| {
                let meta = it.get("qMeta").cloned().unwrap_or(Value::Null);
                let title = match str_at(it, "/qMeta/title") {
                    "" => str_at(it, "/qData/title").to_string(),
                    t => t.to_string(),
                };
                SheetEntry {
                    id: str_at(it, "/qInfo/qId").to_string(),
                    title,
                    description: match str_at(it, "/qMeta/description") {
                        "" => str_at(it, "/qData/description").to_string(),
                        d => d.to_string(),
                    },
                    rank: it.pointer("/qData/rank").and_then(Value::as_f64),
                    published: meta
                        .get("published")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                    approved: meta
                        .get("approved")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                    owner: owner_name(&meta),
                    meta,
                }
            })
            .collect();
        sheets.sort_by(|a, b| {
            a.rank
                .unwrap_or(f64::MAX)
                .total_cmp(&b.rank.unwrap_or(f64::MAX))
                .then_with(|| a.title.cmp(&b.title))
        });
        Ok(sheets)
    }

    pub async fn sheets(&self) -> Result<Vec<SheetEntry>, EngineError> {
        self.sheets_of_type("sheet").await
    }

    pub async fn stories(&self) -> Result<Vec<SheetEntry>, EngineError> {
        self.sheets_of_type("story").await
    }

    /// A sheet (or any object) and everything below it, from one GetFullPropertyTree. Titles
    /// that are expressions are evaluated with a layout; objects built from a master
    /// visualization take its title when they have none of their own.
    pub async fn object_tree(
        &self,
        id: &str,
        masters: &HashMap<String, String>,
    ) -> Result<ObjectNode, EngineError> {
        self.object_tree_with(id, masters, true).await
    }

    /// As `object_tree`; without `keep_properties` each node's `properties` stay `Null` and
    /// the reply is read only for what the nodes show (an export without properties).
    pub async fn object_tree_with(
        &self,
        id: &str,
        masters: &HashMap<String, String>,
        keep_properties: bool,
    ) -> Result<ObjectNode, EngineError> {
        let obj = self.doc.get_object(id).await?;
        let entry = obj.get_full_property_tree_raw().await?;
        let (mut node, needs_layout) = super::prop_tree::read_tree(&entry, keep_properties)?;
        drop(entry);
        if !needs_layout.is_empty() {
            let obj = &obj;
            let titles =
                futures_util::future::join_all(needs_layout.iter().map(|oid| async move {
                    let o = if oid == id {
                        Ok(obj.clone())
                    } else {
                        self.doc.get_object(oid).await
                    };
                    let title = match o {
                        Ok(o) => o
                            .get_layout()
                            .await
                            .map(|l| layout_title(&l))
                            .unwrap_or_default(),
                        Err(_) => String::new(),
                    };
                    (oid.clone(), title)
                }))
                .await;
            let titles: HashMap<String, String> = titles.into_iter().collect();
            apply_titles(&mut node, &titles);
        }
        fill_master_titles(&mut node, masters);
        Ok(node)
    }

    pub async fn object(&self, id: &str) -> Result<GenericObject, EngineError> {
        self.doc.get_object(id).await
    }

    pub async fn master_items(&self) -> Result<MasterItems, EngineError> {
        let dims = json!({
            "qInfo": {"qType": "DimensionList"},
            "qDimensionListDef": {"qType": "dimension", "qData": {
                "title": "/qMetaDef/title", "description": "/qMetaDef/description", "tags": "/qMetaDef/tags",
                "grouping": "/qDim/qGrouping", "fieldDefs": "/qDim/qFieldDefs", "labels": "/qDim/qFieldLabels"
            }}
        });
        let measures = json!({
            "qInfo": {"qType": "MeasureList"},
            "qMeasureListDef": {"qType": "measure", "qData": {
                "title": "/qMetaDef/title", "description": "/qMetaDef/description", "tags": "/qMetaDef/tags",
                "expression": "/qMeasure/qDef", "label": "/qMeasure/qLabel"
            }}
        });
        let vizzes = json!({
            "qInfo": {"qType": "MasterObjectList"},
            "qAppObjectListDef": {"qType": "masterobject", "qData": {
                "title": "/qMetaDef/title", "description": "/qMetaDef/description", "visualization": "/visualization"
            }}
        });
        let (d, m, v) = tokio::try_join!(
            self.list_items(dims, "qDimensionList"),
            self.list_items(measures, "qMeasureList"),
            self.list_items(vizzes, "qAppObjectList"),
        )?;
        let item = |it: &Value, definition: String, kind: String| MasterItem {
            id: str_at(it, "/qInfo/qId").to_string(),
            title: match str_at(it, "/qMeta/title") {
                "" => str_at(it, "/qData/title").to_string(),
                t => t.to_string(),
            },
            description: match str_at(it, "/qMeta/description") {
                "" => str_at(it, "/qData/description").to_string(),
                t => t.to_string(),
            },
            definition,
            r#type: kind,
            raw: it.clone(),
        };
        let mut out = MasterItems {
            dimensions: d
                .iter()
                .map(|it| {
                    let defs = joined_strings(it.pointer("/qData/fieldDefs"));
                    item(it, defs, "dimension".into())
                })
                .collect(),
            measures: m
                .iter()
                .map(|it| {
                    item(
                        it,
                        str_at(it, "/qData/expression").to_string(),
                        "measure".into(),
                    )
                })
                .collect(),
            visualizations: v
                .iter()
                .map(|it| {
                    item(
                        it,
                        String::new(),
                        str_at(it, "/qData/visualization").to_string(),
                    )
                })
                .collect(),
        };
        for list in [
            &mut out.dimensions,
            &mut out.measures,
            &mut out.visualizations,
        ] {
            list.sort_by(|a, b| a.title.cmp(&b.title).then_with(|| a.id.cmp(&b.id)));
        }
        Ok(out)
    }

    pub async fn bookmarks(&self) -> Result<Vec<BookmarkEntry>, EngineError> {
        let props = json!({
            "qInfo": {"qType": "BookmarkList"},
            "qBookmarkListDef": {"qType": "bookmark", "qData": {
                "title": "/qMetaDef/title", "description": "/qMetaDef/description",
                "sheetId": "/sheetId", "creationDate": "/creationDate"
            }}
        });
        let mut out: Vec<BookmarkEntry> = self
            .list_items(props, "qBookmarkList")
            .await?
            .iter()
            .map(|it| BookmarkEntry {
                id: str_at(it, "/qInfo/qId").to_string(),
                title: match str_at(it, "/qMeta/title") {
                    "" => str_at(it, "/qData/title").to_string(),
                    t => t.to_string(),
                },
                description: str_at(it, "/qData/description").to_string(),
                sheet_id: match str_at(it, "/qData/sheetId") {
                    "" => None,
                    s => Some(s.to_string()),
                },
                raw: it.clone(),
            })
            .collect();
        out.sort_by(|a, b| a.title.cmp(&b.title).then_with(|| a.id.cmp(&b.id)));
        Ok(out)
    }

    pub async fn variables(&self) -> Result<Vec<VariableEntry>, EngineError> {
        let props = json!({
            "qInfo": {"qType": "VariableList"},
            "qVariableListDef": {"qType": "variable", "qShowReserved": false, "qShowConfig": false,
                "qData": {"tags": "/tags"}}
        });
        let mut out: Vec<VariableEntry> = self
            .list_items(props, "qVariableList")
            .await?
            .iter()
            .map(|it| VariableEntry {
                id: str_at(it, "/qInfo/qId").to_string(),
                name: str_at(it, "/qName").to_string(),
                definition: str_at(it, "/qDefinition").to_string(),
                description: str_at(it, "/qDescription").to_string(),
                raw: it.clone(),
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    pub async fn data_model(&self) -> Result<DataModel, EngineError> {
        let tk = self.doc.get_tables_and_keys().await?;
        // No tables: ask the layout why (one request, only then).
        let empty_because = if tk.tables.is_empty() {
            let layout = self.app_layout().await?;
            let flag = |k: &str| layout.get(k).and_then(Value::as_bool);
            if flag("qIsOpenedWithoutData") == Some(true) {
                Some(OPENED_WITHOUT_DATA.to_string())
            } else if flag("qHasData") == Some(false) {
                Some(HAS_NO_DATA.to_string())
            } else {
                None
            }
        } else {
            None
        };
        Ok(DataModel {
            empty_because,
            tables: tk
                .tables
                .into_iter()
                .map(|t| TableEntry {
                    name: t.name,
                    rows: t.rows,
                    synthetic: t.synthetic,
                    loose: t.loose,
                    comment: t.comment,
                    fields: t
                        .fields
                        .into_iter()
                        .map(|f| FieldEntry {
                            is_key: f.is_key(),
                            name: f.name,
                            key_type: f.key_type,
                            rows: f.rows,
                            distinct_values: f.distinct_values,
                            tags: f.tags,
                            comment: f.comment,
                        })
                        .collect(),
                })
                .collect(),
            keys: tk
                .keys
                .into_iter()
                .map(|k| (k.key_fields, k.tables))
                .collect(),
        })
    }

    /// The full properties (GetProperties) of a master item or bookmark: the lists carry only
    /// the few paths their `qData` asks for, and search and usage read every value.
    pub async fn library_properties(
        &self,
        kind: LibraryKind,
        id: &str,
    ) -> Result<Value, EngineError> {
        match kind {
            LibraryKind::Dimension => self.doc.get_dimension(id).await?.get_properties().await,
            LibraryKind::Measure => self.doc.get_measure(id).await?.get_properties().await,
            LibraryKind::Visualization => self.doc.get_object(id).await?.get_properties().await,
            LibraryKind::Bookmark => self.doc.get_bookmark(id).await?.get_properties().await,
            LibraryKind::Variable => {
                self.doc
                    .get_variable_by_id(id)
                    .await?
                    .get_properties()
                    .await
            }
        }
    }

    /// The load script: GetScriptEx first (the read right is enough), then GetScript (the
    /// reload right). None when the engine refuses both: SCRIPT_NEEDS_RELOAD_RIGHT says why.
    pub async fn script(&self) -> Result<Option<String>, EngineError> {
        // 5 access denied; an engine older than GetScriptEx answers -32601.
        let refused = |e: &EngineError| matches!(e.code(), Some(5 | -32601));
        match self.doc.get_script_ex().await {
            Ok(s) => return Ok(Some(s)),
            Err(e) if refused(&e) => {}
            Err(e) => return Err(e),
        }
        match self.doc.get_script().await {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.code() == Some(5) => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub fn close(&self) {
        self.session.close();
    }
}

/// The app-level items whose properties `library_properties` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LibraryKind {
    Dimension,
    Measure,
    Visualization,
    Bookmark,
    Variable,
}

fn owner_name(meta: &Value) -> Option<String> {
    match meta.get("owner") {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Object(o)) => {
            let dir = o.get("userDirectory").and_then(Value::as_str).unwrap_or("");
            let id = o.get("userId").and_then(Value::as_str).unwrap_or("");
            let name = o.get("name").and_then(Value::as_str).unwrap_or("");
            if !name.is_empty() {
                Some(name.to_string())
            } else if !id.is_empty() {
                Some(if dir.is_empty() {
                    id.to_string()
                } else {
                    format!("{dir}\\{id}")
                })
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Converts a `qPropEntry` (`{qProperty, qChildren}`) into a node, recursively.
/// Consumes the entry: each node's properties are moved out of the reply, never copied (an
/// export of a big site would otherwise copy every property tree once more).
pub fn node_from_entry(entry: Value) -> ObjectNode {
    let (props, children) = match entry {
        Value::Object(mut map) => (
            map.remove("qProperty").unwrap_or(Value::Null),
            match map.remove("qChildren") {
                Some(Value::Array(c)) => c.into_iter().map(node_from_entry).collect(),
                _ => Vec::new(),
            },
        ),
        _ => (Value::Null, Vec::new()),
    };
    ObjectNode {
        id: str_at(&props, "/qInfo/qId").to_string(),
        r#type: str_at(&props, "/qInfo/qType").to_string(),
        title: literal_title(&props).unwrap_or_default(),
        master_id: match str_at(&props, "/qExtendsId") {
            "" => None,
            s => Some(s.to_string()),
        },
        children,
        properties: props,
    }
}

pub(crate) fn collect_expression_titles(node: &ObjectNode, out: &mut Vec<String>) {
    if title_is_expression(&node.properties) {
        out.push(node.id.clone());
    }
    for c in &node.children {
        collect_expression_titles(c, out);
    }
}

fn apply_titles(node: &mut ObjectNode, titles: &HashMap<String, String>) {
    if let Some(t) = titles.get(&node.id)
        && !t.is_empty()
    {
        node.title = t.clone();
    }
    for c in &mut node.children {
        apply_titles(c, titles);
    }
}

/// Gives objects built from a master visualization the master's title when they have none.
pub fn fill_master_titles(node: &mut ObjectNode, masters: &HashMap<String, String>) {
    if node.title.is_empty()
        && let Some(t) = node.master_id.as_ref().and_then(|m| masters.get(m))
    {
        node.title = t.clone();
    }
    for c in &mut node.children {
        fill_master_titles(c, masters);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_nodes_from_a_property_tree() {
        let entry = json!({
            "qProperty": {"qInfo": {"qId": "s1", "qType": "sheet"}, "qMetaDef": {"title": "Overview"}},
            "qChildren": [
                {"qProperty": {"qInfo": {"qId": "c1", "qType": "container"}, "title": ""},
                 "qChildren": [
                    {"qProperty": {"qInfo": {"qId": "k1", "qType": "kpi"}, "qExtendsId": "m1"}, "qChildren": []},
                    {"qProperty": {"qInfo": {"qId": "e1", "qType": "barchart"},
                        "title": {"qStringExpression": {"qExpr": "='x'"}}}, "qChildren": []}
                 ]}
            ]
        });
        let mut node = node_from_entry(entry);
        assert_eq!(node.title, "Overview");
        assert_eq!(
            node.children[0].children[0].master_id.as_deref(),
            Some("m1")
        );
        let mut exprs = vec![];
        collect_expression_titles(&node, &mut exprs);
        assert_eq!(exprs, vec!["e1"]);
        let masters = HashMap::from([("m1".to_string(), "Revenue KPI".to_string())]);
        fill_master_titles(&mut node, &masters);
        assert_eq!(node.children[0].children[0].title, "Revenue KPI");
        assert_eq!(node.walk().len(), 4);
    }

    #[test]
    fn owner_names() {
        assert_eq!(owner_name(&json!({"owner": "jd"})).as_deref(), Some("jd"));
        assert_eq!(
            owner_name(&json!({"owner": {"userDirectory": "CORP", "userId": "jd"}})).as_deref(),
            Some("CORP\\jd")
        );
        assert_eq!(owner_name(&json!({})), None);
    }
}
