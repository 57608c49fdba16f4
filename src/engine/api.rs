//! Typed calls for what an explorer needs. Method names, parameter order and result keys follow
//! the enigma.js schema 12.2027.0 (a test checks every call against it). Layouts and properties
//! are returned as raw JSON so nothing the engine sent is lost.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::error::EngineError;
use super::rpc::RpcClient;
use super::wire::{GLOBAL_HANDLE, ObjRef};

/// Takes `key` out of a result object.
fn take(method: &str, mut result: Value, key: &str) -> Result<Value, EngineError> {
    match result.get_mut(key) {
        Some(v) => Ok(v.take()),
        None => Err(EngineError::Protocol(format!(
            "the reply to {method} has no '{key}'"
        ))),
    }
}

fn take_string(method: &str, result: Value, key: &str) -> Result<String, EngineError> {
    match take(method, result, key)? {
        Value::String(s) => Ok(s),
        other => Err(EngineError::Protocol(format!(
            "'{key}' in the reply to {method} is not a string: {}",
            short(&other)
        ))),
    }
}

fn take_as<T: serde::de::DeserializeOwned>(
    method: &str,
    result: Value,
    key: &str,
) -> Result<T, EngineError> {
    let v = take(method, result, key)?;
    serde_json::from_value(v).map_err(|e| {
        EngineError::Protocol(format!(
            "'{key}' in the reply to {method} has an unexpected shape: {e}"
        ))
    })
}

/// A reply value for an error message: cut at 80 characters (never inside one: a byte cut
/// would panic on a multi-byte character) and escaped, as it is engine text.
fn short(v: &Value) -> String {
    let s = v.to_string();
    crate::text::escape_for_terminal(&crate::text::cut_chars(&s, 80)).into_owned()
}

/// Reads `qReturn` as an object reference. A null `qType` means "not found" (enigma maps this to
/// OBJECT_NOT_FOUND), which becomes a typed error rather than a crash.
fn take_objref(
    method: &str,
    result: Value,
    what: &'static str,
    id: &str,
) -> Result<ObjRef, EngineError> {
    let r = take(method, result, "qReturn")?;
    if r.get("qType").is_none_or(Value::is_null) || r.get("qHandle").is_none_or(Value::is_null) {
        return Err(EngineError::ObjectNotFound {
            what,
            id: id.to_string(),
        });
    }
    serde_json::from_value(r)
        .map_err(|e| EngineError::Protocol(format!("qReturn of {method}: {e}")))
}

/// An entry of GetDocList.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DocListEntry {
    #[serde(rename = "qDocId", default)]
    pub doc_id: String,
    #[serde(rename = "qDocName", default)]
    pub doc_name: String,
    #[serde(rename = "qTitle", default)]
    pub title: String,
    #[serde(rename = "qLastReloadTime", default)]
    pub last_reload_time: String,
    #[serde(rename = "qMeta", default)]
    pub meta: Value,
    #[serde(rename = "qReadOnly", default)]
    pub read_only: bool,
    #[serde(rename = "qHasSectionAccess", default)]
    pub has_section_access: bool,
}

impl DocListEntry {
    /// The display name: the title, else the doc name.
    pub fn name(&self) -> &str {
        if self.title.is_empty() {
            &self.doc_name
        } else {
            &self.title
        }
    }
    pub fn stream(&self) -> Option<(String, String)> {
        let s = self.meta.get("stream")?;
        Some((
            s.get("id")?.as_str()?.to_string(),
            s.get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
        ))
    }
    pub fn published(&self) -> bool {
        self.meta
            .get("published")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }
    pub fn description(&self) -> &str {
        self.meta
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("")
    }
}

/// NxInfo: an object's id and type.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct NxInfo {
    #[serde(rename = "qId")]
    pub id: String,
    #[serde(rename = "qType", default)]
    pub r#type: String,
}

/// A field of a data-model table (FieldInTableData).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FieldInTable {
    #[serde(rename = "qName")]
    pub name: String,
    #[serde(rename = "qKeyType", default)]
    pub key_type: String,
    #[serde(rename = "qnRows", default)]
    pub rows: u64,
    #[serde(rename = "qnTotalDistinctValues", default)]
    pub distinct_values: u64,
    #[serde(rename = "qComment", default)]
    pub comment: String,
    #[serde(rename = "qTags", default)]
    pub tags: Vec<String>,
}

impl FieldInTable {
    pub fn is_key(&self) -> bool {
        !self.key_type.is_empty() && self.key_type != "NOT_KEY"
    }
}

/// A data-model table (TableRecord).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TableRecord {
    #[serde(rename = "qName")]
    pub name: String,
    #[serde(rename = "qNoOfRows", default)]
    pub rows: u64,
    #[serde(rename = "qFields", default)]
    pub fields: Vec<FieldInTable>,
    #[serde(rename = "qIsSynthetic", default)]
    pub synthetic: bool,
    #[serde(rename = "qLoose", default)]
    pub loose: bool,
    #[serde(rename = "qComment", default)]
    pub comment: String,
}

/// A key between tables (SourceKeyRecord).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SourceKeyRecord {
    #[serde(rename = "qKeyFields", default)]
    pub key_fields: Vec<String>,
    #[serde(rename = "qTables", default)]
    pub tables: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TablesAndKeys {
    pub tables: Vec<TableRecord>,
    pub keys: Vec<SourceKeyRecord>,
}

/// The Global object (handle -1).
#[derive(Clone)]
pub struct Global {
    rpc: Arc<RpcClient>,
}

impl Global {
    pub fn new(rpc: Arc<RpcClient>) -> Self {
        Global { rpc }
    }

    async fn call(&self, method: &str, params: Value) -> Result<Value, EngineError> {
        self.rpc.call(GLOBAL_HANDLE, method, params).await
    }

    /// The engine's component version (`qVersion.qComponentVersion`).
    pub async fn engine_version(&self) -> Result<String, EngineError> {
        let v = take(
            "EngineVersion",
            self.call("EngineVersion", json!([])).await?,
            "qVersion",
        )?;
        Ok(v.get("qComponentVersion")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string())
    }

    pub async fn product_version(&self) -> Result<String, EngineError> {
        take_string(
            "ProductVersion",
            self.call("ProductVersion", json!([])).await?,
            "qReturn",
        )
    }

    pub async fn get_authenticated_user(&self) -> Result<String, EngineError> {
        take_string(
            "GetAuthenticatedUser",
            self.call("GetAuthenticatedUser", json!([])).await?,
            "qReturn",
        )
    }

    pub async fn get_doc_list(&self) -> Result<Vec<DocListEntry>, EngineError> {
        take_as(
            "GetDocList",
            self.call("GetDocList", json!([])).await?,
            "qDocList",
        )
    }

    /// Opens an app. `no_data` opens it without loading data (faster, metadata only).
    pub async fn open_doc(&self, app_id: &str, no_data: bool) -> Result<Doc, EngineError> {
        let params = if no_data {
            json!([app_id, "", "", "", true])
        } else {
            json!([app_id])
        };
        let r = take_objref(
            "OpenDoc",
            self.call("OpenDoc", params).await?,
            "app",
            app_id,
        )?;
        Ok(Doc {
            rpc: self.rpc.clone(),
            handle: r.q_handle,
            id: if r.q_generic_id.is_empty() {
                app_id.to_string()
            } else {
                r.q_generic_id
            },
        })
    }

    pub async fn get_active_doc(&self) -> Result<Doc, EngineError> {
        let r = take_objref(
            "GetActiveDoc",
            self.call("GetActiveDoc", json!([])).await?,
            "active app",
            "",
        )?;
        Ok(Doc {
            rpc: self.rpc.clone(),
            handle: r.q_handle,
            id: r.q_generic_id,
        })
    }
}

/// An open app.
#[derive(Clone)]
pub struct Doc {
    rpc: Arc<RpcClient>,
    pub handle: i64,
    pub id: String,
}

impl Doc {
    async fn call(&self, method: &str, params: Value) -> Result<Value, EngineError> {
        self.rpc.call(self.handle, method, params).await
    }

    fn handle_of(&self, r: ObjRef) -> ObjectHandle {
        ObjectHandle {
            rpc: self.rpc.clone(),
            obj: r,
        }
    }

    pub async fn get_app_layout(&self) -> Result<Value, EngineError> {
        take(
            "GetAppLayout",
            self.call("GetAppLayout", json!([])).await?,
            "qLayout",
        )
    }

    pub async fn get_app_properties(&self) -> Result<Value, EngineError> {
        take(
            "GetAppProperties",
            self.call("GetAppProperties", json!([])).await?,
            "qProp",
        )
    }

    pub async fn get_all_infos(&self) -> Result<Vec<NxInfo>, EngineError> {
        take_as(
            "GetAllInfos",
            self.call("GetAllInfos", json!([])).await?,
            "qInfos",
        )
    }

    pub async fn get_object(&self, id: &str) -> Result<GenericObject, EngineError> {
        let r = take_objref(
            "GetObject",
            self.call("GetObject", json!([id])).await?,
            "object",
            id,
        )?;
        Ok(GenericObject(self.handle_of(r)))
    }

    /// GetObjects with the given types (`qList` of NxContainerEntry, raw).
    pub async fn get_objects(&self, types: &[&str]) -> Result<Vec<Value>, EngineError> {
        let opts = json!({"qTypes": types, "qIncludeSessionObjects": false, "qData": {}});
        take_as(
            "GetObjects",
            self.call("GetObjects", json!([opts])).await?,
            "qList",
        )
    }

    /// Creates a session object (it lives only in this session; the app is not modified).
    pub async fn create_session_object(&self, props: Value) -> Result<GenericObject, EngineError> {
        let id = props
            .pointer("/qInfo/qId")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let r = take_objref(
            "CreateSessionObject",
            self.call("CreateSessionObject", json!([props])).await?,
            "session object",
            &id,
        )?;
        Ok(GenericObject(self.handle_of(r)))
    }

    pub async fn destroy_session_object(&self, id: &str) -> Result<bool, EngineError> {
        let v = take(
            "DestroySessionObject",
            self.call("DestroySessionObject", json!([id])).await?,
            "qSuccess",
        )?;
        Ok(v.as_bool().unwrap_or(false))
    }

    pub async fn get_measure(&self, id: &str) -> Result<GenericMeasure, EngineError> {
        let r = take_objref(
            "GetMeasure",
            self.call("GetMeasure", json!([id])).await?,
            "master measure",
            id,
        )?;
        Ok(GenericMeasure(self.handle_of(r)))
    }

    pub async fn get_dimension(&self, id: &str) -> Result<GenericDimension, EngineError> {
        let r = take_objref(
            "GetDimension",
            self.call("GetDimension", json!([id])).await?,
            "master dimension",
            id,
        )?;
        Ok(GenericDimension(self.handle_of(r)))
    }

    pub async fn get_bookmark(&self, id: &str) -> Result<GenericBookmark, EngineError> {
        let r = take_objref(
            "GetBookmark",
            self.call("GetBookmark", json!([id])).await?,
            "bookmark",
            id,
        )?;
        Ok(GenericBookmark(self.handle_of(r)))
    }

    pub async fn get_variable_by_id(&self, id: &str) -> Result<GenericVariable, EngineError> {
        let r = take_objref(
            "GetVariableById",
            self.call("GetVariableById", json!([id])).await?,
            "variable",
            id,
        )?;
        Ok(GenericVariable(self.handle_of(r)))
    }

    /// The data model: tables with their fields, and the keys between them.
    pub async fn get_tables_and_keys(&self) -> Result<TablesAndKeys, EngineError> {
        let params = json!([{"qcx": 0, "qcy": 0}, {"qcx": 0, "qcy": 0}, 0, true, false]);
        let r = self.call("GetTablesAndKeys", params).await?;
        let tables = take_as("GetTablesAndKeys", r.clone(), "qtr")?;
        let keys = match r.get("qk") {
            Some(Value::Null) | None => vec![],
            Some(_) => take_as("GetTablesAndKeys", r, "qk")?,
        };
        Ok(TablesAndKeys { tables, keys })
    }

    /// The script with the read right alone (GetScriptEx; GetScript needs the reload right).
    pub async fn get_script_ex(&self) -> Result<String, EngineError> {
        let r = self.call("GetScriptEx", json!([])).await?;
        match r.pointer("/qScript/qScript") {
            Some(Value::String(s)) => Ok(s.clone()),
            _ => Err(EngineError::Protocol(format!(
                "the reply to GetScriptEx has no qScript.qScript string: {}",
                short(&r)
            ))),
        }
    }

    pub async fn get_script(&self) -> Result<String, EngineError> {
        take_string(
            "GetScript",
            self.call("GetScript", json!([])).await?,
            "qScript",
        )
    }

    /// Evaluate: an expression's text as the engine computes it over the app's data (selections
    /// as they are; qlik-tui makes none).
    pub async fn evaluate(&self, expr: &str) -> Result<String, EngineError> {
        take_string(
            "Evaluate",
            self.call("Evaluate", json!([expr])).await?,
            "qReturn",
        )
    }

    /// EvaluateEx: the expression's `FieldValue` (`qText`, `qIsNumeric`, `qNumber`).
    pub async fn evaluate_ex(&self, expr: &str) -> Result<Value, EngineError> {
        take(
            "EvaluateEx",
            self.call("EvaluateEx", json!([expr])).await?,
            "qValue",
        )
    }

    pub fn rpc(&self) -> &Arc<RpcClient> {
        &self.rpc
    }
}

/// A handle on any generic object class (object, master item, bookmark, variable): the calls
/// they all share.
#[derive(Clone)]
pub struct ObjectHandle {
    rpc: Arc<RpcClient>,
    pub obj: ObjRef,
}

impl ObjectHandle {
    async fn call(&self, method: &str, params: Value) -> Result<Value, EngineError> {
        self.rpc.call(self.obj.q_handle, method, params).await
    }

    pub fn handle(&self) -> i64 {
        self.obj.q_handle
    }
    pub fn id(&self) -> &str {
        &self.obj.q_generic_id
    }
    pub fn object_type(&self) -> &str {
        &self.obj.q_generic_type
    }

    pub async fn get_layout(&self) -> Result<Value, EngineError> {
        take(
            "GetLayout",
            self.call("GetLayout", json!([])).await?,
            "qLayout",
        )
    }

    /// GetHyperCubeData / GetListObjectData (`method`): the `NxDataPage`s of the definition at
    /// `path` for the `NxPage`s asked.
    pub async fn get_data_pages(
        &self,
        method: &'static str,
        path: &str,
        pages: Value,
    ) -> Result<Vec<Value>, EngineError> {
        take_as(
            method,
            self.call(method, json!([path, pages])).await?,
            "qDataPages",
        )
    }

    pub async fn get_properties(&self) -> Result<Value, EngineError> {
        take(
            "GetProperties",
            self.call("GetProperties", json!([])).await?,
            "qProp",
        )
    }

    pub async fn get_info(&self) -> Result<NxInfo, EngineError> {
        take_as("GetInfo", self.call("GetInfo", json!([])).await?, "qInfo")
    }
}

macro_rules! object_class {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name(pub ObjectHandle);
        impl std::ops::Deref for $name {
            type Target = ObjectHandle;
            fn deref(&self) -> &ObjectHandle {
                &self.0
            }
        }
    };
}

object_class!(
    /// A generic object: sheet, visualization, container, list object...
    GenericObject
);
object_class!(
    /// A master measure.
    GenericMeasure
);
object_class!(
    /// A master dimension.
    GenericDimension
);
object_class!(
    /// A bookmark.
    GenericBookmark
);
object_class!(
    /// A variable.
    GenericVariable
);

impl GenericObject {
    /// Properties with the `qExtendsId` link resolved (a master visualization's properties
    /// merged in).
    pub async fn get_effective_properties(&self) -> Result<Value, EngineError> {
        take(
            "GetEffectiveProperties",
            self.call("GetEffectiveProperties", json!([])).await?,
            "qProp",
        )
    }

    /// The object's whole subtree in one request: `{qProperty, qChildren[], ...}`.
    pub async fn get_full_property_tree(&self) -> Result<Value, EngineError> {
        take(
            "GetFullPropertyTree",
            self.call("GetFullPropertyTree", json!([])).await?,
            "qPropEntry",
        )
    }

    /// GetFullPropertyTree's result as the engine sent it (`{"qPropEntry": …}`), for a caller
    /// that reads only part of each node (see `explore::prop_tree`).
    pub async fn get_full_property_tree_raw(&self) -> Result<super::wire::RawResult, EngineError> {
        self.0
            .rpc
            .call_raw(self.0.obj.q_handle, "GetFullPropertyTree", json!([]))
            .await
    }

    pub async fn get_child_infos(&self) -> Result<Vec<NxInfo>, EngineError> {
        take_as(
            "GetChildInfos",
            self.call("GetChildInfos", json!([])).await?,
            "qInfos",
        )
    }

    pub async fn get_child(&self, id: &str) -> Result<GenericObject, EngineError> {
        let r = take_objref(
            "GetChild",
            self.call("GetChild", json!([id])).await?,
            "child object",
            id,
        )?;
        Ok(GenericObject(ObjectHandle {
            rpc: self.0.rpc.clone(),
            obj: r,
        }))
    }
}

impl GenericMeasure {
    pub async fn get_measure(&self) -> Result<Value, EngineError> {
        take(
            "GetMeasure",
            self.call("GetMeasure", json!([])).await?,
            "qMeasure",
        )
    }
}

impl GenericDimension {
    pub async fn get_dimension(&self) -> Result<Value, EngineError> {
        take(
            "GetDimension",
            self.call("GetDimension", json!([])).await?,
            "qDim",
        )
    }
}

impl GenericVariable {
    pub async fn get_raw_content(&self) -> Result<String, EngineError> {
        take_string(
            "GetRawContent",
            self.call("GetRawContent", json!([])).await?,
            "qReturn",
        )
    }
}

/// (class, method, result key) of every typed call above, for the schema conformance test.
pub const TYPED_CALLS: &[(&str, &str, &str)] = &[
    ("Global", "EngineVersion", "qVersion"),
    ("Global", "ProductVersion", "qReturn"),
    ("Global", "GetAuthenticatedUser", "qReturn"),
    ("Global", "GetDocList", "qDocList"),
    ("Global", "OpenDoc", "qReturn"),
    ("Global", "GetActiveDoc", "qReturn"),
    ("Doc", "GetAppLayout", "qLayout"),
    ("Doc", "GetAppProperties", "qProp"),
    ("Doc", "GetAllInfos", "qInfos"),
    ("Doc", "GetObject", "qReturn"),
    ("Doc", "GetObjects", "qList"),
    ("Doc", "CreateSessionObject", "qReturn"),
    ("Doc", "DestroySessionObject", "qSuccess"),
    ("Doc", "GetMeasure", "qReturn"),
    ("Doc", "GetDimension", "qReturn"),
    ("Doc", "GetBookmark", "qReturn"),
    ("Doc", "GetVariableById", "qReturn"),
    ("Doc", "GetTablesAndKeys", "qtr"),
    ("Doc", "GetScript", "qScript"),
    ("Doc", "GetScriptEx", "qScript"),
    ("GenericObject", "GetLayout", "qLayout"),
    ("GenericObject", "GetProperties", "qProp"),
    ("GenericObject", "GetEffectiveProperties", "qProp"),
    ("GenericObject", "GetFullPropertyTree", "qPropEntry"),
    ("GenericObject", "GetChildInfos", "qInfos"),
    ("GenericObject", "GetInfo", "qInfo"),
    ("GenericObject", "GetChild", "qReturn"),
    ("GenericMeasure", "GetLayout", "qLayout"),
    ("GenericMeasure", "GetProperties", "qProp"),
    ("GenericMeasure", "GetMeasure", "qMeasure"),
    ("GenericDimension", "GetLayout", "qLayout"),
    ("GenericDimension", "GetProperties", "qProp"),
    ("GenericDimension", "GetDimension", "qDim"),
    ("GenericBookmark", "GetLayout", "qLayout"),
    ("GenericBookmark", "GetProperties", "qProp"),
    ("GenericVariable", "GetLayout", "qLayout"),
    ("GenericVariable", "GetProperties", "qProp"),
    ("GenericVariable", "GetRawContent", "qReturn"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rpc::READ_ONLY_METHODS;
    use crate::engine::schema::Schema;

    #[test]
    fn a_multi_byte_character_at_the_cut_does_not_panic() {
        // JSON adds a quote in front: 78 ASCII characters, then 'é' spans the 80th byte.
        let v = Value::from(format!("{}é€ and more to cut", "a".repeat(78)));
        let s = short(&v);
        assert!(s.ends_with('…') && s.contains('é'), "{s}");
        assert_eq!(s.chars().count(), 81);
    }

    #[test]
    fn typed_calls_match_the_schema() {
        let schema = Schema::get();
        for (class, method, key) in TYPED_CALLS {
            let spec = schema
                .method(class, method)
                .unwrap_or_else(|| panic!("{class}.{method} is not in the schema"));
            assert!(
                spec.result_keys().contains(key),
                "{class}.{method}: schema result keys {:?}, we read {key}",
                spec.result_keys()
            );
            assert!(
                READ_ONLY_METHODS.contains(method),
                "{method} is not on the read-only list"
            );
        }
        // OpenDoc's qNoData is the 5th parameter, as we send it.
        assert_eq!(
            schema.method("Global", "OpenDoc").unwrap().params[4].name,
            "qNoData"
        );
        let tk = &schema.method("Doc", "GetTablesAndKeys").unwrap().params;
        let names: Vec<_> = tk.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "qWindowSize",
                "qNullSize",
                "qCellHeight",
                "qSyntheticMode",
                "qIncludeSysVars",
                "qIncludeProfiling"
            ]
        );
    }

    #[test]
    fn the_read_only_list_has_no_method_that_writes() {
        for m in READ_ONLY_METHODS {
            for bad in [
                "Set", "Save", "Reload", "Create", "Destroy", "Apply", "Clear", "Select", "Lock",
                "Delete", "Import", "Replace", "Add", "Remove", "Publish", "Approve", "Undo",
                "Redo",
            ] {
                if m.starts_with(bad) {
                    // The two session-object methods create and destroy objects that live only
                    // in the session; they never reach the app.
                    assert!(
                        *m == "CreateSessionObject" || *m == "DestroySessionObject",
                        "{m} looks like a write"
                    );
                }
            }
        }
    }

    #[test]
    fn not_found_is_typed() {
        let r = json!({"qReturn": {"qType": null, "qHandle": null}});
        let e = take_objref("GetObject", r, "object", "nope").unwrap_err();
        assert!(matches!(e, EngineError::ObjectNotFound { id, .. } if id == "nope"));
    }
}
