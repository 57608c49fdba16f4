//! The simulator's answers do not change with how they are made (issue 16). Replies are written
//! as text straight from the handlers, splicing pre-serialised property trees and properties;
//! here, for every app and every persisted object of the demo, hostile, variant and a generated
//! site, each method's reply text is compared byte for byte with the `Response` the handlers give
//! serialised the ordinary way, and GetFullPropertyTree / GetProperties with the tree and
//! properties built from the site's data by this test, cold (first ask) and warm (asked again).

use std::sync::Arc;

use serde_json::{Value, json};

use qlik_tui::engine::wire::Request;
use qlik_tui::sim::auth::{SocketTarget, User};
use qlik_tui::sim::data::{AppIndex, Class, Obj, Site};
use qlik_tui::sim::dispatch::{respond, respond_text};
use qlik_tui::sim::session::Session;

/// Asks `method` twice as text and once as a `Response`; the three must be the same bytes.
/// Returns the reply's `result` (or the error's text, for the caller's messages).
fn ask(s: &Session, id: &mut u64, handle: i64, method: &str, params: Value) -> Value {
    *id += 1;
    let req = Request::new(*id, handle, method, params);
    let cold = respond_text(s, &req);
    let warm = respond_text(s, &req);
    let old = serde_json::to_string(&respond(s, &req)).unwrap();
    assert_eq!(cold, old, "{method} on handle {handle}: text reply differs");
    assert_eq!(
        warm, old,
        "{method} on handle {handle}: second text reply differs"
    );
    let v: Value = serde_json::from_str(&cold).unwrap();
    v.get("result")
        .cloned()
        .unwrap_or_else(|| v["error"].clone())
}

/// Asks a method that changes the session (OpenDoc, CreateSessionObject) once, as text.
fn ask_once(s: &Session, id: &mut u64, handle: i64, method: &str, params: Value) -> Value {
    *id += 1;
    let text = respond_text(s, &Request::new(*id, handle, method, params));
    let v: Value = serde_json::from_str(&text).unwrap();
    assert!(v.get("error").is_none(), "{method}: {text}");
    v["result"].clone()
}

/// GetFullPropertyTree's entry for `o`, from the site data: the properties, the children's
/// entries in order, and no snapshot.
fn expected_tree(index: &AppIndex, o: &Obj) -> Value {
    let children: Vec<Value> = o
        .children
        .iter()
        .map(|c| expected_tree(index, index.get(Class::GenericObject, c).unwrap()))
        .collect();
    json!({"qProperty": o.props, "qChildren": children, "qEmbeddedSnapshotRef": null})
}

const OBJECT_METHODS: &[&str] = &[
    "GetLayout",
    "GetProperties",
    "GetEffectiveProperties",
    "GetInfo",
    "GetFullPropertyTree",
    "GetChildInfos",
    "GetLinkedObjects",
    "GetParent",
    "GetSnapshotObject",
    "GetMeasure",
    "GetDimension",
    "GetRawContent",
    "ApplyPatches",
];

const DOC_METHODS: &[&str] = &[
    "GetAppLayout",
    "GetAppProperties",
    "GetAllInfos",
    "GetTablesAndKeys",
    "GetScript",
    "GetBookmarks",
    "GetObject",
];

const GLOBAL_METHODS: &[&str] = &[
    "EngineVersion",
    "GetDocList",
    "GetAuthenticatedUser",
    "GetStreamList",
    "NoSuchMethod",
];

/// Walks every app of `site`; returns how many object replies were compared.
/// Compares at most `limit` objects per app (a debug build takes long over a generated app).
fn compare_site(site: Site, limit: usize) -> usize {
    let site = Arc::new(site);
    let mut compared = 0;
    for app in &site.apps {
        if !app.meta.denied_users.is_empty() {
            continue;
        }
        // A session per app, as a client opens one app per socket.
        let s = Session::new(
            site.clone(),
            User::new("INTERNAL", "sa_engine"),
            SocketTarget::default(),
        );
        let mut id = 0;
        for m in GLOBAL_METHODS {
            ask(&s, &mut id, -1, m, json!([]));
        }
        let opened = ask_once(&s, &mut id, -1, "OpenDoc", json!([app.meta.id]));
        let doc = opened["qReturn"]["qHandle"].as_i64().unwrap();
        for m in DOC_METHODS {
            ask(&s, &mut id, doc, m, json!([]));
        }
        let index = app.index();
        for o in index.objects.iter().take(limit) {
            let getter = match o.class {
                Class::GenericObject => "GetObject",
                Class::GenericDimension => "GetDimension",
                Class::GenericMeasure => "GetMeasure",
                Class::GenericBookmark => "GetBookmark",
                Class::GenericVariable => "GetVariableById",
            };
            let got = ask(&s, &mut id, doc, getter, json!([o.id]));
            let Some(h) = got["qReturn"]["qHandle"].as_i64() else {
                panic!("{getter} {} in {}: {got}", o.id, app.meta.id);
            };
            for m in OBJECT_METHODS {
                // GetLinkedObjects scans the whole app per call (never cached): the small
                // sites check it, a generated app would make this test minutes long.
                if *m == "GetLinkedObjects" && index.objects.len() > 500 {
                    continue;
                }
                let r = ask(&s, &mut id, h, m, json!([]));
                match *m {
                    "GetProperties" => assert_eq!(r, json!({"qProp": o.props})),
                    "GetFullPropertyTree" if o.class == Class::GenericObject => {
                        assert_eq!(r, json!({"qPropEntry": expected_tree(&index, o)}))
                    }
                    _ => {}
                }
            }
            for child in &o.children {
                ask(&s, &mut id, h, "GetChild", json!([child]));
            }
            compared += 1;
        }
    }
    compared
}

#[test]
fn demo_site_replies_are_unchanged() {
    assert!(compare_site(Site::demo().unwrap(), usize::MAX) > 10);
}

#[test]
fn hostile_and_variant_site_replies_are_unchanged() {
    let hostile = Site::from_json(&qlik_tui::sim::hostile::site_json()).unwrap();
    assert!(compare_site(hostile, usize::MAX) > 10);
    let variant = Site::from_json(&qlik_tui::sim::variant::site_json().unwrap()).unwrap();
    assert!(compare_site(variant, usize::MAX) > 10);
}

#[test]
fn generated_site_replies_are_unchanged() {
    // Sheets come first, each followed by its subtree: 300 objects hold whole sheets.
    assert!(compare_site(Site::scaled(1).unwrap(), 300) >= 300);
}

#[test]
fn a_session_object_is_answered_from_its_own_properties() {
    // Session objects are never cached: one made with a persisted object's id shadows it.
    let site = Arc::new(Site::demo().unwrap());
    let app = site
        .apps
        .iter()
        .find(|a| a.meta.denied_users.is_empty())
        .unwrap();
    let sheet = app.index().objects[0].clone();
    let s = Session::new(
        site.clone(),
        User::new("INTERNAL", "sa_engine"),
        SocketTarget::default(),
    );
    let mut id = 0;
    let opened = ask_once(&s, &mut id, -1, "OpenDoc", json!([app.meta.id]));
    let doc = opened["qReturn"]["qHandle"].as_i64().unwrap();
    let h = ask(&s, &mut id, doc, "GetObject", json!([sheet.id]))["qReturn"]["qHandle"]
        .as_i64()
        .unwrap();
    // Warm the persisted object's cache first.
    ask(&s, &mut id, h, "GetProperties", json!([]));
    let mine = json!({"qInfo": {"qId": "mine", "qType": "x"}, "title": "session"});
    let made = ask_once(&s, &mut id, doc, "CreateSessionObject", json!([mine]));
    let mh = made["qReturn"]["qHandle"].as_i64().unwrap();
    assert_eq!(
        ask(&s, &mut id, mh, "GetProperties", json!([])),
        json!({"qProp": mine})
    );
    assert_eq!(
        ask(&s, &mut id, mh, "GetFullPropertyTree", json!([]))["qPropEntry"]["qProperty"],
        mine
    );
}
