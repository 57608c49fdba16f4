//! The Doc class: the open app's layout and properties, its objects by id, session objects,
//! master items, the data model and the script.

use serde_json::{Value, json};

use super::data::Class;
use super::dispatch::{APP_NOT_OPEN, GENERIC_NOT_FOUND, Handled, Reply, error};
use super::layout::{self, Ctx};
use super::lists;
use super::model;
use super::params::Args;
use super::session::{OpenDoc, Session, Target, not_found_ref, obj_ref};
use crate::engine::wire::RpcErrorBody;

const ALREADY_EXISTS: i64 = 3;

fn open_doc(session: &Session) -> Result<OpenDoc, RpcErrorBody> {
    session
        .state()
        .doc
        .clone()
        .ok_or_else(|| error(APP_NOT_OPEN, "", "no app is open in this session"))
}

pub fn call(session: &Session, method: &str, args: &Args) -> Handled {
    let doc = open_doc(session)?;
    let ctx = Ctx {
        app: &doc.meta,
        index: &doc.index,
        no_data: doc.no_data,
    };
    let one = |v: Value| Ok(Some(Reply::one(v)));
    match method {
        "GetAppLayout" => one(app_layout(session, &doc)),
        "GetAppProperties" => one(app_properties(&doc)),
        "GetAllInfos" => one(Value::Array(
            doc.index
                .objects
                .iter()
                .map(|o| json!({"qId": o.id, "qType": o.object_type()}))
                .collect(),
        )),
        "GetObject" => one(get_ref(session, &doc, Class::GenericObject, args.str(0)?)),
        "GetMeasure" => one(get_ref(session, &doc, Class::GenericMeasure, args.str(0)?)),
        "GetDimension" => one(get_ref(
            session,
            &doc,
            Class::GenericDimension,
            args.str(0)?,
        )),
        "GetBookmark" => one(get_ref(session, &doc, Class::GenericBookmark, args.str(0)?)),
        "GetVariableById" => one(get_ref(session, &doc, Class::GenericVariable, args.str(0)?)),
        "GetVariableByName" => {
            let name = args.str(0)?;
            match doc.index.variable_by_name(name) {
                Some(v) => {
                    let id = v.id.clone();
                    one(get_ref(session, &doc, Class::GenericVariable, &id))
                }
                None => one(not_found_ref()),
            }
        }
        "GetObjects" => one(get_objects(
            session,
            &ctx,
            args.object(0)?,
            Class::GenericObject,
        )),
        "GetBookmarks" => one(get_objects(
            session,
            &ctx,
            args.object(0)?,
            Class::GenericBookmark,
        )),
        "CreateSessionObject" => create_session_object(session, args.value(0)?).map(Some),
        "DestroySessionObject" => {
            let id = args.str(0)?;
            let mut state = session.state();
            let existed = state.session_objects.remove(id).is_some();
            let closed = state.release(&Target::Object(Class::GenericObject, id.to_string()));
            Ok(Some(Reply {
                close: closed.into_iter().collect(),
                ..Reply::one(json!(existed))
            }))
        }
        "GetTablesAndKeys" => {
            let (qtr, qk) = if doc.no_data {
                (vec![], vec![])
            } else {
                (
                    model::table_records(&doc.index.tables),
                    model::source_keys(&doc.index.tables),
                )
            };
            Ok(Some(Reply::many(vec![Value::Array(qtr), Value::Array(qk)])))
        }
        "GetScript" => one(json!(doc.index.script)),
        "GetScriptEx" => one(json!({"qScript": doc.index.script, "qMeta": {}, "qIsLocked": false})),
        "GetScriptMeta" => one(json!({})),
        "GetConnections" | "GetLineage" | "GetMediaList" | "GetContentLibraries" => one(
            if method == "GetMediaList" || method == "GetContentLibraries" {
                json!({"qItems": []})
            } else {
                json!([])
            },
        ),
        "GetFieldDescription" => {
            let name = args.str(0)?;
            let tables = if doc.no_data {
                &[][..]
            } else {
                &doc.index.tables[..]
            };
            match model::field_description(tables, name) {
                Some(v) => one(v),
                None => Err(error(GENERIC_NOT_FOUND, name, "Field not found")),
            }
        }
        "GetLocaleInfo" => one(locale()),
        "Evaluate" => one(json!(evaluate(&ctx, args.str(0)?).text())),
        "EvaluateEx" => {
            let v = evaluate(&ctx, args.str(0)?);
            one(json!({
                "qText": v.text(),
                "qIsNumeric": v.num().is_some(),
                "qNumber": v.num().unwrap_or(0.0),
            }))
        }
        _ => Ok(None),
    }
}

/// Evaluate / EvaluateEx: the simple expressions `sim::expr` knows, over the whole table of
/// the app (none when it was opened without data); other text as titles evaluate it.
fn evaluate(ctx: &Ctx, text: &str) -> super::expr::Val {
    match super::expr::parse(text) {
        Some(e) => {
            let table = if ctx.no_data {
                &super::table::DataTable::default()
            } else {
                ctx.index.data_table()
            };
            let rows: Vec<usize> = (0..table.rows.len()).collect();
            super::expr::eval(&e, table, &rows)
        }
        None => super::expr::Val::Text(layout::eval_string(text)),
    }
}

/// An ObjRef to an existing object (a handle allocated on first use), or the not-found answer.
fn get_ref(session: &Session, doc: &OpenDoc, class: Class, id: &str) -> Value {
    let mut state = session.state();
    let object_type = if class == Class::GenericObject && state.session_objects.contains_key(id) {
        state.session_objects[id]
            .pointer("/qInfo/qType")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    } else {
        match doc.index.get(class, id) {
            Some(o) => o.object_type().to_string(),
            None => return not_found_ref(),
        }
    };
    let h = state.handle_for(Target::Object(class, id.to_string()));
    obj_ref(class.name(), h, &object_type, id)
}

fn create_session_object(session: &Session, props: &Value) -> Result<Reply, RpcErrorBody> {
    let Value::Object(_) = props else {
        return Err(error(-32602, "qProp", "qProp must be an object"));
    };
    let object_type = props
        .pointer("/qInfo/qType")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if object_type.is_empty() {
        return Err(error(-32602, "qProp", "qProp.qInfo.qType is required"));
    }
    let mut state = session.state();
    let id = match props.pointer("/qInfo/qId").and_then(Value::as_str) {
        Some(id) if !id.is_empty() => id.to_string(),
        _ => state.new_session_object_id(),
    };
    if state.session_objects.contains_key(&id) {
        return Err(error(
            ALREADY_EXISTS,
            &id,
            "An object with this id already exists",
        ));
    }
    let mut props = props.clone();
    props["qInfo"]["qId"] = json!(id);
    state.session_objects.insert(id.clone(), props);
    let h = state.handle_for(Target::Object(Class::GenericObject, id.clone()));
    Ok(Reply::one(obj_ref("GenericObject", h, &object_type, &id)))
}

/// GetObjects / GetBookmarks: NxContainerEntry per object of the asked types.
fn get_objects(
    session: &Session,
    ctx: &Ctx,
    opts: &serde_json::Map<String, Value>,
    class: Class,
) -> Value {
    let types: Vec<&str> = opts
        .get("qTypes")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let qdata = opts.get("qData");
    let mut out: Vec<Value> = ctx
        .index
        .objects
        .iter()
        .filter(|o| o.class == class && (types.is_empty() || types.contains(&o.object_type())))
        .map(|o| lists::item(ctx, o, qdata))
        .collect();
    let with_session = opts
        .get("qIncludeSessionObjects")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if with_session && class == Class::GenericObject {
        let state = session.state();
        for (id, p) in &state.session_objects {
            let t = p
                .pointer("/qInfo/qType")
                .and_then(Value::as_str)
                .unwrap_or("");
            if types.is_empty() || types.contains(&t) {
                out.push(json!({"qInfo": {"qId": id, "qType": t},
                    "qMeta": layout::meta_of(ctx, p, &Default::default()), "qData": {}}));
            }
        }
    }
    Value::Array(out)
}

fn stream_json(session: &Session, doc: &OpenDoc) -> Value {
    doc.meta
        .stream
        .as_deref()
        .and_then(|id| session.site.stream(id))
        .map(|s| json!({"id": s.id, "name": s.name}))
        .unwrap_or(Value::Null)
}

fn app_layout(session: &Session, doc: &OpenDoc) -> Value {
    let m = &doc.meta;
    let mut v = json!({
        "qTitle": m.title,
        "qFileName": m.id,
        "qLastReloadTime": m.last_reload_time,
        "qModified": false,
        "qHasScript": !doc.index.script.is_empty(),
        "qStateNames": [],
        "qMeta": {
            "privileges": ["read", "update", "delete", "reload", "export", "exportdata", "publish", "duplicate", "approve"],
            "hassectionaccess": !m.denied_users.is_empty(),
            "encrypted": true,
        },
        "qLocaleInfo": locale(),
        "qHasData": !doc.no_data,
        "qReadOnly": false,
        "qIsOpenedWithoutData": doc.no_data,
        "qIsSessionApp": false,
        "qThumbnail": {"qUrl": ""},
        "qIsDirectQueryMode": false,
        "qUnsupportedFeatures": [],
        "qUsage": "ANALYTICS_USAGE",
        "description": m.description,
        "published": m.published(),
        "createdDate": m.created_date,
        "modifiedDate": m.modified_date,
        "owner": {"userDirectory": m.owner.user_directory, "userId": m.owner.user_id, "name": m.owner.name},
    });
    if let Some(t) = &m.publish_time {
        v["publishTime"] = json!(t);
    }
    let stream = stream_json(session, doc);
    if !stream.is_null() {
        v["stream"] = stream;
    }
    v
}

fn app_properties(doc: &OpenDoc) -> Value {
    let m = &doc.meta;
    json!({
        "qTitle": m.title,
        "qLastReloadTime": m.last_reload_time,
        "qMigrationHash": "sim",
        "qSavedInProductVersion": "12.2027.0",
        "qThumbnail": {"qStaticContentUrlDef": {"qUrl": ""}},
        "qHasSectionAccess": !m.denied_users.is_empty(),
        "qUsage": "ANALYTICS_USAGE",
        "description": m.description,
        "sheetTitleBgColor": "#f2f2f2",
        "sheetTitleGradientColor": "#f2f2f2",
        "sheetTitleColor": "#404040",
        "sheetLogoThumbnail": {"qStaticContentUrlDef": null},
        "sheetLogoPosition": "0",
        "rtl": false,
        "theme": "sense",
        "disableCellNavMenu": false,
        "chartDebug": false,
    })
}

fn locale() -> Value {
    json!({
        "qDecimalSep": ".", "qThousandSep": ",", "qListSep": ",", "qMoneyDecimalSep": ".",
        "qMoneyThousandSep": ",", "qCurrentYear": 2026, "qMoneyFmt": "$#,##0.00;-$#,##0.00",
        "qTimeFmt": "h:mm:ss TT", "qDateFmt": "M/D/YYYY", "qTimestampFmt": "M/D/YYYY h:mm:ss[.fff] TT",
        "qCalendarStrings": {"qDayNames": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
            "qMonthNames": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
            "qLongDayNames": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
            "qLongMonthNames": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]},
        "qFirstWeekDay": 6, "qBrokenWeeks": true, "qReferenceDay": 0, "qFirstMonthOfYear": 1,
        "qCollation": "en-US", "qNumericalAbbreviation": "3:k;6:M;9:G;12:T;15:P;18:E;21:Z;24:Y;-3:m;-6:μ;-9:n;-12:p;-15:f;-18:a;-21:z;-24:y",
    })
}
