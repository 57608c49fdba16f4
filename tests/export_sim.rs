//! Issue 5 acceptance: the export against the simulator. Every expectation is computed from
//! `assets/demo-site.json` (with this file's own percent-encoder and title rules), never copied
//! from the exporter's output.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use qlik_tui::explore::Site;
use qlik_tui::explore::export::{
    ExportError, ExportOptions, Format, Output, Progress, Scope, export_to,
};
use qlik_tui::sim::{SimConfig, SimServer};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

fn asset() -> Value {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo-site.json"),
    )
    .expect("assets/demo-site.json");
    serde_json::from_str(&text).expect("the demo site is JSON")
}

/// Percent-encodes all but `A–Z a–z 0–9 - . _ ~` (written here, not borrowed from the crate).
fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn s<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

/// The simulator's string expressions in the demo data are `='a' & 'b'`: literals joined.
fn eval_string_expr(expr: &str) -> String {
    expr.trim_start_matches('=')
        .split('&')
        .map(|p| p.trim().trim_matches('\'').to_string())
        .collect()
}

fn is_denied(app: &Value) -> bool {
    app.get("deniedUsers")
        .and_then(Value::as_array)
        .is_some_and(|d| d.iter().any(|u| u == "INTERNAL\\sa_engine"))
}

/// The export's expected object subtree for an asset entry `{qProperty, qChildren}`.
fn expected_object(
    display: &str,
    app_id: &str,
    e: &Value,
    masters: &HashMap<String, String>,
) -> Value {
    let p = &e["qProperty"];
    let id = s(p, "/qInfo/qId");
    let master = p.get("qExtendsId").and_then(Value::as_str);
    let title = match p.get("title") {
        Some(Value::String(t)) if !t.is_empty() => t.clone(),
        Some(Value::Object(o)) if o.contains_key("qStringExpression") => {
            eval_string_expr(s(p, "/title/qStringExpression/qExpr"))
        }
        _ => match s(p, "/qMetaDef/title") {
            "" => master
                .and_then(|m| masters.get(m))
                .cloned()
                .unwrap_or_default(),
            t => t.to_string(),
        },
    };
    let children: Vec<Value> = e
        .get("qChildren")
        .and_then(Value::as_array)
        .map(|c| {
            c.iter()
                .map(|c| expected_object(display, app_id, c, masters))
                .collect()
        })
        .unwrap_or_default();
    json!({
        "id": id,
        "type": s(p, "/qInfo/qType"),
        "title": title,
        "link": format!("{display}/single/?appid={}&obj={}", enc(app_id), enc(id)),
        "master_id": master,
        "children": children,
    })
}

fn by_title_then_id(items: &mut [Value]) {
    items.sort_by(|a, b| (s(a, "/title"), s(a, "/id")).cmp(&(s(b, "/title"), s(b, "/id"))));
}

/// The whole expected app document, from the asset.
fn expected_app(site: &Value, app: &Value, display: &str) -> Value {
    let id = s(app, "/id");
    let objects: Vec<&Value> = app["objects"].as_array().unwrap().iter().collect();
    let of_type = |t: &str| -> Vec<&Value> {
        objects
            .iter()
            .copied()
            .filter(|o| s(o, "/qProperty/qInfo/qType") == t)
            .collect()
    };
    let masters: HashMap<String, String> = of_type("masterobject")
        .iter()
        .map(|m| {
            (
                s(m, "/qProperty/qInfo/qId").to_string(),
                s(m, "/qProperty/qMetaDef/title").to_string(),
            )
        })
        .collect();
    let mut sheets: Vec<Value> = of_type("sheet")
        .iter()
        .map(|sh| {
            let p = &sh["qProperty"];
            let sid = s(p, "/qInfo/qId");
            json!({
                "id": sid,
                "title": s(p, "/qMetaDef/title"),
                "description": s(p, "/qMetaDef/description"),
                "rank": p["rank"].as_f64(),
                "link": format!("{display}/sense/app/{}/sheet/{}/state/analysis", enc(id), enc(sid)),
                "objects": sh.get("qChildren").and_then(Value::as_array).map(|c| c.iter()
                    .map(|c| expected_object(display, id, c, &masters)).collect::<Vec<_>>())
                    .unwrap_or_default(),
            })
        })
        .collect();
    sheets.sort_by(|a, b| {
        a["rank"]
            .as_f64()
            .unwrap_or(f64::MAX)
            .total_cmp(&b["rank"].as_f64().unwrap_or(f64::MAX))
            .then_with(|| s(a, "/title").cmp(s(b, "/title")))
    });
    let list = |key: &str| -> Vec<&Value> {
        app.get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default()
    };
    let master_field = |m: &Value, definition: String| {
        json!({
            "id": s(m, "/qProperty/qInfo/qId"),
            "title": s(m, "/qProperty/qMetaDef/title"),
            "description": s(m, "/qProperty/qMetaDef/description"),
            "definition": definition,
        })
    };
    let mut dimensions: Vec<Value> = list("dimensions")
        .iter()
        .map(|d| {
            let defs: Vec<&str> = d["qProperty"]["qDim"]["qFieldDefs"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            master_field(d, defs.join(", "))
        })
        .collect();
    let mut measures: Vec<Value> = list("measures")
        .iter()
        .map(|m| master_field(m, s(m, "/qProperty/qMeasure/qDef").to_string()))
        .collect();
    let mut visualizations: Vec<Value> = of_type("masterobject")
        .iter()
        .map(|m| {
            json!({
                "id": s(m, "/qProperty/qInfo/qId"),
                "title": s(m, "/qProperty/qMetaDef/title"),
                "type": s(m, "/qProperty/visualization"),
                "description": s(m, "/qProperty/qMetaDef/description"),
            })
        })
        .collect();
    let mut bookmarks: Vec<Value> = list("bookmarks")
        .iter()
        .map(|b| {
            let bid = s(b, "/qProperty/qInfo/qId");
            let sheet = b["qProperty"].get("sheetId").and_then(Value::as_str);
            json!({
                "id": bid,
                "title": s(b, "/qProperty/qMetaDef/title"),
                "description": s(b, "/qProperty/qMetaDef/description"),
                "sheet_id": sheet,
                "link": sheet.map(|sh| format!(
                    "{display}/sense/app/{}/sheet/{}/state/analysis/bookmark/{}", enc(id), enc(sh), enc(bid))),
            })
        })
        .collect();
    for l in [
        &mut dimensions,
        &mut measures,
        &mut visualizations,
        &mut bookmarks,
    ] {
        by_title_then_id(l);
    }
    let flag = |v: &Value, f: &str| v.pointer(&format!("/meta/{f}")) == Some(&json!(true));
    let mut variables: Vec<Value> = list("variables")
        .iter()
        .filter(|v| !flag(v, "isReserved") && !flag(v, "isConfig"))
        .map(|v| {
            json!({
                "id": s(v, "/qProperty/qInfo/qId"),
                "name": s(v, "/qProperty/qName"),
                "definition": s(v, "/qProperty/qDefinition"),
            })
        })
        .collect();
    variables.sort_by(|a, b| s(a, "/name").cmp(s(b, "/name")));
    let tables = list("tables");
    let mut field_tables: HashMap<&str, Vec<&str>> = HashMap::new();
    for t in &tables {
        for f in t["fields"].as_array().unwrap() {
            field_tables
                .entry(s(f, "/name"))
                .or_default()
                .push(s(t, "/name"));
        }
    }
    let stream = app.get("stream").and_then(Value::as_str).map(|sid| {
        let st = site["streams"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == sid)
            .expect("the app's stream is listed");
        json!({"id": sid, "name": st["name"]})
    });
    json!({
        "id": id,
        "name": s(app, "/title"),
        "description": s(app, "/description"),
        "stream": stream,
        "published": stream.is_some(),
        "last_reload_time": s(app, "/lastReloadTime"),
        "owner": s(app, "/owner/userId"),
        "links": {"overview": format!("{display}/sense/app/{}/overview", enc(id))},
        "sheets": sheets,
        "master_items": {"dimensions": dimensions, "measures": measures, "visualizations": visualizations},
        "bookmarks": bookmarks,
        "variables": variables,
        "data_model": {"tables": tables.iter().map(|t| json!({
            "name": t["name"],
            "rows": t["rows"],
            "fields": t["fields"].as_array().unwrap().iter().map(|f| {
                let key = field_tables[s(f, "/name")].len() > 1;
                json!({"name": f["name"], "is_key": key})
            }).collect::<Vec<_>>(),
        })).collect::<Vec<_>>()},
    })
}

/// Drops keys the asset cannot predict (the engine's key type names, the key list) so the rest
/// compares exactly.
fn comparable(mut app: Value) -> Value {
    if let Some(tables) = app
        .pointer_mut("/data_model/tables")
        .and_then(Value::as_array_mut)
    {
        for t in tables {
            for f in t["fields"].as_array_mut().unwrap() {
                f.as_object_mut().unwrap().remove("key_type");
            }
        }
    }
    app["data_model"].as_object_mut().unwrap().remove("keys");
    app
}

async fn start() -> (SimServer, Arc<Site>) {
    let sim = SimServer::start(SimConfig::default()).await.unwrap();
    let site = Site::new(common::sim_spec(&sim));
    (sim, site)
}

fn no_progress(_: &Progress) {}

async fn export_file(site: &Site, scope: Scope, opts: ExportOptions, format: Format) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out");
    export_to(
        site,
        &scope,
        &opts,
        format,
        &Output::Path(path.clone()),
        &no_progress,
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    std::fs::read_to_string(&path).unwrap()
}

#[tokio::test]
async fn json_export_matches_the_demo_site_field_by_field() {
    let (sim, site) = start().await;
    let text = export_file(&site, Scope::All, ExportOptions::default(), Format::Json).await;
    let doc: Value = serde_json::from_str(&text).unwrap();
    let asset = asset();
    let display = format!("https://localhost:{}", sim.addr().port());

    assert_eq!(doc["format"], "qlik-tui.export/1");
    assert_eq!(doc["source"]["engine_url"], sim.engine_url());
    assert_eq!(doc["source"]["display_url"], display);
    assert_eq!(
        doc["source"]["engine_version"],
        asset["engine"]["componentVersion"]
    );
    assert_eq!(doc["source"]["user"], "INTERNAL\\sa_engine");

    let apps = asset["apps"].as_array().unwrap();
    let exported: Vec<&Value> = doc["apps"].as_array().unwrap().iter().collect();
    let expected_ids: BTreeSet<&str> = apps
        .iter()
        .filter(|a| !is_denied(a))
        .map(|a| s(a, "/id"))
        .collect();
    let got_ids: BTreeSet<&str> = exported.iter().map(|a| s(a, "/id")).collect();
    assert_eq!(got_ids, expected_ids);
    for app in apps.iter().filter(|a| !is_denied(a)) {
        let got = exported.iter().find(|a| a["id"] == app["id"]).unwrap();
        let want = expected_app(&asset, app, &display);
        assert_eq!(
            comparable((*got).clone()),
            want,
            "app {} differs",
            app["title"]
        );
    }
    // The denied app is an error with the engine's code, and the rest went on.
    let denied: Vec<&Value> = apps.iter().filter(|a| is_denied(a)).collect();
    assert!(
        !denied.is_empty(),
        "the demo site has an app sa_engine may not open"
    );
    let errors = doc["errors"].as_array().unwrap();
    assert_eq!(errors.len(), denied.len());
    for (e, a) in errors.iter().zip(&denied) {
        assert_eq!(e["app_id"], a["id"]);
        assert_eq!(e["code"], 5);
        assert!(
            s(e, "/message").to_lowercase().contains("access denied"),
            "{e}"
        );
    }
    // Keys of the tables are the fields shared by tables.
    let sales = exported.iter().find(|a| a["id"] == apps[0]["id"]).unwrap();
    for k in sales["data_model"]["keys"].as_array().unwrap() {
        assert!(k["tables"].as_array().unwrap().len() > 1, "{k}");
    }
}

#[tokio::test]
async fn unicode_quotes_and_reserved_characters_round_trip() {
    let (sim, site) = start().await;
    let asset = asset();
    // The app and sheet of the demo site whose title / id carry quotes, & ? # / and non-ASCII.
    let tricky =
        |t: &str| ['"', '&', '?', '#', '/'].iter().all(|c| t.contains(*c)) && !t.is_ascii();
    let app = asset["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| tricky(s(a, "/title")))
        .expect("an app with a tricky title");
    let sheet = app["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| tricky(s(o, "/qProperty/qInfo/qId")))
        .expect("a sheet with a tricky id");
    let (app_id, sheet_id) = (s(app, "/id"), s(sheet, "/qProperty/qInfo/qId"));
    let display = format!("https://localhost:{}", sim.addr().port());
    let scope = Scope::Sheet {
        app_id: app_id.into(),
        sheet_id: sheet_id.into(),
    };
    for format in [Format::Json, Format::Ndjson, Format::Csv, Format::Md] {
        let text = export_file(&site, scope.clone(), ExportOptions::default(), format).await;
        let sheet_link = format!(
            "{display}/sense/app/{}/sheet/{}/state/analysis",
            enc(app_id),
            enc(sheet_id)
        );
        assert!(text.contains(&sheet_link), "{format:?}: {text}");
        match format {
            Format::Json => {
                let doc: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(doc["apps"][0]["name"], app["title"]);
                assert_eq!(doc["apps"][0]["sheets"][0]["id"], sheet_id);
                assert_eq!(
                    doc["apps"][0]["sheets"][0]["title"],
                    sheet["qProperty"]["qMetaDef"]["title"]
                );
                assert_eq!(doc["apps"][0]["sheets"].as_array().unwrap().len(), 1);
            }
            Format::Ndjson => {
                let recs: Vec<Value> = text
                    .lines()
                    .map(|l| serde_json::from_str(l).unwrap())
                    .collect();
                let sh = recs.iter().find(|r| r["record"] == "sheet").unwrap();
                assert_eq!(sh["id"], sheet_id);
            }
            Format::Csv => {
                let mut r = csv::Reader::from_reader(text.as_bytes());
                let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
                assert!(!rows.is_empty());
                for row in &rows {
                    assert_eq!(&row[1], s(app, "/title"));
                    assert_eq!(&row[3], sheet_id);
                }
            }
            Format::Md => {
                // Escaped, yet every character of the title is there in order.
                let unescaped = text.replace('\\', "");
                assert!(unescaped.contains(s(app, "/title")), "{text}");
            }
        }
    }
}

/// Every format's shape, from the binary (the CLI), and no secret in any of them.
#[tokio::test]
async fn cli_writes_the_four_formats_without_secrets() {
    let sim = SimServer::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pki = sim.pki();
    let certs = common::write_cert_dir(&sim, dir.path());
    let asset = asset();
    let apps = asset["apps"].as_array().unwrap();
    let exported: Vec<&Value> = apps.iter().filter(|a| !is_denied(a)).collect();
    let objects: usize = exported
        .iter()
        .map(|a| {
            fn count(e: &Value) -> usize {
                e.get("qChildren")
                    .and_then(Value::as_array)
                    .map(|c| c.len() + c.iter().map(count).sum::<usize>())
                    .unwrap_or(0)
            }
            a["objects"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|o| s(o, "/qProperty/qInfo/qType") == "sheet")
                .map(count)
                .sum::<usize>()
        })
        .sum();
    let secrets: Vec<String> = [
        &pki.client_cert_pem,
        &pki.client_key_pem,
        &pki.root_cert_pem,
    ]
    .iter()
    .flat_map(|pem| {
        pem.lines()
            .filter(|l| l.len() >= 40 && !l.starts_with("-----"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    })
    .chain([
        "PRIVATE KEY".to_string(),
        "BEGIN CERTIFICATE".to_string(),
        "UserDirectory=INTERNAL; UserId=sa_engine".to_string(),
    ])
    .collect();
    assert!(secrets.len() > 5);

    for format in Format::NAMES {
        let out = dir.path().join(format!("export.{format}"));
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_qlik-tui"));
        cmd.args(["export", "--engine-url", &sim.engine_url(), "--cert-dir"])
            .arg(&certs)
            .args(["--user-directory", "INTERNAL", "--user-id", "sa_engine"])
            .args(["--all", "--format", format, "--include-script", "-o"])
            .arg(&out)
            .env("QLIK_TUI_STATE_DIR", dir.path())
            .env("QLIK_TUI_CONFIG_DIR", dir.path());
        // The binary is bounded by its own timeouts; the test's bound is the join below.
        let run = tokio::task::spawn_blocking(move || cmd.output());
        let o = tokio::time::timeout(Duration::from_secs(60), run)
            .await
            .expect("the export finishes")
            .unwrap()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{format}: {stderr}");
        assert!(stderr.contains("warning: app"), "{stderr}");
        let text = std::fs::read_to_string(&out).unwrap();
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "{format} holds a secret");
        }
        match format {
            "json" => {
                let doc: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(doc["apps"].as_array().unwrap().len(), exported.len());
                for a in &exported {
                    let got = doc["apps"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|x| x["id"] == a["id"])
                        .unwrap();
                    let lines: Vec<&str> = got["script"].as_str().unwrap().lines().collect();
                    let want: Vec<&str> = a["script"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter_map(Value::as_str)
                        .collect();
                    assert_eq!(lines, want);
                }
            }
            "ndjson" => {
                let recs: Vec<Value> = text
                    .lines()
                    .map(|l| serde_json::from_str(l).unwrap())
                    .collect();
                let kinds = |k: &str| recs.iter().filter(|r| r["record"] == k).count();
                assert_eq!(recs[0]["record"], "export");
                assert_eq!(recs[0]["format"], "qlik-tui.export/1");
                assert_eq!(kinds("app"), exported.len());
                assert_eq!(kinds("object"), objects);
                assert_eq!(kinds("error"), apps.len() - exported.len());
                let end = recs.last().unwrap();
                assert_eq!(end["record"], "end");
                assert_eq!(end["apps"], exported.len());
                for r in recs.iter().filter(|r| r["record"] == "object") {
                    assert!(r.get("children").is_none());
                    assert!(r["link"].as_str().unwrap().contains("/single/?appid="));
                }
            }
            "csv" => {
                let mut r = csv::Reader::from_reader(text.as_bytes());
                let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
                for col in [
                    "app_id",
                    "sheet_id",
                    "object_id",
                    "link",
                    "sheet_link",
                    "app_link",
                ] {
                    assert!(header.iter().any(|h| h == col), "{col} in {header:?}");
                }
                assert_eq!(r.records().count(), objects);
            }
            "md" => {
                assert!(text.starts_with("# Qlik Sense export"));
                for a in &exported {
                    let overview = format!("/sense/app/{}/overview", enc(s(a, "/id")));
                    assert!(text.contains(&overview), "{overview}");
                }
                assert!(text.contains("## Errors"));
            }
            _ => unreachable!(),
        }
    }
}

#[tokio::test]
async fn killing_the_engine_mid_export_fails_clearly_and_leaves_the_path_alone() {
    let sim = SimServer::start(SimConfig {
        latency: Duration::from_millis(30),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let site = Site::new(common::sim_spec(&sim));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.json");
    std::fs::write(&path, "previous export").unwrap();

    let first_sheet = Arc::new(tokio::sync::Notify::new());
    let seen = AtomicBool::new(false);
    let notify = first_sheet.clone();
    let progress = move |p: &Progress| {
        if p.sheets_done > 0 && !seen.swap(true, Ordering::SeqCst) {
            notify.notify_one();
        }
    };
    let output = Output::Path(path.clone());
    let cancel = CancellationToken::new();
    let opts = ExportOptions::default();
    let export = export_to(
        &site,
        &Scope::All,
        &opts,
        Format::Json,
        &output,
        &progress,
        &cancel,
    );
    let kill = async {
        first_sheet.notified().await;
        sim.kill();
    };
    let (result, ()) = tokio::time::timeout(Duration::from_secs(30), async {
        tokio::join!(export, kill)
    })
    .await
    .expect("the export ends promptly after the kill");
    let err = result.expect_err("the export must fail");
    assert!(matches!(err, ExportError::Engine { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("the export stopped"), "{msg}");
    assert!(msg.contains("nothing was written to"), "{msg}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "previous export");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "a temp file was left behind");
}

#[tokio::test]
async fn cancelling_leaves_nothing_and_an_object_scope_keeps_its_path() {
    let (_sim, site) = start().await;
    let asset = asset();
    let app = &asset["apps"][0];
    // A nested object: a child of a child of a sheet, if the demo has one, else a sheet child.
    let sheet = app["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| s(o, "/qProperty/qInfo/qType") == "sheet")
        .unwrap();
    let child = &sheet["qChildren"][0];
    let obj_id = s(child, "/qProperty/qInfo/qId");
    let text = export_file(
        &site,
        Scope::Object {
            app_id: s(app, "/id").into(),
            object_id: obj_id.into(),
        },
        ExportOptions::default(),
        Format::Json,
    )
    .await;
    let doc: Value = serde_json::from_str(&text).unwrap();
    let sheets = doc["apps"][0]["sheets"].as_array().unwrap();
    assert_eq!(sheets.len(), 1);
    assert_eq!(sheets[0]["id"], sheet["qProperty"]["qInfo"]["qId"]);
    assert_eq!(sheets[0]["objects"].as_array().unwrap().len(), 1);
    assert_eq!(sheets[0]["objects"][0]["id"], obj_id);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.md");
    let cancel = CancellationToken::new();
    cancel.cancel();
    let err = export_to(
        &site,
        &Scope::All,
        &ExportOptions::default(),
        Format::Md,
        &Output::Path(path.clone()),
        &no_progress,
        &cancel,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ExportError::Cancelled(_)), "{err:?}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
