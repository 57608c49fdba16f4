//! The Qlik Engine JSON-RPC wire shapes, shared by the client and the simulator.
//!
//! Request: `{"jsonrpc":"2.0","id":N,"handle":H,"method":"Name","params":[...]}`.
//! Response: `{"jsonrpc":"2.0","id":N,"result":{...},"change":[h],"close":[h]}` or with `error`.
//! Notification: `{"jsonrpc":"2.0","method":"OnConnected","params":{...}}` (no id).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The handle of the Global object, the only static handle.
pub const GLOBAL_HANDLE: i64 = -1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Request {
    #[serde(default = "jsonrpc_version")]
    pub jsonrpc: String,
    pub id: Value,
    #[serde(default = "global_handle")]
    pub handle: i64,
    pub method: String,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub params: Value,
}

fn jsonrpc_version() -> String {
    "2.0".to_string()
}
fn global_handle() -> i64 {
    GLOBAL_HANDLE
}

impl Request {
    pub fn new(id: u64, handle: i64, method: &str, params: Value) -> Self {
        Request {
            jsonrpc: jsonrpc_version(),
            id: Value::from(id),
            handle,
            method: method.to_string(),
            params,
        }
    }
}

/// The `error` member of a response.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RpcErrorBody {
    pub code: i64,
    #[serde(default)]
    pub parameter: String,
    #[serde(default)]
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Response {
    #[serde(default = "jsonrpc_version")]
    pub jsonrpc: String,
    pub id: Value,
    /// `"result": null` is a result (JSON-RPC: present means success), unlike no `result`.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub result: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<RpcErrorBody>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub change: Vec<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub close: Vec<i64>,
}

/// A member that is there, even as `null` (serde reads a `null` Option as absent).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

impl Response {
    pub fn ok(id: Value, result: Value) -> Self {
        Response {
            jsonrpc: jsonrpc_version(),
            id,
            result: Some(result),
            error: None,
            change: vec![],
            close: vec![],
        }
    }
    pub fn err(
        id: Value,
        code: i64,
        parameter: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Response {
            jsonrpc: jsonrpc_version(),
            id,
            result: None,
            error: Some(RpcErrorBody {
                code,
                parameter: parameter.into(),
                message: message.into(),
            }),
            change: vec![],
            close: vec![],
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Notification {
    #[serde(default = "jsonrpc_version")]
    pub jsonrpc: String,
    pub method: String,
    #[serde(default)]
    pub params: Value,
}

impl Notification {
    pub fn new(method: &str, params: Value) -> Self {
        Notification {
            jsonrpc: jsonrpc_version(),
            method: method.to_string(),
            params,
        }
    }
}

/// Anything the engine sends: a reply to a request, or a notification.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    Response(Response),
    Notification(Notification),
}

impl Incoming {
    /// Classifies a frame the way enigma.js does: a message with an `id` is a reply, one without
    /// an id but with a `method` is a notification.
    pub fn parse(text: &str) -> Result<Incoming, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let has_id = v.get("id").is_some_and(|id| !id.is_null());
        if has_id {
            serde_json::from_value(v)
                .map(Incoming::Response)
                .map_err(|e| format!("not a JSON-RPC response: {e}"))
        } else if v.get("method").is_some() {
            serde_json::from_value(v)
                .map(Incoming::Notification)
                .map_err(|e| format!("not a JSON-RPC notification: {e}"))
        } else {
            Err("neither a response (no id) nor a notification (no method)".into())
        }
    }
}

/// A reply's `result` as the JSON text the engine sent, read by nobody yet: the caller parses
/// it into what it needs (a typed struct, a `Value` only where the content is opaque), and that
/// parse is the only one. Text that is not JSON inside its brackets fails there, naming the
/// method (the reader only found where the result ends).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawResult(Box<str>);

impl RawResult {
    /// The result's JSON text.
    pub fn get(&self) -> &str {
        &self.0
    }
}

impl From<String> for RawResult {
    fn from(text: String) -> Self {
        RawResult(text.into_boxed_str())
    }
}

impl From<&str> for RawResult {
    fn from(text: &str) -> Self {
        RawResult(text.into())
    }
}

/// A reply as the client's reader takes it, in one pass over the frame's brackets: `result` is
/// cut out as text (see `RawResult`), never parsed here, so the reader builds no `Value` tree
/// and the result's text is read once, by its caller.
#[derive(Debug)]
pub struct RawReply<'a> {
    pub result: Option<&'a str>,
    pub error: Option<RpcErrorBody>,
    pub change: Vec<i64>,
    pub close: Vec<i64>,
}

impl<'a> RawReply<'a> {
    /// The frame as a reply to request `id` (a u64), or None for anything else: a notification,
    /// a frame that breaks the protocol, an id qlik-tui never sends, or a spelling this fast
    /// path leaves to the careful one (an escaped or repeated member name, an id like `1.0`).
    /// `Incoming::parse` then classifies the frame and names what is wrong.
    pub fn parse(text: &'a str) -> Option<(u64, RawReply<'a>)> {
        use super::json_scan::{members, skip_ws, value_end};
        let b = text.as_bytes();
        let mut reply = RawReply {
            result: None,
            error: None,
            change: Vec::new(),
            close: Vec::new(),
        };
        let (mut id, mut seen) = (None, 0u8);
        let end = members(text, 0, |key, start| {
            let end = value_end(b, start)?;
            let value = &text[start..end];
            // Each known member once, as serde's derive would insist.
            let bit = match key {
                "jsonrpc" => 1,
                "id" => 2,
                "result" => 4,
                "error" => 8,
                "change" => 16,
                "close" => 32,
                _ => 0,
            };
            if seen & bit != 0 {
                return None;
            }
            seen |= bit;
            match key {
                "jsonrpc" if !value.starts_with('"') => return None,
                "id" => id = Some(value.parse::<u64>().ok()?),
                "result" => reply.result = Some(value),
                "error" => reply.error = serde_json::from_str(value).ok()?,
                "change" => reply.change = serde_json::from_str(value).ok()?,
                "close" => reply.close = serde_json::from_str(value).ok()?,
                _ => {}
            }
            Some(end)
        })?;
        if skip_ws(b, end) != b.len() {
            return None;
        }
        Some((id?, reply))
    }
}

/// A reference to an engine object, as returned in `qReturn` by OpenDoc, GetObject, ...
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ObjRef {
    /// The schema class name (`Doc`, `GenericObject`, `GenericMeasure`, ...).
    #[serde(rename = "qType")]
    pub q_type: String,
    #[serde(rename = "qHandle")]
    pub q_handle: i64,
    /// The object type (`sheet`, `barchart`, ...).
    #[serde(
        rename = "qGenericType",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub q_generic_type: String,
    #[serde(
        rename = "qGenericId",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub q_generic_id: String,
}

/// Session states of the `OnConnected` greeting (the SessionState enum of the schema, plus
/// SESSION_ERROR_LICENSE_INVALID from @qlik/api).
pub const SESSION_STATES: [&str; 10] = [
    "SESSION_CREATED",
    "SESSION_ATTACHED",
    "SESSION_ERROR_NO_LICENSE",
    "SESSION_ERROR_LICENSE_RENEW",
    "SESSION_ERROR_LIMIT_EXCEEDED",
    "SESSION_ERROR_SECURITY_HEADER_CHANGED",
    "SESSION_ACCESS_CONTROL_SETUP_FAILURE",
    "SESSION_ERROR_APP_ACCESS_DENIED",
    "SESSION_ERROR_APP_FAILURE",
    "SESSION_ERROR_LICENSE_INVALID",
];

/// The proxy (QPS) notifications that can arrive before or during a session.
pub const PROXY_NOTIFICATIONS: [&str; 14] = [
    "OnMaxParallelSessionsExceeded",
    "OnLicenseAccessDenied",
    "OnLicenseAccessDeniedPendingUserSync",
    "OnSessionClosed",
    "OnSessionLoggedOut",
    "OnSessionTimedOut",
    "OnEngineWebsocketFailed",
    "OnNoEngineAvailable",
    "OnRepositoryWebsocketFailed",
    "OnNoRepositoryAvailable",
    "OnDataPrepServiceWebsocketFailed",
    "OnNoDataPrepServiceAvailable",
    "OnNoPrintingServiceAvailable",
    "OnExcessLicenseAssignment",
];

/// The LocalizedErrorCode name of an engine error code, from the bundled schema.
pub fn error_code_name(code: i64) -> Option<&'static str> {
    crate::engine::schema::Schema::get().error_name(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_frames() {
        let r = Incoming::parse(r#"{"jsonrpc":"2.0","id":3,"result":{"qReturn":{"qType":"Doc","qHandle":1}},"change":[1]}"#).unwrap();
        match r {
            Incoming::Response(r) => {
                assert_eq!(r.id, Value::from(3));
                assert_eq!(r.change, vec![1]);
            }
            _ => panic!("expected a response"),
        }
        let n = Incoming::parse(
            r#"{"jsonrpc":"2.0","method":"OnConnected","params":{"qSessionState":"SESSION_CREATED"}}"#,
        )
        .unwrap();
        assert!(matches!(n, Incoming::Notification(ref n) if n.method == "OnConnected"));
        assert!(Incoming::parse("[1,2]").is_err());
        assert!(Incoming::parse("nope").is_err());
    }

    #[test]
    fn request_defaults_match_lenient_clients() {
        // OpenMetadata's client omits jsonrpc and adds outKey.
        let r: Request = serde_json::from_str(
            r#"{"handle":-1,"method":"GetDocList","params":[],"outKey":-1,"id":1}"#,
        )
        .unwrap();
        assert_eq!(r.jsonrpc, "2.0");
        assert_eq!(r.method, "GetDocList");
    }
}
