//! Acceptance tests of the engine client against the simulator, over real TLS and real
//! WebSockets on 127.0.0.1: every typed call's happy path (checked against
//! assets/demo-site.json, the simulator's own data), replies out of order, a reply that never
//! comes, a socket dropped mid-request, the TLS and upgrade refusals, the greeting states, the
//! engine's error codes, and the read-only guard.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::{BoxFuture, join_all};
use serde_json::{Value, json};

use common::sim_spec;
use qlik_tui::engine::api::{Doc, ObjectHandle};
use qlik_tui::engine::conn::spec::ConnectionSpec;
use qlik_tui::engine::error::{EngineError, TlsFailure};
use qlik_tui::engine::session::Session;
use qlik_tui::engine::transport::{ConnectOptions, Resolver};
use qlik_tui::sim::{Behaviour, SimConfig, SimServer};
use qlik_tui::tls::ClientTls;
use qlik_tui::tls::pki::{TestCa, Validity};

/// A guard against hangs: no test step may take longer (it is a bound, not a timing assertion).
const HANG_GUARD: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------------------------
// The demo site asset, read the way the simulator's data describes it.

struct Asset(Value);

impl Asset {
    fn load() -> Asset {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo-site.json");
        let text = std::fs::read_to_string(path).expect("assets/demo-site.json is readable");
        Asset(serde_json::from_str(&text).expect("assets/demo-site.json is JSON"))
    }

    fn apps(&self) -> &[Value] {
        self.0["apps"].as_array().expect("apps[] in the asset")
    }

    fn denies_service_user(app: &Value) -> bool {
        app["deniedUsers"].as_array().is_some_and(|us| {
            us.iter()
                .filter_map(Value::as_str)
                .any(|u| u.eq_ignore_ascii_case("INTERNAL\\sa_engine"))
        })
    }

    /// The app sa_engine may open with the most sheets: the richest one to walk.
    fn rich_app(&self) -> &Value {
        self.apps()
            .iter()
            .filter(|a| !Asset::denies_service_user(a))
            .max_by_key(|a| sheets(a).len())
            .expect("an app sa_engine may open")
    }

    fn denied_app(&self) -> &Value {
        self.apps()
            .iter()
            .find(|a| Asset::denies_service_user(a))
            .expect("the asset has an app that denies INTERNAL\\sa_engine (deniedUsers)")
    }
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("'{key}' is not a string in {v}"))
}

fn entry_id(e: &Value) -> &str {
    e.pointer("/qProperty/qInfo/qId")
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("an entry without qProperty.qInfo.qId: {e}"))
}

fn entry_type(e: &Value) -> &str {
    e.pointer("/qProperty/qInfo/qType")
        .and_then(Value::as_str)
        .unwrap_or("")
}

fn list<'a>(app: &'a Value, key: &str) -> Vec<&'a Value> {
    app[key]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

fn children(e: &Value) -> Vec<&Value> {
    list(e, "qChildren")
}

/// Every entry of a list and its descendants.
fn flatten<'a>(entries: Vec<&'a Value>, out: &mut Vec<&'a Value>) {
    for e in entries {
        out.push(e);
        flatten(children(e), out);
    }
}

fn all_objects(app: &Value) -> Vec<&Value> {
    let mut out = vec![];
    flatten(list(app, "objects"), &mut out);
    out
}

fn sheets(app: &Value) -> Vec<&Value> {
    list(app, "objects")
        .into_iter()
        .filter(|e| entry_type(e) == "sheet")
        .collect()
}

fn script_text(app: &Value) -> String {
    match &app["script"] {
        Value::String(t) => t.clone(),
        Value::Array(lines) => lines
            .iter()
            .map(|l| l.as_str().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

fn ids<'a>(entries: impl IntoIterator<Item = &'a Value>) -> BTreeSet<String> {
    entries
        .into_iter()
        .map(|e| entry_id(e).to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Connecting.

async fn start(behaviour: Behaviour) -> SimServer {
    SimServer::start(SimConfig {
        behaviour,
        ..SimConfig::default()
    })
    .await
    .expect("the simulator starts")
}

async fn options(spec: &ConnectionSpec) -> ConnectOptions {
    spec.connect_options(None)
        .await
        .expect("connect options for the simulator")
}

async fn connect_with(opts: &ConnectOptions) -> Result<Session, EngineError> {
    tokio::time::timeout(HANG_GUARD, Session::connect(opts))
        .await
        .expect("connecting must never hang")
}

/// Every socket of a run shares one TLS client config (`tls::shared_client_config`): the second
/// handshake with the same material resumes the first one's session, with no second check of the
/// server's chain and no second client signature (issue 16).
#[tokio::test]
async fn a_second_socket_with_the_same_material_resumes_the_tls_session() {
    use qlik_tui::engine::transport::{parse_target, tcp_connect, tls_handshake};
    use rustls::HandshakeKind;
    let sim = start(Behaviour::default()).await;
    let mut opts = options(&sim_spec(&sim)).await;
    // Text outside the PEM blocks is ignored: this test's material (and so its config and its
    // session cache) is its own, whatever other tests in this process connect to.
    opts.tls.root_pem = opts
        .tls
        .root_pem
        .map(|pem| pem + "\nengine_sim resumption test\n");
    let target = parse_target(&opts.url).unwrap();
    for expected in [HandshakeKind::Full, HandshakeKind::Resumed] {
        let tcp = tcp_connect(&opts, &[sim.addr()]).await.unwrap();
        let tls = tokio::time::timeout(HANG_GUARD, tls_handshake(&opts, &target, tcp))
            .await
            .expect("a handshake must never hang")
            .unwrap();
        assert_eq!(tls.get_ref().1.handshake_kind(), Some(expected));
        // rustls stores the session's ticket once the server's first reply is read.
        let mut stream = tls;
        let _ = tokio::time::timeout(Duration::from_millis(200), async {
            use tokio::io::AsyncReadExt;
            let mut byte = [0u8; 1];
            stream.read(&mut byte).await
        })
        .await;
    }
}

async fn connect(sim: &SimServer) -> Session {
    connect_with(&options(&sim_spec(sim)).await)
        .await
        .expect("a session with the simulator")
}

/// Opens `app` (with data) on `session`.
async fn open_app(session: &Session, app: &Value) -> Doc {
    session
        .global()
        .open_doc(s(app, "id"), false)
        .await
        .expect("OpenDoc of an app sa_engine may open")
}

async fn bounded<T>(what: &str, fut: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(HANG_GUARD, fut)
        .await
        .unwrap_or_else(|_| panic!("{what} hung"))
}

/// Resolves every name to one address, so a test can reach the simulator under a name its
/// certificate lacks without a DNS query leaving the machine.
struct FixedResolver(SocketAddr);

impl Resolver for FixedResolver {
    fn resolve(
        &self,
        _host: String,
        _port: u16,
    ) -> BoxFuture<'static, std::io::Result<Vec<SocketAddr>>> {
        let addr = self.0;
        Box::pin(async move { Ok(vec![addr]) })
    }
}

// ---------------------------------------------------------------------------------------------
// The happy path of every typed call.

#[tokio::test]
async fn global_calls_answer_what_the_site_holds() {
    let asset = Asset::load();
    let sim = start(Behaviour::healthy()).await;
    let session = connect(&sim).await;
    assert_eq!(session.greeting.session_state, "SESSION_CREATED");
    let global = session.global();

    let engine = &asset.0["engine"];
    assert_eq!(
        global.engine_version().await.unwrap(),
        s(engine, "componentVersion")
    );
    assert_eq!(
        global.product_version().await.unwrap(),
        s(engine, "productVersion")
    );
    assert_eq!(
        global.get_authenticated_user().await.unwrap(),
        "UserDirectory=INTERNAL; UserId=sa_engine"
    );

    let docs = global.get_doc_list().await.unwrap();
    let streams: BTreeMap<&str, &str> = asset.0["streams"]
        .as_array()
        .expect("streams[] in the asset")
        .iter()
        .map(|st| (s(st, "id"), s(st, "name")))
        .collect();
    assert_eq!(docs.len(), asset.apps().len(), "one doc-list entry per app");
    for app in asset.apps() {
        let id = s(app, "id");
        let d = docs
            .iter()
            .find(|d| d.doc_id == id)
            .unwrap_or_else(|| panic!("app {id} is missing from GetDocList"));
        assert_eq!(d.title, s(app, "title"));
        assert_eq!(d.name(), s(app, "title"));
        assert_eq!(d.last_reload_time, s(app, "lastReloadTime"));
        match app["stream"].as_str() {
            Some(stream_id) => {
                assert!(d.published(), "{id} is in a stream, so published");
                assert_eq!(
                    d.stream(),
                    Some((stream_id.to_string(), streams[stream_id].to_string()))
                );
            }
            None => {
                assert!(!d.published(), "{id} is in no stream, so unpublished");
                assert_eq!(d.stream(), None);
            }
        }
    }

    // OpenDoc with qNoData, then GetActiveDoc names the same app and handle.
    let app = asset.rich_app();
    let doc = global.open_doc(s(app, "id"), true).await.unwrap();
    assert_eq!(doc.id, s(app, "id"));
    assert_eq!(doc.handle, 1, "handles are allocated from 1 per session");
    let layout = doc.get_app_layout().await.unwrap();
    assert_eq!(layout["qIsOpenedWithoutData"], json!(true));
    assert_eq!(layout["qTitle"], app["title"]);
    let active = global.get_active_doc().await.unwrap();
    assert_eq!(
        (active.handle, active.id.as_str()),
        (doc.handle, s(app, "id"))
    );
}

#[tokio::test]
async fn doc_calls_answer_what_the_app_holds() {
    let asset = Asset::load();
    let app = asset.rich_app();
    let sim = start(Behaviour::healthy()).await;
    let session = connect(&sim).await;
    let doc = open_app(&session, app).await;

    let layout = doc.get_app_layout().await.unwrap();
    assert_eq!(layout["qTitle"], app["title"]);
    assert_eq!(layout["qIsOpenedWithoutData"], json!(false));
    let props = doc.get_app_properties().await.unwrap();
    assert_eq!(props["qTitle"], app["title"]);

    // GetAllInfos: every object (children included) and every master item, bookmark, variable.
    let mut expected: BTreeSet<(String, String)> = all_objects(app)
        .into_iter()
        .map(|e| (entry_id(e).to_string(), entry_type(e).to_string()))
        .collect();
    for key in ["dimensions", "measures", "bookmarks", "variables"] {
        for e in list(app, key) {
            expected.insert((entry_id(e).to_string(), entry_type(e).to_string()));
        }
    }
    let infos: BTreeSet<(String, String)> = doc
        .get_all_infos()
        .await
        .unwrap()
        .into_iter()
        .map(|i| (i.id, i.r#type))
        .collect();
    assert_eq!(infos, expected);

    // GetObject / GetObjects.
    let sheet_ids = ids(sheets(app));
    let first_sheet = sheet_ids
        .iter()
        .next()
        .expect("the app has a sheet")
        .clone();
    let obj = doc.get_object(&first_sheet).await.unwrap();
    assert_eq!(
        (obj.id(), obj.object_type()),
        (first_sheet.as_str(), "sheet")
    );
    let listed: BTreeSet<String> = doc
        .get_objects(&["sheet"])
        .await
        .unwrap()
        .iter()
        .map(|e| e["qInfo"]["qId"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(listed, sheet_ids);

    // A session object: the sheet list, computed from the data; then destroyed.
    let list_obj = doc
        .create_session_object(json!({
            "qInfo": {"qId": "compat-sheet-list", "qType": "SheetList"},
            "qAppObjectListDef": {"qType": "sheet", "qData": {"title": "/qMetaDef/title"}}
        }))
        .await
        .unwrap();
    assert_eq!(list_obj.id(), "compat-sheet-list");
    let list_layout = list_obj.get_layout().await.unwrap();
    let items = list_layout["qAppObjectList"]["qItems"]
        .as_array()
        .expect("qAppObjectList.qItems");
    let titles: BTreeMap<String, String> = items
        .iter()
        .map(|i| {
            (
                i["qInfo"]["qId"].as_str().unwrap_or("").to_string(),
                i["qData"]["title"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let expected_titles: BTreeMap<String, String> = sheets(app)
        .into_iter()
        .map(|e| {
            (
                entry_id(e).to_string(),
                e.pointer("/qProperty/qMetaDef/title")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(
        titles, expected_titles,
        "the sheet list's qData paths resolve"
    );
    let _ = session.rpc().take_handle_events();
    assert!(
        doc.destroy_session_object("compat-sheet-list")
            .await
            .unwrap()
    );
    let (_, closed) = session.rpc().take_handle_events();
    assert!(
        closed.contains(&list_obj.handle()),
        "the destroyed object's handle is reported closed: {closed:?}"
    );
    assert!(matches!(
        doc.get_object("compat-sheet-list").await,
        Err(EngineError::ObjectNotFound { .. })
    ));

    // Master items, a bookmark, a variable: the handles' GetLayout / GetProperties, and the
    // calls only their class has.
    let measure = first(app, "measures");
    let m = doc.get_measure(entry_id(measure)).await.unwrap();
    check_handle(&m, measure, "GenericMeasure").await;
    assert_eq!(
        m.get_measure().await.unwrap(),
        measure["qProperty"]["qMeasure"]
    );
    let dimension = first(app, "dimensions");
    let d = doc.get_dimension(entry_id(dimension)).await.unwrap();
    check_handle(&d, dimension, "GenericDimension").await;
    assert_eq!(
        d.get_dimension().await.unwrap(),
        dimension["qProperty"]["qDim"]
    );
    let bookmark = first(app, "bookmarks");
    let b = doc.get_bookmark(entry_id(bookmark)).await.unwrap();
    check_handle(&b, bookmark, "GenericBookmark").await;
    let variable = first(app, "variables");
    let v = doc.get_variable_by_id(entry_id(variable)).await.unwrap();
    check_handle(&v, variable, "GenericVariable").await;
    assert_eq!(
        v.get_raw_content().await.unwrap(),
        variable["qProperty"]["qDefinition"].as_str().unwrap_or("")
    );

    // The data model: tables and fields as the asset lists them; a field in several tables is
    // a key between them (the engine associates by field name).
    let tk = doc.get_tables_and_keys().await.unwrap();
    let tables = list(app, "tables");
    assert!(!tables.is_empty(), "the app has a data model");
    let got: BTreeMap<String, Vec<String>> = tk
        .tables
        .iter()
        .map(|t| {
            (
                t.name.clone(),
                t.fields.iter().map(|f| f.name.clone()).collect(),
            )
        })
        .collect();
    let want: BTreeMap<String, Vec<String>> = tables
        .iter()
        .map(|t| {
            (
                s(t, "name").to_string(),
                list(t, "fields")
                    .iter()
                    .map(|f| s(f, "name").to_string())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(got, want);
    let mut tables_of_field: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (t, fields) in &want {
        for f in fields {
            tables_of_field
                .entry(f.clone())
                .or_default()
                .insert(t.clone());
        }
    }
    let want_keys: BTreeSet<String> = tables_of_field
        .iter()
        .filter(|(_, ts)| ts.len() > 1)
        .map(|(f, _)| f.clone())
        .collect();
    let got_keys: BTreeSet<String> = tk.keys.iter().flat_map(|k| k.key_fields.clone()).collect();
    assert_eq!(got_keys, want_keys);

    assert_eq!(doc.get_script().await.unwrap(), script_text(app));
}

/// The first entry of `key` (measures, dimensions, ...) in the app.
fn first<'a>(app: &'a Value, key: &str) -> &'a Value {
    list(app, key)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("the app has no {key} in the asset"))
}

/// The calls every object class shares, checked against the asset's entry.
async fn check_handle(h: &ObjectHandle, entry: &Value, class: &str) {
    assert_eq!(h.obj.q_type, class);
    assert_eq!(h.get_properties().await.unwrap(), entry["qProperty"]);
    assert_eq!(
        h.get_layout().await.unwrap()["qInfo"]["qId"],
        entry_id(entry)
    );
    let info = h.get_info().await.unwrap();
    assert_eq!(info.id, entry_id(entry));
}

/// Compares a property tree from the engine with the asset's entry, recursively.
fn assert_same_tree(got: &Value, want: &Value) {
    assert_eq!(got["qProperty"], want["qProperty"]);
    let got_children = got["qChildren"].as_array().cloned().unwrap_or_default();
    let want_children = children(want);
    assert_eq!(
        got_children.len(),
        want_children.len(),
        "children of {}",
        entry_id(want)
    );
    for w in want_children {
        let g = got_children
            .iter()
            .find(|g| g.pointer("/qProperty/qInfo/qId") == w.pointer("/qProperty/qInfo/qId"))
            .unwrap_or_else(|| panic!("child {} missing from the property tree", entry_id(w)));
        assert_same_tree(g, w);
    }
}

#[tokio::test]
async fn generic_object_calls_answer_what_each_sheet_holds() {
    let asset = Asset::load();
    let app = asset.rich_app();
    let sim = start(Behaviour::healthy()).await;
    let session = connect(&sim).await;
    let doc = open_app(&session, app).await;

    for sheet in sheets(app) {
        let id = entry_id(sheet);
        let obj = doc.get_object(id).await.unwrap();
        assert_eq!(obj.obj.q_type, "GenericObject");
        let layout = obj.get_layout().await.unwrap();
        assert_eq!(layout["qInfo"]["qId"], id);
        assert_eq!(
            layout["qMeta"]["title"],
            sheet["qProperty"]["qMetaDef"]["title"]
        );
        assert_eq!(obj.get_properties().await.unwrap(), sheet["qProperty"]);
        let info = obj.get_info().await.unwrap();
        assert_eq!((info.id.as_str(), info.r#type.as_str()), (id, "sheet"));
        let child_ids: BTreeSet<String> = obj
            .get_child_infos()
            .await
            .unwrap()
            .into_iter()
            .map(|i| i.id)
            .collect();
        assert_eq!(child_ids, ids(children(sheet)), "children of sheet {id}");
        assert_same_tree(&obj.get_full_property_tree().await.unwrap(), sheet);
        if let Some(first) = children(sheet).first() {
            let child = obj.get_child(entry_id(first)).await.unwrap();
            assert_eq!(child.id(), entry_id(first));
        }
    }

    // GetEffectiveProperties resolves qExtendsId: the master's properties show through, the
    // object's own win.
    let objects = all_objects(app);
    let extending = objects
        .iter()
        .find(|e| {
            e["qProperty"]["qExtendsId"]
                .as_str()
                .is_some_and(|x| !x.is_empty())
        })
        .expect("the app has an object extending a master visualization (qExtendsId)");
    let master_id = s(&extending["qProperty"], "qExtendsId");
    let master = objects
        .iter()
        .find(|e| entry_id(e) == master_id)
        .unwrap_or_else(|| panic!("master visualization {master_id} is in the app"));
    let obj = doc.get_object(entry_id(extending)).await.unwrap();
    let effective = obj.get_effective_properties().await.unwrap();
    assert_eq!(effective["qInfo"]["qId"], entry_id(extending));
    let own = extending["qProperty"].as_object().unwrap();
    let inherited: Vec<&String> = master["qProperty"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| !own.contains_key(*k))
        .collect();
    assert!(
        !inherited.is_empty(),
        "the master sets something the object does not"
    );
    for k in inherited {
        assert_eq!(
            effective[k], master["qProperty"][k],
            "'{k}' comes from the master"
        );
    }
    for (k, v) in own {
        if k != "qExtendsId" {
            assert_eq!(&effective[k], v, "the object's own '{k}' wins");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Concurrency, timeouts, dropped sockets.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_requests_come_back_out_of_order_and_are_matched() {
    let asset = Asset::load();
    let app = asset.rich_app();
    let objects: Vec<(String, String)> = all_objects(app)
        .into_iter()
        .map(|e| (entry_id(e).to_string(), entry_type(e).to_string()))
        .collect();
    let sim = start(Behaviour::healthy().with_jitter(Duration::from_millis(40))).await;
    let session = connect(&sim).await;
    let doc = open_app(&session, app).await;
    let before = sim.reply_log().len();

    let asks: Vec<(String, String)> = (0..50)
        .map(|i| objects[i % objects.len()].clone())
        .collect();
    let answers = bounded(
        "50 concurrent requests",
        join_all(asks.iter().map(|(id, _)| doc.get_object(id))),
    )
    .await;
    for ((id, object_type), answer) in asks.iter().zip(answers) {
        let obj = answer.unwrap_or_else(|e| panic!("GetObject {id}: {e}"));
        assert_eq!(
            (obj.id(), obj.object_type()),
            (id.as_str(), object_type.as_str()),
            "a reply was matched to the wrong request"
        );
    }
    assert_eq!(session.rpc().in_flight(), 0);

    // The client sends ids in increasing order on one socket; the simulator logs the order it
    // wrote the replies in. They must differ, or this test proved nothing.
    let replied: Vec<u64> = sim.reply_log()[before..].to_vec();
    assert_eq!(replied.len(), 50);
    let mut sent = replied.clone();
    sent.sort_unstable();
    assert_ne!(
        replied, sent,
        "the replies came back in send order; the jitter did not reorder them"
    );
}

#[tokio::test]
async fn a_reply_that_never_comes_is_a_request_timeout() {
    let asset = Asset::load();
    let app = asset.rich_app();
    let sim = start(Behaviour::never_answer("GetScript")).await;
    let spec = sim_spec(&sim).with_timeouts(Duration::from_secs(10), Duration::from_millis(400));
    let session = connect_with(&options(&spec).await).await.unwrap();
    let doc = open_app(&session, app).await;
    let err = bounded("a request with no reply", doc.get_script())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, EngineError::RequestTimeout { method, .. } if method == "GetScript"),
        "{err:?}"
    );
    assert!(err.to_string().contains("GetScript"), "{err}");
    // The session stays usable, and the timed-out request is no longer counted.
    assert_eq!(doc.get_app_layout().await.unwrap()["qTitle"], app["title"]);
    assert_eq!(session.rpc().in_flight(), 0);
}

/// Starts `n` requests that the simulator never answers and waits until all are in flight.
async fn pending_requests(
    session: &Session,
    doc: &Doc,
    n: usize,
) -> Vec<tokio::task::JoinHandle<Result<Value, EngineError>>> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let doc = doc.clone();
            tokio::spawn(async move { doc.get_app_layout().await })
        })
        .collect();
    bounded("requests going out", async {
        while session.rpc().in_flight() < n {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    tasks
}

async fn assert_all_closed(tasks: Vec<tokio::task::JoinHandle<Result<Value, EngineError>>>) {
    for t in tasks {
        let r = bounded("a pending request after the socket dropped", t)
            .await
            .expect("the request task");
        match r {
            Err(EngineError::Closed { reason }) => assert!(!reason.is_empty()),
            other => panic!("expected a closed-connection error, got {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_dropped_mid_request_fails_every_pending_request() {
    let asset = Asset::load();
    let app = asset.rich_app();
    let behaviour = Behaviour {
        silent_methods: vec!["GetAppLayout".into()],
        drop_on_methods: vec!["GetScript".into()],
        ..Behaviour::default()
    };
    let sim = start(behaviour).await;
    // A long request timeout: only the dropped socket can end these requests in time.
    let spec = sim_spec(&sim).with_timeouts(Duration::from_secs(10), Duration::from_secs(300));
    let session = connect_with(&options(&spec).await).await.unwrap();
    let doc = open_app(&session, app).await;
    let tasks = pending_requests(&session, &doc, 5).await;
    let err = bounded("the request that drops the socket", doc.get_script())
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::Closed { .. }), "{err:?}");
    assert_all_closed(tasks).await;
    assert_eq!(session.rpc().in_flight(), 0);
    // Later calls fail at once with the same reason instead of waiting.
    let later = bounded("a call after the drop", doc.get_app_properties())
        .await
        .unwrap_err();
    assert!(matches!(later, EngineError::Closed { .. }), "{later:?}");
    assert!(session.rpc().is_closed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_fails_every_pending_request() {
    let asset = Asset::load();
    let app = asset.rich_app();
    let sim = start(Behaviour::never_answer("GetAppLayout")).await;
    let spec = sim_spec(&sim).with_timeouts(Duration::from_secs(10), Duration::from_secs(300));
    let session = connect_with(&options(&spec).await).await.unwrap();
    let doc = open_app(&session, app).await;
    let tasks = pending_requests(&session, &doc, 5).await;
    sim.kill();
    assert_all_closed(tasks).await;
    let msg = session.rpc().closed_reason().expect("the client knows why");
    assert!(msg.contains("closed") || msg.contains("broke"), "{msg}");
}

// ---------------------------------------------------------------------------------------------
// Refusals: TLS, the upgrade, the greeting.

fn tls_failure(r: Result<Session, EngineError>) -> TlsFailure {
    match r {
        Err(EngineError::Tls { failure, .. }) => failure,
        Err(other) => panic!("expected a TLS error, got {other:?} ({other})"),
        Ok(_) => panic!("expected a TLS error, but the session opened"),
    }
}

#[tokio::test]
async fn a_missing_client_certificate_is_rejected() {
    let sim = start(Behaviour::healthy()).await;
    let mut spec = sim_spec(&sim);
    spec.tls.cert_pem = None;
    spec.tls.key_pem = None;
    let r = connect_with(&options(&spec).await).await;
    assert_eq!(tls_failure(r), TlsFailure::ClientCertRejected);
    assert_eq!(sim.requests_served(), 0);
}

#[tokio::test]
async fn a_client_certificate_from_another_ca_is_rejected() {
    let sim = start(Behaviour::healthy()).await;
    let other = TestCa::new("another CA").unwrap();
    let client = other
        .issue_client("QlikClient", Validity::Days(30))
        .unwrap();
    let mut spec = sim_spec(&sim);
    spec.tls.cert_pem = Some(client.cert_pem);
    spec.tls.key_pem = Some(client.key_pem.into());
    let r = connect_with(&options(&spec).await).await;
    assert_eq!(tls_failure(r), TlsFailure::ClientCertRejected);
}

#[tokio::test]
async fn a_server_from_another_root_is_not_trusted() {
    let sim = start(Behaviour::healthy()).await;
    let mut spec = sim_spec(&sim);
    spec.tls.root_pem = Some(TestCa::new("another root").unwrap().cert_pem);
    let r = connect_with(&options(&spec).await).await;
    let failure = tls_failure(r);
    assert_eq!(failure, TlsFailure::UnknownCa);
    // Turning the host-name check off must not turn off the chain check.
    spec.tls.verify_hostname = false;
    let r = connect_with(&options(&spec).await).await;
    assert_eq!(tls_failure(r), TlsFailure::UnknownCa);
}

#[tokio::test]
async fn a_host_name_the_certificate_lacks_fails_unless_the_check_is_off() {
    let sim = start(Behaviour::healthy()).await;
    let name = "qlik-engine.compat.invalid";
    let mut spec = sim_spec(&sim);
    spec.engine_url = format!("wss://{name}:{}", sim.addr().port());
    let mut opts = options(&spec).await;
    opts.resolver = Arc::new(FixedResolver(sim.addr()));
    let r = connect_with(&opts).await;
    match tls_failure(r) {
        TlsFailure::HostnameMismatch {
            expected,
            presented,
        } => {
            assert_eq!(expected, name);
            assert!(
                presented.iter().any(|p| p == "localhost"),
                "the names the certificate has: {presented:?}"
            );
        }
        other => panic!("expected a host-name mismatch, got {other:?}"),
    }

    opts.tls = ClientTls {
        verify_hostname: false,
        ..sim.client_tls()
    };
    let session = connect_with(&opts)
        .await
        .expect("with verify_hostname = false the same server is accepted");
    assert!(!session.global().engine_version().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_missing_user_header_is_http_403() {
    let sim = start(Behaviour::healthy()).await;
    let mut opts = options(&sim_spec(&sim)).await;
    opts.headers
        .retain(|h| !h.name.eq_ignore_ascii_case("X-Qlik-User"));
    match connect_with(&opts).await {
        Err(e @ EngineError::UpgradeRejected { status: 403, .. }) => {
            assert!(
                e.to_string().contains("X-Qlik-User"),
                "the fix is named: {e}"
            );
        }
        Err(other) => panic!("expected HTTP 403, got {other:?}"),
        Ok(_) => panic!("expected HTTP 403, but the session opened"),
    }
    assert_eq!(sim.requests_served(), 0);
}

#[tokio::test]
async fn greeting_states_other_than_created_or_attached_refuse_the_session() {
    for state in [
        "SESSION_ERROR_NO_LICENSE",
        "SESSION_ERROR_LIMIT_EXCEEDED",
        "SESSION_ERROR_APP_ACCESS_DENIED",
        "SESSION_ACCESS_CONTROL_SETUP_FAILURE",
    ] {
        let sim = start(Behaviour::session_state(state)).await;
        match connect_with(&options(&sim_spec(&sim)).await).await {
            Err(e @ EngineError::SessionRefused { .. }) => {
                assert!(
                    matches!(&e, EngineError::SessionRefused { state: s } if s == state),
                    "{e:?}"
                );
                assert!(e.to_string().contains(state), "the state is named: {e}");
            }
            Err(other) => panic!("{state}: expected SessionRefused, got {other:?}"),
            Ok(_) => panic!("{state}: the session opened"),
        }
    }
    // A fatal proxy notification instead of a greeting fails the session with its name.
    let sim = start(Behaviour::max_parallel_sessions()).await;
    match connect_with(&options(&sim_spec(&sim)).await).await {
        Err(EngineError::ProxyNotification { method, .. }) => {
            assert_eq!(method, "OnMaxParallelSessionsExceeded")
        }
        Err(other) => panic!("expected the proxy notification, got {other:?}"),
        Ok(_) => panic!("the session opened after a fatal notification"),
    }
    // No greeting at all: a bounded wait, then a timeout naming the step.
    let sim = start(Behaviour::silent()).await;
    let spec = sim_spec(&sim).with_timeouts(Duration::from_millis(500), Duration::from_secs(5));
    match connect_with(&options(&spec).await).await {
        Err(e @ EngineError::Timeout { .. }) => {
            assert!(e.to_string().contains("OnConnected"), "{e}")
        }
        Err(other) => panic!("expected a greeting timeout, got {other:?}"),
        Ok(_) => panic!("a session opened without a greeting"),
    }
    // SESSION_ATTACHED is a success.
    let sim = start(Behaviour::session_state("SESSION_ATTACHED")).await;
    let session = connect(&sim).await;
    assert_eq!(session.greeting.session_state, "SESSION_ATTACHED");
}

// ---------------------------------------------------------------------------------------------
// Engine errors and the read-only guard.

fn rpc_code(r: Result<impl Sized, EngineError>) -> (i64, String) {
    match r {
        Err(e @ EngineError::Rpc { .. }) => (e.code().unwrap(), e.to_string()),
        Err(other) => panic!("expected an engine error, got {other:?}"),
        Ok(_) => panic!("expected an engine error, but the call succeeded"),
    }
}

#[tokio::test]
async fn engine_errors_carry_their_codes() {
    let asset = Asset::load();
    let app = asset.rich_app();
    let sim = start(Behaviour::healthy()).await;
    let session = connect(&sim).await;
    let global = session.global();

    let (code, text) = rpc_code(global.open_doc("no-such-app-compat", false).await);
    assert_eq!(code, 1003);
    assert!(text.contains("no-such-app-compat"), "{text}");

    let denied = asset.denied_app();
    let (code, _) = rpc_code(global.open_doc(s(denied, "id"), false).await);
    assert_eq!(code, 5);

    global.open_doc(s(app, "id"), false).await.unwrap();
    let (code, text) = rpc_code(global.open_doc(s(app, "id"), false).await);
    assert_eq!(code, 1002);
    assert!(text.contains("OpenDoc"), "{text}");

    // A method the Global class does not have: JSON-RPC's method-not-found.
    let (code, _) = rpc_code(session.rpc().call(-1, "GetScript", json!([])).await);
    assert_eq!(code, -32601);
    match session.rpc().call(-1, "GetScript", json!([])).await {
        Err(EngineError::Rpc { name, .. }) => assert!(name.is_some(), "the code has a name"),
        other => panic!("{other:?}"),
    }

    // The session survives all of that.
    assert!(!global.engine_version().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_client_never_sends_a_modifying_method() {
    let asset = Asset::load();
    let app = asset.rich_app();
    let sim = start(Behaviour::healthy()).await;
    let session = connect(&sim).await;
    let doc = open_app(&session, app).await;
    let served = sim.requests_served();
    for (handle, method) in [
        (doc.handle, "DoSave"),
        (doc.handle, "DoReload"),
        (doc.handle, "SetScript"),
        (doc.handle, "SetAppProperties"),
        (doc.handle, "DestroyObject"),
        (-1, "DeleteApp"),
        (-1, "CreateApp"),
        (2, "SetProperties"),
        (2, "ApplyPatches"),
        (2, "SelectHyperCubeValues"),
    ] {
        match session.rpc().call(handle, method, json!([])).await {
            Err(e @ EngineError::ReadOnly(_)) => {
                assert!(e.to_string().contains(method), "{e}")
            }
            other => panic!("{method} was not refused: {other:?}"),
        }
    }
    assert_eq!(
        sim.requests_served(),
        served,
        "a refused method reached the engine"
    );
}
