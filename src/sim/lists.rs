//! The computed lists of session objects (and of sheets' child lists): `qAppObjectListDef`,
//! `qMeasureListDef`, `qDimensionListDef`, `qBookmarkListDef`, `qVariableListDef`,
//! `qFieldListDef`, `qChildListDef`. Each item carries `qInfo`, `qMeta` and the `qData` the
//! definition asks for, each path resolved against the item's properties (then its layout).

use serde_json::{Map, Value, json};

use super::data::{Class, Obj};
use super::layout::{self, Ctx};
use super::model;

/// If `key` is a list definition, its layout key and computed list.
pub fn compute(ctx: &Ctx, key: &str, def: &Value) -> Option<(&'static str, Value)> {
    let (name, class) = match key {
        "qAppObjectListDef" => ("qAppObjectList", Class::GenericObject),
        "qMeasureListDef" => ("qMeasureList", Class::GenericMeasure),
        "qDimensionListDef" => ("qDimensionList", Class::GenericDimension),
        "qBookmarkListDef" => ("qBookmarkList", Class::GenericBookmark),
        "qVariableListDef" => return Some(("qVariableList", variable_list(ctx, def))),
        "qFieldListDef" => return Some(("qFieldList", field_list(ctx, def))),
        _ => return None,
    };
    let object_type = def.get("qType").and_then(Value::as_str).unwrap_or("");
    let qdata = def.get("qData");
    let items: Vec<Value> = ctx
        .index
        .of_type(class, object_type)
        .map(|o| item(ctx, o, qdata))
        .collect();
    Some((name, json!({"qItems": items})))
}

/// One `{qInfo, qMeta, qData}` item.
pub fn item(ctx: &Ctx, o: &Obj, qdata: Option<&Value>) -> Value {
    json!({
        "qInfo": o.props.get("qInfo").cloned().unwrap_or(json!({"qId": o.id, "qType": o.object_type()})),
        "qMeta": layout::meta_of(ctx, &o.props, &o.meta),
        "qData": resolve_data(ctx, o, qdata),
    })
}

/// Resolves each `qData` path (a JSON pointer such as `/qMetaDef/title`) against the object's
/// properties, then its layout (for layout-only paths like `/qDimInfos`); null when absent.
pub fn resolve_data(ctx: &Ctx, o: &Obj, qdata: Option<&Value>) -> Value {
    let Some(Value::Object(paths)) = qdata else {
        return json!({});
    };
    let mut out = Map::new();
    let mut layout_cache: Option<Value> = None;
    for (k, p) in paths {
        let v = match p.as_str() {
            Some(path) if path.starts_with('/') => match o.props.pointer(path) {
                Some(v) => layout::evaluate_tree(ctx, v),
                None => layout_cache
                    .get_or_insert_with(|| layout::object_layout(ctx, o))
                    .pointer(path)
                    .cloned()
                    .unwrap_or(Value::Null),
            },
            Some("") | None => Value::Null,
            // Not a path: the engine evaluates it; literals come back as they are.
            Some(other) => json!(layout::eval_string(other)),
        };
        out.insert(k.clone(), v);
    }
    Value::Object(out)
}

/// A sheet's (or container's) children.
pub fn child_list(ctx: &Ctx, def: &Value, children: &[String]) -> Value {
    let qdata = def.get("qData");
    let items: Vec<Value> = children
        .iter()
        .filter_map(|id| ctx.index.get(Class::GenericObject, id))
        .map(|o| item(ctx, o, qdata))
        .collect();
    json!({"qItems": items})
}

/// A boolean option of a list definition; absent means false.
fn bool_at(def: &Value, key: &str) -> bool {
    def.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// NxVariableListItem entries. Reserved and config variables only when asked for.
fn variable_list(ctx: &Ctx, def: &Value) -> Value {
    let show_reserved = bool_at(def, "qShowReserved");
    let show_config = bool_at(def, "qShowConfig");
    let qdata = def.get("qData");
    let flag = |o: &Obj, k: &str| o.meta.get(k).and_then(Value::as_bool).unwrap_or(false);
    let items: Vec<Value> = ctx
        .index
        .of_type(Class::GenericVariable, "")
        .filter(|o| {
            (show_reserved || !flag(o, "isReserved")) && (show_config || !flag(o, "isConfig"))
        })
        .map(|o| {
            let p = &o.props;
            json!({
                "qName": p.get("qName").cloned().unwrap_or(json!("")),
                "qDescription": p.get("qComment").cloned().unwrap_or(json!("")),
                "qDefinition": p.get("qDefinition").cloned().unwrap_or(json!("")),
                "qIsConfig": flag(o, "isConfig"),
                "qIsReserved": flag(o, "isReserved"),
                "qIsScriptCreated": flag(o, "isScriptCreated"),
                "qInfo": p.get("qInfo").cloned().unwrap_or(Value::Null),
                "qData": resolve_data(ctx, o, qdata),
            })
        })
        .collect();
    json!({"qItems": items})
}

fn field_list(ctx: &Ctx, def: &Value) -> Value {
    let show_system = bool_at(def, "qShowSystem");
    let mut items = if ctx.no_data {
        vec![]
    } else {
        model::field_descriptions(&ctx.index.tables)
    };
    if show_system {
        for name in ["$Field", "$Table", "$Rows", "$Fields", "$FieldNo", "$Info"] {
            items.push(json!({"qName": name, "qCardinal": 0, "qTags": ["$system"],
                "qIsSystem": true, "qIsHidden": true, "qIsSemantic": false, "qSrcTables": [],
                "qTotalCount": 0, "qIsDefinitionOnly": false, "qIsDetail": false,
                "qIsImplicit": false, "qAndMode": false, "qHasDerivedFields": false,
                "qDerivedFieldData": {"qDerivedFieldLists": []}}));
        }
    }
    json!({"qItems": items})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::data::{AppBody, AppIndex, AppMeta, Entry, Owner};

    fn meta() -> AppMeta {
        AppMeta {
            id: "app".into(),
            title: "App".into(),
            description: String::new(),
            stream: Some("s".into()),
            owner: Owner {
                user_directory: "CORP".into(),
                user_id: "jd".into(),
                name: "J D".into(),
            },
            created_date: "2026-01-01T00:00:00.000Z".into(),
            modified_date: "2026-01-02T00:00:00.000Z".into(),
            publish_time: None,
            last_reload_time: "2026-01-03T00:00:00.000Z".into(),
            file_size: 0,
            denied_users: vec![],
        }
    }

    fn entry(v: Value, children: Vec<Entry>) -> Entry {
        Entry {
            property: v,
            children,
            meta: Map::new(),
        }
    }

    fn index() -> AppIndex {
        AppIndex::build(AppBody {
            objects: vec![
                entry(
                    json!({"qInfo": {"qId": "s1", "qType": "sheet"}, "qMetaDef": {"title": "One"}, "rank": 1,
                           "cells": [{"name": "c1", "type": "kpi"}], "qChildListDef": {"qData": {"title": "/title"}}}),
                    vec![entry(
                        json!({"qInfo": {"qId": "c1", "qType": "kpi"}, "title": {"qStringExpression": {"qExpr": "='A' & 'B'"}}}),
                        vec![],
                    )],
                ),
                entry(
                    json!({"qInfo": {"qId": "s2", "qType": "sheet"}, "qMetaDef": {"title": "Two"}}),
                    vec![],
                ),
                entry(
                    json!({"qInfo": {"qId": "m1", "qType": "masterobject"}, "qMetaDef": {"title": "M"}}),
                    vec![],
                ),
            ],
            dimensions: vec![entry(
                json!({"qInfo": {"qId": "d1", "qType": "dimension"}, "qDim": {"qGrouping": "N", "qFieldDefs": ["Region"]}, "qMetaDef": {"title": "Region"}}),
                vec![],
            )],
            variables: vec![
                entry(
                    json!({"qInfo": {"qId": "v1", "qType": "variable"}, "qName": "vA", "qDefinition": "1"}),
                    vec![],
                ),
                Entry {
                    property: json!({"qInfo": {"qId": "v2", "qType": "variable"}, "qName": "ThousandSep", "qDefinition": ","}),
                    children: vec![],
                    meta: json!({"isReserved": true}).as_object().unwrap().clone(),
                },
            ],
            ..Default::default()
        })
    }

    #[test]
    fn app_object_lists_filter_by_type_and_resolve_paths() {
        let idx = index();
        let m = meta();
        let ctx = Ctx {
            app: &m,
            index: &idx,
            no_data: false,
        };
        let def = json!({"qType": "sheet", "qData": {"title": "/qMetaDef/title", "rank": "/rank", "cells": "/cells", "none": "/nope"}});
        let (name, list) = compute(&ctx, "qAppObjectListDef", &def).unwrap();
        assert_eq!(name, "qAppObjectList");
        let items = list["qItems"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0]["qInfo"]["qId"], "s1");
        assert_eq!(items[0]["qData"]["title"], "One");
        assert_eq!(items[0]["qData"]["rank"], 1);
        assert_eq!(items[0]["qData"]["cells"][0]["name"], "c1");
        assert_eq!(items[0]["qData"]["none"], Value::Null);
        assert_eq!(items[0]["qMeta"]["title"], "One");
        assert_eq!(items[0]["qMeta"]["published"], true);
    }

    #[test]
    fn dimension_and_variable_lists() {
        let idx = index();
        let m = meta();
        let ctx = Ctx {
            app: &m,
            index: &idx,
            no_data: false,
        };
        let (_, dims) = compute(
            &ctx,
            "qDimensionListDef",
            &json!({"qType": "dimension", "qData": {"grouping": "/qDim/qGrouping"}}),
        )
        .unwrap();
        assert_eq!(dims["qItems"][0]["qData"]["grouping"], "N");
        let (_, vars) = compute(&ctx, "qVariableListDef", &json!({"qType": "variable"})).unwrap();
        assert_eq!(vars["qItems"].as_array().unwrap().len(), 1);
        let (_, vars) = compute(
            &ctx,
            "qVariableListDef",
            &json!({"qType": "variable", "qShowReserved": true}),
        )
        .unwrap();
        assert_eq!(vars["qItems"].as_array().unwrap().len(), 2);
        assert_eq!(vars["qItems"][1]["qIsReserved"], true);
    }

    #[test]
    fn child_lists_evaluate_expression_titles() {
        let idx = index();
        let m = meta();
        let ctx = Ctx {
            app: &m,
            index: &idx,
            no_data: false,
        };
        let sheet = idx.get(Class::GenericObject, "s1").unwrap();
        let l = layout::object_layout(&ctx, sheet);
        assert_eq!(l["qChildList"]["qItems"][0]["qData"]["title"], "AB");
        assert_eq!(l["qMeta"]["title"], "One");
        assert!(l.get("qMetaDef").is_none());
    }
}
