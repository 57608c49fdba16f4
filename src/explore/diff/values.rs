//! The differing leaves of two JSON values, each named by its JSON pointer (RFC 6901).
//! Objects are compared key by key (a's key order first, then b's own keys); arrays index by
//! index, the longer one's tail as values present on one side only.

use serde_json::Value;

/// One differing value: where it is, and what each side holds there (None: absent).
#[derive(Debug, Clone, PartialEq)]
pub struct Leaf {
    pub path: String,
    pub a: Option<Value>,
    pub b: Option<Value>,
}

/// Every differing leaf of `a` against `b`, below `prefix` (a pointer, "" for the root).
pub fn leaves(a: &Value, b: &Value, prefix: &str) -> Vec<Leaf> {
    let mut out = Vec::new();
    walk(a, b, &mut prefix.to_string(), &mut out);
    out
}

fn walk(a: &Value, b: &Value, path: &mut String, out: &mut Vec<Leaf>) {
    if a == b {
        return;
    }
    let len = path.len();
    match (a, b) {
        (Value::Object(ma), Value::Object(mb)) => {
            for (k, va) in ma {
                push_token(path, k);
                match mb.get(k) {
                    Some(vb) => walk(va, vb, path, out),
                    None => out.push(one_side(path, Some(va), None)),
                }
                path.truncate(len);
            }
            for (k, vb) in mb.iter().filter(|(k, _)| !ma.contains_key(*k)) {
                push_token(path, k);
                out.push(one_side(path, None, Some(vb)));
                path.truncate(len);
            }
        }
        (Value::Array(va), Value::Array(vb)) => {
            for i in 0..va.len().max(vb.len()) {
                push_token(path, &i.to_string());
                match (va.get(i), vb.get(i)) {
                    (Some(x), Some(y)) => walk(x, y, path, out),
                    (x, y) => out.push(one_side(path, x, y)),
                }
                path.truncate(len);
            }
        }
        _ => out.push(one_side(path, Some(a), Some(b))),
    }
}

fn one_side(path: &str, a: Option<&Value>, b: Option<&Value>) -> Leaf {
    Leaf {
        path: path.to_string(),
        a: a.cloned(),
        b: b.cloned(),
    }
}

/// Every scalar (and empty container) of `v` with its pointer, in document order: a property
/// tree as lines, for showing two of them side by side.
pub fn flatten(v: &Value) -> Vec<(String, Value)> {
    fn walk(v: &Value, path: &mut String, out: &mut Vec<(String, Value)>) {
        let len = path.len();
        match v {
            Value::Object(m) if !m.is_empty() => {
                for (k, x) in m {
                    push_token(path, k);
                    walk(x, path, out);
                    path.truncate(len);
                }
            }
            Value::Array(a) if !a.is_empty() => {
                for (i, x) in a.iter().enumerate() {
                    push_token(path, &i.to_string());
                    walk(x, path, out);
                    path.truncate(len);
                }
            }
            _ => out.push((path.clone(), v.clone())),
        }
    }
    let mut out = Vec::new();
    walk(v, &mut String::new(), &mut out);
    out
}

/// Appends `/token`, escaped as RFC 6901 says (`~` → `~0`, `/` → `~1`).
pub fn push_token(path: &mut String, token: &str) {
    path.push('/');
    path.push_str(&token.replace('~', "~0").replace('/', "~1"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn equal_values_have_no_leaves() {
        let v = json!({"a": [1, {"b": null}], "c": "x"});
        assert!(leaves(&v, &v.clone(), "").is_empty());
    }

    #[test]
    fn each_difference_is_named_by_its_pointer() {
        let a = json!({"t": "x", "gone": 1, "list": [1, 2, 3], "n": {"a/b": "~"}});
        let b = json!({"t": "y", "list": [1, 5], "n": {"a/b": "~~"}, "new": true});
        let got: Vec<(String, Option<Value>, Option<Value>)> = leaves(&a, &b, "/p")
            .into_iter()
            .map(|l| (l.path, l.a, l.b))
            .collect();
        assert_eq!(
            got,
            vec![
                ("/p/t".into(), Some(json!("x")), Some(json!("y"))),
                ("/p/gone".into(), Some(json!(1)), None),
                ("/p/list/1".into(), Some(json!(2)), Some(json!(5))),
                ("/p/list/2".into(), Some(json!(3)), None),
                ("/p/n/a~1b".into(), Some(json!("~")), Some(json!("~~"))),
                ("/p/new".into(), None, Some(json!(true))),
            ]
        );
        // A pointer found here finds the value in the document.
        assert_eq!(a.pointer("/n/a~1b"), Some(&json!("~")));
    }

    #[test]
    fn flattening_names_every_scalar_by_its_pointer() {
        let v = json!({"a": {"b": [1, {}]}, "c": "x"});
        assert_eq!(
            flatten(&v),
            vec![
                ("/a/b/0".to_string(), json!(1)),
                ("/a/b/1".to_string(), json!({})),
                ("/c".to_string(), json!("x")),
            ]
        );
    }

    #[test]
    fn a_changed_shape_is_one_leaf() {
        let got = leaves(&json!({"x": [1]}), &json!({"x": {"0": 1}}), "");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].path, "/x");
    }
}
