//! The protocol answers without a socket: error codes, handles, result keys, not-found.

use std::sync::Arc;

use serde_json::{Value, json};

use super::auth::{SocketTarget, User};
use super::data::Site;
use super::dispatch::respond;
use super::session::Session;
use crate::engine::wire::{Request, Response};

fn session() -> Session {
    Session::new(
        Arc::new(Site::demo().unwrap()),
        User::new("INTERNAL", "sa_engine"),
        SocketTarget::default(),
    )
}

fn call(s: &Session, id: u64, handle: i64, method: &str, params: Value) -> Response {
    respond(s, &Request::new(id, handle, method, params))
}

fn ok(r: Response) -> Value {
    assert!(r.error.is_none(), "unexpected error {:?}", r.error);
    r.result.unwrap()
}

fn code(r: Response) -> i64 {
    r.error.expect("an error").code
}

fn first_app(s: &Session) -> String {
    s.site
        .apps
        .iter()
        .find(|a| a.meta.denied_users.is_empty())
        .unwrap()
        .meta
        .id
        .clone()
}

#[test]
fn global_results_use_the_schema_keys() {
    let s = session();
    let r = ok(call(&s, 1, -1, "EngineVersion", json!([])));
    assert!(r["qVersion"]["qComponentVersion"].is_string());
    let r = ok(call(&s, 2, -1, "GetAuthenticatedUser", json!([])));
    assert_eq!(
        r,
        json!({"qReturn": "UserDirectory=INTERNAL; UserId=sa_engine"})
    );
    let r = ok(call(&s, 3, -1, "GetDocList", json!([])));
    let list = r["qDocList"].as_array().unwrap();
    assert_eq!(list.len(), s.site.apps.len());
    assert!(r.get("qReturn").is_none());
    let published = list
        .iter()
        .find(|d| d["qMeta"]["published"] == true)
        .unwrap();
    assert!(published["qMeta"]["stream"]["name"].is_string());
}

#[test]
fn open_doc_rules() {
    let s = session();
    assert_eq!(
        code(call(&s, 1, -1, "OpenDoc", json!(["no-such-app"]))),
        1003
    );
    let denied = s
        .site
        .apps
        .iter()
        .find(|a| !a.meta.denied_users.is_empty())
        .unwrap()
        .meta
        .id
        .clone();
    assert_eq!(code(call(&s, 2, -1, "OpenDoc", json!([denied]))), 5);
    let app = first_app(&s);
    let r = ok(call(&s, 3, -1, "OpenDoc", json!({"qDocName": app})));
    assert_eq!(r["qReturn"]["qType"], "Doc");
    assert_eq!(r["qReturn"]["qHandle"], 1);
    assert_eq!(r["qReturn"]["qGenericId"], app.as_str());
    assert_eq!(code(call(&s, 4, -1, "OpenDoc", json!([app]))), 1002);
    let r = ok(call(&s, 5, -1, "GetActiveDoc", json!([])));
    assert_eq!(r["qReturn"]["qHandle"], 1);
}

#[test]
fn unknown_methods_bad_params_and_not_found() {
    let s = session();
    assert_eq!(code(call(&s, 1, -1, "NoSuchMethod", json!([]))), -32601);
    assert_eq!(code(call(&s, 2, -1, "OpenDoc", json!([42]))), -32602);
    assert_eq!(
        code(call(&s, 3, -1, "OpenDoc", json!({"qNope": 1}))),
        -32602
    );
    let app = first_app(&s);
    ok(call(&s, 4, -1, "OpenDoc", json!([app])));
    let r = ok(call(&s, 5, 1, "GetObject", json!(["no-such-object"])));
    assert_eq!(r, json!({"qReturn": {"qType": null, "qHandle": null}}));
    // Writes are refused: the simulator is read-only.
    assert_eq!(code(call(&s, 6, 1, "DoSave", json!([]))), 5);
    // A handle nobody handed out.
    assert_eq!(code(call(&s, 7, 99, "GetLayout", json!([]))), -32600);
}

#[test]
fn objects_get_handles_from_one_and_keep_them() {
    let s = session();
    let app = first_app(&s);
    ok(call(&s, 1, -1, "OpenDoc", json!([app])));
    let infos = ok(call(&s, 2, 1, "GetAllInfos", json!([])));
    let sheet = infos["qInfos"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["qType"] == "sheet")
        .unwrap()["qId"]
        .as_str()
        .unwrap()
        .to_string();
    let r = ok(call(&s, 3, 1, "GetObject", json!([sheet])));
    assert_eq!(
        r["qReturn"],
        json!({"qType": "GenericObject", "qHandle": 2, "qGenericType": "sheet", "qGenericId": sheet})
    );
    let again = ok(call(&s, 4, 1, "GetObject", json!([sheet])));
    assert_eq!(again["qReturn"]["qHandle"], 2);
    let layout = ok(call(&s, 5, 2, "GetLayout", json!([])));
    assert!(layout["qLayout"]["qChildList"]["qItems"].is_array());
    let tree = ok(call(&s, 6, 2, "GetFullPropertyTree", json!([])));
    assert_eq!(
        tree["qPropEntry"]["qProperty"]["qInfo"]["qId"],
        sheet.as_str()
    );
    let kids = ok(call(&s, 7, 2, "GetChildInfos", json!([])));
    assert_eq!(
        kids["qInfos"].as_array().unwrap().len(),
        tree["qPropEntry"]["qChildren"].as_array().unwrap().len()
    );
    let tk = ok(call(
        &s,
        8,
        1,
        "GetTablesAndKeys",
        json!([{"qcx": 0, "qcy": 0}, {"qcx": 0, "qcy": 0}, 0, true, false]),
    ));
    assert!(tk["qtr"].as_array().unwrap().len() >= 2);
    assert!(tk["qk"].is_array());
    assert!(tk.get("qReturn").is_none());
}

#[test]
fn session_objects_list_sheets_and_are_destroyed() {
    let s = session();
    let app = first_app(&s);
    ok(call(&s, 1, -1, "OpenDoc", json!([app])));
    let props = json!({"qInfo": {"qId": "SheetList", "qType": "SheetList"},
        "qAppObjectListDef": {"qType": "sheet", "qData": {"title": "/qMetaDef/title", "cells": "/cells"}}});
    let r = ok(call(&s, 2, 1, "CreateSessionObject", json!([props])));
    assert_eq!(r["qReturn"]["qGenericType"], "SheetList");
    let h = r["qReturn"]["qHandle"].as_i64().unwrap();
    let layout = ok(call(&s, 3, h, "GetLayout", json!([])));
    let items = layout["qLayout"]["qAppObjectList"]["qItems"]
        .as_array()
        .unwrap();
    let expected = s
        .site
        .app(&app)
        .unwrap()
        .index()
        .of_type(super::data::Class::GenericObject, "sheet")
        .count();
    assert_eq!(items.len(), expected);
    assert!(
        items
            .iter()
            .all(|i| i["qData"]["title"].is_string() && i["qData"]["cells"].is_array())
    );
    let r = call(&s, 4, 1, "DestroySessionObject", json!(["SheetList"]));
    assert_eq!(r.close, vec![h]);
    assert_eq!(ok(r), json!({"qSuccess": true}));
}

#[test]
fn a_shared_session_keeps_its_open_doc() {
    // Two sockets attached to one session share its state: the second OpenDoc is refused and
    // GetActiveDoc finds the doc.
    let s = session();
    let app = first_app(&s);
    ok(call(&s, 1, -1, "OpenDoc", json!([app])));
    assert_eq!(code(call(&s, 2, -1, "OpenDoc", json!([app]))), 1002);
    // The same app without data is the other mode.
    assert_eq!(
        code(call(&s, 9, -1, "OpenDoc", json!([app, "", "", "", true]))),
        1009
    );
    let r = ok(call(&s, 3, -1, "GetActiveDoc", json!([])));
    assert_eq!(r["qReturn"]["qGenericId"], app.as_str());
}

#[test]
fn master_item_layouts_compute_their_parts() {
    let s = session();
    let app = first_app(&s);
    ok(call(&s, 1, -1, "OpenDoc", json!([app])));
    let props = json!({"qInfo": {"qType": "DimensionList"},
        "qDimensionListDef": {"qType": "dimension", "qData": {"title": "/qMetaDef/title", "info": "/qDimInfos"}}});
    let r = ok(call(&s, 2, 1, "CreateSessionObject", json!([props])));
    let h = r["qReturn"]["qHandle"].as_i64().unwrap();
    let l = ok(call(&s, 3, h, "GetLayout", json!([])));
    let items = l["qLayout"]["qDimensionList"]["qItems"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items.iter().all(|i| i["qData"]["info"].is_array()));
    let vars = s.site.app(&app).unwrap().index();
    let var = vars
        .of_type(super::data::Class::GenericVariable, "")
        .next()
        .unwrap();
    let name = var.props["qName"].as_str().unwrap().to_string();
    let r = ok(call(&s, 4, 1, "GetVariableByName", json!([name])));
    assert_eq!(r["qReturn"]["qType"], "GenericVariable");
    let h = r["qReturn"]["qHandle"].as_i64().unwrap();
    let l = ok(call(&s, 5, h, "GetLayout", json!([])));
    assert!(l["qLayout"]["qText"].is_string());
}
