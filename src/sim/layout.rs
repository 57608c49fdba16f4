//! Properties → layout, the way the engine computes one: `qMetaDef` becomes `qMeta`, every
//! `qStringExpression` / `qValueExpression` is evaluated, list and hypercube definitions become
//! their computed parts, and an object extending a master visualization (`qExtendsId`) shows
//! the master's properties under its own.

use serde_json::{Map, Value, json};

use super::data::{AppIndex, AppMeta, Class, Obj};
use super::lists;

/// What a layout may look up: the app and its objects.
pub struct Ctx<'a> {
    pub app: &'a AppMeta,
    pub index: &'a AppIndex,
    /// Opened with qNoData: the data model is absent.
    pub no_data: bool,
}

/// The `qMeta` the engine adds: the object's `qMetaDef`, then the repository's metadata (owner,
/// publication, dates, privileges), then what the site data says about this object.
pub fn meta_of(ctx: &Ctx, props: &Value, extra: &Map<String, Value>) -> Value {
    let mut meta = Map::new();
    if let Some(Value::Object(def)) = props.get("qMetaDef") {
        for (k, v) in def {
            meta.insert(k.clone(), evaluate_value(v));
        }
    }
    let id = props.pointer("/qInfo/qId").cloned().unwrap_or(Value::Null);
    let object_type = props
        .pointer("/qInfo/qType")
        .cloned()
        .unwrap_or(Value::Null);
    let app = ctx.app;
    let defaults = json!({
        "privileges": ["read", "update", "delete", "exportdata", "publish", "approve"],
        "id": id,
        "_resourcetype": "app.object",
        "_objecttype": object_type,
        "published": app.published(),
        "approved": false,
        "owner": {"userDirectory": app.owner.user_directory, "userId": app.owner.user_id, "name": app.owner.name},
        "ownerId": format!("{}\\{}", app.owner.user_directory, app.owner.user_id),
        "createdDate": app.created_date,
        "modifiedDate": app.modified_date,
    });
    if let Value::Object(d) = defaults {
        for (k, v) in d {
            meta.entry(k).or_insert(v);
        }
    }
    for (k, v) in extra {
        meta.insert(k.clone(), v.clone());
    }
    Value::Object(meta)
}

/// Properties with the `qExtendsId` chain resolved: the master's properties, overlaid by the
/// object's own (its `qInfo` and everything it sets itself win).
pub fn effective_properties(index: &AppIndex, props: &Value) -> Value {
    effective_rec(index, props, 0)
}

fn effective_rec(index: &AppIndex, props: &Value, depth: usize) -> Value {
    let extends = props
        .get("qExtendsId")
        .and_then(Value::as_str)
        .unwrap_or("");
    if extends.is_empty() || depth > 8 {
        return props.clone();
    }
    let Some(master) = index.get(Class::GenericObject, extends) else {
        return props.clone();
    };
    let mut base = effective_rec(index, &master.props, depth + 1);
    overlay(&mut base, props);
    base
}

/// Merges `top` onto `base` object by object; other values of `top` replace.
fn overlay(base: &mut Value, top: &Value) {
    match (base, top) {
        (Value::Object(b), Value::Object(t)) => {
            for (k, v) in t {
                match b.get_mut(k) {
                    Some(bv) if bv.is_object() && v.is_object() => overlay(bv, v),
                    _ => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, t) => *b = t.clone(),
    }
}

/// The layout of a persisted or session object.
pub fn layout(
    ctx: &Ctx,
    props: &Value,
    extra_meta: &Map<String, Value>,
    children: &[String],
) -> Value {
    let eff = effective_properties(ctx.index, props);
    let mut out = Map::new();
    let Value::Object(map) = &eff else {
        return eff;
    };
    for (k, v) in map {
        match k.as_str() {
            "qMetaDef" => {}
            "qChildListDef" => {
                out.insert("qChildList".into(), lists::child_list(ctx, v, children));
            }
            "qHyperCubeDef" => {
                out.insert("qHyperCube".into(), hypercube(ctx, v));
            }
            "qListObjectDef" => {
                out.insert("qListObject".into(), list_object(ctx, v));
            }
            _ => {
                if let Some((name, list)) = lists::compute(ctx, k, v) {
                    out.insert(name.into(), list);
                } else {
                    out.insert(k.clone(), evaluate_tree(ctx, v));
                }
            }
        }
    }
    out.insert("qMeta".into(), meta_of(ctx, &eff, extra_meta));
    out.entry("qSelectionInfo").or_insert(json!({}));
    out.entry("qHasSoftPatches").or_insert(json!(false));
    out.entry("qStateName").or_insert(json!(""));
    Value::Object(out)
}

/// The layout of an indexed object.
/// The layout of an indexed object, with what its class computes: a variable's value, a
/// dimension's field infos.
pub fn object_layout(ctx: &Ctx, obj: &Obj) -> Value {
    let mut l = layout(ctx, &obj.props, &obj.meta, &obj.children);
    match obj.class {
        Class::GenericVariable => {
            let text = eval_string(str_at(&obj.props, "/qDefinition"));
            if let Ok(n) = text.parse::<f64>() {
                l["qNum"] = json!(n);
            }
            l["qText"] = json!(text);
            l["qIsScriptCreated"] = obj
                .meta
                .get("isScriptCreated")
                .cloned()
                .unwrap_or(json!(false));
        }
        Class::GenericDimension => {
            let grouping = obj
                .props
                .pointer("/qDim/qGrouping")
                .cloned()
                .unwrap_or(json!("N"));
            let infos: Vec<Value> = obj
                .props
                .pointer("/qDim/qFieldDefs")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|_| json!({"qGrouping": grouping, "qTags": [], "qIsSemantic": false}))
                .collect();
            l["qDimInfos"] = json!(infos);
        }
        _ => {}
    }
    l
}

/// Evaluates expressions and computes hypercubes / list objects anywhere below `v`.
pub fn evaluate_tree(ctx: &Ctx, v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            if let Some(e) = m.get("qStringExpression") {
                return json!(eval_string(expr_text(e)));
            }
            if let Some(e) = m.get("qValueExpression") {
                return eval_number(expr_text(e));
            }
            let mut out = Map::new();
            for (k, v) in m {
                match k.as_str() {
                    "qHyperCubeDef" => {
                        out.insert("qHyperCube".into(), hypercube(ctx, v));
                    }
                    "qListObjectDef" => {
                        out.insert("qListObject".into(), list_object(ctx, v));
                    }
                    _ => {
                        out.insert(k.clone(), evaluate_tree(ctx, v));
                    }
                }
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| evaluate_tree(ctx, x)).collect()),
        other => other.clone(),
    }
}

/// Evaluates a value without an app context (meta values): only expressions.
pub fn evaluate_value(v: &Value) -> Value {
    match v {
        Value::Object(m) if m.contains_key("qStringExpression") => {
            json!(eval_string(expr_text(&m["qStringExpression"])))
        }
        Value::Object(m) if m.contains_key("qValueExpression") => {
            eval_number(expr_text(&m["qValueExpression"]))
        }
        other => other.clone(),
    }
}

fn expr_text(e: &Value) -> &str {
    match e {
        Value::String(s) => s,
        Value::Object(o) => o.get("qExpr").and_then(Value::as_str).unwrap_or(""),
        _ => "",
    }
}

/// A tiny evaluator for what titles use: `='a' & 'b'` concatenations of string literals and
/// numbers. Anything else evaluates to its own text (the simulator has no data to compute on).
pub fn eval_string(expr: &str) -> String {
    let body = expr.trim().strip_prefix('=').unwrap_or(expr.trim()).trim();
    match concat_literals(body) {
        Some(s) => s,
        None => body.to_string(),
    }
}

fn concat_literals(body: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = body.trim();
    loop {
        if let Some(after) = rest.strip_prefix('\'') {
            // A literal; '' inside is a quote.
            let mut lit = String::new();
            let mut chars = after.char_indices().peekable();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                if c == '\'' {
                    if chars.peek().map(|(_, c)| *c) == Some('\'') {
                        lit.push('\'');
                        chars.next();
                    } else {
                        end = Some(i + 1);
                        break;
                    }
                } else {
                    lit.push(c);
                }
            }
            out.push_str(&lit);
            rest = after[end?..].trim_start();
        } else {
            let token: String = rest
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '-')
                .collect();
            if token.is_empty() || token.parse::<f64>().is_err() {
                return None;
            }
            out.push_str(&token);
            rest = rest[token.len()..].trim_start();
        }
        if rest.is_empty() {
            return Some(out);
        }
        rest = rest.strip_prefix('&')?.trim_start();
    }
}

fn eval_number(expr: &str) -> Value {
    let body = expr.trim().strip_prefix('=').unwrap_or(expr.trim()).trim();
    match body.parse::<f64>() {
        Ok(n) => json!(n),
        Err(_) => json!(0),
    }
}

/// A master item's title, for a hypercube column that refers to it by `qLibraryId`.
fn library_title(ctx: &Ctx, class: Class, id: &str) -> Option<String> {
    let o = ctx.index.get(class, id)?;
    o.props
        .pointer("/qMetaDef/title")
        .and_then(Value::as_str)
        .map(str::to_string)
}

fn str_at<'a>(v: &'a Value, p: &str) -> &'a str {
    v.pointer(p).and_then(Value::as_str).unwrap_or("")
}

/// The hypercube: its shape, its size over the app's table, and the pages of
/// `qInitialDataFetch`.
fn hypercube(ctx: &Ctx, def: &Value) -> Value {
    let matrix = super::cube::hypercube_matrix(ctx, def);
    let initial = initial_pages(&matrix, super::cube::width(def), def);
    let dims: Vec<Value> = def
        .get("qDimensions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|d| {
            let lib = str_at(d, "/qLibraryId");
            let field = str_at(d, "/qDef/qFieldDefs/0");
            let label = str_at(d, "/qDef/qFieldLabels/0");
            let title = if !lib.is_empty() {
                library_title(ctx, Class::GenericDimension, lib).unwrap_or_default()
            } else if !label.is_empty() {
                label.to_string()
            } else {
                field.trim_start_matches('=').to_string()
            };
            json!({"qFallbackTitle": title, "qCardinal": 0, "qGroupFieldDefs": [field],
                   "qLibraryId": lib, "qMin": "NaN", "qMax": "NaN", "qSortIndicator": "A"})
        })
        .collect();
    let measures: Vec<Value> = def
        .get("qMeasures")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|m| {
            let lib = str_at(m, "/qLibraryId");
            let label = str_at(m, "/qDef/qLabel");
            let title = if !lib.is_empty() {
                library_title(ctx, Class::GenericMeasure, lib).unwrap_or_default()
            } else if !label.is_empty() {
                label.to_string()
            } else {
                str_at(m, "/qDef/qDef").to_string()
            };
            json!({"qFallbackTitle": title, "qLibraryId": lib, "qMin": 0, "qMax": 0,
                   "qSortIndicator": "D", "qApprMaxGlyphCount": 0})
        })
        .collect();
    json!({
        "qSize": {"qcx": dims.len() + measures.len(), "qcy": matrix.len()},
        "qDimensionInfo": dims,
        "qMeasureInfo": measures,
        "qEffectiveInterColumnSortOrder": [],
        "qGrandTotalRow": [],
        "qDataPages": initial,
        "qPivotDataPages": [],
        "qStackedDataPages": [],
        "qMode": def.get("qMode").cloned().unwrap_or(json!("S")),
        "qNoOfLeftDims": -1,
        "qTitle": "",
        "qLastExpandedPos": {"qx": 0, "qy": 0},
        "qHasOtherValues": false,
        "qTreeNodesOnDim": [],
        "qCalcCondMsg": "",
        "qColumnOrder": [],
    })
}

fn list_object(ctx: &Ctx, def: &Value) -> Value {
    let field = str_at(def, "/qDef/qFieldDefs/0");
    let lib = str_at(def, "/qLibraryId");
    let title = if lib.is_empty() {
        field.to_string()
    } else {
        library_title(ctx, Class::GenericDimension, lib).unwrap_or_default()
    };
    let matrix = super::cube::list_matrix(ctx, def);
    let initial = initial_pages(&matrix, 1, def);
    json!({
        "qSize": {"qcx": 1, "qcy": matrix.len()},
        "qDimensionInfo": {"qFallbackTitle": title, "qCardinal": matrix.len(), "qGroupFieldDefs": [field],
                            "qLibraryId": lib, "qStateCounts": {}},
        "qExpressions": [],
        "qDataPages": initial,
    })
}

/// The pages a definition's `qInitialDataFetch` asks for (none when it asks too much).
fn initial_pages(matrix: &[Vec<Value>], cols: usize, def: &Value) -> Value {
    let wanted = def
        .get("qInitialDataFetch")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    super::cube::pages(matrix, cols, &wanted).unwrap_or_else(|_| json!([]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evaluates_title_expressions() {
        assert_eq!(eval_string("='Sales ' & 'by region'"), "Sales by region");
        assert_eq!(eval_string("='It''s ' & 2026"), "It's 2026");
        assert_eq!(eval_string("=Sum(Sales)"), "Sum(Sales)");
        assert_eq!(eval_string("plain"), "plain");
    }

    #[test]
    fn overlay_keeps_own_values() {
        let mut base =
            json!({"a": {"x": 1, "y": 2}, "b": 1, "qInfo": {"qId": "m", "qType": "barchart"}});
        overlay(
            &mut base,
            &json!({"a": {"y": 3}, "qInfo": {"qId": "o", "qType": "barchart"}}),
        );
        assert_eq!(
            base,
            json!({"a": {"x": 1, "y": 3}, "b": 1, "qInfo": {"qId": "o", "qType": "barchart"}})
        );
    }
}
