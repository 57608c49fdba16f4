//! The export document, format `qlik-tui.export/1`: plain serde types whose field names are the
//! document's keys. The keys named in issue 5 keep their names forever; new keys may be added.
//! Built from the explorer's model values plus links; nothing here talks to an engine.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::explore::links::Links;
use crate::explore::model::{
    AppEntry, BookmarkEntry, DataModel, MasterItems, ObjectNode, SheetEntry, VariableEntry,
};

/// The version tag every document and every ndjson header carries.
pub const FORMAT: &str = "qlik-tui.export/1";

/// Where the export came from. Never holds a credential: the engine URL is shown with its query
/// values redacted, and the user is the engine's own answer to GetAuthenticatedUser.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SourceDoc {
    pub engine_url: String,
    pub display_url: String,
    pub engine_version: String,
    pub user: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StreamDoc {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AppLinks {
    pub overview: String,
}

/// One app, complete. Sections not loaded for a narrower scope (a sheet, an object) are empty.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AppDoc {
    pub id: String,
    pub name: String,
    pub description: String,
    pub stream: Option<StreamDoc>,
    pub published: bool,
    pub last_reload_time: String,
    /// Present only when the engine names an owner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    pub links: AppLinks,
    pub sheets: Vec<SheetDoc>,
    pub master_items: MasterItemsDoc,
    pub bookmarks: Vec<BookmarkDoc>,
    pub variables: Vec<VariableDoc>,
    pub data_model: DataModelDoc,
    /// The load script, with `--include-script` (null when it could not be read).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub script: Option<Option<String>>,
    /// Why the script is null when the user may not read it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub script_note: Option<String>,
    /// GetAppProperties, with `--include-properties`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties: Option<Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SheetDoc {
    pub id: String,
    pub title: String,
    pub description: String,
    pub rank: Option<f64>,
    pub link: String,
    pub objects: Vec<ObjectDoc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties: Option<Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ObjectDoc {
    pub id: String,
    pub r#type: String,
    pub title: String,
    pub link: String,
    /// The master visualization this object extends (`qExtendsId`), or null.
    pub master_id: Option<String>,
    pub children: Vec<ObjectDoc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties: Option<Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct MasterItemsDoc {
    pub dimensions: Vec<MasterFieldDoc>,
    pub measures: Vec<MasterFieldDoc>,
    pub visualizations: Vec<MasterVizDoc>,
}

/// A master dimension or measure; `definition` is the measure's expression or the dimension's
/// field definitions joined by ", ".
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MasterFieldDoc {
    pub id: String,
    pub title: String,
    pub description: String,
    pub definition: String,
    /// GetProperties, with `--include-properties`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties: Option<Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MasterVizDoc {
    pub id: String,
    pub title: String,
    pub r#type: String,
    pub description: String,
    /// GetProperties, with `--include-properties`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties: Option<Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BookmarkDoc {
    pub id: String,
    pub title: String,
    pub description: String,
    pub sheet_id: Option<String>,
    /// The sheet link with this bookmark applied, when the bookmark names its sheet.
    pub link: Option<String>,
    /// GetProperties, with `--include-properties`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties: Option<Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VariableDoc {
    pub id: String,
    pub name: String,
    pub definition: String,
    /// GetProperties, with `--include-properties`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct DataModelDoc {
    pub tables: Vec<TableDoc>,
    pub keys: Vec<KeyDoc>,
    /// Why there are no tables (an app open without data, an app never loaded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub empty_because: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TableDoc {
    pub name: String,
    pub rows: u64,
    pub fields: Vec<FieldDoc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FieldDoc {
    pub name: String,
    pub is_key: bool,
    pub key_type: String,
}

/// A key between tables: the fields it is made of and the tables it links.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct KeyDoc {
    pub fields: Vec<String>,
    pub tables: Vec<String>,
}

/// Something that could not be exported. `code` is the engine's error code (null when the failure
/// carried none, e.g. a refused session); `part` names what failed when it was less than the app.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ErrorDoc {
    pub app_id: String,
    pub code: Option<i64>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<String>,
}

/// A key that is present (its value may be null) reads as `Some`: `"script": null` (the script
/// could not be read) stays apart from no `script` key (not asked for).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

impl AppDoc {
    /// The app's header (no sections yet) from its doc-list entry.
    pub fn header(entry: &AppEntry, links: &Links) -> AppDoc {
        AppDoc {
            id: entry.id.clone(),
            name: entry.name.clone(),
            description: entry.description.clone(),
            stream: entry.stream.as_ref().map(|s| StreamDoc {
                id: s.id.clone(),
                name: s.name.clone(),
            }),
            published: entry.published,
            last_reload_time: entry.last_reload_time.clone(),
            owner: entry.owner.clone(),
            links: AppLinks {
                overview: links.app(&entry.id),
            },
            sheets: Vec::new(),
            master_items: MasterItemsDoc::default(),
            bookmarks: Vec::new(),
            variables: Vec::new(),
            data_model: DataModelDoc::default(),
            script: None,
            script_note: None,
            properties: None,
        }
    }

    /// Every object of every sheet, depth first, with the sheet it sits on and its parent.
    pub fn objects(&self) -> Vec<PlacedObject<'_>> {
        let mut out = Vec::new();
        for sheet in &self.sheets {
            for o in &sheet.objects {
                o.place(sheet, None, 0, &mut out);
            }
        }
        out
    }
}

/// An object with where it sits: its sheet, its parent object (None on the sheet itself), and
/// its depth below the sheet (0 for a sheet's direct children).
pub struct PlacedObject<'a> {
    pub sheet: &'a SheetDoc,
    pub parent_id: Option<&'a str>,
    pub depth: usize,
    pub object: &'a ObjectDoc,
}

impl ObjectDoc {
    fn place<'a>(
        &'a self,
        sheet: &'a SheetDoc,
        parent_id: Option<&'a str>,
        depth: usize,
        out: &mut Vec<PlacedObject<'a>>,
    ) {
        out.push(PlacedObject {
            sheet,
            parent_id,
            depth,
            object: self,
        });
        for c in &self.children {
            c.place(sheet, Some(&self.id), depth + 1, out);
        }
    }

    /// Converts an object node and its subtree, linking every object by its own id. Consumes
    /// the node: its strings and properties move into the document rather than being copied.
    pub fn from_node(app_id: &str, node: ObjectNode, links: &Links, with_props: bool) -> Self {
        ObjectDoc {
            link: links.object(app_id, &node.id),
            id: node.id,
            r#type: node.r#type,
            title: node.title,
            master_id: node.master_id,
            children: node
                .children
                .into_iter()
                .map(|c| ObjectDoc::from_node(app_id, c, links, with_props))
                .collect(),
            properties: with_props.then_some(node.properties),
        }
    }
}

impl SheetDoc {
    /// A sheet from its list entry and (when it loaded) its property tree; the tree's root is
    /// the sheet itself, its children are the sheet's objects. The tree is consumed (moved into
    /// the document, not copied).
    pub fn new(
        app_id: &str,
        sheet: &SheetEntry,
        tree: Option<ObjectNode>,
        links: &Links,
        with_props: bool,
    ) -> Self {
        let (children, properties) = match tree {
            Some(t) => (t.children, with_props.then_some(t.properties)),
            None => (Vec::new(), None),
        };
        SheetDoc {
            id: sheet.id.clone(),
            title: sheet.title.clone(),
            description: sheet.description.clone(),
            rank: sheet.rank,
            link: links.sheet(app_id, &sheet.id),
            objects: children
                .into_iter()
                .map(|c| ObjectDoc::from_node(app_id, c, links, with_props))
                .collect(),
            properties,
        }
    }
}

impl MasterItemsDoc {
    pub fn new(m: &MasterItems) -> Self {
        let field = |i: &crate::explore::model::MasterItem| MasterFieldDoc {
            id: i.id.clone(),
            title: i.title.clone(),
            description: i.description.clone(),
            definition: i.definition.clone(),
            properties: None,
        };
        MasterItemsDoc {
            dimensions: m.dimensions.iter().map(field).collect(),
            measures: m.measures.iter().map(field).collect(),
            visualizations: m
                .visualizations
                .iter()
                .map(|i| MasterVizDoc {
                    id: i.id.clone(),
                    title: i.title.clone(),
                    r#type: i.r#type.clone(),
                    description: i.description.clone(),
                    properties: None,
                })
                .collect(),
        }
    }
}

impl BookmarkDoc {
    pub fn new(app_id: &str, b: &BookmarkEntry, links: &Links) -> Self {
        BookmarkDoc {
            id: b.id.clone(),
            title: b.title.clone(),
            description: b.description.clone(),
            sheet_id: b.sheet_id.clone(),
            link: b
                .sheet_id
                .as_ref()
                .map(|s| links.sheet_with_bookmark(app_id, s, &b.id)),
            properties: None,
        }
    }
}

impl VariableDoc {
    pub fn new(v: &VariableEntry) -> Self {
        VariableDoc {
            id: v.id.clone(),
            name: v.name.clone(),
            definition: v.definition.clone(),
            properties: None,
        }
    }
}

impl DataModelDoc {
    pub fn new(m: &DataModel) -> Self {
        DataModelDoc {
            empty_because: m.empty_because.clone(),
            tables: m
                .tables
                .iter()
                .map(|t| TableDoc {
                    name: t.name.clone(),
                    rows: t.rows,
                    fields: t
                        .fields
                        .iter()
                        .map(|f| FieldDoc {
                            name: f.name.clone(),
                            is_key: f.is_key,
                            key_type: f.key_type.clone(),
                        })
                        .collect(),
                })
                .collect(),
            keys: m
                .keys
                .iter()
                .map(|(fields, tables)| KeyDoc {
                    fields: fields.clone(),
                    tables: tables.clone(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::model::Stream;
    use serde_json::json;

    fn node(id: &str, ty: &str, title: &str, children: Vec<ObjectNode>) -> ObjectNode {
        ObjectNode {
            id: id.into(),
            r#type: ty.into(),
            title: title.into(),
            master_id: None,
            children,
            properties: json!({"qInfo": {"qId": id}}),
        }
    }

    #[test]
    fn the_document_keeps_the_issue_keys() {
        let links = Links::new("https://q.corp/hr");
        let entry = AppEntry {
            id: "a 1".into(),
            name: "Sales \"Q1\" & more".into(),
            description: "d".into(),
            stream: Some(Stream {
                id: "s1".into(),
                name: "Everyone".into(),
            }),
            published: true,
            last_reload_time: "2026-01-01T00:00:00.000Z".into(),
            owner: None,
            raw: Value::Null,
        };
        let mut app = AppDoc::header(&entry, &links);
        let sheet = SheetEntry {
            id: "sh/1".into(),
            title: "Overview".into(),
            description: String::new(),
            rank: Some(2.0),
            published: true,
            approved: false,
            owner: None,
            meta: Value::Null,
        };
        let tree = node(
            "sh/1",
            "sheet",
            "Overview",
            vec![node(
                "c1",
                "container",
                "",
                vec![node("k#1", "kpi", "KPI", vec![])],
            )],
        );
        app.sheets
            .push(SheetDoc::new(&app.id, &sheet, Some(tree), &links, false));
        let v = serde_json::to_value(&app).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "id",
                "name",
                "description",
                "stream",
                "published",
                "last_reload_time",
                "links",
                "sheets",
                "master_items",
                "bookmarks",
                "variables",
                "data_model"
            ]
        );
        assert_eq!(
            v["links"]["overview"],
            "https://q.corp/hr/sense/app/a%201/overview"
        );
        assert_eq!(
            v["sheets"][0]["link"],
            "https://q.corp/hr/sense/app/a%201/sheet/sh%2F1/state/analysis"
        );
        let kpi = &v["sheets"][0]["objects"][0]["children"][0];
        assert_eq!(kpi["type"], "kpi");
        assert_eq!(kpi["master_id"], Value::Null);
        assert_eq!(
            kpi["link"],
            "https://q.corp/hr/single/?appid=a%201&obj=k%231"
        );
        let placed = app.objects();
        assert_eq!(placed.len(), 2);
        assert_eq!(placed[1].parent_id, Some("c1"));
        assert_eq!(placed[1].depth, 1);
        assert!(v["sheets"][0].get("properties").is_none());
    }
}
