//! `qlik-tui get ...` against the simulator over real TLS: every view's values compared with the
//! demo site's asset, in the table and the JSON form (and ndjson / yaml / --fields once).

mod common;
#[cfg(unix)]
mod pty;

use std::collections::BTreeSet;

use serde_json::Value;

struct Get {
    cli: common::SimCli,
    app: Value,
}

impl Get {
    async fn start() -> Get {
        Get {
            cli: common::SimCli::start().await,
            app: common::richest_demo_app(),
        }
    }

    /// Runs `qlik-tui get WHAT CONN --app APP EXTRA...`: (exit code, stdout, stderr).
    async fn run(&self, what: &[&str], extra: &[&str]) -> (i32, String, String) {
        let app = self.app["id"].as_str().unwrap();
        let all: Vec<&str> = ["get"]
            .into_iter()
            .chain(what.iter().copied())
            .chain(["--app", app])
            .chain(extra.iter().copied())
            .collect();
        let o = self.cli.run(&all).await;
        (
            o.status.code().expect("exited"),
            String::from_utf8(o.stdout).unwrap(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    }

    async fn json(&self, what: &[&str]) -> Value {
        let (code, out, err) = self.run(what, &["--json"]).await;
        assert_eq!(code, 0, "{what:?}: {err}");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{what:?}: {e}: {out}"))
    }

    async fn table(&self, what: &[&str]) -> String {
        let (code, out, err) = self.run(what, &[]).await;
        assert_eq!(code, 0, "{what:?}: {err}");
        out
    }
}

fn s<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

/// (key, value) pairs of a JSON list, for comparing a command's records with the asset.
fn pairs(list: &Value, a: &str, b: &str) -> BTreeSet<(String, String)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| (s(r, a).to_string(), s(r, b).to_string()))
        .collect()
}

/// The table has a row whose cells (split on runs of 2+ spaces) start with `cells`.
fn has_row(table: &str, cells: &[&str]) -> bool {
    table.lines().any(|l| {
        let got: Vec<&str> = l
            .split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        got.len() >= cells.len() && got[..cells.len()] == *cells
    })
}

fn sheets_of(app: &Value) -> Vec<&Value> {
    app["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| s(o, "/qProperty/qInfo/qType") == "sheet")
        .collect()
}

fn walk(entry: &Value, sheet: &str, out: &mut Vec<(String, String, String)>) {
    for c in entry["qChildren"].as_array().into_iter().flatten() {
        out.push((
            s(c, "/qProperty/qInfo/qId").into(),
            s(c, "/qProperty/qInfo/qType").into(),
            sheet.into(),
        ));
        walk(c, sheet, out);
    }
}

#[tokio::test]
async fn master_items_bookmarks_variables_and_sheets_match_the_asset() {
    let g = Get::start().await;
    let app = &g.app;

    let sheets = g.json(&["sheets"]).await;
    let want: BTreeSet<_> = sheets_of(app)
        .iter()
        .map(|o| {
            (
                s(o, "/qProperty/qInfo/qId").to_string(),
                s(o, "/qProperty/qMetaDef/title").to_string(),
            )
        })
        .collect();
    assert!(!want.is_empty());
    assert_eq!(pairs(&sheets, "/id", "/title"), want);
    let table = g.table(&["sheets"]).await;
    assert!(table.starts_with("ID"), "{table}");
    for (id, title) in &want {
        assert!(has_row(&table, &[id, title]), "{id} {title}:\n{table}");
    }

    let measures = g.json(&["measures"]).await;
    let want = pairs(
        &app["measures"],
        "/qProperty/qInfo/qId",
        "/qProperty/qMeasure/qDef",
    );
    assert!(!want.is_empty());
    assert_eq!(pairs(&measures, "/id", "/definition"), want);
    let table = g.table(&["measures"]).await;
    for m in measures.as_array().unwrap() {
        assert!(
            has_row(&table, &[s(m, "/id"), s(m, "/title"), s(m, "/definition")]),
            "{m}:\n{table}"
        );
    }

    let dims = g.json(&["dimensions"]).await;
    let want: BTreeSet<_> = app["dimensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let defs: Vec<&str> = d["qProperty"]["qDim"]["qFieldDefs"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_str)
                .collect();
            (s(d, "/qProperty/qInfo/qId").to_string(), defs.join(", "))
        })
        .collect();
    assert_eq!(pairs(&dims, "/id", "/definition"), want);

    let vizzes = g.json(&["visualizations"]).await;
    let want: BTreeSet<_> = app["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| s(o, "/qProperty/qInfo/qType") == "masterobject")
        .map(|o| {
            (
                s(o, "/qProperty/qInfo/qId").to_string(),
                s(o, "/qProperty/visualization").to_string(),
            )
        })
        .collect();
    assert!(!want.is_empty());
    assert_eq!(pairs(&vizzes, "/id", "/type"), want);

    let bookmarks = g.json(&["bookmarks"]).await;
    let want = pairs(
        &app["bookmarks"],
        "/qProperty/qInfo/qId",
        "/qProperty/sheetId",
    );
    assert!(!want.is_empty());
    assert_eq!(pairs(&bookmarks, "/id", "/sheet_id"), want);
    let table = g.table(&["bookmarks"]).await;
    for b in bookmarks.as_array().unwrap() {
        assert!(has_row(&table, &[s(b, "/id"), s(b, "/title")]), "{table}");
    }

    let vars = g.json(&["variables"]).await;
    // Reserved and config variables are left out, as in the explorer.
    let want: BTreeSet<_> = app["variables"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["meta"]["isReserved"] != true && v["meta"]["isConfig"] != true)
        .map(|v| {
            (
                s(v, "/qProperty/qName").to_string(),
                s(v, "/qProperty/qDefinition").to_string(),
            )
        })
        .collect();
    assert!(!want.is_empty());
    assert_eq!(pairs(&vars, "/name", "/definition"), want);
    let table = g.table(&["variables"]).await;
    for (name, def) in &want {
        assert!(has_row(&table, &[name, def]), "{table}");
    }

    // The other output forms and the column choice, on sheets.
    let (code, nd, _) = g.run(&["sheets"], &["-o", "ndjson"]).await;
    assert_eq!(code, 0);
    let recs: Vec<Value> = nd
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(Value::Array(recs), sheets);
    let (code, yaml, _) = g.run(&["sheets"], &["-o", "yaml"]).await;
    assert_eq!(code, 0);
    let back: Value = serde_yaml_ng::from_str(&yaml).unwrap();
    assert_eq!(back, sheets);
    let (code, picked, _) = g.run(&["sheets"], &["--fields", "title,id"]).await;
    assert_eq!(code, 0);
    let mut lines = picked.lines();
    assert_eq!(
        lines.next().unwrap().split_whitespace().collect::<Vec<_>>(),
        ["TITLE", "ID"]
    );
    for sh in sheets.as_array().unwrap() {
        assert!(
            has_row(&picked, &[s(sh, "/title"), s(sh, "/id")]),
            "{picked}"
        );
    }
    let (code, _, err) = g.run(&["sheets"], &["--fields", "nope"]).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no field 'nope'"), "{err}");
}

#[tokio::test]
async fn objects_object_script_data_model_and_app_match_the_asset() {
    let g = Get::start().await;
    let app = &g.app;

    let mut want = Vec::new();
    for sh in sheets_of(app) {
        walk(sh, s(sh, "/qProperty/qInfo/qId"), &mut want);
    }
    assert!(want.len() > 2);
    let objects = g.json(&["objects"]).await;
    let got: BTreeSet<(String, String, String)> = objects
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                s(o, "/id").into(),
                s(o, "/type").into(),
                s(o, "/sheet_id").into(),
            )
        })
        .collect();
    assert_eq!(got, want.iter().cloned().collect());
    let table = g.table(&["objects"]).await;
    for (id, kind, _) in &want {
        assert!(
            table
                .lines()
                .any(|l| l.starts_with(&format!("{id}  ")) && l.contains(kind.as_str())),
            "{id}:\n{table}"
        );
    }
    // --sheet and --type narrow the list.
    let (sheet, kind) = (want[0].2.clone(), want[0].1.clone());
    let (code, out, err) = g
        .run(
            &["objects"],
            &["--sheet", &sheet, "--type", &kind, "-o", "json"],
        )
        .await;
    assert_eq!(code, 0, "{err}");
    let narrowed: BTreeSet<String> = serde_json::from_str::<Value>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|o| s(o, "/id").to_string())
        .collect();
    let expected: BTreeSet<String> = want
        .iter()
        .filter(|(_, k, sh)| *k == kind && *sh == sheet)
        .map(|(id, _, _)| id.clone())
        .collect();
    assert_eq!(narrowed, expected);

    // One object: properties (the asset's own), the tree, the children, the layout.
    let sheet_entry = sheets_of(app)
        .into_iter()
        .find(|sh| s(sh, "/qProperty/qInfo/qId") == sheet)
        .unwrap();
    let props = g.json(&["object", &sheet]).await;
    assert_eq!(props, sheet_entry["qProperty"]);
    let tree = g.json(&["object", &sheet, "--tree"]).await;
    assert_eq!(tree["qProperty"], sheet_entry["qProperty"]);
    assert_eq!(
        tree["qChildren"].as_array().unwrap().len(),
        sheet_entry["qChildren"].as_array().unwrap().len()
    );
    let children = g.json(&["object", &sheet, "--children"]).await;
    let ids: BTreeSet<&str> = children
        .as_array()
        .unwrap()
        .iter()
        .map(|c| s(c, "/qId"))
        .collect();
    let want_ids: BTreeSet<&str> = sheet_entry["qChildren"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| s(c, "/qProperty/qInfo/qId"))
        .collect();
    assert_eq!(ids, want_ids);
    let layout = g.json(&["object", &sheet, "--layout"]).await;
    assert_eq!(s(&layout, "/qInfo/qId"), sheet);
    let (code, _, err) = g.run(&["object", &sheet, "--layout", "--tree"], &[]).await;
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = g.run(&["object", "no-such-object"], &[]).await;
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("no-such-object"), "{err}");

    // The script, exactly.
    let want_script: Vec<&str> = app["script"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let (code, script, _) = g.run(&["script"], &[]).await;
    assert_eq!(code, 0);
    assert_eq!(script, want_script.join("\n"));
    assert_eq!(g.json(&["script"]).await, Value::String(script));

    // The data model.
    let tables = g.json(&["tables"]).await;
    let fields = g.json(&["fields"]).await;
    let table_text = g.table(&["tables"]).await;
    let field_text = g.table(&["fields"]).await;
    for t in app["tables"].as_array().unwrap() {
        let name = s(t, "/name");
        let rows = t["rows"].as_u64().unwrap();
        let got = tables
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == name)
            .unwrap_or_else(|| panic!("table {name}"));
        assert_eq!(got["rows"], rows);
        assert!(
            has_row(&table_text, &[name, &rows.to_string()]),
            "{table_text}"
        );
        for f in t["fields"].as_array().unwrap() {
            let fname = s(f, "/name");
            let got = fields
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["name"] == fname && x["table"] == name)
                .unwrap_or_else(|| panic!("field {name}.{fname}"));
            assert_eq!(got["distinct_values"], f["distinct"], "{fname}");
            assert!(
                has_row(&field_text, &[fname, name, &f["distinct"].to_string()]),
                "{fname}:\n{field_text}"
            );
        }
    }

    // The app.
    let layout = g.json(&["app"]).await;
    assert_eq!(s(&layout, "/qTitle"), s(app, "/title"));
    let text = g.table(&["app"]).await;
    assert!(has_row(&text, &["qTitle", s(app, "/title")]), "{text}");

    // An app the engine does not have: refused, exit 4.
    let mut missing = Get::start().await;
    missing.app["id"] = Value::String("no-such-app".into());
    let (code, _, err) = missing.run(&["sheets"], &[]).await;
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("App not found"), "{err}");
}

/// Runs `qlik-tui ARGS` against the simulator: (exit code, stdout, stderr).
async fn run(cli: &common::SimCli, args: &[&str]) -> (i32, String, String) {
    let o = cli.run(args).await;
    (
        o.status.code().expect("exited"),
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Every read command takes `-o table|json|ndjson|yaml` with `--json` as the alias of `-o json`:
/// YAML reads back to the JSON document, NDJSON holds the document's records one per line (or
/// the document itself on one line when it is not a list). Commands that print documents refuse
/// `--fields` as a usage error.
#[tokio::test]
async fn every_read_command_takes_each_output_form() {
    let cli = common::SimCli::start().await;
    let app = common::richest_demo_app();
    let id = app["id"].as_str().unwrap();
    let sheet = sheets_of(&app)[0]["qProperty"]["qInfo"]["qId"]
        .as_str()
        .unwrap()
        .to_string();
    // (command, where NDJSON's records are in the JSON document: "" for the document itself,
    // "/" for a list, or a pointer to the list)
    let commands: Vec<(Vec<&str>, &str)> = vec![
        (vec!["apps"], "/"),
        (vec!["get", "sheets", "--app", id], "/"),
        (vec!["links", "--app", id, "--sheet", &sheet], ""),
        (vec!["usage", "--app", id], ""),
        (vec!["search", "Sales", "--app", id], "/hits"),
        (vec!["eval", "Sum(Sales)", "--app", id], ""),
        (vec!["data", "--object", "barReg01", "--app", id], "/rows"),
        (vec!["values", "--field", "Region", "--app", id], "/rows"),
    ];
    for (command, records) in commands {
        let with = |extra: &[&'static str]| {
            let mut a = command.clone();
            a.extend_from_slice(extra);
            a
        };
        let (code, json, err) = run(&cli, &with(&["-o", "json"])).await;
        assert_eq!(code, 0, "{command:?}: {err}");
        let doc: Value =
            serde_json::from_str(&json).unwrap_or_else(|e| panic!("{command:?}: {e}: {json}"));
        let (code, alias, _) = run(&cli, &with(&["--json"])).await;
        assert_eq!(code, 0, "{command:?}");
        assert_eq!(
            serde_json::from_str::<Value>(&alias).unwrap(),
            doc,
            "{command:?}"
        );
        let (code, yaml, err) = run(&cli, &with(&["-o", "yaml"])).await;
        assert_eq!(code, 0, "{command:?}: {err}");
        let back: Value = serde_yaml_ng::from_str(&yaml).unwrap();
        assert_eq!(back, doc, "{command:?} -o yaml");
        let (code, nd, err) = run(&cli, &with(&["-o", "ndjson"])).await;
        assert_eq!(code, 0, "{command:?}: {err}");
        let lines: Vec<Value> = nd
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        match records {
            "" => assert_eq!(lines, vec![doc.clone()], "{command:?} -o ndjson"),
            "/" => assert_eq!(Value::Array(lines), doc, "{command:?} -o ndjson"),
            ptr => {
                let list = doc.pointer(ptr).and_then(Value::as_array).unwrap();
                assert!(!list.is_empty(), "{command:?}: {doc}");
                // Data rows are records by header in NDJSON, cells in the document.
                assert_eq!(lines.len(), list.len(), "{command:?} -o ndjson");
                if command[0] == "search" {
                    assert_eq!(&lines, list, "{command:?} -o ndjson");
                }
            }
        }
    }
    for command in [
        vec!["links", "--app", id],
        vec!["usage", "--app", id],
        vec!["search", "Sales", "--app", id],
    ] {
        let mut a = command.clone();
        a.extend(["--fields", "id"]);
        let (code, _, err) = run(&cli, &a).await;
        assert_eq!(code, 2, "{command:?}: {err}");
        assert!(err.contains("drop --fields"), "{err}");
    }
}

/// The table forms the tests above leave out: master dimensions and visualizations show their
/// records' columns row by row, and one object's table form is its properties document.
#[tokio::test]
async fn dimension_and_visualization_tables_and_one_object_s_table() {
    let g = Get::start().await;
    for (what, columns) in [
        ("dimensions", ["/id", "/title", "/definition"]),
        ("visualizations", ["/id", "/title", "/type"]),
    ] {
        let records = g.json(&[what]).await;
        let table = g.table(&[what]).await;
        assert!(table.starts_with("ID"), "{table}");
        let list = records.as_array().unwrap();
        assert!(!list.is_empty(), "{what}");
        assert_eq!(table.lines().count(), list.len() + 1, "{what}:\n{table}");
        for r in list {
            let cells: Vec<&str> = columns.iter().map(|c| s(r, c)).collect();
            assert!(has_row(&table, &cells), "{what} {cells:?}:\n{table}");
        }
    }
    let sheet = s(sheets_of(&g.app)[0], "/qProperty/qInfo/qId").to_string();
    let doc = g.json(&["object", &sheet]).await;
    let table = g.table(&["object", &sheet]).await;
    assert_eq!(serde_json::from_str::<Value>(&table).unwrap(), doc);
}

/// `get script` on a terminal (the real binary in a pty): an ordinary script shows exactly as
/// piped (the terminal's own CR before each LF aside); control characters would be escaped
/// (`cli::get::script_tests`).
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_script_on_a_terminal_shows_the_script() {
    let g = Get::start().await;
    let id = g.app["id"].as_str().unwrap().to_string();
    let (code, piped, _) = g.run(&["script"], &[]).await;
    assert_eq!(code, 0);
    let mut args: Vec<String> = ["get", "script", "--app", &id].map(String::from).to_vec();
    args.extend(common::conn_args(
        &g.cli.sim,
        &g.cli.files.path().join("certs"),
    ));
    let state = g.cli.files.path().to_path_buf();
    let shown = tokio::task::spawn_blocking(move || {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_qlik-tui"));
        cmd.args(&args)
            .env("QLIK_TUI_CONFIG_DIR", state.join("config"))
            .env("QLIK_TUI_STATE_DIR", &state)
            .env_remove("QLIK_TUI_PROFILE");
        let mut t = pty::Pty::spawn(cmd, 200, 50);
        let status = t.wait_exit(std::time::Duration::from_secs(30));
        assert!(status.success(), "{}", t.text());
        t.text()
    })
    .await
    .unwrap();
    assert!(!piped.is_empty());
    assert_eq!(shown.replace("\r\n", "\n"), piped);
}
