//! Issue 12 acceptance, recording: the real binary with `--trace FILE` against the simulator
//! (real TLS and WebSockets on 127.0.0.1). The trace is checked against what the simulator
//! itself counted, and `qlik-tui trace --json` against counts this file computes from the trace.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use common::cli::{TempFiles, qlik_tui};
use qlik_tui::sim::{Behaviour, SimConfig, SimServer};
use serde_json::Value;

async fn sim(behaviour: Behaviour) -> SimServer {
    SimServer::start(SimConfig {
        behaviour,
        ..SimConfig::default()
    })
    .await
    .expect("the simulator starts")
}

/// `--engine-url URL --cert-dir DIR --user-directory INTERNAL --user-id sa_engine`.
fn cert_args(sim: &SimServer, files: &TempFiles) -> Vec<String> {
    let pki = sim.pki();
    files.write("client.pem", &pki.client_cert_pem);
    files.write("client_key.pem", &pki.client_key_pem);
    files.write("root.pem", &pki.root_cert_pem);
    [
        "--engine-url",
        &sim.engine_url(),
        "--cert-dir",
        &files.path().to_string_lossy(),
        "--user-directory",
        "INTERNAL",
        "--user-id",
        "sa_engine",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Runs `qlik-tui ARGS --trace FILE`; returns the output and the trace's events.
async fn traced(args: Vec<String>, files: &TempFiles) -> (std::process::Output, Vec<Value>) {
    let trace = files.path().join("trace.ndjson");
    let mut args = args;
    args.extend(["--trace".to_string(), trace.to_string_lossy().into_owned()]);
    let out = qlik_tui(args, vec![], files.path().join("state")).await;
    (out, read_events(&trace))
}

/// `qlik-tui export SCOPE --format json -o DIR/out.json` with certificates, traced.
async fn traced_export(
    sim: &SimServer,
    files: &TempFiles,
    scope: &[&str],
) -> (std::process::Output, Vec<Value>) {
    let mut args: Vec<String> = ["export"]
        .iter()
        .chain(scope)
        .map(|s| s.to_string())
        .collect();
    args.extend(["--format".into(), "json".into(), "-o".into()]);
    args.push(files.path().join("out.json").to_string_lossy().into_owned());
    args.extend(cert_args(sim, files));
    traced(args, files).await
}

fn read_events(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).expect("the trace file was written");
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn of_kind<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["kind"] == kind).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_all_trace_holds_one_send_per_request_served_and_a_recv_for_each() {
    let sim = sim(Behaviour::default()).await;
    let files = TempFiles::new();
    let (out, events) = traced_export(&sim, &files, &["--all"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Exactly one send per request the simulator received, method by method.
    let mut sent: BTreeMap<String, u64> = BTreeMap::new();
    for s in of_kind(&events, "send") {
        *sent
            .entry(s["method"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    assert!(!sent.is_empty(), "the trace holds requests");
    assert_eq!(sent, sim.requests_by_method());

    // One recv per send, matched by (conn, id), with the send's method and handle, and ms.
    let sends: HashMap<(u64, u64), &Value> = of_kind(&events, "send")
        .into_iter()
        .map(|s| ((s["conn"].as_u64().unwrap(), s["id"].as_u64().unwrap()), s))
        .collect();
    let recvs = of_kind(&events, "recv");
    assert_eq!(recvs.len(), sends.len());
    let mut answered = std::collections::HashSet::new();
    for r in &recvs {
        let key = (r["conn"].as_u64().unwrap(), r["id"].as_u64().unwrap());
        let s = sends
            .get(&key)
            .unwrap_or_else(|| panic!("a recv with no send: {r}"));
        assert!(answered.insert(key), "two replies to one request: {r}");
        assert_eq!(r["method"], s["method"]);
        assert_eq!(r["handle"], s["handle"]);
        assert!(r["ms"].as_f64().is_some_and(|ms| ms >= 0.0), "{r}");
        assert_eq!(r["body"]["id"], s["id"], "{r}");
        assert_eq!(s["body"]["method"], s["method"], "{s}");
        assert_eq!(
            s["bytes"].as_u64().unwrap() as usize,
            serde_json::to_string(&s["body"]).unwrap().len()
        );
    }

    // The demo site denies sa_engine some apps: that OpenDoc is refused, and says so.
    let refused: Vec<&&Value> = recvs.iter().filter(|r| r.get("error").is_some()).collect();
    assert!(
        !refused.is_empty(),
        "the denied app's OpenDoc is in the trace"
    );
    for r in refused {
        assert!(r["error"]["code"].is_i64(), "{r}");
        assert!(r["error"]["message"].is_string(), "{r}");
        assert_eq!(r["error"]["code"], r["body"]["error"]["code"], "{r}");
        assert_eq!(r["error"]["message"], r["body"]["error"]["message"], "{r}");
    }

    // Every event has the contract's keys; every socket opened with 101 and was closed.
    for e in &events {
        let ts = e["ts"].as_str().unwrap();
        assert!(ts.ends_with('Z') && ts.len() == 24, "{e}");
        assert!(e["conn"].is_u64(), "{e}");
    }
    let opens = of_kind(&events, "open");
    assert!(!opens.is_empty());
    for o in &opens {
        assert_eq!(o["status"], 101, "{o}");
        assert!(
            o["credentials"]
                .as_array()
                .unwrap()
                .contains(&Value::from("client certificate")),
            "{o}"
        );
        let conn = &o["conn"];
        let closes = events
            .iter()
            .filter(|e| e["kind"] == "close" && &e["conn"] == conn)
            .count();
        assert_eq!(closes, 1, "socket {conn} closes once");
    }

    // The file is the owner's only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(files.path().join("trace.ndjson"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_killed_mid_way_ends_with_close() {
    // The simulator drops the socket (no close frame) when an object's layout is asked for.
    let sim = sim(Behaviour::drop_on("GetLayout")).await;
    let files = TempFiles::new();
    let app = common::richest_demo_app()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (out, events) = traced_export(&sim, &files, &["--app", &app]).await;
    assert!(
        !out.status.success(),
        "the export fails when its session dies"
    );
    // It fails with an error, not by a signal: a write to the dead socket once raised SIGPIPE,
    // whose default action killed the process before it could say anything.
    assert!(
        out.status.code().is_some(),
        "the export was killed by a signal ({:?}); stderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("error"),
        "the export says why it failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The socket the engine side ended. Apps are walked concurrently, so the first GetLayout in
    // the file need not be the one the simulator dropped on: find the socket by its close.
    let ended = events
        .iter()
        .find(|e| e["kind"] == "close" && e["by"] != "client")
        .unwrap_or_else(|| {
            panic!(
                "no socket ended by the engine side; {:?}; stdout: {}; stderr: {}\nevents: {events:#?}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let conn = &ended["conn"];
    assert!(!ended["reason"].as_str().unwrap().is_empty(), "{ended}");
    let of_conn: Vec<&Value> = events.iter().filter(|e| &e["conn"] == conn).collect();
    let last = *of_conn.last().expect("events of that socket");
    let tail: Vec<String> = of_conn
        .iter()
        .rev()
        .take(6)
        .rev()
        .map(|e| e.to_string())
        .collect();
    assert_eq!(
        last["kind"],
        "close",
        "the socket's last events:\n{}",
        tail.join("\n")
    );
    // The request the simulator dropped on was sent on that socket and never answered.
    let answered: Vec<&Value> = of_kind(&events, "recv")
        .into_iter()
        .filter(|r| &r["conn"] == conn)
        .map(|r| &r["id"])
        .collect();
    assert!(
        of_kind(&events, "send").iter().any(|s| &s["conn"] == conn
            && s["method"] == "GetLayout"
            && !answered.contains(&&s["id"])),
        "an unanswered GetLayout on socket {conn}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trace_summary_matches_counts_computed_from_the_file() {
    let sim = sim(Behaviour::default()).await;
    let files = TempFiles::new();
    let (out, events) = traced_export(&sim, &files, &["--all"]).await;
    assert!(out.status.success());

    let trace = files.path().join("trace.ndjson");
    let summary = qlik_tui(
        vec![
            "trace".into(),
            trace.to_string_lossy().into_owned(),
            "--json".into(),
        ],
        vec![],
        files.path().join("state"),
    )
    .await;
    assert!(
        summary.status.success(),
        "{}",
        String::from_utf8_lossy(&summary.stderr)
    );
    let s: Value = serde_json::from_slice(&summary.stdout).expect("JSON summary");

    let sends = of_kind(&events, "send");
    assert_eq!(s["requests"], sends.len());
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    let mut max_ms: BTreeMap<&str, f64> = BTreeMap::new();
    for x in &sends {
        *counts.entry(x["method"].as_str().unwrap()).or_default() += 1;
    }
    let recvs = of_kind(&events, "recv");
    for r in &recvs {
        let m = max_ms.entry(r["method"].as_str().unwrap()).or_default();
        *m = m.max(r["ms"].as_f64().unwrap());
    }
    let by_method = s["by_method"].as_object().unwrap();
    assert_eq!(by_method.len(), counts.len());
    for (m, c) in &counts {
        assert_eq!(by_method[*m]["count"], *c, "{m}");
        assert_eq!(by_method[*m]["max_ms"].as_f64().unwrap(), max_ms[m], "{m}");
        let (p50, p95) = (
            by_method[*m]["p50_ms"].as_f64().unwrap(),
            by_method[*m]["p95_ms"].as_f64().unwrap(),
        );
        assert!(p50 <= p95 && p95 <= max_ms[m], "{m}: {p50} {p95}");
    }

    // The ten slowest replies, slowest first.
    let mut slow: Vec<(f64, u64, u64)> = recvs
        .iter()
        .map(|r| {
            (
                r["ms"].as_f64().unwrap(),
                r["conn"].as_u64().unwrap(),
                r["id"].as_u64().unwrap(),
            )
        })
        .collect();
    slow.sort_by(|a, b| b.0.total_cmp(&a.0));
    let listed = s["slowest"].as_array().unwrap();
    assert_eq!(listed.len(), slow.len().min(10));
    for (got, want) in listed.iter().zip(&slow) {
        assert_eq!(got["ms"].as_f64().unwrap(), want.0);
    }
    // The tenth is no faster than any reply left out.
    if let Some(tenth) = listed.last() {
        assert!(
            slow[listed.len()..]
                .iter()
                .all(|x| x.0 <= tenth["ms"].as_f64().unwrap())
        );
    }

    let errors: u64 = recvs.iter().filter(|r| r.get("error").is_some()).count() as u64;
    let summed: u64 = s["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["count"].as_u64().unwrap())
        .sum();
    assert_eq!(summed, errors);
    assert!(errors > 0);
    let sessions = s["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), of_kind(&events, "open").len());
    assert!(sessions.iter().all(|x| x["closed_by"].is_string()), "{s:#}");

    // The text summary a person pastes names each method.
    let text = qlik_tui(
        vec!["trace".into(), trace.to_string_lossy().into_owned()],
        vec![],
        files.path().join("state"),
    )
    .await;
    let text = String::from_utf8_lossy(&text.stdout);
    for m in counts.keys() {
        assert!(text.contains(m), "{m} missing:\n{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_is_not_a_trace_is_named_as_such() {
    let files = TempFiles::new();
    let path = files.write("notes.txt", "hello\n");
    let out = qlik_tui(
        vec!["trace".into(), path],
        vec![],
        files.path().join("state"),
    )
    .await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 1") && err.contains("--trace"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
