//! The Global class (handle -1): versions, the user, the doc list, opening a doc.

use serde_json::{Value, json};

use super::data::{App, Site};
use super::dispatch::{
    ACCESS_DENIED, APP_ALREADY_OPEN, APP_NOT_FOUND, APP_NOT_OPEN, Handled, Reply, error,
};
use super::params::Args;

const APP_ALREADY_OPEN_IN_DIFFERENT_MODE: i64 = 1009;
use super::session::{OpenDoc, Session, Target};

pub fn call(session: &Session, method: &str, args: &Args) -> Handled {
    let site = &session.site;
    let v = match method {
        "EngineVersion" => json!({"qComponentVersion": site.engine.component_version}),
        "ProductVersion" => json!(site.engine.product_version),
        "GetAuthenticatedUser" => json!(session.user.engine_name()),
        "GetDocList" => Value::Array(site.apps.iter().map(|a| doc_list_entry(site, a)).collect()),
        "OpenDoc" => return open_doc(session, args.str(0)?, args.bool(4)?).map(Some),
        "GetActiveDoc" => {
            let state = session.state();
            let doc = state
                .doc
                .as_ref()
                .ok_or_else(|| error(APP_NOT_OPEN, "", "no app is open in this session"))?;
            doc_ref(doc.handle, &doc.meta.id)
        }
        "IsDesktopMode" | "IsPersonalMode" | "AllowCreateApp" => json!(false),
        "OSName" => json!("windows"),
        "OSVersion" => json!("10.0.20348"),
        "QTProduct" => json!("Qlik Sense"),
        "GetUniqueID" => json!(format!("sim-{}", session.user.key())),
        "GetConfiguration" => json!({"qFeatures": {}}),
        "GetStreamList" => Value::Array(
            site.streams
                .iter()
                .map(|s| json!({"qName": s.name, "qId": s.id}))
                .collect(),
        ),
        "AbortAll" | "AbortRequest" => return Ok(Some(Reply::many(vec![Value::Null]))),
        "GetProgress" => {
            json!({"qPersistentProgress": "", "qTransientProgress": "", "qFinished": true,
            "qCompleted": 0, "qTotal": 0, "qKB": 0, "qMillisecs": 0, "qUserInteractionWanted": false,
            "qProgressData": [], "qErrorData": []})
        }
        _ => return Ok(None),
    };
    Ok(Some(Reply::one(v)))
}

fn doc_ref(handle: i64, app_id: &str) -> Value {
    json!({"qType": "Doc", "qHandle": handle, "qGenericId": app_id})
}

pub(super) fn open_doc(
    session: &Session,
    app_id: &str,
    no_data: bool,
) -> Result<Reply, crate::engine::wire::RpcErrorBody> {
    let app = session
        .site
        .app(app_id)
        .ok_or_else(|| error(APP_NOT_FOUND, app_id, "App not found"))?;
    if app.meta.denies(&session.user.key()) {
        return Err(error(
            ACCESS_DENIED,
            app_id,
            format!(
                "Access denied: {} may not open this app",
                session.user.key()
            ),
        ));
    }
    let index = app.index();
    let mut state = session.state();
    if let Some(open) = &state.doc {
        // On a shared session the app may be open already, perhaps in the other mode.
        if open.meta.id == app_id && open.no_data != no_data {
            return Err(error(
                APP_ALREADY_OPEN_IN_DIFFERENT_MODE,
                app_id,
                "App already open in a different mode (with / without data) in this session",
            ));
        }
        return Err(error(
            APP_ALREADY_OPEN,
            app_id,
            "App already open in this session: open another socket for another app",
        ));
    }
    let handle = state.handle_for(Target::Doc);
    state.doc = Some(OpenDoc {
        meta: app.meta.clone(),
        index,
        handle,
        no_data,
    });
    Ok(Reply::one(doc_ref(handle, app_id)))
}

/// One DocListEntry, as QSEoW fills it (qFileSize is 0 there; the data may set it).
pub fn doc_list_entry(site: &Site, app: &App) -> Value {
    let m = &app.meta;
    let mut meta = json!({
        "createdDate": m.created_date,
        "modifiedDate": m.modified_date,
        "published": m.published(),
        "privileges": ["read", "update", "delete", "exportdata", "publish", "duplicate", "offlineaccess", "approve"],
        "description": m.description,
        "qStaticByteSize": m.file_size,
        "dynamicColor": "",
        "owner": {"userDirectory": m.owner.user_directory, "userId": m.owner.user_id, "name": m.owner.name},
    });
    if let Some(t) = &m.publish_time {
        meta["publishTime"] = json!(t);
    }
    if let Some(s) = m.stream.as_deref().and_then(|id| site.stream(id)) {
        meta["stream"] = json!({"id": s.id, "name": s.name});
    }
    json!({
        "qDocName": m.title,
        "qConnectedUsers": 0,
        "qFileTime": 0,
        "qFileSize": m.file_size,
        "qDocId": m.id,
        "qMeta": meta,
        "qLastReloadTime": m.last_reload_time,
        "qReadOnly": false,
        "qTitle": m.title,
        "qThumbnail": {"qUrl": ""},
        "qHasSectionAccess": !m.denied_users.is_empty(),
        "qIsDirectQueryMode": false,
        "qUsage": "ANALYTICS_USAGE",
    })
}
