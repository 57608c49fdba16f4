//! From a request to a response: find the class behind the handle, check the method against
//! the schema, map the parameters, call the class's handler, and key the result by the schema's
//! Out names (or `qReturn` when there are none — never both). `respond_text` writes the reply's
//! JSON text straight from the handler's parts, splicing pre-serialised ones (`replies`);
//! `respond` gives the same reply as a `Response` (faults rewrite it; tests read it).

use std::sync::Arc;

use serde_json::{Map, Value};

use super::params::Args;
use super::session::{Session, Target};
use super::writes::modifies_app;
use super::{doc, global, object};
use crate::engine::schema::Schema;
use crate::engine::wire::{GLOBAL_HANDLE, Request, Response, RpcErrorBody};

pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_REQUEST: i64 = -32600;
pub const INTERNAL_ERROR: i64 = -32603;
pub const GENERIC_NOT_FOUND: i64 = 2;
pub const ACCESS_DENIED: i64 = 5;
pub const APP_ALREADY_OPEN: i64 = 1002;
pub const APP_NOT_FOUND: i64 = 1003;
pub const APP_NOT_OPEN: i64 = 1017;

pub fn error(code: i64, parameter: &str, message: impl Into<String>) -> RpcErrorBody {
    RpcErrorBody {
        code,
        parameter: parameter.to_string(),
        message: message.into(),
    }
}

/// One result value: built for this request, or JSON text serialised once and shared.
#[derive(Debug)]
pub enum Part {
    Value(Value),
    Text(Arc<str>),
}

impl Part {
    fn into_value(self) -> Value {
        match self {
            Part::Value(v) => v,
            // The text came from serialising a Value, so it parses back.
            Part::Text(t) => serde_json::from_str(&t).unwrap_or(Value::Null),
        }
    }

    fn write_to(&self, out: &mut Vec<u8>) {
        match self {
            Part::Value(v) => {
                let _ = serde_json::to_writer(&mut *out, v);
            }
            Part::Text(t) => out.extend_from_slice(t.as_bytes()),
        }
    }
}

/// A handler's answer: one value per result key, in the schema's order, plus handles it closed.
#[derive(Debug, Default)]
pub struct Reply {
    pub values: Vec<Part>,
    pub close: Vec<i64>,
}

impl Reply {
    pub fn one(v: Value) -> Self {
        Reply::many(vec![v])
    }
    pub fn many(values: Vec<Value>) -> Self {
        Reply {
            values: values.into_iter().map(Part::Value).collect(),
            close: vec![],
        }
    }
    /// A reply of one pre-serialised value.
    pub fn text(t: Arc<str>) -> Self {
        Reply {
            values: vec![Part::Text(t)],
            close: vec![],
        }
    }
}

/// What a class handler returns: `Ok(None)` when the method is in the schema but not simulated.
pub type Handled = Result<Option<Reply>, RpcErrorBody>;

/// The schema class behind `handle` in this session.
fn class_of(
    session: &Session,
    handle: i64,
) -> Result<(&'static str, Option<Target>), RpcErrorBody> {
    if handle == GLOBAL_HANDLE {
        return Ok(("Global", None));
    }
    match session.state().target(handle) {
        Some(Target::Doc) => Ok(("Doc", Some(Target::Doc))),
        Some(t @ Target::Object(class, _)) => Ok((class.name(), Some(t.clone()))),
        None => Err(error(
            INVALID_REQUEST,
            &handle.to_string(),
            format!("no object has handle {handle} in this session"),
        )),
    }
}

/// Answers one request.
pub fn respond(session: &Session, req: &Request) -> Response {
    match answer(session, req) {
        Ok((keys, reply)) => {
            let mut result = Map::new();
            for (k, v) in keys.iter().zip(reply.values) {
                result.insert(k.to_string(), v.into_value());
            }
            let mut resp = Response::ok(req.id.clone(), Value::Object(result));
            resp.close = reply.close;
            resp
        }
        Err(e) => Response::err(req.id.clone(), e.code, e.parameter, e.message),
    }
}

/// Answers one request as the reply's JSON text: the same JSON as `respond`'s `Response`
/// serialised (members in the same order), without building the result as a `Value`.
pub fn respond_text(session: &Session, req: &Request) -> String {
    let (keys, reply) = match answer(session, req) {
        Ok(r) => r,
        Err(e) => {
            let resp = Response::err(req.id.clone(), e.code, e.parameter, e.message);
            return serde_json::to_string(&resp).unwrap_or_default();
        }
    };
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(br#"{"jsonrpc":"2.0","id":"#);
    let _ = serde_json::to_writer(&mut out, &req.id);
    out.extend_from_slice(br#","result":{"#);
    for (i, (k, v)) in keys.iter().zip(&reply.values).enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let _ = serde_json::to_writer(&mut out, k);
        out.push(b':');
        v.write_to(&mut out);
    }
    out.push(b'}');
    if !reply.close.is_empty() {
        out.extend_from_slice(br#","close":"#);
        let _ = serde_json::to_writer(&mut out, &reply.close);
    }
    out.push(b'}');
    // Only JSON serialisation and valid UTF-8 text went in.
    String::from_utf8(out).unwrap_or_default()
}

/// The schema's result keys and the handler's values for them, or the JSON-RPC error.
fn answer(session: &Session, req: &Request) -> Result<(Vec<&'static str>, Reply), RpcErrorBody> {
    let (class, target) = class_of(session, req.handle)?;
    let spec = Schema::get().method(class, &req.method).ok_or_else(|| {
        error(
            METHOD_NOT_FOUND,
            &req.method,
            format!("{class} has no method '{}'", req.method),
        )
    })?;
    let args = Args::map(spec, &req.params)?;
    let handled = match target {
        None => global::call(session, &req.method, &args),
        Some(Target::Doc) => doc::call(session, &req.method, &args),
        Some(Target::Object(class, id)) => object::call(session, class, &id, &req.method, &args),
    }?;
    let reply = match handled {
        Some(r) => r,
        None if modifies_app(&req.method) => {
            return Err(error(
                ACCESS_DENIED,
                &req.method,
                format!(
                    "{} would modify the app; the simulator is read-only",
                    req.method
                ),
            ));
        }
        None => {
            return Err(error(
                METHOD_NOT_FOUND,
                &req.method,
                format!("{class}.{} is not simulated", req.method),
            ));
        }
    };
    let keys = spec.result_keys();
    if keys.len() != reply.values.len() {
        return Err(error(
            INTERNAL_ERROR,
            &req.method,
            format!("the simulator built a wrong result for {}", req.method),
        ));
    }
    Ok((keys, reply))
}
