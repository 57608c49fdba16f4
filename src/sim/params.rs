//! Request parameters mapped onto the schema's `In` list: positional arrays (what enigma.js
//! sends) and named objects are both accepted; a missing optional parameter takes the schema's
//! default. Anything else is JSON-RPC -32602 naming the parameter.

use serde_json::{Map, Value};

use crate::engine::schema::MethodSpec;
use crate::engine::wire::RpcErrorBody;

pub const INVALID_PARAMS: i64 = -32602;

pub fn invalid(parameter: &str, message: impl Into<String>) -> RpcErrorBody {
    RpcErrorBody {
        code: INVALID_PARAMS,
        parameter: parameter.to_string(),
        message: message.into(),
    }
}

/// The arguments of one call, in the schema's order.
#[derive(Debug, Clone)]
pub struct Args {
    names: Vec<String>,
    values: Vec<Value>,
}

impl Args {
    /// Maps `params` (array, object, or null/absent) onto `spec`.
    pub fn map(spec: &MethodSpec, params: &Value) -> Result<Args, RpcErrorBody> {
        let names: Vec<String> = spec.params.iter().map(|p| p.name.clone()).collect();
        let mut given: Vec<Option<Value>> = vec![None; names.len()];
        match params {
            Value::Null => {}
            Value::Array(items) => {
                if items.len() > names.len() {
                    return Err(invalid(
                        "",
                        format!(
                            "{} parameters given, the method takes {}",
                            items.len(),
                            names.len()
                        ),
                    ));
                }
                for (slot, v) in given.iter_mut().zip(items) {
                    *slot = Some(v.clone());
                }
            }
            Value::Object(map) => {
                for (k, v) in map {
                    let pos = names.iter().position(|n| n == k).ok_or_else(|| {
                        invalid(
                            k,
                            format!("unknown parameter '{k}'; expected one of {names:?}"),
                        )
                    })?;
                    given[pos] = Some(v.clone());
                }
            }
            other => {
                return Err(invalid(
                    "",
                    format!("params must be an array or an object, not {other}"),
                ));
            }
        }
        let mut values = Vec::with_capacity(names.len());
        for (p, g) in spec.params.iter().zip(given) {
            match g {
                Some(v) if !v.is_null() => values.push(v),
                _ if p.optional => values.push(p.default.clone()),
                _ => {
                    return Err(invalid(
                        &p.name,
                        format!("parameter '{}' is missing", p.name),
                    ));
                }
            }
        }
        Ok(Args { names, values })
    }

    fn name(&self, i: usize) -> &str {
        self.names.get(i).map(String::as_str).unwrap_or("")
    }

    pub fn value(&self, i: usize) -> Result<&Value, RpcErrorBody> {
        self.values
            .get(i)
            .ok_or_else(|| invalid(self.name(i), "parameter missing"))
    }

    pub fn str(&self, i: usize) -> Result<&str, RpcErrorBody> {
        self.value(i)?.as_str().ok_or_else(|| {
            invalid(
                self.name(i),
                format!("parameter '{}' must be a string", self.name(i)),
            )
        })
    }

    pub fn bool(&self, i: usize) -> Result<bool, RpcErrorBody> {
        self.value(i)?.as_bool().ok_or_else(|| {
            invalid(
                self.name(i),
                format!("parameter '{}' must be a boolean", self.name(i)),
            )
        })
    }

    pub fn object(&self, i: usize) -> Result<&Map<String, Value>, RpcErrorBody> {
        self.value(i)?.as_object().ok_or_else(|| {
            invalid(
                self.name(i),
                format!("parameter '{}' must be an object", self.name(i)),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::schema::Schema;
    use serde_json::json;

    fn spec(class: &str, method: &str) -> &'static MethodSpec {
        Schema::get().method(class, method).unwrap()
    }

    #[test]
    fn positional_and_named_map_the_same() {
        let s = spec("Global", "OpenDoc");
        let a = Args::map(s, &json!(["app1", "", "", "", true])).unwrap();
        let b = Args::map(s, &json!({"qDocName": "app1", "qNoData": true})).unwrap();
        for args in [a, b] {
            assert_eq!(args.str(0).unwrap(), "app1");
            assert!(args.bool(4).unwrap());
        }
        // Only the given positional args (enigma's way): the rest take the defaults.
        let c = Args::map(s, &json!(["app1"])).unwrap();
        assert!(!c.bool(4).unwrap());
    }

    #[test]
    fn bad_params_name_the_problem() {
        let s = spec("Doc", "GetObject");
        let e = Args::map(s, &json!([])).unwrap_err();
        assert_eq!((e.code, e.parameter.as_str()), (-32602, "qId"));
        let e = Args::map(s, &json!({"qNope": 1})).unwrap_err();
        assert_eq!((e.code, e.parameter.as_str()), (-32602, "qNope"));
        let e = Args::map(s, &json!(["a", "b"])).unwrap_err();
        assert_eq!(e.code, -32602);
        let e = Args::map(s, &json!("a")).unwrap_err();
        assert_eq!(e.code, -32602);
        let args = Args::map(s, &json!([42])).unwrap();
        assert_eq!(args.str(0).unwrap_err().code, -32602);
        // No params at all is fine for a method without any.
        Args::map(spec("Global", "EngineVersion"), &Value::Null).unwrap();
    }
}
