//! Hypercubes and list objects computed over the app's table (`table.rs`): the rows a
//! `qHyperCubeDef` groups into (straight mode: one row per combination of dimension values,
//! sorted by them, measures evaluated over the group), a `qListObjectDef`'s distinct values with
//! their frequency, and the `NxDataPage`s GetHyperCubeData / GetListObjectData cut from them.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::{Value, json};

use super::data::Class;
use super::expr::{self, Expr, Val};
use super::layout::Ctx;
use super::table::DataTable;

/// The engine refuses a page of more than 10 000 cells.
pub const MAX_PAGE_CELLS: u64 = 10_000;

fn str_at<'a>(v: &'a Value, p: &str) -> &'a str {
    v.pointer(p).and_then(Value::as_str).unwrap_or("")
}

/// The table behind the layout: none for an app opened without data.
fn table<'a>(ctx: &Ctx<'a>) -> &'a DataTable {
    static EMPTY: OnceLock<DataTable> = OnceLock::new();
    if ctx.no_data {
        EMPTY.get_or_init(DataTable::default)
    } else {
        ctx.index.data_table()
    }
}

/// A dimension's field (or calculated dimension) from its definition or its master item.
fn dimension_expr(ctx: &Ctx, d: &Value) -> Option<Expr> {
    let lib = str_at(d, "/qLibraryId");
    let def = if lib.is_empty() {
        str_at(d, "/qDef/qFieldDefs/0").to_string()
    } else {
        let master = ctx.index.get(Class::GenericDimension, lib)?;
        str_at(&master.props, "/qDim/qFieldDefs/0").to_string()
    };
    match def.strip_prefix('=') {
        Some(calc) => expr::parse(calc),
        None if def.is_empty() => None,
        None => Some(Expr::Field(def)),
    }
}

fn measure_expr(ctx: &Ctx, m: &Value) -> Option<Expr> {
    let lib = str_at(m, "/qLibraryId");
    let def = if lib.is_empty() {
        str_at(m, "/qDef/qDef").to_string()
    } else {
        let master = ctx.index.get(Class::GenericMeasure, lib)?;
        str_at(&master.props, "/qMeasure/qDef").to_string()
    };
    expr::parse(&def)
}

fn list(def: &Value, key: &str) -> Vec<Value> {
    def.get(key)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

fn order(a: &Val, b: &Val) -> std::cmp::Ordering {
    match (a, b) {
        (Val::Num(x), Val::Num(y)) => x.total_cmp(y),
        (Val::Null, Val::Null) => std::cmp::Ordering::Equal,
        (Val::Null, _) => std::cmp::Ordering::Greater,
        (_, Val::Null) => std::cmp::Ordering::Less,
        (x, y) => x.text().cmp(&y.text()),
    }
}

fn cell(v: &Val, elem: i64, state: &str) -> Value {
    json!({
        "qText": v.text(),
        "qNum": v.num().map_or(json!("NaN"), |n| json!(n)),
        "qElemNumber": elem,
        "qState": state,
        "qIsNull": *v == Val::Null,
    })
}

/// Every row of a straight hypercube, as NxCell rows (dimensions first, then measures).
pub fn hypercube_matrix(ctx: &Ctx, def: &Value) -> Vec<Vec<Value>> {
    let data = table(ctx);
    let dims: Vec<Option<Expr>> = list(def, "qDimensions")
        .iter()
        .map(|d| dimension_expr(ctx, d))
        .collect();
    let measures: Vec<Option<Expr>> = list(def, "qMeasures")
        .iter()
        .map(|m| measure_expr(ctx, m))
        .collect();
    if dims.is_empty() && measures.is_empty() {
        return Vec::new();
    }
    let all: Vec<usize> = (0..data.rows.len()).collect();
    let row_val = |e: &Option<Expr>, r: usize| match e {
        Some(e) => expr::row_value(e, data, r),
        None => Val::Null,
    };
    // Group rows by their dimension values, keeping the values for sorting.
    let mut groups: Vec<(Vec<Val>, Vec<usize>)> = Vec::new();
    if dims.is_empty() {
        groups.push((Vec::new(), all));
    } else {
        let mut at: HashMap<Vec<String>, usize> = HashMap::new();
        for r in all {
            let vals: Vec<Val> = dims.iter().map(|d| row_val(d, r)).collect();
            let key: Vec<String> = vals.iter().map(Val::text).collect();
            match at.get(&key) {
                Some(&g) => groups[g].1.push(r),
                None => {
                    at.insert(key, groups.len());
                    groups.push((vals, vec![r]));
                }
            }
        }
    }
    // qElemNumber: a value's place among the dimension's values in load order.
    let elems: Vec<HashMap<String, i64>> = (0..dims.len())
        .map(|i| {
            let mut m = HashMap::new();
            for (vals, _) in &groups {
                let n = m.len() as i64;
                m.entry(vals[i].text()).or_insert(n);
            }
            m
        })
        .collect();
    groups.sort_by(|a, b| {
        a.0.iter()
            .zip(&b.0)
            .map(|(x, y)| order(x, y))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    groups
        .iter()
        .map(|(vals, rows)| {
            let mut out: Vec<Value> = vals
                .iter()
                .enumerate()
                .map(|(i, v)| cell(v, elems[i][&v.text()], "O"))
                .collect();
            out.extend(measures.iter().map(|m| {
                let v = m.as_ref().map_or(Val::Null, |e| expr::eval(e, data, rows));
                cell(&v, 0, "L")
            }));
            out
        })
        .collect()
}

/// A list object's rows: the field's distinct values sorted, each with its frequency.
pub fn list_matrix(ctx: &Ctx, def: &Value) -> Vec<Vec<Value>> {
    let data = table(ctx);
    let Some(Expr::Field(field)) = dimension_expr(ctx, def) else {
        return Vec::new();
    };
    let Some(col) = data.column(&field) else {
        return Vec::new();
    };
    let with_frequency =
        str_at(def, "/qFrequencyMode") != "N" && !str_at(def, "/qFrequencyMode").is_empty();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for r in &data.rows {
        *counts.entry(r[col].text.as_str()).or_default() += 1;
    }
    let mut values: Vec<(usize, Val)> = data
        .distinct(col)
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let v = match c.num {
                Some(n) => Val::Num(n),
                None => Val::Text(c.text.clone()),
            };
            (i, v)
        })
        .collect();
    values.sort_by(|a, b| order(&a.1, &b.1));
    values
        .iter()
        .map(|(elem, v)| {
            let mut c = cell(v, *elem as i64, "O");
            if with_frequency {
                c["qFrequency"] = json!(counts[v.text().as_str()].to_string());
            }
            vec![c]
        })
        .collect()
}

/// The columns a hypercube definition has (dimensions + measures).
pub fn width(def: &Value) -> usize {
    list(def, "qDimensions").len() + list(def, "qMeasures").len()
}

/// Cuts the requested `NxPage`s from `matrix` (`cols` wide); a page over 10 000 cells is
/// refused as the engine does.
pub fn pages(matrix: &[Vec<Value>], cols: usize, wanted: &[Value]) -> Result<Value, String> {
    let mut out = Vec::new();
    for p in wanted {
        let n = |k: &str| p.get(k).and_then(Value::as_u64).unwrap_or(0);
        let (left, top, w, h) = (n("qLeft"), n("qTop"), n("qWidth"), n("qHeight"));
        if w * h > MAX_PAGE_CELLS {
            return Err(format!(
                "a data page holds at most {MAX_PAGE_CELLS} cells; {w}x{h} asked"
            ));
        }
        let left = (left as usize).min(cols);
        let right = (left + w as usize).min(cols);
        let top = (top as usize).min(matrix.len());
        let bottom = (top + h as usize).min(matrix.len());
        let rows: Vec<Value> = matrix[top..bottom]
            .iter()
            .map(|r| Value::Array(r[left..right].to_vec()))
            .collect();
        out.push(json!({
            "qMatrix": rows,
            "qTails": [],
            "qArea": {"qLeft": left, "qTop": top, "qWidth": right - left, "qHeight": bottom - top},
            "qIsReduced": false,
        }));
    }
    Ok(Value::Array(out))
}
