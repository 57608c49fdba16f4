//! Matching one walked app: which of its items match, where (the JSON pointer of the first
//! matching value, or the script line), and the text around the match. Reads the export's
//! `AppDoc` walked with properties and script; talks to no engine.

use std::ops::Range;

use serde::Serialize;
use serde_json::Value;

use super::kind::{Kind, Kinds};
use super::matcher::Matcher;
use crate::explore::Links;
use crate::explore::export::{AppDoc, ObjectDoc};

/// Characters of context kept on each side of a match in `text`.
const CONTEXT_CHARS: usize = 30;

/// One matching item. Serialized as the JSON hit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub app_id: String,
    pub app_name: String,
    pub kind: Kind,
    /// Null for a script line.
    pub id: Option<String>,
    pub title: String,
    /// The JSON pointer of the matching value within the item's own properties.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// A script hit's line, 1-based.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// The matching string, cut around the match.
    pub text: String,
    pub link: String,
    /// Where the match sits in `text` (byte range), for marking it.
    #[serde(skip)]
    pub mark: Range<usize>,
    /// An object's place: the ids from its sheet down to its parent (empty for other kinds).
    #[serde(skip)]
    pub trail: Vec<String>,
}

/// Every string value of `v` (never a key), in document order, with its JSON pointer.
pub fn string_values<'a>(v: &'a Value, at: &mut String, out: &mut Vec<(String, &'a str)>) {
    match v {
        Value::String(s) => out.push((at.clone(), s)),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = at.len();
                at.push('/');
                at.push_str(&i.to_string());
                string_values(item, at, out);
                at.truncate(len);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                let len = at.len();
                at.push('/');
                at.push_str(&k.replace('~', "~0").replace('/', "~1"));
                string_values(item, at, out);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

/// The first string value of `props` that matches: (pointer, value, match range).
fn first_match<'a>(props: &'a Value, m: &Matcher) -> Option<(String, &'a str, Range<usize>)> {
    let mut values = Vec::new();
    string_values(props, &mut String::new(), &mut values);
    values
        .into_iter()
        .find_map(|(p, s)| m.find(s).map(|r| (p, s, r)))
}

/// `s` cut to the match with some context each side (`…` where cut), and the match's range in
/// the cut text. Cuts at character boundaries.
pub fn cut_around(s: &str, r: Range<usize>) -> (String, Range<usize>) {
    let start = s[..r.start]
        .char_indices()
        .rev()
        .nth(CONTEXT_CHARS - 1)
        .map_or(0, |(i, _)| i);
    let end = s[r.end..]
        .char_indices()
        .nth(CONTEXT_CHARS)
        .map_or(s.len(), |(i, _)| r.end + i);
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let at = out.len() + (r.start - start);
    out.push_str(&s[start..end]);
    if end < s.len() {
        out.push('…');
    }
    (out, at..at + r.len())
}

/// Builds hits for one app, in the order the table shows them.
struct Collect<'a> {
    app: &'a AppDoc,
    m: &'a Matcher,
    kinds: &'a Kinds,
    out: Vec<Hit>,
}

impl Collect<'_> {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        kind: Kind,
        id: Option<&str>,
        title: &str,
        at: (Option<String>, Option<usize>),
        value: &str,
        r: Range<usize>,
        link: String,
        trail: Vec<String>,
    ) {
        let (text, mark) = cut_around(value, r);
        self.out.push(Hit {
            app_id: self.app.id.clone(),
            app_name: self.app.name.clone(),
            kind,
            id: id.map(str::to_string),
            title: title.to_string(),
            path: at.0,
            line: at.1,
            text,
            mark,
            link,
            trail,
        });
    }

    /// An item matched over its own properties.
    fn item(
        &mut self,
        kind: Kind,
        id: &str,
        title: &str,
        props: Option<&Value>,
        link: String,
        trail: Vec<String>,
    ) {
        if !self.kinds.has(kind) {
            return;
        }
        if let Some((path, value, r)) = props.and_then(|p| first_match(p, self.m)) {
            self.push(
                kind,
                Some(id),
                title,
                (Some(path), None),
                value,
                r,
                link,
                trail,
            );
        }
    }

    fn objects(&mut self, objects: &[ObjectDoc], trail: &mut Vec<String>) {
        for o in objects {
            self.item(
                Kind::Object,
                &o.id,
                &o.title,
                o.properties.as_ref(),
                o.link.clone(),
                trail.clone(),
            );
            trail.push(o.id.clone());
            self.objects(&o.children, trail);
            trail.pop();
        }
    }

    /// Items matched over named values (variables, fields): the first that matches.
    fn named(&mut self, kind: Kind, id: &str, title: &str, values: &[(&str, &str)]) {
        if !self.kinds.has(kind) {
            return;
        }
        if let Some((path, value, r)) = values
            .iter()
            .find_map(|(p, v)| self.m.find(v).map(|r| (*p, *v, r)))
        {
            let link = self.app.links.overview.clone();
            let at = (Some(path.to_string()), None);
            self.push(kind, Some(id), title, at, value, r, link, Vec::new());
        }
    }
}

/// The hits in one walked app (walked with properties, and with the script when `kinds` has
/// script).
pub fn hits_in_app(app: &AppDoc, links: &Links, m: &Matcher, kinds: &Kinds) -> Vec<Hit> {
    let mut c = Collect {
        app,
        m,
        kinds,
        out: Vec::new(),
    };
    for sheet in &app.sheets {
        let props = sheet.properties.as_ref();
        c.item(
            Kind::Sheet,
            &sheet.id,
            &sheet.title,
            props,
            sheet.link.clone(),
            Vec::new(),
        );
        c.objects(&sheet.objects, &mut vec![sheet.id.clone()]);
    }
    let overview = &app.links.overview;
    let mi = &app.master_items;
    for (kind, list) in [
        (Kind::Dimension, &mi.dimensions),
        (Kind::Measure, &mi.measures),
    ] {
        for d in list {
            c.item(
                kind,
                &d.id,
                &d.title,
                d.properties.as_ref(),
                overview.clone(),
                Vec::new(),
            );
        }
    }
    for v in &mi.visualizations {
        // A master visualization's single-object link shows it like any object.
        let link = links.object(&app.id, &v.id);
        let props = v.properties.as_ref();
        c.item(
            Kind::Visualization,
            &v.id,
            &v.title,
            props,
            link,
            Vec::new(),
        );
    }
    for b in &app.bookmarks {
        let link = b.link.clone().unwrap_or_else(|| overview.clone());
        c.item(
            Kind::Bookmark,
            &b.id,
            &b.title,
            b.properties.as_ref(),
            link,
            Vec::new(),
        );
    }
    for v in &app.variables {
        let values = [
            ("/qName", v.name.as_str()),
            ("/qDefinition", v.definition.as_str()),
        ];
        c.named(Kind::Variable, &v.id, &v.name, &values);
    }
    if c.kinds.has(Kind::Script)
        && let Some(Some(script)) = &app.script
    {
        for (i, line) in script.lines().enumerate() {
            if let Some(r) = m.find(line) {
                let at = (None, Some(i + 1));
                c.push(
                    Kind::Script,
                    None,
                    "load script",
                    at,
                    line,
                    r,
                    overview.clone(),
                    Vec::new(),
                );
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    for t in &app.data_model.tables {
        for f in &t.fields {
            if seen.insert(f.name.as_str()) {
                c.named(
                    Kind::Field,
                    &f.name,
                    &f.name,
                    &[("/qName", f.name.as_str())],
                );
            }
        }
    }
    c.out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pointers_escape_and_never_match_keys() {
        let v = json!({"a/b": {"x~": ["Sales", 3]}, "Sales": 1});
        let m = Matcher::new("sales", false, false).unwrap();
        let (p, s, r) = first_match(&v, &m).unwrap();
        assert_eq!((p.as_str(), s, r), ("/a~1b/x~0/0", "Sales", 0..5));
        assert!(first_match(&json!({"Sales": 1}), &m).is_none());
    }

    #[test]
    fn cutting_keeps_characters_whole_and_marks_the_match() {
        let s = format!("{}Umsatz{}", "é".repeat(40), "財".repeat(40));
        let m = Matcher::new("umsatz", false, false).unwrap();
        let r = m.find(&s).unwrap();
        let (text, mark) = cut_around(&s, r);
        assert_eq!(&text[mark.clone()], "Umsatz");
        assert!(text.starts_with('…') && text.ends_with('…'));
        assert_eq!(text.chars().count(), 30 + 6 + 30 + 2);
        let (short, mark) = cut_around("ab", 0..1);
        assert_eq!((short.as_str(), mark), ("ab", 0..1));
    }
}
