//! What is compared of each kind: every item of an export document as a match key, a title and
//! one JSON value holding its comparable content, volatile values already taken out.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::explore::export::{AppDoc, TableDoc};

/// The kinds of item a diff compares, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    App,
    Sheet,
    Object,
    Dimension,
    Measure,
    Visualization,
    Bookmark,
    Variable,
    Table,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::App,
        Kind::Sheet,
        Kind::Object,
        Kind::Dimension,
        Kind::Measure,
        Kind::Visualization,
        Kind::Bookmark,
        Kind::Variable,
        Kind::Table,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::App => "app",
            Kind::Sheet => "sheet",
            Kind::Object => "object",
            Kind::Dimension => "dimension",
            Kind::Measure => "measure",
            Kind::Visualization => "visualization",
            Kind::Bookmark => "bookmark",
            Kind::Variable => "variable",
            Kind::Table => "table",
        }
    }

    /// The heading of this kind's section in a report.
    pub fn plural(self) -> &'static str {
        match self {
            Kind::App => "app",
            Kind::Sheet => "sheets",
            Kind::Object => "objects",
            Kind::Dimension => "master dimensions",
            Kind::Measure => "master measures",
            Kind::Visualization => "master visualizations",
            Kind::Bookmark => "bookmarks",
            Kind::Variable => "variables",
            Kind::Table => "data model tables",
        }
    }
}

/// Keys whose values change without anyone editing the app (saves, reloads, publishing), taken
/// out of property trees at any depth.
pub const VOLATILE_KEYS: [&str; 7] = [
    "qLastReloadTime",
    "qSavedInProductVersion",
    "qMigrationHash",
    "modifiedDate",
    "createdDate",
    "publishTime",
    "qFileSize",
];

/// What a diff never compares, whatever the documents hold: each site builds its own links, and
/// stream, publication and owner are facts of the site the app sits on.
pub const NOT_COMPARED: [&str; 3] = [
    "links (each site builds its own)",
    "stream, published, owner (facts of the site, not of the app)",
    "data model keys (they follow from the tables' fields)",
];

/// One item of a kind: `key` matches it across the sides (the id; a table's name; the app is
/// one item whatever its id, so two different apps compare).
#[derive(Debug, Clone)]
pub struct Item {
    pub key: String,
    pub id: String,
    pub title: String,
    pub value: Value,
}

/// What to compare, and what the comparison left out.
pub struct Compare<'a> {
    /// Compare property trees (only when both documents hold them).
    pub properties: bool,
    /// Compare the data model's row counts.
    pub rows: bool,
    /// Volatile values met (`kind key`), for the report's list of what was left out.
    pub left_out: &'a mut BTreeSet<String>,
}

impl Compare<'_> {
    /// `props` without volatile keys, or None when property trees are not compared.
    fn props(&mut self, kind: Kind, props: &Option<Value>) -> Option<Value> {
        if !self.properties {
            return None;
        }
        let mut p = props.clone()?;
        strip_volatile(&mut p, &mut |key| {
            self.left_out
                .insert(format!("{} properties: {key}", kind.name()));
        });
        Some(p)
    }
}

fn strip_volatile(v: &mut Value, met: &mut impl FnMut(&str)) {
    match v {
        Value::Object(m) => {
            for k in VOLATILE_KEYS {
                if m.shift_remove(k).is_some() {
                    met(k);
                }
            }
            m.values_mut().for_each(|x| strip_volatile(x, met));
        }
        Value::Array(a) => a.iter_mut().for_each(|x| strip_volatile(x, met)),
        _ => {}
    }
}

/// Puts `properties` into `value` when they are compared.
fn with_props(mut value: Value, props: Option<Value>) -> Value {
    if let (Some(p), Value::Object(m)) = (props, &mut value) {
        m.insert("properties".into(), p);
    }
    value
}

/// The items of `kind` in `app`, in document order.
pub fn items(app: &AppDoc, kind: Kind, cmp: &mut Compare<'_>) -> Vec<Item> {
    let item = |key: &str, title: &str, value: Value| Item {
        key: key.to_string(),
        id: key.to_string(),
        title: title.to_string(),
        value,
    };
    match kind {
        Kind::App => {
            cmp.left_out.insert("app: last_reload_time".into());
            let props = cmp.props(kind, &app.properties);
            vec![Item {
                key: String::new(),
                ..item(
                    &app.id,
                    &app.name,
                    with_props(
                        json!({"name": app.name, "description": app.description}),
                        props,
                    ),
                )
            }]
        }
        Kind::Sheet => app
            .sheets
            .iter()
            .map(|s| {
                let v = json!({"title": s.title, "description": s.description, "rank": s.rank});
                item(
                    &s.id,
                    &s.title,
                    with_props(v, cmp.props(kind, &s.properties)),
                )
            })
            .collect(),
        Kind::Object => app
            .objects()
            .iter()
            .map(|p| {
                let o = p.object;
                let v = json!({"type": o.r#type, "title": o.title, "sheet": p.sheet.id,
                    "parent": p.parent_id, "master_id": o.master_id});
                item(
                    &o.id,
                    &o.title,
                    with_props(v, cmp.props(kind, &o.properties)),
                )
            })
            .collect(),
        Kind::Dimension | Kind::Measure => {
            let list = if kind == Kind::Dimension {
                &app.master_items.dimensions
            } else {
                &app.master_items.measures
            };
            list.iter()
                .map(|m| {
                    let v = json!({"title": m.title, "description": m.description,
                        "definition": m.definition});
                    item(
                        &m.id,
                        &m.title,
                        with_props(v, cmp.props(kind, &m.properties)),
                    )
                })
                .collect()
        }
        Kind::Visualization => app
            .master_items
            .visualizations
            .iter()
            .map(|m| {
                let v = json!({"title": m.title, "type": m.r#type, "description": m.description});
                item(
                    &m.id,
                    &m.title,
                    with_props(v, cmp.props(kind, &m.properties)),
                )
            })
            .collect(),
        Kind::Bookmark => app
            .bookmarks
            .iter()
            .map(|b| {
                let v = json!({"title": b.title, "description": b.description,
                    "sheet_id": b.sheet_id});
                item(
                    &b.id,
                    &b.title,
                    with_props(v, cmp.props(kind, &b.properties)),
                )
            })
            .collect(),
        Kind::Variable => app
            .variables
            .iter()
            .map(|v| {
                let value = json!({"name": v.name, "definition": v.definition});
                item(
                    &v.id,
                    &v.name,
                    with_props(value, cmp.props(kind, &v.properties)),
                )
            })
            .collect(),
        Kind::Table => {
            if !cmp.rows && !app.data_model.tables.is_empty() {
                cmp.left_out
                    .insert("table: rows (compare them with --data-model-rows)".into());
            }
            app.data_model
                .tables
                .iter()
                .map(|t| item(&t.name, &t.name, table_value(t, cmp.rows)))
                .collect()
        }
    }
}

/// A table's fields keyed by name, so a renamed field shows as one gone and one new by name.
fn table_value(t: &TableDoc, rows: bool) -> Value {
    let fields: Map<String, Value> = t
        .fields
        .iter()
        .map(|f| {
            (
                f.name.clone(),
                json!({"is_key": f.is_key, "key_type": f.key_type}),
            )
        })
        .collect();
    let mut v = json!({ "fields": fields });
    if rows {
        v["rows"] = json!(t.rows);
    }
    v
}
