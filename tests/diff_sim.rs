//! Issue 14 acceptance: diffs through simulators. One simulator serves the demo site, another
//! its variant (`sim::variant`: fixed edits to the richest app); the expected change list is
//! built here from the variant's edits and the demo data, never from the diff's own output.

mod common;
mod keyring_support;

use std::collections::BTreeSet;
use std::path::Path;

use qlik_tui::explore::Site;
use qlik_tui::explore::diff::source::walk_side;
use qlik_tui::explore::diff::{Diff, DiffOptions, diff};
use qlik_tui::sim::variant::{
    APP_ID, FIELD_RENAMED, MEASURE_EXPRESSION, OBJECT_REPLACED, SCRIPT_LINE_ADDED, SHEET_REMOVED,
    SHEET_RENAMED, VARIABLE_DEFINITION,
};
use qlik_tui::sim::{SimConfig, SimServer};
use serde_json::{Value, json};

async fn sims() -> (SimServer, SimServer) {
    let plain = SimServer::start(SimConfig::default()).await.unwrap();
    let variant = SimServer::start(SimConfig {
        variant: true,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    (plain, variant)
}

/// The live diff of `app` on `a` against `app` on `b`, through the domain API.
async fn live(a: &SimServer, b: &SimServer, app: &str) -> Diff {
    let (site_a, site_b) = (
        Site::new(common::sim_spec(a)),
        Site::new(common::sim_spec(b)),
    );
    let (da, db) = tokio::try_join!(
        Box::pin(walk_side(&site_a, "a", "plain".into(), app)),
        Box::pin(walk_side(&site_b, "b", "variant".into(), app)),
    )
    .unwrap();
    site_a.close_all().await;
    site_b.close_all().await;
    diff(&da, &db, &DiffOptions::default())
}

/// The demo app's entry `{qProperty, qChildren}` with `id`, at any depth of `list`.
fn entry<'a>(list: &'a Value, id: &str) -> Option<&'a Value> {
    list.as_array()?.iter().find_map(|e| {
        if e.pointer("/qProperty/qInfo/qId") == Some(&json!(id)) {
            Some(e)
        } else {
            entry(&e["qChildren"], id)
        }
    })
}

/// (kind, op, id, path) of every change the variant's edits must cause.
fn expected() -> BTreeSet<(String, String, String, String)> {
    let demo = common::demo_site();
    let app = demo["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == APP_ID)
        .unwrap();
    let t = |k: &str, op: &str, id: &str, path: &str| {
        (
            k.to_string(),
            op.to_string(),
            id.to_string(),
            path.to_string(),
        )
    };
    let mut want = BTreeSet::new();
    // A sheet renamed: its title, and the title in its properties.
    want.insert(t("sheet", "changed", SHEET_RENAMED.0, "/title"));
    want.insert(t(
        "sheet",
        "changed",
        SHEET_RENAMED.0,
        "/properties/qMetaDef/title",
    ));
    // A sheet removed: it and every object below it.
    let removed = entry(&app["objects"], SHEET_REMOVED).unwrap();
    want.insert(t("sheet", "removed", SHEET_REMOVED, ""));
    fn below(e: &Value, out: &mut Vec<String>) {
        for c in e["qChildren"].as_array().into_iter().flatten() {
            out.push(c["qProperty"]["qInfo"]["qId"].as_str().unwrap().to_string());
            below(c, out);
        }
    }
    let mut gone = vec![];
    below(removed, &mut gone);
    assert!(!gone.is_empty());
    for id in gone {
        want.insert(t("object", "removed", &id, ""));
    }
    // An object replaced by a new one in its cell of the sheet.
    let (sheet, old, new, _) = OBJECT_REPLACED;
    want.insert(t("object", "removed", old, ""));
    want.insert(t("object", "added", new, ""));
    let cells = entry(&app["objects"], sheet).unwrap()["qProperty"]["cells"]
        .as_array()
        .unwrap();
    let cell = cells.iter().position(|c| c["name"] == old).unwrap();
    for key in ["name", "type"] {
        want.insert(t(
            "sheet",
            "changed",
            sheet,
            &format!("/properties/cells/{cell}/{key}"),
        ));
    }
    // The measure's expression: its definition and its properties.
    want.insert(t("measure", "changed", MEASURE_EXPRESSION.0, "/definition"));
    want.insert(t(
        "measure",
        "changed",
        MEASURE_EXPRESSION.0,
        "/properties/qMeasure/qDef",
    ));
    want.insert(t(
        "variable",
        "changed",
        VARIABLE_DEFINITION.0,
        "/definition",
    ));
    want.insert(t(
        "variable",
        "changed",
        VARIABLE_DEFINITION.0,
        "/properties/qDefinition",
    ));
    // The field renamed: one gone, one new, by name.
    let (table, old, new) = FIELD_RENAMED;
    want.insert(t("table", "changed", table, &format!("/fields/{old}")));
    want.insert(t("table", "changed", table, &format!("/fields/{new}")));
    want
}

fn got(d: &Value) -> BTreeSet<(String, String, String, String)> {
    d["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap_or("").to_string();
            (s("kind"), s("op"), s("id"), s("path"))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_variant_diff_is_exactly_its_edits() {
    let (plain, variant) = sims().await;
    let d = live(&plain, &variant, APP_ID).await;
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(got(&json), expected(), "{:#?}", d.changes);
    assert_eq!(d.changes.len(), expected().len(), "no change twice");
    // The values are the edits' own.
    let value = |id: &str, path: &str| {
        d.changes
            .iter()
            .find(|c| c.id == id && c.path == path)
            .map(|c| (c.a.clone(), c.b.clone()))
            .unwrap()
    };
    assert_eq!(
        value(MEASURE_EXPRESSION.0, "/definition").1,
        Some(json!(MEASURE_EXPRESSION.1))
    );
    assert_eq!(
        value(VARIABLE_DEFINITION.0, "/definition").1,
        Some(json!(VARIABLE_DEFINITION.1))
    );
    assert_eq!(
        value(SHEET_RENAMED.0, "/title").1,
        Some(json!(SHEET_RENAMED.1))
    );
    // The script: exactly one line added, the variant's.
    let edits: Vec<&String> = d
        .script
        .iter()
        .skip(2)
        .filter(|l| l.starts_with('+') || l.starts_with('-'))
        .collect();
    assert_eq!(edits, [&format!("+{SCRIPT_LINE_ADDED}")], "{:?}", d.script);
    assert!(d.notes.is_empty(), "{:?}", d.notes);
    assert!(d.left_out.iter().any(|l| l.contains("rows")));
}

async fn cli(args: Vec<String>) -> std::process::Output {
    let state = tempfile::tempdir().unwrap();
    common::cli::qlik_tui(args, vec![], state.path().to_path_buf()).await
}

/// Inline connection flags for `sim` (its certificates written under `dir`).
fn inline(sim: &SimServer, dir: &Path) -> Vec<String> {
    common::conn_args(sim, &common::write_cert_dir(sim, dir))
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// `export --format json --include-properties --include-script` of `app` to `path`.
async fn export(sim: &SimServer, dir: &Path, app: &str, path: &Path) {
    let mut a = args(&[
        "export",
        "--app",
        app,
        "--format",
        "json",
        "--include-properties",
        "--include-script",
        "-o",
        path.to_str().unwrap(),
    ]);
    a.extend(inline(sim, dir));
    let out = cli(a).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn stdout_json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "diff --json must print JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_and_offline_diffs_agree() {
    let (plain, variant) = sims().await;
    let live = serde_json::to_value(live(&plain, &variant, APP_ID).await).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (fa, fb) = (dir.path().join("a.json"), dir.path().join("b.json"));
    let (da, db) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::create_dir_all(&da).unwrap();
    std::fs::create_dir_all(&db).unwrap();
    export(&plain, &da, APP_ID, &fa).await;
    export(&variant, &db, APP_ID, &fb).await;

    let out = cli(args(&[
        "diff",
        fa.to_str().unwrap(),
        fb.to_str().unwrap(),
        "--json",
    ]))
    .await;
    assert_eq!(out.status.code(), Some(1), "they differ: exit 1");
    let offline = stdout_json(&out);
    assert_eq!(offline["format"], "qlik-tui.diff/1");
    assert_eq!(offline["a"]["source"], fa.to_str().unwrap());
    assert_eq!(offline["b"]["app_id"], APP_ID);
    for key in ["changes", "script", "left_out"] {
        assert_eq!(
            offline[key], live[key],
            "{key} differs between live and offline"
        );
    }
    assert_eq!(got(&offline), expected());

    // The readable report: per kind, with marks and old → new.
    let out = cli(args(&["diff", fa.to_str().unwrap(), fb.to_str().unwrap()])).await;
    assert_eq!(out.status.code(), Some(1));
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(
        report.contains(&format!("~ measure {} ", MEASURE_EXPRESSION.0))
            && report.contains(&format!("→ \"{}\"", MEASURE_EXPRESSION.1)),
        "{report}"
    );
    assert!(
        report.contains(&format!("- sheet {SHEET_REMOVED} ")),
        "{report}"
    );
    assert!(
        report.contains(&format!("+ object {} ", OBJECT_REPLACED.2)),
        "{report}"
    );
    assert!(
        report.contains(&format!("  +{SCRIPT_LINE_ADDED}")),
        "{report}"
    );

    // A document against itself: equal, exit 0.
    let out = cli(args(&["diff", fb.to_str().unwrap(), fb.to_str().unwrap()])).await;
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("no differences"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_demo_app_against_itself_is_empty() {
    let sim = SimServer::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let conn = inline(&sim, dir.path());
    let demo = common::demo_site();
    let mut compared = 0;
    for app in demo["apps"].as_array().unwrap() {
        let denied = app["deniedUsers"]
            .as_array()
            .is_some_and(|d| d.iter().any(|u| u == "INTERNAL\\sa_engine"));
        let id = app["id"].as_str().unwrap();
        let mut a = args(&["diff", "--app", id, "--against-app", id, "--json"]);
        a.extend(conn.clone());
        let out = cli(a).await;
        if denied {
            // The engine refuses the app: trouble, exit 2, said on stderr.
            assert_eq!(out.status.code(), Some(2));
            assert!(String::from_utf8_lossy(&out.stderr).contains("cannot open app"));
            continue;
        }
        assert_eq!(
            out.status.code(),
            Some(0),
            "{id}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let d = stdout_json(&out);
        assert_eq!(d["changes"], json!([]));
        assert_eq!(d["script"], json!([]));
        compared += 1;
    }
    assert!(compared > 1);

    // The richest app holds every kind the diff compares, so "empty" above covers each.
    let site = Site::new(common::sim_spec(&sim));
    let side = Box::pin(walk_side(&site, "a", "s".into(), APP_ID))
        .await
        .unwrap();
    let app = &side.app;
    let m = &app.master_items;
    assert!(app.properties.is_some() && matches!(app.script, Some(Some(_))));
    assert!(!app.sheets.is_empty() && app.sheets.iter().all(|s| s.properties.is_some()));
    assert!(app.objects().iter().any(|o| o.depth > 0));
    assert!(app.objects().iter().all(|o| o.object.properties.is_some()));
    assert!(!m.dimensions.is_empty() && m.dimensions.iter().all(|d| d.properties.is_some()));
    assert!(!m.measures.is_empty() && m.measures.iter().all(|d| d.properties.is_some()));
    assert!(!m.visualizations.is_empty());
    assert!(m.visualizations.iter().all(|d| d.properties.is_some()));
    assert!(!app.bookmarks.is_empty() && app.bookmarks.iter().all(|b| b.properties.is_some()));
    assert!(!app.variables.is_empty() && app.variables.iter().all(|v| v.properties.is_some()));
    assert!(!app.data_model.tables.is_empty());
    site.close_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_trouble_with_the_fix() {
    let sim = SimServer::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let not_export = dir.path().join("other.json");
    std::fs::write(&not_export, r#"{"format": "something/2"}"#).unwrap();
    let missing = dir.path().join("missing.json");
    for sub in ["c1", "c2"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
    }
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            args(&[
                "diff",
                missing.to_str().unwrap(),
                not_export.to_str().unwrap(),
            ]),
            "no such file",
        ),
        (
            args(&[
                "diff",
                not_export.to_str().unwrap(),
                not_export.to_str().unwrap(),
            ]),
            "qlik-tui export --format json",
        ),
        (args(&["diff", "--json"]), "give --app ID"),
        (
            {
                let mut a = args(&["diff", "--app", APP_ID]);
                a.extend(inline(&sim, &dir.path().join("c1")));
                a
            },
            "--against-profile",
        ),
        (
            {
                let mut a = args(&["diff", "--app", "no-such-app", "--against-app", APP_ID]);
                a.extend(inline(&sim, &dir.path().join("c2")));
                a
            },
            "no-such-app",
        ),
    ];
    for (a, says) in cases {
        let out = cli(a.clone()).await;
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{a:?}: {err}");
        assert!(err.contains(says), "{a:?} must say {says:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

/// `qlik-tui diff -p dev --app ID --against-profile prod`: two real profiles (certificates in
/// the kernel keyutils keyring), one per simulator. Skipped without keyutils, except under CI.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_profiles_diff_through_the_binary() {
    if !keyring_support::keyutils_session() {
        return;
    }
    let (plain, variant) = sims().await;
    let cli = keyring_support::Cli::new("keyutils", "diff");
    keyring_support::add_sim_profile(&cli, "dev", &plain);
    keyring_support::add_sim_profile(&cli, "prod", &variant);
    let out = cli.run(&[
        "diff",
        "-p",
        "dev",
        "--app",
        APP_ID,
        "--against-profile",
        "prod",
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d = stdout_json(&out);
    assert_eq!(got(&d), expected());
    assert_eq!(d["a"]["source"], "profile 'dev'");
    assert_eq!(d["b"]["source"], "profile 'prod'");
    cli.ok(&["profile", "remove", "dev"]);
    cli.ok(&["profile", "remove", "prod"]);
}
