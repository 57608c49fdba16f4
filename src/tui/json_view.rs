//! JSON as foldable, colorable lines: each line knows the JSON pointer it opens (so Enter can
//! fold it) and carries segments tagged by kind (the theme picks the colors).

use std::collections::HashSet;

use serde_json::Value;

use super::place::Place;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seg {
    Plain,
    Label,
    Heading,
    Key,
    Str,
    Num,
    Bool,
    Null,
    Punct,
    Dim,
    Error,
    Link,
}

/// One line of a detail view: segments, the JSON pointer it folds (for object/array openers),
/// and the item it names that Enter jumps to (a master item, a user of one).
#[derive(Debug, Clone, PartialEq)]
pub struct DLine {
    pub segs: Vec<(Seg, String)>,
    pub fold: Option<String>,
    pub goto: Option<Place>,
}

impl DLine {
    pub fn new(segs: Vec<(Seg, String)>) -> DLine {
        DLine {
            segs,
            fold: None,
            goto: None,
        }
    }

    /// This line, with Enter on it jumping to `place`.
    pub fn jumping_to(mut self, place: Place) -> DLine {
        self.goto = Some(place);
        self
    }

    pub fn plain(s: impl Into<String>) -> DLine {
        DLine::new(vec![(Seg::Plain, s.into())])
    }

    pub fn text(&self) -> String {
        self.segs.iter().map(|(_, s)| s.as_str()).collect()
    }
}

fn scalar(v: &Value) -> (Seg, String) {
    match v {
        Value::String(s) => (Seg::Str, serde_json::to_string(s).unwrap_or_default()),
        Value::Number(n) => (Seg::Num, n.to_string()),
        Value::Bool(b) => (Seg::Bool, b.to_string()),
        Value::Null => (Seg::Null, "null".into()),
        _ => (Seg::Plain, String::new()),
    }
}

/// Lines of `v` pretty-printed, with the containers at the pointers in `folded` shown as one
/// line (`{…} 3 keys`).
pub fn json_lines(v: &Value, folded: &HashSet<String>) -> Vec<DLine> {
    let mut out = Vec::new();
    walk(v, None, "", 0, true, folded, &mut out);
    out
}

fn walk(
    v: &Value,
    key: Option<&str>,
    path: &str,
    depth: usize,
    last: bool,
    folded: &HashSet<String>,
    out: &mut Vec<DLine>,
) {
    let mut segs = vec![(Seg::Plain, "  ".repeat(depth))];
    if let Some(k) = key {
        segs.push((Seg::Key, serde_json::to_string(k).unwrap_or_default()));
        segs.push((Seg::Punct, ": ".into()));
    }
    let comma = if last { "" } else { "," };
    let (open, close, len) = match v {
        Value::Object(m) => ("{", "}", m.len()),
        Value::Array(a) => ("[", "]", a.len()),
        _ => {
            segs.push(scalar(v));
            segs.push((Seg::Punct, comma.into()));
            out.push(DLine::new(segs));
            return;
        }
    };
    if len == 0 {
        segs.push((Seg::Punct, format!("{open}{close}{comma}")));
        out.push(DLine::new(segs));
        return;
    }
    if folded.contains(path) {
        let what = if v.is_object() { "keys" } else { "items" };
        segs.push((Seg::Punct, format!("{open}…{close}{comma}")));
        segs.push((Seg::Dim, format!(" {len} {what}")));
        out.push(DLine {
            fold: Some(path.to_string()),
            ..DLine::new(segs)
        });
        return;
    }
    segs.push((Seg::Punct, open.into()));
    out.push(DLine {
        fold: Some(path.to_string()),
        ..DLine::new(segs)
    });
    match v {
        Value::Object(m) => {
            for (i, (k, child)) in m.iter().enumerate() {
                let p = format!("{path}/{}", k.replace('~', "~0").replace('/', "~1"));
                walk(child, Some(k), &p, depth + 1, i + 1 == len, folded, out);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                let p = format!("{path}/{i}");
                walk(child, None, &p, depth + 1, i + 1 == len, folded, out);
            }
        }
        _ => {}
    }
    out.push(DLine::new(vec![
        (Seg::Plain, "  ".repeat(depth)),
        (Seg::Punct, format!("{close}{comma}")),
    ]));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prints_and_folds() {
        let v = json!({"qInfo": {"qId": "a", "qType": "kpi"}, "n": [1, true, null]});
        let lines = json_lines(&v, &HashSet::new());
        let text: Vec<String> = lines.iter().map(DLine::text).collect();
        assert_eq!(text[0], "{");
        assert_eq!(text[1], "  \"qInfo\": {");
        assert_eq!(text[2], "    \"qId\": \"a\",");
        assert_eq!(lines[1].fold.as_deref(), Some("/qInfo"));
        assert_eq!(text.last().unwrap(), "}");
        let folded = HashSet::from(["/qInfo".to_string()]);
        let text: Vec<String> = json_lines(&v, &folded).iter().map(DLine::text).collect();
        assert_eq!(text[1], "  \"qInfo\": {…}, 2 keys");
        assert_eq!(text.len(), 8);
    }
}
