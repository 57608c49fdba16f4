//! A variant of the demo site: the richest demo app as someone edited it afterwards, the way a
//! production copy drifts from development. The edits are fixed (the constants below), so a
//! diff of the two sites has one right answer; every other app is untouched.
//! `SimConfig::variant` (and `demo-engine --variant`) serves it.

use anyhow::{Context, anyhow};
use serde_json::{Value, json};

/// The app edited: the demo app with the most objects.
pub const APP_ID: &str = "6a0c1f0e-3b7e-4c55-9d2a-5a1e0d5e0001";
/// A sheet renamed: (id, new title).
pub const SHEET_RENAMED: (&str, &str) = ("aXbRt1", "Executive Summary (v2)");
/// A sheet removed, with its objects.
pub const SHEET_REMOVED: &str = "cZdTv3";
/// An object removed from its sheet, and the object added in its place (its cell too):
/// (sheet, removed id, added id, added type).
pub const OBJECT_REPLACED: (&str, &str, &str, &str) =
    ("bYcSu2", "mapReg01", "txtNew01", "text-image");
/// A master measure's expression changed: (id, new expression).
pub const MEASURE_EXPRESSION: (&str, &str) = ("mMargin", "Sum(Sales - Cost) / Sum(Sales) * 100");
/// A variable redefined: (id, new definition).
pub const VARIABLE_DEFINITION: (&str, &str) = ("vTarget", "0.40");
/// A table's field renamed: (table, old name, new name).
pub const FIELD_RENAMED: (&str, &str, &str) = ("Customers", "Customer", "CustomerName");
/// The script line added (it renames the field), after the line that loads the table.
pub const SCRIPT_LINE_ADDED: &str = "RENAME FIELD Customer TO CustomerName;";

/// The demo site's JSON with the edits made.
pub fn site_json() -> anyhow::Result<String> {
    let mut site: Value = serde_json::from_str(super::data::DEMO_SITE_JSON)
        .context("the bundled demo site does not parse")?;
    let app = site["apps"]
        .as_array_mut()
        .and_then(|apps| apps.iter_mut().find(|a| a["id"] == APP_ID))
        .ok_or_else(|| anyhow!("the demo site has no app {APP_ID} to make a variant of"))?;
    edit(app)?;
    Ok(site.to_string())
}

fn missing(what: &str) -> anyhow::Error {
    anyhow!("the variant cannot find {what} in the demo app {APP_ID}")
}

fn id_of(entry: &Value) -> &str {
    entry
        .pointer("/qProperty/qInfo/qId")
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// The entry (a `{qProperty, qChildren}`) with `id` in `list`.
fn entry_mut<'a>(list: &'a mut Value, id: &str) -> anyhow::Result<&'a mut Value> {
    list.as_array_mut()
        .and_then(|l| l.iter_mut().find(|e| id_of(e) == id))
        .ok_or_else(|| missing(id))
}

fn edit(app: &mut Value) -> anyhow::Result<()> {
    let (sheet, title) = SHEET_RENAMED;
    entry_mut(&mut app["objects"], sheet)?["qProperty"]["qMetaDef"]["title"] = json!(title);

    let objects = app["objects"]
        .as_array_mut()
        .ok_or_else(|| missing("objects"))?;
    let before = objects.len();
    objects.retain(|e| id_of(e) != SHEET_REMOVED);
    if objects.len() == before {
        return Err(missing(SHEET_REMOVED));
    }

    let (sheet, removed, added, added_type) = OBJECT_REPLACED;
    let sheet = entry_mut(&mut app["objects"], sheet)?;
    *entry_mut(&mut sheet["qChildren"], removed)? = json!({"qProperty": {
        "qInfo": {"qId": added, "qType": added_type},
        "visualization": added_type,
        "title": "Store notes",
        "markdown": "The store map moved to the Stores app.",
    }, "qChildren": []});
    let cell = sheet["qProperty"]["cells"]
        .as_array_mut()
        .and_then(|c| c.iter_mut().find(|c| c["name"] == removed))
        .ok_or_else(|| missing(&format!("the cell of {removed}")))?;
    cell["name"] = json!(added);
    cell["type"] = json!(added_type);

    let (measure, expression) = MEASURE_EXPRESSION;
    entry_mut(&mut app["measures"], measure)?["qProperty"]["qMeasure"]["qDef"] = json!(expression);

    let (variable, definition) = VARIABLE_DEFINITION;
    entry_mut(&mut app["variables"], variable)?["qProperty"]["qDefinition"] = json!(definition);

    let (table, old, new) = FIELD_RENAMED;
    let field = app["tables"]
        .as_array_mut()
        .and_then(|t| t.iter_mut().find(|t| t["name"] == table))
        .and_then(|t| t["fields"].as_array_mut())
        .and_then(|f| f.iter_mut().find(|f| f["name"] == old))
        .ok_or_else(|| missing(&format!("field {old} of table {table}")))?;
    field["name"] = json!(new);

    let script = app["script"]
        .as_array_mut()
        .ok_or_else(|| missing("the script lines"))?;
    let loads = script
        .iter()
        .position(|l| {
            l.as_str()
                .is_some_and(|l| l.contains(old) && l.contains("SELECT"))
        })
        .ok_or_else(|| missing(&format!("the script line loading {table}")))?;
    script.insert(loads + 1, json!(SCRIPT_LINE_ADDED));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::data::{Class, Site};

    #[test]
    fn the_variant_makes_every_edit_and_still_loads() {
        let site = Site::from_json(&site_json().unwrap()).unwrap();
        let demo = Site::demo().unwrap();
        let app = site.app(APP_ID).unwrap().index();
        let obj = |id: &str| app.get(Class::GenericObject, id);
        assert_eq!(
            obj(SHEET_RENAMED.0).unwrap().props["qMetaDef"]["title"],
            SHEET_RENAMED.1
        );
        assert!(obj(SHEET_REMOVED).is_none());
        assert!(obj(OBJECT_REPLACED.1).is_none());
        assert_eq!(
            obj(OBJECT_REPLACED.2).unwrap().parent.as_deref(),
            Some(OBJECT_REPLACED.0)
        );
        assert!(app.script.contains(SCRIPT_LINE_ADDED));
        let measure = app
            .get(Class::GenericMeasure, MEASURE_EXPRESSION.0)
            .unwrap();
        assert_eq!(measure.props["qMeasure"]["qDef"], MEASURE_EXPRESSION.1);
        // The other apps are the demo's.
        assert_eq!(site.apps.len(), demo.apps.len());
    }
}
