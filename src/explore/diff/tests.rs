use serde_json::json;

use super::*;
use crate::explore::export::{
    BookmarkDoc, DataModelDoc, FieldDoc, MasterFieldDoc, MasterItemsDoc, MasterVizDoc, ObjectDoc,
    SheetDoc, TableDoc, VariableDoc,
};
use crate::explore::links::Links;
use crate::explore::model::AppEntry;

/// An app holding one item of every kind, with properties and a script.
fn app() -> AppDoc {
    let links = Links::new("https://q.corp");
    let mut a = AppDoc::header(&AppEntry::bare("app1"), &links);
    a.name = "Sales".into();
    a.properties = Some(json!({"qTitle": "Sales", "qLastReloadTime": "2026-01-01",
        "qMeta": {"modifiedDate": "2026-01-02"}}));
    let obj = |id: &str, children: Vec<ObjectDoc>| ObjectDoc {
        id: id.into(),
        r#type: "barchart".into(),
        title: format!("Chart {id}"),
        link: links.object("app1", id),
        master_id: None,
        children,
        properties: Some(json!({"qInfo": {"qId": id}, "title": format!("Chart {id}")})),
    };
    a.sheets.push(SheetDoc {
        id: "s1".into(),
        title: "Overview".into(),
        description: String::new(),
        rank: Some(1.0),
        link: links.sheet("app1", "s1"),
        objects: vec![obj("c1", vec![obj("c2", vec![])])],
        properties: Some(json!({"qMetaDef": {"title": "Overview"}, "cells": [{"name": "c1"}]})),
    });
    let field = |id: &str, def: &str| MasterFieldDoc {
        id: id.into(),
        title: id.to_uppercase(),
        description: String::new(),
        definition: def.into(),
        properties: Some(json!({"qDef": def})),
    };
    a.master_items = MasterItemsDoc {
        dimensions: vec![field("d1", "Region")],
        measures: vec![field("m1", "Sum(Sales)")],
        visualizations: vec![MasterVizDoc {
            id: "v1".into(),
            title: "Top".into(),
            r#type: "table".into(),
            description: String::new(),
            properties: Some(json!({"visualization": "table"})),
        }],
    };
    a.bookmarks.push(BookmarkDoc {
        id: "b1".into(),
        title: "Nordics".into(),
        description: String::new(),
        sheet_id: Some("s1".into()),
        link: None,
        properties: Some(json!({"creationDate": "2026", "sheetId": "s1"})),
    });
    a.variables.push(VariableDoc {
        id: "var1".into(),
        name: "vTarget".into(),
        definition: "0.35".into(),
        properties: Some(json!({"qName": "vTarget", "qDefinition": "0.35"})),
    });
    a.data_model = DataModelDoc {
        tables: vec![TableDoc {
            name: "Orders".into(),
            rows: 10,
            fields: vec![FieldDoc {
                name: "OrderID".into(),
                is_key: false,
                key_type: "NOT_KEY".into(),
            }],
        }],
        keys: vec![],
        empty_because: None,
    };
    a.script = Some(Some("SET A=1;\nLOAD x;".into()));
    a
}

fn side(app: AppDoc) -> SideDoc {
    SideDoc {
        side: Side {
            source: "test".into(),
            app_id: app.id.clone(),
            app_name: app.name.clone(),
        },
        app,
        errors: vec![],
    }
}

fn run(a: AppDoc, b: AppDoc) -> Diff {
    diff(&side(a), &side(b), &DiffOptions::default())
}

/// (kind, op, id, path) of every change.
fn summary(d: &Diff) -> Vec<(Kind, Op, String, String)> {
    d.changes
        .iter()
        .map(|c| (c.kind, c.op, c.id.clone(), c.path.clone()))
        .collect()
}

#[test]
fn an_app_against_itself_is_empty_on_every_kind() {
    let a = app();
    // The fixture holds every kind, so "empty" covers each of them.
    let mut left_out = BTreeSet::new();
    let mut cmp = Compare {
        properties: true,
        rows: false,
        left_out: &mut left_out,
    };
    for kind in Kind::ALL {
        assert!(!items::items(&a, kind, &mut cmp).is_empty(), "{kind:?}");
    }
    let d = run(a.clone(), a);
    assert!(d.is_equal(), "{:?}", d.changes);
    assert!(d.notes.is_empty(), "{:?}", d.notes);
    assert!(report::render(&d).contains("no differences"));
}

#[test]
fn each_kind_reports_its_own_change() {
    type Edit = fn(&mut AppDoc);
    let edits: [(Kind, &str, &str, Edit); 9] = [
        (Kind::App, "app1", "/description", |a| {
            a.description = "new".into()
        }),
        (Kind::Sheet, "s1", "/title", |a| {
            a.sheets[0].title = "Renamed".into()
        }),
        (Kind::Object, "c2", "/type", |a| {
            a.sheets[0].objects[0].children[0].r#type = "table".into()
        }),
        (Kind::Dimension, "d1", "/definition", |a| {
            a.master_items.dimensions[0].definition = "Country".into()
        }),
        (Kind::Measure, "m1", "/properties/qDef", |a| {
            a.master_items.measures[0].properties = Some(json!({"qDef": "Sum(Cost)"}))
        }),
        (Kind::Visualization, "v1", "/type", |a| {
            a.master_items.visualizations[0].r#type = "kpi".into()
        }),
        (Kind::Bookmark, "b1", "/sheet_id", |a| {
            a.bookmarks[0].sheet_id = None
        }),
        (Kind::Variable, "var1", "/definition", |a| {
            a.variables[0].definition = "0.4".into()
        }),
        (Kind::Table, "Orders", "/fields/OrderID/is_key", |a| {
            a.data_model.tables[0].fields[0].is_key = true
        }),
    ];
    for (kind, id, path, edit) in edits {
        let mut b = app();
        edit(&mut b);
        let d = run(app(), b);
        assert_eq!(
            summary(&d),
            vec![(kind, Op::Changed, id.to_string(), path.to_string())],
            "{kind:?}"
        );
    }
}

#[test]
fn items_on_one_side_are_added_or_removed_whole() {
    let mut b = app();
    b.sheets[0].objects[0].children.clear();
    b.variables.push(VariableDoc {
        id: "var2".into(),
        name: "vNew".into(),
        definition: "1".into(),
        properties: Some(json!({})),
    });
    let bb = b.clone();
    let d = run(app(), b);
    assert_eq!(
        summary(&d),
        vec![
            (Kind::Object, Op::Removed, "c2".into(), String::new()),
            (Kind::Variable, Op::Added, "var2".into(), String::new()),
        ]
    );
    assert_eq!(d.changes[0].a.as_ref().unwrap()["parent"], "c1");
    let (a, b) = item_values(&app(), &bb, Kind::Object, "c2", &DiffOptions::default());
    assert_eq!(a.unwrap()["parent"], "c1");
    assert_eq!(b, None);
    assert_eq!(d.changes[1].a, None);
    assert!(report::render(&d).contains("- object c2 'Chart c2'"));
}

#[test]
fn volatile_values_are_left_out_and_listed() {
    let mut b = app();
    b.last_reload_time = "2027".into();
    b.properties = Some(json!({"qTitle": "Sales", "qLastReloadTime": "2027-01-01",
        "qMeta": {"modifiedDate": "2027-01-02"}}));
    b.data_model.tables[0].rows = 99;
    b.links.overview = "https://prod/other".into();
    let d = run(app(), b.clone());
    assert!(d.is_equal(), "{:?}", d.changes);
    for listed in [
        "app properties: qLastReloadTime",
        "app properties: modifiedDate",
        "app: last_reload_time",
    ] {
        assert!(d.left_out.iter().any(|l| l == listed), "{:?}", d.left_out);
    }
    assert!(d.left_out.iter().any(|l| l.starts_with("table: rows")));
    // Rows count when asked.
    let rows = diff(
        &side(app()),
        &side(b),
        &DiffOptions {
            data_model_rows: true,
        },
    );
    assert_eq!(
        summary(&rows),
        vec![(Kind::Table, Op::Changed, "Orders".into(), "/rows".into())]
    );
}

#[test]
fn a_renamed_field_is_one_gone_and_one_new_by_name() {
    let mut b = app();
    b.data_model.tables[0].fields[0].name = "Order ID/2".into();
    let d = run(app(), b);
    let paths: Vec<&str> = d.changes.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(paths, ["/fields/OrderID", "/fields/Order ID~12"]);
    assert_eq!(d.changes[0].b, None);
}

#[test]
fn the_script_is_a_line_diff_and_one_sided_parts_are_noted() {
    let mut b = app();
    b.script = Some(Some("SET A=1;\nSET B=2;\nLOAD x;".into()));
    let d = run(app(), b.clone());
    assert!(d.changes.is_empty());
    assert!(
        d.script.contains(&"+SET B=2;".to_string()),
        "{:?}",
        d.script
    );
    assert!(!d.is_equal());
    assert!(report::render(&d).contains("\nscript\n"));

    // One side without properties or script: not compared, and said so.
    let mut bare = app();
    bare.properties = None;
    bare.script = None;
    bare.sheets[0].properties = None;
    let d = run(app(), bare);
    assert!(d.is_equal(), "{:?}", d.changes);
    assert_eq!(d.notes.len(), 2, "{:?}", d.notes);
    assert!(d.notes[0].contains("--include-properties"));
    assert!(d.notes[1].contains("--include-script"));
}

#[test]
fn two_different_apps_compare_as_one_app_item() {
    let mut b = app();
    b.id = "app2".into();
    b.name = "Sales copy".into();
    let d = run(app(), b);
    assert_eq!(
        summary(&d),
        vec![(Kind::App, Op::Changed, "app1".into(), "/name".into())]
    );
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["format"], FORMAT);
    assert_eq!(json["changes"][0]["op"], "changed");
    assert_eq!(json["changes"][0]["kind"], "app");
    assert_eq!(json["changes"][0]["a"], "Sales");
}
