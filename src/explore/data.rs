//! The data behind an object, read-only: an object's hypercube or list object paged with
//! GetHyperCubeData / GetListObjectData, a field's values through a list object that lives only
//! in this session (destroyed when read), and an expression through Evaluate / EvaluateEx.
//! Nothing here selects, so nothing changes what anyone else sees.

use serde::Serialize;
use serde_json::{Value, json};

use super::app::AppSession;
use crate::engine::EngineError;
use crate::engine::api::GenericObject;

/// The engine serves at most this many cells per data page.
pub const PAGE_CELLS: usize = 10_000;

/// One cell as the engine formats it, with its number when it has one.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DataCell {
    pub text: String,
    pub num: Option<f64>,
    /// Times the value occurs (list objects with a frequency mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frequency: Option<String>,
}

/// Rows of a hypercube or list object: headers (dimension then measure titles), the rows read,
/// and how many the engine has in all.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct DataTable {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<DataCell>>,
    pub total_rows: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(
        "object '{id}' ({kind}) has no hypercube or list object, so it has no data rows; pick a chart, table or filter pane (`qlik-tui get objects` lists the types)"
    )]
    NoData { id: String, kind: String },
    #[error(
        "object '{id}' is a {mode} hypercube, which qlik-tui does not page yet; its straight-table twin (a table with the same dimensions and measures) shows the same data"
    )]
    NotStraight { id: String, mode: &'static str },
}

/// Which computed part an object's layout has, and where its definition lives.
enum Part {
    Cube,
    List,
}

impl Part {
    fn method(&self) -> &'static str {
        match self {
            Part::Cube => "GetHyperCubeData",
            Part::List => "GetListObjectData",
        }
    }
    fn path(&self) -> &'static str {
        match self {
            Part::Cube => "/qHyperCubeDef",
            Part::List => "/qListObjectDef",
        }
    }
}

fn cell(c: &Value) -> DataCell {
    DataCell {
        text: c
            .get("qText")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        // qNum is "NaN" (a string) for text.
        num: c.get("qNum").and_then(Value::as_f64),
        frequency: c
            .get("qFrequency")
            .and_then(Value::as_str)
            .map(str::to_string),
    }
}

fn titles(info: Option<&Value>) -> Vec<String> {
    let one = |i: &Value| {
        i.get("qFallbackTitle")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    match info {
        Some(Value::Array(a)) => a.iter().map(one).collect(),
        Some(o @ Value::Object(_)) => vec![one(o)],
        _ => vec![],
    }
}

/// Reads up to `max_rows` rows of `obj`'s hypercube or list object, a page (of at most
/// 10 000 cells) at a time.
pub async fn object_data(obj: &GenericObject, max_rows: usize) -> Result<DataTable, DataError> {
    let layout = obj.get_layout().await?;
    let id = obj.id().to_string();
    let (part, computed) = if let Some(hc) = layout.get("qHyperCube") {
        let mode = hc.get("qMode").and_then(Value::as_str).unwrap_or("S");
        if mode != "S" {
            let mode = if mode == "P" { "pivot" } else { "stacked" };
            return Err(DataError::NotStraight { id, mode });
        }
        (Part::Cube, hc)
    } else if let Some(lo) = layout.get("qListObject") {
        (Part::List, lo)
    } else {
        return Err(DataError::NoData {
            id,
            kind: obj.object_type().to_string(),
        });
    };
    let mut headers = titles(computed.get("qDimensionInfo"));
    if headers.is_empty() && titles(computed.get("qMeasureInfo")).is_empty() {
        // A text object's empty cube: no columns, so no data either.
        return Err(DataError::NoData {
            id,
            kind: obj.object_type().to_string(),
        });
    }
    headers.extend(titles(computed.get("qMeasureInfo")));
    let size = |k: &str| {
        computed
            .pointer(&format!("/qSize/{k}"))
            .and_then(Value::as_u64)
            .unwrap_or(0)
    };
    let (width, total) = (size("qcx").max(1) as usize, size("qcy"));
    let wanted = (total as usize).min(max_rows);
    let page_rows = (PAGE_CELLS / width).max(1);
    let mut rows = Vec::with_capacity(wanted);
    while rows.len() < wanted {
        let height = page_rows.min(wanted - rows.len());
        let page = json!([{"qLeft": 0, "qTop": rows.len(), "qWidth": width, "qHeight": height}]);
        let pages = obj.get_data_pages(part.method(), part.path(), page).await?;
        let matrix = pages
            .first()
            .and_then(|p| p.get("qMatrix"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if matrix.is_empty() {
            // The cube shrank under us (a reload): stop with what we have.
            break;
        }
        rows.extend(matrix.iter().map(|r| {
            r.as_array()
                .map(|cells| cells.iter().map(cell).collect())
                .unwrap_or_default()
        }));
    }
    Ok(DataTable {
        headers,
        rows,
        total_rows: total,
    })
}

/// The object `id` of the app and its data (see [`object_data`]).
pub async fn object_rows(
    app: &AppSession,
    id: &str,
    max_rows: usize,
) -> Result<DataTable, DataError> {
    let obj = app.object(id).await?;
    object_data(&obj, max_rows).await
}

/// A field's distinct values with their frequency, through a session list object that is
/// destroyed when read (also when reading fails).
pub async fn field_values(
    app: &AppSession,
    field: &str,
    max_rows: usize,
) -> Result<DataTable, DataError> {
    let props = json!({
        "qInfo": {"qType": "qlik-tui-values"},
        "qListObjectDef": {
            "qDef": {"qFieldDefs": [field], "qFieldLabels": [field]},
            "qFrequencyMode": "V",
            "qInitialDataFetch": [],
        }
    });
    let obj = app.doc.create_session_object(props).await?;
    let read = object_data(&obj, max_rows).await;
    let destroyed = app.doc.destroy_session_object(obj.id()).await;
    let mut table = read?;
    destroyed?;
    table.headers.push("Frequency".into());
    for r in &mut table.rows {
        let freq = r
            .first()
            .and_then(|c| c.frequency.clone())
            .unwrap_or_default();
        let n = freq.parse().ok();
        r.push(DataCell {
            text: freq,
            num: n,
            frequency: None,
        });
    }
    Ok(table)
}

/// An expression's value: EvaluateEx's text and number.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Evaluated {
    pub expression: String,
    pub text: String,
    pub number: Option<f64>,
}

pub async fn evaluate(app: &AppSession, expression: &str) -> Result<Evaluated, EngineError> {
    let v = app.doc.evaluate_ex(expression).await?;
    let numeric = v
        .get("qIsNumeric")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    Ok(Evaluated {
        expression: expression.to_string(),
        text: v
            .get("qText")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        number: if numeric {
            v.get("qNumber").and_then(Value::as_f64)
        } else {
            None
        },
    })
}
