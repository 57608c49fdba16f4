//! `qlik-tui data | values | eval` against the simulator over real TLS: values compared with
//! sums, counts and frequencies recomputed here from the simulator's deterministic table, paging
//! past one page, an object without a hypercube, and the read-only promise checked on the
//! server's side (no modifying method received, every session object destroyed).

mod common;

use std::collections::HashMap;

use qlik_tui::engine::rpc::READ_ONLY_METHODS;
use qlik_tui::explore::Site;
use qlik_tui::explore::data::{DataError, object_data};
use qlik_tui::sim::table::DataTable;
use qlik_tui::sim::writes::modifies_app;
use serde_json::Value;

struct Data {
    cli: common::SimCli,
    app: String,
}

impl Data {
    async fn start() -> Data {
        Data {
            cli: common::SimCli::start().await,
            app: common::richest_demo_app()["id"]
                .as_str()
                .unwrap()
                .to_string(),
        }
    }

    /// Runs `qlik-tui ARGS CONN --app APP`: (exit code, stdout, stderr, methods it sent).
    async fn run(&self, args: &[&str]) -> (i32, String, String, Vec<String>) {
        let before = self.cli.sim.methods_received().len();
        let all: Vec<&str> = args.iter().copied().chain(["--app", &self.app]).collect();
        let o = self.cli.run(&all).await;
        let sent = self.cli.sim.methods_received()[before..].to_vec();
        (
            o.status.code().expect("exited"),
            String::from_utf8(o.stdout).unwrap(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
            sent,
        )
    }

    async fn json(&self, args: &[&str]) -> (Value, Vec<String>) {
        let (code, out, err, sent) = self.run(args).await;
        assert_eq!(code, 0, "{args:?}: {err}");
        (serde_json::from_str(&out).unwrap(), sent)
    }

    fn with_table<T>(&self, f: impl FnOnce(&DataTable) -> T) -> T {
        f(self
            .cli
            .sim
            .site()
            .app(&self.app)
            .unwrap()
            .index()
            .data_table())
    }
}

fn col(t: &DataTable, name: &str) -> usize {
    t.column(name).unwrap_or_else(|| panic!("no field {name}"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(1.0)
}

/// Nothing modifying went out, and session objects were destroyed as often as created.
/// "Modifying" is judged twice: by the client's own list (which its guard enforces) and by the
/// simulator's reading of the Engine API's naming (`sim::writes::modifies_app`: setters,
/// selections, saves, reloads), which does not trust that list.
fn assert_read_only(sent: &[String], creates: usize) {
    assert!(!sent.is_empty());
    for m in sent {
        assert!(
            READ_ONLY_METHODS.contains(&m.as_str()),
            "{m} is not a read-only method"
        );
        assert!(!modifies_app(m), "{m} changes an app or its selections");
    }
    let count = |name: &str| sent.iter().filter(|m| *m == name).count();
    assert_eq!(count("CreateSessionObject"), creates, "{sent:?}");
    assert_eq!(count("DestroySessionObject"), creates, "{sent:?}");
}

#[tokio::test]
async fn a_chart_s_rows_are_the_sums_of_its_groups() {
    let d = Data::start().await;
    // barReg01: Region by the master measure Revenue = Sum(Sales).
    let (doc, sent) = d.json(&["data", "--object", "barReg01", "--json"]).await;
    assert_read_only(&sent, 0);
    assert_eq!(doc["headers"], serde_json::json!(["Region", "Revenue"]));
    let want: Vec<(String, f64)> = d.with_table(|t| {
        let (r, s) = (col(t, "Region"), col(t, "Sales"));
        let mut sums: HashMap<String, f64> = HashMap::new();
        for row in &t.rows {
            *sums.entry(row[r].text.clone()).or_default() += row[s].num.unwrap();
        }
        let mut v: Vec<_> = sums.into_iter().collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    });
    let rows = doc["rows"].as_array().unwrap();
    assert_eq!(rows.len(), want.len());
    assert_eq!(doc["total_rows"], want.len());
    for (row, (region, sum)) in rows.iter().zip(&want) {
        assert_eq!(row[0]["text"], region.as_str());
        let got = row[1]["num"].as_f64().unwrap();
        assert!(close(got, *sum), "{region}: {got} vs {sum}");
    }

    // The table form shows the same cells under the same headers.
    let (code, table, _, _) = d.run(&["data", "--object", "barReg01"]).await;
    assert_eq!(code, 0);
    let mut lines = table.lines();
    assert_eq!(
        lines.next().unwrap().split_whitespace().collect::<Vec<_>>(),
        ["Region", "Revenue"]
    );
    for (line, row) in lines.zip(rows) {
        assert!(
            line.starts_with(row[0]["text"].as_str().unwrap())
                && line.ends_with(row[1]["text"].as_str().unwrap()),
            "{line}"
        );
    }

    // A KPI (no dimension): one row over all rows; the CSV form.
    let total: f64 = d.with_table(|t| {
        let s = col(t, "Sales");
        t.rows.iter().map(|r| r[s].num.unwrap()).sum()
    });
    let (code, csv, _, _) = d.run(&["data", "--object", "kpiRev01", "--csv"]).await;
    assert_eq!(code, 0);
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(r.headers().unwrap(), vec!["Revenue"]);
    let cells: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(cells.len(), 1);
    assert!(close(cells[0][0].parse().unwrap(), total), "{csv}");
}

#[tokio::test]
async fn paging_goes_past_one_page_and_stops_at_rows() {
    let d = Data::start().await;
    // tblReg01x: OrderID, OrderDate, Customer by Sum(Sales): one row per order, four columns,
    // so 10 000-cell pages hold 2 500 rows and every row needs two pages.
    let n = d.with_table(|t| t.rows.len());
    assert!(n > 2500);
    let (doc, sent) = d
        .json(&[
            "data",
            "--object",
            "tblReg01x",
            "--rows",
            "100000",
            "--json",
        ])
        .await;
    assert_read_only(&sent, 0);
    let pages = sent.iter().filter(|m| *m == "GetHyperCubeData").count();
    assert_eq!(pages, n.div_ceil(2500), "{sent:?}");
    let rows = doc["rows"].as_array().unwrap();
    assert_eq!(rows.len(), n);
    assert_eq!(doc["total_rows"], n);
    let by_order: HashMap<u64, f64> = d.with_table(|t| {
        let (o, s) = (col(t, "OrderID"), col(t, "Sales"));
        t.rows
            .iter()
            .map(|r| (r[o].num.unwrap() as u64, r[s].num.unwrap()))
            .collect()
    });
    for (i, row) in rows.iter().enumerate() {
        // Sorted by the first dimension, OrderID 1..n, each its own row's Sales.
        let id = row[0]["num"].as_f64().unwrap() as u64;
        assert_eq!(id, i as u64 + 1);
        assert!(
            close(row[3]["num"].as_f64().unwrap(), by_order[&id]),
            "{row}"
        );
    }

    // --rows stops early, within the first page; the default is 100.
    let (doc, sent) = d
        .json(&["data", "--object", "tblReg01x", "--rows", "7", "--json"])
        .await;
    assert_eq!(doc["rows"].as_array().unwrap().len(), 7);
    assert_eq!(doc["rows"][6], rows[6]);
    assert_eq!(sent.iter().filter(|m| *m == "GetHyperCubeData").count(), 1);
    let (code, out, err, _) = d.run(&["data", "--object", "tblReg01x"]).await;
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 101);
    assert!(err.contains(&format!("100 of {n} rows")), "{err}");
}

#[tokio::test]
async fn an_object_without_a_hypercube_is_refused_clearly() {
    let d = Data::start().await;
    let sheet = common::richest_demo_app()["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["qProperty"]["qInfo"]["qType"] == "sheet")
        .unwrap()["qProperty"]["qInfo"]["qId"]
        .as_str()
        .unwrap()
        .to_string();
    let (code, out, err, sent) = d.run(&["data", "--object", &sheet]).await;
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert!(
        err.contains(&format!(
            "object '{sheet}' (sheet) has no hypercube or list object"
        )),
        "{err}"
    );
    assert_read_only(&sent, 0);
    let (code, _, err, _) = d.run(&["data", "--object", "no-such-object"]).await;
    assert_eq!(code, 4, "{err}");
}

#[tokio::test]
async fn values_list_a_field_with_frequencies_through_a_destroyed_session_object() {
    let d = Data::start().await;
    let (doc, sent) = d.json(&["values", "--field", "Region", "--json"]).await;
    assert_read_only(&sent, 1);
    let want: Vec<(String, usize)> = d.with_table(|t| {
        let r = col(t, "Region");
        let mut n: HashMap<String, usize> = HashMap::new();
        for row in &t.rows {
            *n.entry(row[r].text.clone()).or_default() += 1;
        }
        let mut v: Vec<_> = n.into_iter().collect();
        v.sort();
        v
    });
    assert_eq!(doc["headers"], serde_json::json!(["Region", "Frequency"]));
    let got: Vec<(String, usize)> = doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r[0]["text"].as_str().unwrap().to_string(),
                r[1]["text"].as_str().unwrap().parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, want);

    // More values than one --rows: the first N in order.
    let (code, out, _, sent) = d
        .run(&[
            "values", "--field", "Customer", "--rows", "3", "-o", "ndjson",
        ])
        .await;
    assert_eq!(code, 0);
    assert_read_only(&sent, 1);
    assert_eq!(out.lines().count(), 3);

    let (code, _, err, sent) = d.run(&["values", "--field", "NoSuchField"]).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("field 'NoSuchField' has no values"), "{err}");
    assert_read_only(&sent, 1);
}

#[tokio::test]
async fn eval_computes_simple_expressions_over_the_app_s_table() {
    let d = Data::start().await;
    let (sales, regions, n) = d.with_table(|t| {
        let (s, r) = (col(t, "Sales"), col(t, "Region"));
        let sales: Vec<f64> = t.rows.iter().map(|row| row[s].num.unwrap()).collect();
        let regions: std::collections::HashSet<&str> =
            t.rows.iter().map(|row| row[r].text.as_str()).collect();
        (sales, regions.len(), t.rows.len())
    });
    let sum: f64 = sales.iter().sum();
    let max = sales.iter().copied().fold(f64::MIN, f64::max);
    let min = sales.iter().copied().fold(f64::MAX, f64::min);
    for (expr, want) in [
        ("Sum(Sales)", Some(sum)),
        ("=Avg(Sales)", Some(sum / n as f64)),
        ("Min(Sales)", Some(min)),
        ("Max(Sales)", Some(max)),
        ("Count(Region)", Some(n as f64)),
        ("Count(DISTINCT Region)", Some(regions as f64)),
        (
            "Sum(Sales) / Count(OrderID) * 2",
            Some(sum / n as f64 * 2.0),
        ),
        ("42", Some(42.0)),
        ("Only(Region)", None),
    ] {
        let (doc, sent) = d.json(&["eval", expr, "-o", "json"]).await;
        assert_read_only(&sent, 0);
        assert!(sent.iter().any(|m| m == "EvaluateEx"), "{sent:?}");
        match want {
            Some(w) => assert!(close(doc["number"].as_f64().unwrap(), w), "{expr}: {doc}"),
            None => assert_eq!(doc["text"], "-", "{expr}: {doc}"),
        }
    }
    let (code, out, _, _) = d.run(&["eval", "'Umsatz ' & 'gesamt'"]).await;
    assert_eq!(code, 0);
    assert_eq!(out, "Umsatz gesamt\n");
    let (code, out, _, _) = d.run(&["eval", "Count(DISTINCT Region)"]).await;
    assert_eq!(code, 0);
    assert_eq!(out, format!("{regions}\n"));
}

/// A filter pane's list object (`data` pages it with GetListObjectData): its field's distinct
/// values, in order, computed from the simulator's table; a master dimension names the field
/// of lbRegion01, a field of its own that of lbYear01.
#[tokio::test]
async fn a_list_object_s_rows_are_its_field_s_distinct_values() {
    let d = Data::start().await;
    for (object, field) in [("lbRegion01", "Region"), ("lbYear01", "Year")] {
        let (doc, sent) = d.json(&["data", "--object", object, "--json"]).await;
        assert_read_only(&sent, 0);
        assert!(sent.iter().any(|m| m == "GetListObjectData"), "{sent:?}");
        assert!(!sent.iter().any(|m| m == "GetHyperCubeData"), "{sent:?}");
        let mut want: Vec<String> = d.with_table(|t| {
            let c = col(t, field);
            t.rows.iter().map(|r| r[c].text.clone()).collect()
        });
        want.sort();
        want.dedup();
        let got: Vec<String> = doc["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r[0]["text"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(got, want, "{object}");
        assert_eq!(doc["total_rows"], want.len(), "{object}");
        assert_eq!(doc["headers"][0], field, "{object}: {doc}");
    }
}

/// Pivot (`qMode` P) and stacked (K) hypercubes are refused with a message naming the mode and
/// what to use instead, before any page is asked for: objects of these modes made as session
/// objects on the simulator, read through the same domain function as `data`.
#[tokio::test]
async fn pivot_and_stacked_hypercubes_are_refused_clearly() {
    let d = Data::start().await;
    let site = Site::new(common::sim_spec(&d.cli.sim));
    let app = site.app(&d.app).await.expect("the app opens");
    for (mode, name) in [("P", "pivot"), ("K", "stacked")] {
        let props = serde_json::json!({
            "qInfo": {"qType": "pivot-table"},
            "qHyperCubeDef": {
                "qMode": mode,
                "qDimensions": [{"qDef": {"qFieldDefs": ["Region"]}}],
                "qMeasures": [{"qDef": {"qDef": "Sum(Sales)"}}],
            }
        });
        let obj = app.doc.create_session_object(props).await.unwrap();
        let before = d.cli.sim.methods_received().len();
        let err = object_data(&obj, 100).await.unwrap_err();
        let sent = d.cli.sim.methods_received()[before..].to_vec();
        assert!(
            matches!(&err, DataError::NotStraight { mode: m, .. } if *m == name),
            "{mode}: {err:?}"
        );
        let text = err.to_string();
        assert!(
            text.contains(&format!("is a {name} hypercube")) && text.contains("straight-table"),
            "{text}"
        );
        assert!(!sent.iter().any(|m| m.ends_with("Data")), "{sent:?}");
        app.doc.destroy_session_object(obj.id()).await.unwrap();
    }
    site.close_all().await;
}
