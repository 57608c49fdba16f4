//! Reading a GetFullPropertyTree reply into `ObjectNode`s. With the properties kept (the TUI, a
//! deep diff, `--include-properties`) each node's properties become a `Value`. Without them (a
//! plain export) only what a node shows is read, in one pass over the reply's text: its id,
//! type, title and master; the rest of each property tree is skipped, never built. Building
//! those `Value` trees was most of an export's CPU and memory (issue 16).

use serde_json::Value;

use super::app::{collect_expression_titles, node_from_entry};
use super::model::ObjectNode;
use crate::engine::EngineError;
use crate::engine::json_scan::{members, skip_ws, string_end, value_end};
use crate::engine::reply::take_raw;
use crate::engine::wire::RawResult;

/// A sheet's tree from the result of its GetFullPropertyTree (`{"qPropEntry": …}`), and the
/// ids of the nodes whose title is an expression (only a layout evaluates those), depth first.
pub(crate) fn read_tree(
    result: &RawResult,
    keep_properties: bool,
) -> Result<(ObjectNode, Vec<String>), EngineError> {
    if !keep_properties && let Some(lean) = lean_entry(result.get()) {
        let mut expression_titles = Vec::new();
        return Ok((lean.into_node(&mut expression_titles), expression_titles));
    }
    // The properties are wanted, or the reply has a shape the lean reader does not take (a
    // member of another type than the protocol's): read it whole, leniently, as before.
    let value: Value = take_raw("GetFullPropertyTree", result, "qPropEntry")?;
    let node = node_from_entry(value);
    let mut expression_titles = Vec::new();
    collect_expression_titles(&node, &mut expression_titles);
    Ok((node, expression_titles))
}

/// One `qPropEntry` read for what a node shows.
struct LeanEntry {
    property: Summary,
    children: Vec<LeanEntry>,
}

/// The members of a node's properties that `node_from_entry` reads.
#[derive(Default)]
struct Summary {
    id: Option<String>,
    r#type: Option<String>,
    extends_id: Option<String>,
    title: Title,
    meta_def: Title,
    meta: Title,
}

impl LeanEntry {
    fn into_node(self, expression_titles: &mut Vec<String>) -> ObjectNode {
        let p = self.property;
        let id = p.id.unwrap_or_default();
        if matches!(p.title, Title::Expression) {
            expression_titles.push(id.clone());
        }
        // As `literal_title`: the first non-empty literal of title, qMetaDef.title, qMeta.title.
        let title = [p.title, p.meta_def, p.meta]
            .into_iter()
            .find_map(|t| match t {
                Title::Literal(s) if !s.is_empty() => Some(s),
                _ => None,
            })
            .unwrap_or_default();
        ObjectNode {
            id,
            r#type: p.r#type.unwrap_or_default(),
            title,
            master_id: p.extends_id.filter(|s| !s.is_empty()),
            children: self
                .children
                .into_iter()
                .map(|c| c.into_node(expression_titles))
                .collect(),
            properties: Value::Null,
        }
    }
}

/// A `title` member: a literal, an expression (`qStringExpression` or `qValueExpression`),
/// or anything else.
#[derive(Default)]
enum Title {
    #[default]
    Absent,
    Literal(String),
    Expression,
    Other,
}

/// The entry of a GetFullPropertyTree result (`{"qPropEntry": …}`), read for what its nodes
/// show in one pass over the text: the members it reads are parsed (strings unescaped and
/// checked as serde_json checks them), the rest only scanned for where they end
/// (`engine::json_scan`). None for anything the full reader must judge: a member of another
/// type than the protocol's, a repeated member, an escaped member name, text cut short.
fn lean_entry(result: &str) -> Option<LeanEntry> {
    let b = result.as_bytes();
    let mut entry = None;
    let end = members(result, 0, |key, at| match key {
        "qPropEntry" if entry.is_none() => {
            let (e, end) = read_entry(result, at)?;
            entry = Some(e);
            Some(end)
        }
        "qPropEntry" => None,
        _ => value_end(b, at),
    })?;
    (skip_ws(b, end) == b.len()).then_some(())?;
    entry
}

/// One entry (`{"qProperty": …, "qChildren": […]}`) at `i`, and where it ends.
fn read_entry(text: &str, i: usize) -> Option<(LeanEntry, usize)> {
    let b = text.as_bytes();
    let (mut property, mut children) = (None, None);
    let end = members(text, i, |key, at| match key {
        "qProperty" if property.is_none() => {
            let (p, end) = read_summary(text, at)?;
            property = Some(p);
            Some(end)
        }
        "qChildren" if children.is_none() => {
            let (c, end) = read_children(text, at)?;
            children = Some(c);
            Some(end)
        }
        "qProperty" | "qChildren" => None,
        _ => value_end(b, at),
    })?;
    let entry = LeanEntry {
        property: property.unwrap_or_default(),
        children: children.unwrap_or_default(),
    };
    Some((entry, end))
}

/// The `qChildren` array at `i`, and where it ends.
fn read_children(text: &str, i: usize) -> Option<(Vec<LeanEntry>, usize)> {
    let b = text.as_bytes();
    let mut i = skip_ws(b, i);
    if b.get(i) != Some(&b'[') {
        return None;
    }
    let mut children = Vec::new();
    i = skip_ws(b, i + 1);
    if b.get(i) == Some(&b']') {
        return Some((children, i + 1));
    }
    loop {
        let (child, end) = read_entry(text, i)?;
        children.push(child);
        i = skip_ws(b, end);
        match b.get(i) {
            Some(b',') => i = skip_ws(b, i + 1),
            Some(b']') => return Some((children, i + 1)),
            _ => return None,
        }
    }
}

/// The members of `qProperty` at `i` that a node shows, and where it ends.
fn read_summary(text: &str, i: usize) -> Option<(Summary, usize)> {
    let b = text.as_bytes();
    let mut s = Summary::default();
    let mut seen = 0u8;
    let end = members(text, i, |key, at| {
        let bit = match key {
            "qInfo" => 1,
            "qExtendsId" => 2,
            "title" => 4,
            "qMetaDef" => 8,
            "qMeta" => 16,
            _ => return value_end(b, at),
        };
        if seen & bit != 0 {
            return None;
        }
        seen |= bit;
        match key {
            "qInfo" => members(text, at, |key, at| match key {
                "qId" if s.id.is_none() => read_optional_string(text, at, &mut s.id),
                "qType" if s.r#type.is_none() => read_optional_string(text, at, &mut s.r#type),
                "qId" | "qType" => None,
                _ => value_end(b, at),
            }),
            "qExtendsId" => read_optional_string(text, at, &mut s.extends_id),
            "title" => read_title(text, at, &mut s.title),
            "qMetaDef" => read_meta_title(text, at, &mut s.meta_def),
            _ => read_meta_title(text, at, &mut s.meta),
        }
    })?;
    Some((s, end))
}

/// A string or null member into `out`; anything else is for the full reader.
fn read_optional_string(text: &str, at: usize, out: &mut Option<String>) -> Option<usize> {
    let b = text.as_bytes();
    match b.get(at)? {
        b'"' => {
            let end = string_end(b, at)?;
            *out = Some(unescape(&text[at..end])?);
            Some(end)
        }
        b'n' if b[at..].starts_with(b"null") => Some(at + 4),
        _ => None,
    }
}

/// A `title` member: a string, an object naming an expression, or something else.
fn read_title(text: &str, at: usize, out: &mut Title) -> Option<usize> {
    let b = text.as_bytes();
    match b.get(at)? {
        b'"' => {
            let end = string_end(b, at)?;
            *out = Title::Literal(unescape(&text[at..end])?);
            Some(end)
        }
        b'{' => {
            let mut expression = false;
            let end = members(text, at, |key, at| {
                expression |= key == "qStringExpression" || key == "qValueExpression";
                value_end(b, at)
            })?;
            *out = if expression {
                Title::Expression
            } else {
                Title::Other
            };
            Some(end)
        }
        _ => {
            *out = Title::Other;
            value_end(b, at)
        }
    }
}

/// The `title` inside `qMetaDef` or `qMeta` (Absent when that member is not an object or has
/// no title; the last `title` wins, as in a `Value`).
fn read_meta_title(text: &str, at: usize, out: &mut Title) -> Option<usize> {
    let b = text.as_bytes();
    if b.get(at) != Some(&b'{') {
        return value_end(b, at);
    }
    members(text, at, |key, at| match key {
        "title" => read_title(text, at, out),
        _ => value_end(b, at),
    })
}

/// The text of the JSON string `quoted` (quotes included). Without escapes it is taken as it
/// is; with them serde_json reads it. None where serde_json would refuse it.
fn unescape(quoted: &str) -> Option<String> {
    let inner = &quoted[1..quoted.len() - 1];
    if inner.bytes().any(|c| c < 0x20) {
        return None;
    }
    if !inner.contains('\\') {
        return Some(inner.to_string());
    }
    serde_json::from_str(quoted).ok()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;

    /// The result of a GetFullPropertyTree holding `entry`.
    fn raw(entry: &Value) -> RawResult {
        RawResult::from(json!({"qPropEntry": entry}).to_string())
    }

    /// The tree with every node's properties dropped: what the lean reader must give.
    fn without_properties(mut n: ObjectNode) -> ObjectNode {
        n.properties = Value::Null;
        n.children = n.children.into_iter().map(without_properties).collect();
        n
    }

    /// A member value of any kind, to put where titles and ids go.
    fn any_member() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            "\\PC{0,6}".prop_map(Value::from),
            Just(json!([1, {"title": "x"}])),
            Just(json!({"qStringExpression": {"qExpr": "='a'"}})),
            Just(json!({"qValueExpression": null})),
            Just(json!({"qv": 1, "title": "in"})),
        ]
    }

    /// Properties with or without each member the node reads, of the protocol's types or not.
    fn props() -> impl Strategy<Value = Value> {
        let opt = || prop::option::of(any_member());
        (opt(), opt(), opt(), opt(), opt(), opt(), any::<bool>()).prop_map(
            |(id, ty, title, meta_def, meta, extends, big)| {
                let mut p = serde_json::Map::new();
                let mut info = serde_json::Map::new();
                if let Some(v) = id {
                    info.insert("qId".into(), v);
                }
                if let Some(v) = ty {
                    info.insert("qType".into(), v);
                }
                p.insert("qInfo".into(), Value::Object(info));
                for (k, v) in [("title", title), ("qExtendsId", extends)] {
                    if let Some(v) = v {
                        p.insert(k.into(), v);
                    }
                }
                for (k, v) in [("qMetaDef", meta_def), ("qMeta", meta)] {
                    if let Some(v) = v {
                        p.insert(k.into(), json!({"title": v, "description": "d"}));
                    }
                }
                if big {
                    p.insert(
                        "qHyperCubeDef".into(),
                        json!({"qDimensions": [{"a": [1, 2.5, "s"]}]}),
                    );
                }
                Value::Object(p)
            },
        )
    }

    fn entry() -> impl Strategy<Value = Value> {
        props()
            .prop_map(|p| json!({"qProperty": p, "qChildren": []}))
            .prop_recursive(3, 24, 4, |inner| {
                (props(), prop::collection::vec(inner, 0..4)).prop_map(
                    |(p, c)| json!({"qProperty": p, "qChildren": c, "qEmbeddedSnapshotRef": null}),
                )
            })
    }

    proptest! {
        /// The lean reader gives the nodes, titles and expression-title ids the full reader
        /// gives, whatever the members hold (it falls back to the full reader where it must).
        #[test]
        fn the_lean_reader_reads_what_the_full_reader_reads(e in entry(), pretty in any::<bool>()) {
            let raw = if pretty {
                RawResult::from(serde_json::to_string_pretty(&json!({"qPropEntry": e})).unwrap())
            } else {
                raw(&e)
            };
            let (full, full_exprs) = read_tree(&raw, true).unwrap();
            let (lean, lean_exprs) = read_tree(&raw, false).unwrap();
            prop_assert_eq!(&full.properties, &e["qProperty"]);
            prop_assert_eq!(without_properties(full), without_properties(lean));
            prop_assert_eq!(full_exprs, lean_exprs);
        }
    }

    #[test]
    fn a_plain_tree_is_read_lean_with_its_titles() {
        let e = json!({"qProperty": {"qInfo": {"qId": "s1", "qType": "sheet"},
          "qMetaDef": {"title": "Sheet"}, "big": {"x": [1, 2]}},
        "qChildren": [
          {"qProperty": {"qInfo": {"qId": "o1", "qType": "kpi"}, "qExtendsId": "m1",
            "title": {"qStringExpression": {"qExpr": "='x'"}}}, "qChildren": []},
          {"qProperty": {"qInfo": {"qId": "o2", "qType": "table"}, "title": "T",
            "qExtendsId": ""}}
        ]});
        // Members of the protocol's types take the lean path (no fallback to the full reader).
        assert!(lean_entry(raw(&e).get()).is_some());
        let (n, exprs) = read_tree(&raw(&e), false).unwrap();
        assert_eq!((n.id.as_str(), n.title.as_str()), ("s1", "Sheet"));
        assert_eq!(n.properties, Value::Null);
        assert_eq!(n.children[0].master_id.as_deref(), Some("m1"));
        assert_eq!(n.children[1].title, "T");
        assert_eq!(n.children[1].master_id, None);
        assert_eq!(exprs, ["o1"]);
        // What the lean reader leaves to the full one: a member of another type, a repeated
        // member, an escaped member name, text cut short.
        for odd in [
            r#"{"qPropEntry":{"qProperty":{"qInfo":{"qId":7}}}}"#,
            r#"{"qPropEntry":{"qProperty":{"qInfo":{}},"qProperty":{}}}"#,
            r#"{"qPropEntry":{"qProperty":{"q\u0049nfo":{}}}}"#,
            r#"{"qPropEntry":{"qChildren":null}}"#,
            r#"{"qPropEntry":{"qProperty":{"title":"a\x"}}}"#,
            r#"{"qPropEntry":{"qProperty":{"title":"cut"#,
        ] {
            assert!(lean_entry(odd).is_none(), "{odd}");
        }
        // A reply without its entry is refused with the member named, whichever reader.
        let bare = RawResult::from(r#"{"qOther":{"qProperty":{}}}"#);
        for keep in [false, true] {
            let e = read_tree(&bare, keep).unwrap_err().to_string();
            assert!(e.contains("GetFullPropertyTree has no 'qPropEntry'"), "{e}");
        }
    }
}
