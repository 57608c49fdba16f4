//! Issue 11's hostile-title fixture (`SimConfig::hostile_titles`: escape sequences, BEL, CR,
//! backspace, C1, DEL, bidi overrides, spreadsheet formulas) through the real client: every export
//! format, and the real binary's table, csv and md on stdout and its `get` tables and errors.
//! JSON/NDJSON keep the exact strings,
//! md and tables hold no raw control character (they show them escaped), CSV cells that look
//! like formulas get a `'` prefix unless `--csv-raw`.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use qlik_tui::explore::Site;
use qlik_tui::explore::export::{ExportOptions, Format, Output, Progress, Scope, export_to};
use qlik_tui::sim::{SimConfig, SimServer};
use qlik_tui::text::is_unsafe_for_terminal;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

async fn hostile_sim() -> SimServer {
    SimServer::start(SimConfig {
        hostile_titles: true,
        ..SimConfig::default()
    })
    .await
    .expect("the simulator starts")
}

/// The app titles the user may open (the fixture's denied app is reported, not exported).
fn exported_titles(sim: &SimServer) -> BTreeSet<String> {
    sim.site()
        .apps
        .iter()
        .filter(|a| !a.meta.denies("INTERNAL\\sa_engine"))
        .map(|a| a.meta.title.clone())
        .collect()
}

async fn export(site: &Site, format: Format, csv_raw: bool) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out");
    let opts = ExportOptions {
        include_script: true,
        csv_raw,
        ..ExportOptions::default()
    };
    export_to(
        site,
        &Scope::All,
        &opts,
        format,
        &Output::Path(path.clone()),
        &|_: &Progress| {},
        &CancellationToken::new(),
    )
    .await
    .expect("the export succeeds");
    std::fs::read_to_string(&path).unwrap()
}

/// No line holds a character a terminal would act on (newlines separate the lines).
fn assert_no_raw_control(what: &str, text: &str) {
    for (i, line) in text.lines().enumerate() {
        assert!(
            !line.chars().any(is_unsafe_for_terminal),
            "{what} line {} holds a raw control character: {line:?}",
            i + 1
        );
    }
}

fn formula_like(s: &str) -> bool {
    s.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

#[tokio::test]
async fn every_export_format_keeps_or_escapes_hostile_titles() {
    let sim = hostile_sim().await;
    let site = Site::new(common::sim_spec(&sim));
    let titles = exported_titles(&sim);
    assert!(titles.iter().any(|t| t.contains('\u{1b}')));
    assert!(titles.iter().any(|t| formula_like(t)));

    // JSON and NDJSON: the exact strings.
    let json: Value = serde_json::from_str(&export(&site, Format::Json, false).await).unwrap();
    let names: BTreeSet<String> = json["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, titles);
    let ndjson = export(&site, Format::Ndjson, false).await;
    let names: BTreeSet<String> = ndjson
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| r["record"] == "app")
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, titles);

    // Markdown: no raw control character, the odd ones visible.
    let md = export(&site, Format::Md, false).await;
    assert_no_raw_control("md", &md);
    assert!(md.contains("\\x1b") && md.contains("\\u202e"), "{md}");

    // CSV: formula-looking text cells neutralised, the rest exact, numbers stay numbers.
    for raw in [false, true] {
        let csv = export(&site, Format::Csv, raw).await;
        let mut r = csv::Reader::from_reader(csv.as_bytes());
        let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        let mut seen = BTreeSet::new();
        let mut prefixed = 0;
        for rec in r.records() {
            let rec = rec.unwrap();
            let name = &rec[col("app_name")];
            let exact = match name.strip_prefix('\'') {
                Some(rest) if !raw && formula_like(rest) => {
                    prefixed += 1;
                    rest
                }
                _ => {
                    assert!(raw || !formula_like(name), "not neutralised: {name:?}");
                    name
                }
            };
            seen.insert(exact.to_string());
            rec[col("depth")].parse::<u32>().expect("depth is a number");
            assert!(["true", "false"].contains(&&rec[col("published")]));
        }
        // Rows are objects: apps without any are not in the CSV.
        assert!(seen.is_subset(&titles), "csv_raw {raw}: {seen:?}");
        assert!(seen.iter().any(|t| t.contains('\u{1b}')), "{seen:?}");
        assert!(seen.iter().any(|t| t.starts_with('=')), "{seen:?}");
        assert_eq!(prefixed > 0, !raw, "csv_raw {raw}");
    }
}

/// The real binary against the hostile simulator: CLI table, csv and md on stdout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_never_prints_a_hostile_title_raw() {
    let sim = hostile_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let certs = common::write_cert_dir(&sim, dir.path());
    let run = |args: &[&str]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_qlik-tui"));
        cmd.args(args)
            .args(["--engine-url", &sim.engine_url(), "--cert-dir"])
            .arg(&certs)
            .args(["--user-directory", "INTERNAL", "--user-id", "sa_engine"])
            .env("QLIK_TUI_STATE_DIR", dir.path())
            .env("QLIK_TUI_CONFIG_DIR", dir.path());
        async move {
            let o = tokio::time::timeout(
                Duration::from_secs(60),
                tokio::task::spawn_blocking(move || cmd.output()),
            )
            .await
            .expect("the command finishes")
            .unwrap()
            .unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            (
                String::from_utf8(o.stdout).unwrap(),
                String::from_utf8(o.stderr).unwrap(),
            )
        }
    };
    let (table, _) = run(&["apps"]).await;
    assert_no_raw_control("apps table", &table);
    assert!(table.contains("\\x1b]0;pwned\\x07Sales"), "{table}");
    assert!(table.contains("Invoice \\u202efdp.exe"), "{table}");

    let (md, warnings) = run(&["export", "--all", "--format", "md"]).await;
    assert_no_raw_control("md on stdout", &md);
    assert_no_raw_control("export warnings", &warnings);
    assert!(warnings.contains("warning: app"), "{warnings}");

    // Piped (not a terminal): CSV keeps exact cells, formulas neutralised.
    let (csv, _) = run(&["export", "--all", "--format", "csv"]).await;
    assert!(
        csv.contains("'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")"),
        "{csv}"
    );
    let (raw, _) = run(&["export", "--all", "--format", "csv", "--csv-raw"]).await;
    assert!(
        raw.contains(",\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""),
        "{raw}"
    );
    assert!(!raw.contains("'=HYPERLINK"), "{raw}");
}

/// `qlik-tui get` on the hostile site: the tables show every sheet and object title escaped
/// (no raw control character, the odd ones visible), JSON keeps them exactly, and an error
/// quoting a hostile id the user typed shows it escaped too.
#[tokio::test]
async fn get_tables_escape_hostile_titles_and_json_keeps_them() {
    let cli = common::SimCli::start_with(SimConfig {
        hostile_titles: true,
        ..SimConfig::default()
    })
    .await;
    let site: Value = serde_json::from_str(&qlik_tui::sim::hostile::site_json()).unwrap();
    let sheet_titles = |app: &Value| -> BTreeSet<String> {
        app["objects"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|o| o["qProperty"]["qInfo"]["qType"] == "sheet")
            .map(|o| {
                o["qProperty"]["qMetaDef"]["title"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    // An app the user may open whose sheet titles hold control characters.
    let app = site["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| {
            let denied = cli
                .sim
                .site()
                .app(a["id"].as_str().unwrap())
                .is_some_and(|x| x.meta.denies("INTERNAL\\sa_engine"));
            !denied
                && sheet_titles(a)
                    .iter()
                    .any(|t| t.chars().any(is_unsafe_for_terminal))
        })
        .expect("the hostile site has such an app");
    let id = app["id"].as_str().unwrap();
    let want = sheet_titles(app);
    let (code, json, err) = get(&cli, &["get", "sheets", "--app", id, "-o", "json"]).await;
    assert_eq!(code, 0, "{err}");
    let got: BTreeSet<String> = serde_json::from_str::<Value>(&json)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(got, want, "JSON keeps the exact titles");

    for what in ["sheets", "objects", "visualizations", "app"] {
        let (code, table, err) = get(&cli, &["get", what, "--app", id]).await;
        assert_eq!(code, 0, "{what}: {err}");
        assert_no_raw_control(what, &table);
        assert_no_raw_control(what, &err);
        if what == "sheets" {
            for t in &want {
                let shown = qlik_tui::text::escape_for_terminal(t);
                assert!(table.contains(shown.as_ref()), "{shown}:\n{table}");
            }
        }
    }
    let (code, out, err) = get(&cli, &["get", "object", "\u{1b}]0;x\u{7}id", "--app", id]).await;
    assert_eq!(code, 4, "{err}");
    assert!(out.is_empty());
    assert_no_raw_control("error", &err);
    assert!(err.contains("\\x1b]0;x\\x07id"), "{err}");
}

/// Runs `qlik-tui ARGS` against `cli`'s simulator: (exit code, stdout, stderr).
async fn get(cli: &common::SimCli, args: &[&str]) -> (i32, String, String) {
    let o = cli.run(args).await;
    (
        o.status.code().expect("exited"),
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
    )
}

/// `qlik-tui diff` of the demo site against its hostile twin (offline, two JSON exports): the
/// readable report shows every hostile title escaped, with no raw control character, and
/// `--json` keeps the exact strings.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_diff_report_escapes_hostile_titles_and_its_json_keeps_them() {
    let plain = SimServer::start(SimConfig::default()).await.unwrap();
    let hostile = hostile_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    std::fs::write(
        &a,
        export(&Site::new(common::sim_spec(&plain)), Format::Json, false).await,
    )
    .unwrap();
    std::fs::write(
        &b,
        export(&Site::new(common::sim_spec(&hostile)), Format::Json, false).await,
    )
    .unwrap();
    // An app whose title the hostile twin changed to one with an escape sequence.
    let hostile_doc: Value = serde_json::from_str(&std::fs::read_to_string(&b).unwrap()).unwrap();
    let app = hostile_doc["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"].as_str().unwrap().contains('\u{1b}'))
        .expect("an app titled with ESC");
    let (id, title) = (app["id"].as_str().unwrap(), app["name"].as_str().unwrap());
    let diff = |json: bool| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_qlik-tui"));
        cmd.args(["diff"])
            .arg(&a)
            .arg(&b)
            .args(["--app", id])
            .env("QLIK_TUI_STATE_DIR", dir.path())
            .env("QLIK_TUI_CONFIG_DIR", dir.path());
        if json {
            cmd.arg("--json");
        }
        cmd.output().unwrap()
    };
    let out = diff(false);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = String::from_utf8(out.stdout).unwrap();
    assert_no_raw_control("diff report", &report);
    let shown = qlik_tui::text::escape_for_terminal(title);
    assert!(report.contains(shown.as_ref()), "{shown}:\n{report}");

    let out = diff(true);
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["b"]["app_name"], title, "JSON keeps the exact title");
}
