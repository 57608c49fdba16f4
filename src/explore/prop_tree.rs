//! Reading a GetFullPropertyTree reply into `ObjectNode`s. With the properties kept (the TUI, a
//! deep diff, `--include-properties`) each node's properties become a `Value`. Without them (a
//! plain export) only what a node shows is read, in one pass over the reply's text: its id,
//! type, title and master; the rest of each property tree is skipped, never built. Building
//! those `Value` trees was most of an export's CPU and memory (issue 16).

use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::app::{collect_expression_titles, node_from_entry};
use super::model::ObjectNode;
use crate::engine::EngineError;
use crate::engine::reply::take_raw;
use crate::engine::wire::RawResult;

/// A sheet's tree from the result of its GetFullPropertyTree (`{"qPropEntry": …}`), and the
/// ids of the nodes whose title is an expression (only a layout evaluates those), depth first.
pub(crate) fn read_tree(
    result: &RawResult,
    keep_properties: bool,
) -> Result<(ObjectNode, Vec<String>), EngineError> {
    if !keep_properties && let Ok(lean) = serde_json::from_str::<LeanReply>(result.get()) {
        let mut expression_titles = Vec::new();
        return Ok((
            lean.entry.into_node(&mut expression_titles),
            expression_titles,
        ));
    }
    // The properties are wanted, or the reply has a shape the lean reader does not take (a
    // member of another type than the protocol's): read it whole, leniently, as before.
    let value: Value = take_raw("GetFullPropertyTree", result, "qPropEntry")?;
    let node = node_from_entry(value);
    let mut expression_titles = Vec::new();
    collect_expression_titles(&node, &mut expression_titles);
    Ok((node, expression_titles))
}

/// The result of GetFullPropertyTree, read in the same one pass as its entries.
#[derive(Deserialize)]
struct LeanReply {
    #[serde(rename = "qPropEntry")]
    entry: LeanEntry,
}

/// One `qPropEntry` read for what a node shows.
#[derive(Deserialize)]
struct LeanEntry {
    #[serde(rename = "qProperty", default)]
    property: Summary,
    #[serde(rename = "qChildren", default)]
    children: Vec<LeanEntry>,
}

/// The members of a node's properties that `node_from_entry` reads; the others are skipped.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Summary {
    #[serde(rename = "qInfo")]
    info: Info,
    #[serde(rename = "qExtendsId")]
    extends_id: Option<String>,
    title: Title,
    #[serde(rename = "qMetaDef")]
    meta_def: MetaTitle,
    #[serde(rename = "qMeta")]
    meta: MetaTitle,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Info {
    #[serde(rename = "qId")]
    id: Option<String>,
    #[serde(rename = "qType")]
    r#type: Option<String>,
}

impl LeanEntry {
    fn into_node(self, expression_titles: &mut Vec<String>) -> ObjectNode {
        let p = self.property;
        let id = p.info.id.unwrap_or_default();
        if matches!(p.title, Title::Expression) {
            expression_titles.push(id.clone());
        }
        // As `literal_title`: the first non-empty literal of title, qMetaDef.title, qMeta.title.
        let title = [p.title, p.meta_def.0, p.meta.0]
            .into_iter()
            .find_map(|t| match t {
                Title::Literal(s) if !s.is_empty() => Some(s),
                _ => None,
            })
            .unwrap_or_default();
        ObjectNode {
            id,
            r#type: p.info.r#type.unwrap_or_default(),
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

impl<'de> Deserialize<'de> for Title {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TitleVisitor)
    }
}

struct TitleVisitor;

impl<'de> Visitor<'de> for TitleVisitor {
    type Value = Title;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a title")
    }
    fn visit_str<E>(self, s: &str) -> Result<Title, E> {
        Ok(Title::Literal(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Title, E> {
        Ok(Title::Literal(s))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Title, A::Error> {
        let mut expression = false;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            expression |= key == "qStringExpression" || key == "qValueExpression";
            map.next_value::<IgnoredAny>()?;
        }
        Ok(if expression {
            Title::Expression
        } else {
            Title::Other
        })
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Title, A::Error> {
        IgnoredAny.visit_seq(seq).map(|_| Title::Other)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Title, E> {
        Ok(Title::Other)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Title, E> {
        Ok(Title::Other)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Title, E> {
        Ok(Title::Other)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Title, E> {
        Ok(Title::Other)
    }
    fn visit_unit<E>(self) -> Result<Title, E> {
        Ok(Title::Other)
    }
    fn visit_none<E>(self) -> Result<Title, E> {
        Ok(Title::Other)
    }
}

/// The `title` inside `qMetaDef` or `qMeta` (Absent when that member is not an object or has
/// no title).
#[derive(Default)]
struct MetaTitle(Title);

impl<'de> Deserialize<'de> for MetaTitle {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(MetaVisitor)
    }
}

struct MetaVisitor;

impl<'de> Visitor<'de> for MetaVisitor {
    type Value = MetaTitle;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("qMeta or qMetaDef")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<MetaTitle, A::Error> {
        // The last `title` wins, as in a `Value`.
        let mut title = Title::Absent;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "title" {
                title = map.next_value()?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(MetaTitle(title))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<MetaTitle, A::Error> {
        IgnoredAny.visit_seq(seq).map(|_| MetaTitle::default())
    }
    fn visit_str<E>(self, _: &str) -> Result<MetaTitle, E> {
        Ok(MetaTitle::default())
    }
    fn visit_bool<E>(self, _: bool) -> Result<MetaTitle, E> {
        Ok(MetaTitle::default())
    }
    fn visit_i64<E>(self, _: i64) -> Result<MetaTitle, E> {
        Ok(MetaTitle::default())
    }
    fn visit_u64<E>(self, _: u64) -> Result<MetaTitle, E> {
        Ok(MetaTitle::default())
    }
    fn visit_f64<E>(self, _: f64) -> Result<MetaTitle, E> {
        Ok(MetaTitle::default())
    }
    fn visit_unit<E>(self) -> Result<MetaTitle, E> {
        Ok(MetaTitle::default())
    }
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
        fn the_lean_reader_reads_what_the_full_reader_reads(e in entry()) {
            let raw = raw(&e);
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
        let (n, exprs) = read_tree(&raw(&e), false).unwrap();
        assert_eq!((n.id.as_str(), n.title.as_str()), ("s1", "Sheet"));
        assert_eq!(n.properties, Value::Null);
        assert_eq!(n.children[0].master_id.as_deref(), Some("m1"));
        assert_eq!(n.children[1].title, "T");
        assert_eq!(n.children[1].master_id, None);
        assert_eq!(exprs, ["o1"]);
        // A reply without its entry is refused with the member named, whichever reader.
        let bare = RawResult::from(r#"{"qOther":{"qProperty":{}}}"#);
        for keep in [false, true] {
            let e = read_tree(&bare, keep).unwrap_err().to_string();
            assert!(e.contains("GetFullPropertyTree has no 'qPropEntry'"), "{e}");
        }
    }
}
