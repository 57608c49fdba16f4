//! The official enigma.js method schema (12.2027.0), bundled: parameter names and order, result
//! keys, and the LocalizedErrorCode names. The client checks its typed calls against it (in
//! tests) and the simulator derives its argument handling and result keys from it.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;

const SCHEMA_JSON: &str = include_str!("../../assets/enigma-schema-12.2027.0.json");

#[derive(Debug, Clone)]
pub struct ParamSpec {
    pub name: String,
    pub default: Value,
    pub optional: bool,
}

#[derive(Debug, Clone)]
pub struct MethodSpec {
    pub params: Vec<ParamSpec>,
    /// Out names; empty means the result comes back as `qReturn`.
    pub out: Vec<String>,
}

impl MethodSpec {
    /// The keys of the result object: the Out names, or `qReturn` when there are none.
    pub fn result_keys(&self) -> Vec<&str> {
        if self.out.is_empty() {
            vec!["qReturn"]
        } else {
            self.out.iter().map(String::as_str).collect()
        }
    }
}

pub struct Schema {
    classes: HashMap<String, HashMap<String, MethodSpec>>,
    errors: HashMap<i64, &'static str>,
}

impl Schema {
    pub fn get() -> &'static Schema {
        static SCHEMA: OnceLock<Schema> = OnceLock::new();
        SCHEMA.get_or_init(|| Schema::parse(SCHEMA_JSON))
    }

    fn parse(text: &'static str) -> Schema {
        // The file is bundled and checked by a unit test, so a parse failure is a build defect.
        let v: Value = serde_json::from_str(text).unwrap_or(Value::Null);
        let mut classes = HashMap::new();
        if let Some(structs) = v.get("structs").and_then(Value::as_object) {
            for (class, methods) in structs {
                let mut map = HashMap::new();
                for (name, m) in methods.as_object().into_iter().flatten() {
                    let params = m
                        .get("In")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .map(|p| ParamSpec {
                            name: p["Name"].as_str().unwrap_or_default().to_string(),
                            default: p.get("DefaultValue").cloned().unwrap_or(Value::Null),
                            optional: p.get("Optional").and_then(Value::as_bool).unwrap_or(false),
                        })
                        .collect();
                    let out = m
                        .get("Out")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(|o| o["Name"].as_str().map(str::to_string))
                        .collect();
                    map.insert(name.clone(), MethodSpec { params, out });
                }
                classes.insert(class.clone(), map);
            }
        }
        let mut errors = HashMap::new();
        // Leaked once: the names live as long as the process and are handed out as &'static str.
        if let Some(codes) = v
            .pointer("/enums/LocalizedErrorCode")
            .and_then(Value::as_object)
        {
            for (name, code) in codes {
                if let Some(c) = code.as_i64() {
                    errors.insert(c, &*Box::leak(name.clone().into_boxed_str()));
                }
            }
        }
        Schema { classes, errors }
    }

    pub fn method(&self, class: &str, method: &str) -> Option<&MethodSpec> {
        self.classes.get(class)?.get(method)
    }

    pub fn has_class(&self, class: &str) -> bool {
        self.classes.contains_key(class)
    }

    pub fn error_name(&self, code: i64) -> Option<&'static str> {
        self.errors.get(&code).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_schema_parses() {
        let s = Schema::get();
        let open = s.method("Global", "OpenDoc").unwrap();
        assert_eq!(open.params[0].name, "qDocName");
        assert_eq!(open.params[4].name, "qNoData");
        assert_eq!(open.result_keys(), vec!["qReturn"]);
        let tk = s.method("Doc", "GetTablesAndKeys").unwrap();
        assert_eq!(tk.result_keys(), vec!["qtr", "qk"]);
        assert_eq!(s.error_name(1002), Some("LOCERR_APP_ALREADY_OPEN"));
        assert_eq!(
            s.error_name(-32601),
            Some("LOCERR_JSON_RPC_METHOD_NOT_FOUND")
        );
        assert!(s.method("Doc", "NoSuchMethod").is_none());
    }
}
