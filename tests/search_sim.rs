//! Issue 13 acceptance: `search` and `usage` against the simulator's demo site. Every expected hit
//! and every expected use is computed here by walking `assets/demo-site.json` with this file's
//! own rules, never through the product's search or usage code; the full sets of
//! `(app_id, kind, id | line)` are compared.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use qlik_tui::explore::Site;
use qlik_tui::explore::export::Scope;
use qlik_tui::explore::search::{AppResult, Kinds, Matcher, SearchOptions, search_site};
use qlik_tui::explore::usage::usage_of_app;
use qlik_tui::sim::{SimConfig, SimServer};
use regex::{Regex, RegexBuilder};
use serde_json::Value;

/// (app_id, kind, id or line number).
type Key = (String, String, String);

fn s<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

fn list<'a>(v: &'a Value, key: &str) -> Vec<&'a Value> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

fn is_denied(app: &Value) -> bool {
    list(app, "deniedUsers")
        .iter()
        .any(|u| u.as_str() == Some("INTERNAL\\sa_engine"))
}

/// Every string value (not key) of `v`.
fn any_string(v: &Value, hit: &dyn Fn(&str) -> bool) -> bool {
    match v {
        Value::String(x) => hit(x),
        Value::Array(a) => a.iter().any(|x| any_string(x, hit)),
        Value::Object(o) => o.values().any(|x| any_string(x, hit)),
        _ => false,
    }
}

/// Sheet entries and every entry below them, with their kind.
fn sheet_entries(app: &Value) -> Vec<(&'static str, &Value)> {
    fn below<'a>(e: &'a Value, out: &mut Vec<(&'static str, &'a Value)>) {
        for c in list(e, "qChildren") {
            out.push(("object", c));
            below(c, out);
        }
    }
    let mut out = Vec::new();
    for o in list(app, "objects") {
        if s(o, "/qProperty/qInfo/qType") == "sheet" {
            out.push(("sheet", o));
            below(o, &mut out);
        }
    }
    out
}

fn masterobjects(app: &Value) -> Vec<&Value> {
    list(app, "objects")
        .into_iter()
        .filter(|o| s(o, "/qProperty/qInfo/qType") == "masterobject")
        .collect()
}

/// Variables the variable list shows (neither reserved nor config).
fn user_variables(app: &Value) -> Vec<&Value> {
    list(app, "variables")
        .into_iter()
        .filter(|v| {
            v.get("meta").is_none_or(|m| {
                !m["isReserved"].as_bool().unwrap_or(false)
                    && !m["isConfig"].as_bool().unwrap_or(false)
            })
        })
        .collect()
}

fn field_names(app: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in list(app, "tables") {
        for f in list(t, "fields") {
            let n = s(f, "/name").to_string();
            if !out.contains(&n) {
                out.push(n);
            }
        }
    }
    out
}

fn expected_hits(site: &Value, re: &Regex) -> BTreeSet<Key> {
    let mut out = BTreeSet::new();
    let hit = |x: &str| re.find_iter(x).any(|m| !m.is_empty());
    for app in list(site, "apps").into_iter().filter(|a| !is_denied(a)) {
        let app_id = s(app, "/id").to_string();
        let mut add = |kind: &str, id: String| {
            out.insert((app_id.clone(), kind.to_string(), id));
        };
        for (kind, e) in sheet_entries(app) {
            if any_string(&e["qProperty"], &hit) {
                add(kind, s(e, "/qProperty/qInfo/qId").to_string());
            }
        }
        for (kind, key) in [
            ("dimension", "dimensions"),
            ("measure", "measures"),
            ("bookmark", "bookmarks"),
        ] {
            for e in list(app, key) {
                if any_string(&e["qProperty"], &hit) {
                    add(kind, s(e, "/qProperty/qInfo/qId").to_string());
                }
            }
        }
        for e in masterobjects(app) {
            if any_string(&e["qProperty"], &hit) {
                add("visualization", s(e, "/qProperty/qInfo/qId").to_string());
            }
        }
        for v in user_variables(app) {
            if hit(s(v, "/qProperty/qName")) || hit(s(v, "/qProperty/qDefinition")) {
                add("variable", s(v, "/qProperty/qInfo/qId").to_string());
            }
        }
        for (i, line) in list(app, "script").iter().enumerate() {
            if hit(line.as_str().unwrap_or("")) {
                add("script", (i + 1).to_string());
            }
        }
        for f in field_names(app) {
            if hit(&f) {
                add("field", f);
            }
        }
    }
    out
}

async fn start() -> (SimServer, Arc<Site>) {
    let sim = SimServer::start(SimConfig::default()).await.unwrap();
    let site = Site::new(common::sim_spec(&sim));
    (sim, site)
}

async fn search(site: &Site, m: &Matcher, kinds: Kinds) -> Vec<AppResult> {
    let mut apps = Vec::new();
    let opts = SearchOptions {
        kinds,
        ..Default::default()
    };
    search_site(site, &Scope::All, m, &opts, &|_| {}, &mut |a| apps.push(a))
        .await
        .unwrap();
    apps
}

fn keys(apps: &[AppResult]) -> BTreeSet<Key> {
    apps.iter()
        .flat_map(|a| &a.hits)
        .map(|h| {
            let id = match (h.line, &h.id) {
                (Some(l), _) => l.to_string(),
                (None, Some(id)) => id.clone(),
                (None, None) => panic!("a hit without id or line: {h:?}"),
            };
            (h.app_id.clone(), h.kind.name().to_string(), id)
        })
        .collect()
}

#[tokio::test]
async fn search_finds_exactly_the_items_the_asset_holds() {
    let (_sim, site) = start().await;
    let site_json = common::demo_site();
    // (pattern, --regex, --case-sensitive)
    let cases = [
        ("Region", false, false),       // a field name
        ("sum(sales", false, false),    // an expression fragment, other case
        ("übersicht", false, false),    // a unicode word, other case
        ("概要", false, false),         // CJK
        (r"^Sum\(\w+\)$", true, false), // a regex
        ("&?#/", false, false),         // reserved URL characters
        ("sales", false, true),         // case-sensitive: only the lower-case ones
    ];
    for (pattern, regex, case_sensitive) in cases {
        let m = Matcher::new(pattern, regex, case_sensitive).unwrap();
        let source = if regex {
            pattern.to_string()
        } else {
            regex::escape(pattern)
        };
        let re = RegexBuilder::new(&source)
            .case_insensitive(!case_sensitive)
            .build()
            .unwrap();
        let expected = expected_hits(&site_json, &re);
        assert!(!expected.is_empty(), "{pattern}: the asset holds matches");
        let apps = search(&site, &m, Kinds::default()).await;
        assert_eq!(keys(&apps), expected, "pattern {pattern:?}");
        // Every hit's text shows the match, and its pointer leads to a matching value.
        for h in apps.iter().flat_map(|a| &a.hits) {
            assert!(re.is_match(&h.text[h.mark.clone()]), "{h:?}");
            if h.line.is_some() {
                assert!(h.id.is_none() && h.path.is_none());
            }
        }
    }
    // The denied app is an error, and the search went on past it.
    let m = Matcher::new("Region", false, false).unwrap();
    let apps = search(&site, &m, Kinds::default()).await;
    let denied: Vec<&Value> = list(&site_json, "apps")
        .into_iter()
        .filter(|a| is_denied(a))
        .collect();
    assert_eq!(denied.len(), 1);
    let failed: Vec<&AppResult> = apps.iter().filter(|a| !a.errors.is_empty()).collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].app_id, s(denied[0], "/id"));
    assert_eq!(apps.len(), list(&site_json, "apps").len());
    site.close_all().await;
}

#[tokio::test]
async fn kinds_narrow_and_pointers_point_at_the_matching_value() {
    let (_sim, site) = start().await;
    let site_json = common::demo_site();
    let m = Matcher::new("Region", false, false).unwrap();
    let re = RegexBuilder::new("Region")
        .case_insensitive(true)
        .build()
        .unwrap();
    let all = expected_hits(&site_json, &re);
    let apps = search(&site, &m, Kinds::parse("script,field").unwrap()).await;
    let want: BTreeSet<Key> = all
        .into_iter()
        .filter(|k| k.1 == "script" || k.1 == "field")
        .collect();
    assert!(want.iter().any(|k| k.1 == "script") && want.iter().any(|k| k.1 == "field"));
    assert_eq!(keys(&apps), want);

    let apps = search(&site, &m, Kinds::parse("object,measure,dimension").unwrap()).await;
    let hits: Vec<_> = apps.iter().flat_map(|a| &a.hits).collect();
    assert!(!hits.is_empty());
    for h in hits {
        let app = list(&site_json, "apps")
            .into_iter()
            .find(|a| s(a, "/id") == h.app_id)
            .unwrap();
        let id = h.id.as_deref().unwrap();
        let entry = sheet_entries(app)
            .into_iter()
            .map(|(_, e)| e)
            .chain(list(app, "dimensions"))
            .chain(list(app, "measures"))
            .find(|e| s(e, "/qProperty/qInfo/qId") == id)
            .unwrap();
        let value = s(&entry["qProperty"], h.path.as_deref().unwrap());
        assert!(value.to_lowercase().contains("region"), "{h:?} -> {value}");
    }
    site.close_all().await;
}

// ---- usage: the test's own reading of the rules ----

const EXPRESSION_KEYS: [&str; 6] = [
    "qDef",
    "qExpr",
    "qLabelExpression",
    "qSortByExpression",
    "qDefinition",
    "qCalcCondition",
];

/// Names an expression mentions, by regular expressions: literals blanked first, then
/// `[..]` and `".."` names, then bare words not followed by `(`.
fn expr_names(expr: &str, out: &mut BTreeSet<String>) {
    let literal = Regex::new(r"'(?:[^']|'')*'?").unwrap();
    let quoted = Regex::new(r#"\[((?:[^\]]|\]\])*)\]|"((?:[^"]|"")*)""#).unwrap();
    let bare = Regex::new(r"(^|[^\p{L}\p{N}_%@#.])([\p{L}_%@#][\p{L}\p{N}_%@#.]*)").unwrap();
    let no_literals = literal.replace_all(expr, " ");
    for c in quoted.captures_iter(&no_literals) {
        if let Some(b) = c.get(1) {
            out.insert(b.as_str().replace("]]", "]"));
        }
        if let Some(q) = c.get(2) {
            out.insert(q.as_str().replace("\"\"", "\""));
        }
    }
    let rest = quoted.replace_all(&no_literals, " ");
    for c in bare.captures_iter(&rest) {
        let word = c.get(2).unwrap();
        if !rest[word.end()..].trim_start().starts_with('(') {
            out.insert(word.as_str().to_string());
        }
    }
}

fn prop_names(v: &Value, key: Option<&str>, out: &mut BTreeSet<String>) {
    match v {
        Value::String(x) => {
            if x.trim_start().starts_with('=') || key.is_some_and(|k| EXPRESSION_KEYS.contains(&k))
            {
                expr_names(x, out);
            } else if key == Some("qFieldDefs") {
                out.insert(
                    x.trim()
                        .trim_start_matches('[')
                        .trim_end_matches(']')
                        .to_string(),
                );
            }
        }
        Value::Array(a) => a.iter().for_each(|x| prop_names(x, key, out)),
        Value::Object(o) => o.iter().for_each(|(k, x)| prop_names(x, Some(k), out)),
        _ => {}
    }
}

fn links_to(v: &Value, id: &str) -> bool {
    match v {
        Value::Object(o) => o.iter().any(|(k, x)| {
            ((k == "qLibraryId" || k == "qExtendsId") && x.as_str() == Some(id)) || links_to(x, id)
        }),
        Value::Array(a) => a.iter().any(|x| links_to(x, id)),
        _ => false,
    }
}

#[tokio::test]
async fn usage_of_the_richest_app_lists_users_and_the_unused() {
    let (_sim, site) = start().await;
    let app = common::richest_demo_app();
    let app_id = s(&app, "/id");
    let (report, errors) = usage_of_app(&site, app_id).await.unwrap();
    assert!(errors.is_empty(), "{errors:?}");

    // Users: sheets and their objects, master items, master visualizations, variables.
    let null = Value::Null;
    type User<'a> = (String, String, BTreeSet<String>, &'a Value);
    fn user<'a>(kind: &str, e: &'a Value) -> User<'a> {
        let mut n = BTreeSet::new();
        prop_names(&e["qProperty"], None, &mut n);
        (
            kind.to_string(),
            s(e, "/qProperty/qInfo/qId").to_string(),
            n,
            &e["qProperty"],
        )
    }
    let app = &app;
    let mut users: Vec<User> = Vec::new();
    for (kind, e) in sheet_entries(app) {
        users.push(user(kind, e));
    }
    for (kind, key) in [("dimension", "dimensions"), ("measure", "measures")] {
        users.extend(list(app, key).into_iter().map(|e| user(kind, e)));
    }
    users.extend(
        masterobjects(app)
            .into_iter()
            .map(|e| user("visualization", e)),
    );
    for v in user_variables(app) {
        let mut n = BTreeSet::new();
        expr_names(s(v, "/qProperty/qDefinition"), &mut n);
        users.push((
            "variable".into(),
            s(v, "/qProperty/qInfo/qId").into(),
            n,
            &null,
        ));
    }

    let mut want_masters = BTreeSet::new();
    for (kind, e) in list(app, "dimensions")
        .into_iter()
        .map(|e| ("dimension", e))
        .chain(list(app, "measures").into_iter().map(|e| ("measure", e)))
        .chain(masterobjects(app).into_iter().map(|e| ("visualization", e)))
    {
        let id = s(e, "/qProperty/qInfo/qId");
        let by: BTreeSet<(String, String)> = users
            .iter()
            .filter(|u| u.1 != id && links_to(u.3, id))
            .map(|u| (u.0.clone(), u.1.clone()))
            .collect();
        want_masters.insert((kind.to_string(), id.to_string(), by));
    }
    let got_masters: BTreeSet<_> = report
        .master_items
        .iter()
        .map(|m| {
            let by = m
                .used_by
                .iter()
                .map(|u| (u.kind.name().to_string(), u.id.clone()))
                .collect();
            (m.kind.name().to_string(), m.id.clone(), by)
        })
        .collect();
    assert_eq!(got_masters, want_masters);
    assert!(
        want_masters.iter().any(|m| m.2.is_empty()),
        "the asset has an unused master item"
    );
    assert!(want_masters.iter().any(|m| m.2.len() > 1));

    let want_fields: BTreeSet<(String, BTreeSet<(String, String)>)> = field_names(app)
        .into_iter()
        .map(|f| {
            let by = users
                .iter()
                .filter(|u| u.2.contains(&f))
                .map(|u| (u.0.clone(), u.1.clone()))
                .collect();
            (f, by)
        })
        .collect();
    let got_fields: BTreeSet<_> = report
        .fields
        .iter()
        .map(|f| {
            let by = f
                .used_by
                .iter()
                .map(|u| (u.kind.name().to_string(), u.id.clone()))
                .collect();
            (f.name.clone(), by)
        })
        .collect();
    assert_eq!(got_fields, want_fields);
    assert!(
        want_fields.iter().any(|f| f.1.is_empty()),
        "the asset has an unused field"
    );
    assert!(want_fields.iter().any(|f| !f.1.is_empty()));
    site.close_all().await;
}

// ---- the binary ----

async fn run_cli(sim: &SimServer, args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let certs = common::write_cert_dir(sim, dir.path());
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_qlik-tui"));
    cmd.args(args)
        .args(["--engine-url", &sim.engine_url(), "--cert-dir"])
        .arg(&certs)
        .args(["--user-directory", "INTERNAL", "--user-id", "sa_engine"])
        .env("QLIK_TUI_STATE_DIR", dir.path())
        .env("QLIK_TUI_CONFIG_DIR", dir.path());
    let run = tokio::task::spawn_blocking(move || cmd.output());
    tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the command finishes")
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn cli_json_has_the_issue_shape_and_the_table_groups_by_app() {
    let sim = SimServer::start(SimConfig::default()).await.unwrap();
    let site_json = common::demo_site();
    let o = run_cli(&sim, &["search", "Region", "--all", "--json"]).await;
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    let doc: Value = serde_json::from_slice(&o.stdout).expect("one JSON document");
    assert_eq!(doc["pattern"], "Region");
    let re = RegexBuilder::new("Region")
        .case_insensitive(true)
        .build()
        .unwrap();
    let want = expected_hits(&site_json, &re);
    let mut got = BTreeSet::new();
    for h in doc["hits"].as_array().unwrap() {
        let keys: BTreeSet<&str> = h.as_object().unwrap().keys().map(String::as_str).collect();
        let script = h["kind"] == "script";
        let at = if script { "line" } else { "path" };
        let want_keys: BTreeSet<&str> = [
            "app_id", "app_name", "kind", "id", "title", at, "text", "link",
        ]
        .into();
        assert_eq!(keys, want_keys, "{h}");
        if script {
            assert!(h["id"].is_null() && h["line"].as_u64().unwrap() >= 1);
        } else {
            assert!(h["path"].as_str().unwrap().starts_with('/'));
        }
        assert!(h["link"].as_str().unwrap().starts_with("https://"));
        let id = if script {
            h["line"].to_string()
        } else {
            h["id"].as_str().unwrap().to_string()
        };
        got.insert((s(h, "/app_id").to_string(), s(h, "/kind").to_string(), id));
    }
    assert_eq!(got, want);
    let errors = doc["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    let e_keys: BTreeSet<&str> = errors[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(e_keys, ["app_id", "code", "message"].into());

    let o = run_cli(
        &sim,
        &[
            "search",
            "Region",
            "--app",
            s(&common::richest_demo_app(), "/id"),
            "--in",
            "field",
        ],
    )
    .await;
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let title = s(&common::richest_demo_app(), "/title").to_string();
    assert!(out.starts_with(&format!("{title} (")), "{out}");
    assert!(out.contains("«Region»"), "{out}");

    let o = run_cli(&sim, &["search", "Sum(", "--all", "--regex"]).await;
    assert_eq!(o.status.code(), Some(2), "a bad pattern is a usage error");
    assert!(String::from_utf8_lossy(&o.stderr).contains("drop --regex"));

    let o = run_cli(
        &sim,
        &[
            "usage",
            "--app",
            s(&common::richest_demo_app(), "/id"),
            "--json",
        ],
    )
    .await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let u: Value = serde_json::from_slice(&o.stdout).unwrap();
    let top: BTreeSet<&str> = u.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(top, ["app_id", "master_items", "fields"].into());
    let m0: BTreeSet<&str> = u["master_items"][0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(m0, ["kind", "id", "title", "used_by"].into());
}

#[tokio::test]
async fn results_stream_per_app_before_later_apps_are_read() {
    let sim = SimServer::start(SimConfig::default()).await.unwrap();
    let site = Site::new(common::sim_spec(&sim));
    let m = Matcher::new("Key", false, false).unwrap();
    let opts = SearchOptions {
        concurrency: 1,
        ..Default::default()
    };
    // The simulator's request counter each time an app's results are handed on.
    let mut seen: Vec<(String, u64)> = Vec::new();
    let progress_calls = std::sync::atomic::AtomicUsize::new(0);
    let progress = |_: &qlik_tui::explore::export::Progress| {
        progress_calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    };
    search_site(&site, &Scope::All, &m, &opts, &progress, &mut |a| {
        seen.push((a.app_id, sim.requests_served()))
    })
    .await
    .unwrap();
    let total = sim.requests_served();
    let apps = list(&common::demo_site(), "apps").len();
    assert_eq!(seen.len(), apps);
    assert!(
        seen[0].1 < seen[apps - 1].1 && seen[apps - 1].1 <= total,
        "the first app's hits came before the later apps were read: {seen:?}"
    );
    assert!(progress_calls.load(std::sync::atomic::Ordering::Relaxed) > apps);
    site.close_all().await;
}
