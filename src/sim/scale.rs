//! A large site made up deterministically (`--scale N`): N apps across three streams, each with
//! 100 sheets of 20 objects, master items, a data model and a script. Only the doc list is made
//! up front; an app's contents are generated when it is first opened.

use serde_json::{Map, Value, json};

use super::data::{AppBody, AppMeta, Entry, FieldDef, Owner, Script, Stream, TableDef};

pub const SHEETS_PER_APP: usize = 100;
pub const OBJECTS_PER_SHEET: usize = 20;
const VIZ_TYPES: [&str; 6] = [
    "barchart",
    "linechart",
    "kpi",
    "table",
    "piechart",
    "filterpane",
];

fn guid(kind: u32, n: u32) -> String {
    format!("{kind:08x}-5ca1-4e00-8000-{n:012x}")
}

pub fn site(n: u32) -> (Vec<Stream>, Vec<AppMeta>) {
    let streams: Vec<Stream> = ["Scale Sales", "Scale Finance", "Scale Operations"]
        .iter()
        .enumerate()
        .map(|(i, name)| Stream {
            id: guid(0x57, i as u32),
            name: name.to_string(),
        })
        .collect();
    let apps = (0..n)
        .map(|i| AppMeta {
            id: guid(0xa9, i),
            title: format!("Scale app {i:04}"),
            description: format!("Generated app {i} of {n}"),
            // Every fourth app is personal (unpublished).
            stream: (i % 4 != 3).then(|| streams[(i % 3) as usize].id.clone()),
            owner: Owner {
                user_directory: "CORP".into(),
                user_id: format!("user{:02}", i % 17),
                name: format!("User {:02}", i % 17),
            },
            created_date: "2025-01-01T08:00:00.000Z".into(),
            modified_date: "2026-01-01T08:00:00.000Z".into(),
            publish_time: (i % 4 != 3).then(|| "2025-02-01T08:00:00.000Z".to_string()),
            last_reload_time: format!("2026-11-{:02}T06:00:00.000Z", 1 + i % 28),
            file_size: 1_000_000 + u64::from(i) * 4096,
            denied_users: vec![],
        })
        .collect();
    (streams, apps)
}

fn entry(property: Value, children: Vec<Entry>) -> Entry {
    Entry {
        property,
        children,
        meta: Map::new(),
    }
}

/// The contents of scaled app number `seed`.
pub fn app_body(seed: u32) -> AppBody {
    let dims: Vec<Entry> = (0..10)
        .map(|d| {
            entry(
                json!({"qInfo": {"qId": format!("dim-{seed}-{d}"), "qType": "dimension"},
                    "qDim": {"qGrouping": "N", "qFieldDefs": [format!("Field{d}")], "qFieldLabels": [format!("Field {d}")]},
                    "qMetaDef": {"title": format!("Dimension {d}"), "description": "", "tags": []}}),
                vec![],
            )
        })
        .collect();
    let measures: Vec<Entry> = (0..10)
        .map(|m| {
            entry(
                json!({"qInfo": {"qId": format!("msr-{seed}-{m}"), "qType": "measure"},
                    "qMeasure": {"qLabel": format!("Measure {m}"), "qDef": format!("Sum(Value{m})"), "qGrouping": "N"},
                    "qMetaDef": {"title": format!("Measure {m}"), "description": "", "tags": []}}),
                vec![],
            )
        })
        .collect();
    let mut objects: Vec<Entry> = (0..SHEETS_PER_APP)
        .map(|s| {
            let children: Vec<Entry> = (0..OBJECTS_PER_SHEET)
                .map(|o| {
                    let t = VIZ_TYPES[(s + o) % VIZ_TYPES.len()];
                    entry(
                        json!({"qInfo": {"qId": format!("obj-{seed}-{s}-{o}"), "qType": t},
                            "visualization": t, "title": format!("Object {s}.{o}"),
                            "qHyperCubeDef": {"qDimensions": [{"qLibraryId": format!("dim-{seed}-{}", o % 10), "qDef": {}}],
                                "qMeasures": [{"qLibraryId": format!("msr-{seed}-{}", o % 10), "qDef": {}}]}}),
                        vec![],
                    )
                })
                .collect();
            let cells: Vec<Value> = children
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    json!({"name": c.property["qInfo"]["qId"], "type": c.property["qInfo"]["qType"],
                        "col": (i % 4) * 6, "row": (i / 4) * 2, "colspan": 6, "rowspan": 2})
                })
                .collect();
            entry(
                json!({"qInfo": {"qId": format!("sheet-{seed}-{s}"), "qType": "sheet"},
                    "qMetaDef": {"title": format!("Sheet {s:03}"), "description": ""},
                    "rank": s, "columns": 24, "rows": 12, "cells": cells,
                    "qChildListDef": {"qData": {"title": "/title"}}}),
                children,
            )
        })
        .collect();
    objects.push(entry(
        json!({"qInfo": {"qId": format!("story-{seed}"), "qType": "story"},
            "qMetaDef": {"title": "Scale story", "description": ""}, "rank": 0}),
        vec![],
    ));
    let tables = (0..5)
        .map(|t| TableDef {
            name: format!("Table{t}"),
            rows: 10_000 * (t + 1),
            comment: String::new(),
            fields: (0..4)
                .map(|f| FieldDef {
                    // Field0 is shared by every table: the key.
                    name: if f == 0 {
                        "Field0".into()
                    } else {
                        format!("Field{}", t * 4 + f)
                    },
                    distinct: if f == 0 { 10_000 } else { 100 * (f + 1) },
                    tags: vec![],
                    comment: String::new(),
                })
                .collect(),
        })
        .collect();
    AppBody {
        objects,
        dimensions: dims,
        measures,
        bookmarks: vec![],
        variables: vec![entry(
            json!({"qInfo": {"qId": format!("var-{seed}"), "qType": "variable"}, "qName": "vScale", "qDefinition": "1"}),
            vec![],
        )],
        tables,
        script: Some(Script::Text(format!(
            "// Generated app {seed}\nLOAD * INLINE [Field0\n1];\n"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::data::{AppIndex, Class};

    #[test]
    fn scaled_apps_are_deterministic_and_complete() {
        let (streams, apps) = site(8);
        assert_eq!(apps.len(), 8);
        assert!(apps.iter().any(|a| a.stream.is_none()));
        assert!(apps.iter().all(|a| {
            a.stream
                .as_ref()
                .is_none_or(|s| streams.iter().any(|x| &x.id == s))
        }));
        let idx = AppIndex::build(app_body(3));
        assert_eq!(
            idx.of_type(Class::GenericObject, "sheet").count(),
            SHEETS_PER_APP
        );
        let sheet = idx.get(Class::GenericObject, "sheet-3-7").unwrap();
        assert_eq!(sheet.children.len(), OBJECTS_PER_SHEET);
        assert_eq!(site(8).1[5].id, apps[5].id);
    }
}
