//! YAML (or JSON: YAML is a superset) read into a `serde_json::Value` under a budget. A YAML
//! alias is replayed every time it is used, so ten nested aliases in a 10 KB file expand to
//! hundreds of megabytes ("billion laughs"); deep nesting exhausts the stack. Every value is
//! counted as it is built (aliases replayed included) and nesting is bounded, so a hostile file is
//! refused after at most `max_values` values, never expanded in full.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Why a document was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// More values than the budget (aliases expanded count each time).
    TooManyValues(usize),
    /// Nested deeper than allowed.
    TooDeep(usize),
    /// Not YAML/JSON, or a construct a plain value cannot hold (a tag); at `line` when known.
    Syntax { line: Option<usize> },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::TooManyValues(n) => write!(
                f,
                "it expands to more than {n} values (YAML aliases '*name' repeating a large anchor?); a connection file needs a few dozen: write the values out without aliases"
            ),
            Refusal::TooDeep(n) => write!(
                f,
                "it is nested more than {n} levels deep; a connection file needs fewer than ten"
            ),
            Refusal::Syntax { line } => write!(
                f,
                "not valid YAML or JSON{}",
                line.map(|l| format!(" at line {l}")).unwrap_or_default()
            ),
        }
    }
}

/// Limits for one document.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_values: usize,
    pub max_depth: usize,
}

/// Parses `text` (one YAML or JSON document) within `limits`.
pub fn parse(text: &str, limits: Limits) -> Result<Value, Refusal> {
    let state = State {
        left: Cell::new(limits.max_values),
        refusal: Cell::new(None),
        limits,
    };
    let de = serde_yaml_ng::Deserializer::from_str(text);
    match (Seed {
        state: &state,
        depth: 0,
    })
    .deserialize(de)
    {
        Ok(v) => Ok(v),
        Err(e) => Err(state.refusal.take().unwrap_or(Refusal::Syntax {
            line: e.location().map(|l| l.line()),
        })),
    }
}

struct State {
    left: Cell<usize>,
    refusal: Cell<Option<Refusal>>,
    limits: Limits,
}

#[derive(Clone, Copy)]
struct Seed<'a> {
    state: &'a State,
    depth: usize,
}

impl Seed<'_> {
    /// Counts one value; fails once the budget is spent.
    fn charge<E: de::Error>(&self) -> Result<(), E> {
        let left = self.state.left.get();
        if left == 0 {
            return Err(self.refuse(Refusal::TooManyValues(self.state.limits.max_values)));
        }
        self.state.left.set(left - 1);
        Ok(())
    }

    fn refuse<E: de::Error>(&self, r: Refusal) -> E {
        let msg = r.to_string();
        self.state.refusal.set(Some(r));
        E::custom(msg)
    }

    fn child<E: de::Error>(&self) -> Result<Self, E> {
        if self.depth >= self.state.limits.max_depth {
            return Err(self.refuse(Refusal::TooDeep(self.state.limits.max_depth)));
        }
        Ok(Seed {
            state: self.state,
            depth: self.depth + 1,
        })
    }
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML or JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        self.charge()?;
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        self.charge()?;
        Ok(Value::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        self.charge()?;
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        self.charge()?;
        Ok(Value::from(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        self.charge()?;
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        self.charge()?;
        Ok(Value::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.charge()?;
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        self.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.charge()?;
        let child = self.child()?;
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(child)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.charge()?;
        let child = self.child()?;
        let mut out = Map::new();
        while let Some(k) = map.next_key_seed(child)? {
            let key = match k {
                Value::String(s) => s,
                other => other.to_string(),
            };
            let v = map.next_value_seed(child)?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        max_values: 1000,
        max_depth: 16,
    };

    #[test]
    fn reads_yaml_and_json() {
        let v = parse("a: 1\nb: [x, true, null]\n", LIMITS).unwrap();
        assert_eq!(v, serde_json::json!({"a": 1, "b": ["x", true, null]}));
        let v = parse(r#"{"a": {"b": 2.5}}"#, LIMITS).unwrap();
        assert_eq!(v["a"]["b"], 2.5);
        // A small alias is fine.
        let v = parse("a: &x [1, 2]\nb: *x\n", LIMITS).unwrap();
        assert_eq!(v["b"], serde_json::json!([1, 2]));
    }

    #[test]
    fn a_billion_laughs_is_refused_without_expanding() {
        let mut y = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            y.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        assert!(y.len() < 1000);
        assert_eq!(parse(&y, LIMITS), Err(Refusal::TooManyValues(1000)));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert_eq!(parse(&deep, LIMITS), Err(Refusal::TooDeep(16)));
        let e = parse("a: [", LIMITS).unwrap_err();
        assert!(matches!(e, Refusal::Syntax { .. }), "{e:?}");
    }
}
