//! Where each master item and field of an app is used (issue 13's `usage`): the cleanup list an
//! app owner asks for. Pure: reads an app walked by the export's walker with properties.
//!
//! - A master dimension, measure or visualization is used by every object, sheet or master
//!   visualization whose own properties hold its id as a `qLibraryId` (a hypercube's or list
//!   object's dimension or measure) or a `qExtendsId` (a visualization built from it).
//! - A field is used by every object, sheet, master item or variable whose expressions or field
//!   lists name it: a `qFieldDefs` entry that is the field's name, or, inside an expression,
//!   `[Field]`, `"Field"` or a bare identifier equal to the name, outside string literals
//!   (`'…'`) and not followed by `(` (a function). Expressions are the string values under the
//!   keys in `EXPRESSION_KEYS`, any string value starting with `=`, and a variable's definition.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;
use serde_json::Value;

use super::Site;
use super::export::walk::{self, WalkStop};
use super::export::{AppDoc, ErrorDoc, ExportOptions, ObjectDoc, Scope, Tracker};
use super::search::{Kind, SearchError};

/// Keys whose string values are expressions (qDef is a measure's expression; qExpr a string or
/// value expression; the others label and sort expressions and a variable's definition).
pub const EXPRESSION_KEYS: [&str; 6] = [
    "qDef",
    "qExpr",
    "qLabelExpression",
    "qSortByExpression",
    "qDefinition",
    "qCalcCondition",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsedBy {
    pub kind: Kind,
    pub id: String,
    pub title: String,
    /// An object's place: the ids from its sheet down to its parent (for the explorer's jump).
    #[serde(skip)]
    pub trail: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MasterUsage {
    pub kind: Kind,
    pub id: String,
    pub title: String,
    /// Empty: nobody uses it.
    pub used_by: Vec<UsedBy>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldUsage {
    pub name: String,
    /// Empty: nothing names it.
    pub used_by: Vec<UsedBy>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsageReport {
    pub app_id: String,
    pub master_items: Vec<MasterUsage>,
    pub fields: Vec<FieldUsage>,
}

/// An item that may use others, with what it names.
struct User<'a> {
    who: UsedBy,
    props: &'a Value,
    /// Extra expression text (a variable's definition, which is not a property tree here).
    expressions: Vec<&'a str>,
}

fn collect_objects<'a>(objects: &'a [ObjectDoc], trail: &mut Vec<String>, out: &mut Vec<User<'a>>) {
    for o in objects {
        if let Some(p) = &o.properties {
            out.push(User {
                who: UsedBy {
                    kind: Kind::Object,
                    id: o.id.clone(),
                    title: o.title.clone(),
                    trail: trail.clone(),
                },
                props: p,
                expressions: Vec::new(),
            });
        }
        trail.push(o.id.clone());
        collect_objects(&o.children, trail, out);
        trail.pop();
    }
}

/// Everything in the app that can use a master item or a field, in the tree's order.
fn users(app: &AppDoc) -> Vec<User<'_>> {
    let mut out = Vec::new();
    let user = |kind, id: &str, title: &str, props| User {
        who: UsedBy {
            kind,
            id: id.to_string(),
            title: title.to_string(),
            trail: Vec::new(),
        },
        props,
        expressions: Vec::new(),
    };
    for sheet in &app.sheets {
        if let Some(p) = &sheet.properties {
            out.push(user(Kind::Sheet, &sheet.id, &sheet.title, p));
        }
        collect_objects(&sheet.objects, &mut vec![sheet.id.clone()], &mut out);
    }
    let mi = &app.master_items;
    for (kind, list) in [
        (Kind::Dimension, &mi.dimensions),
        (Kind::Measure, &mi.measures),
    ] {
        for d in list {
            if let Some(p) = &d.properties {
                out.push(user(kind, &d.id, &d.title, p));
            }
        }
    }
    for v in &mi.visualizations {
        if let Some(p) = &v.properties {
            out.push(user(Kind::Visualization, &v.id, &v.title, p));
        }
    }
    for v in &app.variables {
        let mut u = user(Kind::Variable, &v.id, &v.name, &Value::Null);
        u.expressions.push(&v.definition);
        out.push(u);
    }
    out
}

/// The master item ids an item's own properties link to (`qLibraryId`, `qExtendsId`).
fn linked_ids<'a>(v: &'a Value, out: &mut BTreeSet<&'a str>) {
    match v {
        Value::Object(map) => {
            for (k, item) in map {
                match (k.as_str(), item) {
                    ("qLibraryId" | "qExtendsId", Value::String(s)) if !s.is_empty() => {
                        out.insert(s);
                    }
                    _ => linked_ids(item, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| linked_ids(i, out)),
        _ => {}
    }
}

/// The field names an item's own properties name (see the module docs).
fn named_fields(v: &Value, key: Option<&str>, out: &mut BTreeSet<String>) {
    match v {
        Value::String(s) => {
            if s.trim_start().starts_with('=') || key.is_some_and(|k| EXPRESSION_KEYS.contains(&k))
            {
                names_in_expression(s, out);
            } else if key == Some("qFieldDefs") {
                out.insert(field_list_name(s).to_string());
            }
        }
        Value::Array(items) => items.iter().for_each(|i| named_fields(i, key, out)),
        Value::Object(map) => {
            for (k, item) in map {
                named_fields(item, Some(k), out);
            }
        }
        _ => {}
    }
}

/// A field-list entry that is not an expression: the field's name, brackets or quotes removed.
fn field_list_name(s: &str) -> &str {
    let t = s.trim();
    t.strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .or_else(|| t.strip_prefix('"').and_then(|x| x.strip_suffix('"')))
        .unwrap_or(t)
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || matches!(c, '_' | '%' | '@' | '#')
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '%' | '@' | '#' | '.')
}

/// The names an expression mentions: `[…]` (`]]` is a `]`), `"…"` (`""` is a `"`), and bare
/// identifiers not followed by `(`; string literals `'…'` are skipped.
pub fn names_in_expression(expr: &str, out: &mut BTreeSet<String>) {
    let chars: Vec<char> = expr.chars().collect();
    let mut i = 0;
    // Reads a quoted run closed by `close` (doubled `close` is a literal one); returns its text.
    let quoted = |i: &mut usize, close: char| {
        let mut s = String::new();
        *i += 1;
        while *i < chars.len() {
            if chars[*i] == close {
                if chars.get(*i + 1) == Some(&close) {
                    s.push(close);
                    *i += 2;
                    continue;
                }
                *i += 1;
                break;
            }
            s.push(chars[*i]);
            *i += 1;
        }
        s
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' => {
                quoted(&mut i, '\'');
            }
            '[' => {
                out.insert(quoted(&mut i, ']'));
            }
            '"' => {
                out.insert(quoted(&mut i, '"'));
            }
            c if is_ident_start(c) => {
                let start = i;
                while i < chars.len() && is_ident_char(chars[i]) {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let mut j = i;
                while j < chars.len() && chars[j].is_whitespace() {
                    j += 1;
                }
                if chars.get(j) != Some(&'(') {
                    out.insert(word);
                }
            }
            c if c.is_alphanumeric() => {
                // A number (or a word starting with a digit): not a name.
                while i < chars.len() && is_ident_char(chars[i]) {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
}

/// Who uses each master item and each field of `app`.
pub fn usage_in(app: &AppDoc) -> UsageReport {
    let users = users(app);
    let mut links: Vec<BTreeSet<&str>> = Vec::with_capacity(users.len());
    let mut names: Vec<BTreeSet<String>> = Vec::with_capacity(users.len());
    for u in &users {
        let mut l = BTreeSet::new();
        linked_ids(u.props, &mut l);
        let mut n = BTreeSet::new();
        named_fields(u.props, None, &mut n);
        for e in &u.expressions {
            names_in_expression(e, &mut n);
        }
        links.push(l);
        names.push(n);
    }
    let used_by = |hit: &dyn Fn(usize) -> bool, own_id: &str| -> Vec<UsedBy> {
        users
            .iter()
            .enumerate()
            .filter(|(i, u)| u.who.id != own_id && hit(*i))
            .map(|(_, u)| u.who.clone())
            .collect()
    };
    let mi = &app.master_items;
    let masters = mi
        .dimensions
        .iter()
        .map(|d| (Kind::Dimension, &d.id, &d.title))
        .chain(mi.measures.iter().map(|m| (Kind::Measure, &m.id, &m.title)))
        .chain(
            mi.visualizations
                .iter()
                .map(|v| (Kind::Visualization, &v.id, &v.title)),
        );
    let master_items = masters
        .map(|(kind, id, title)| MasterUsage {
            kind,
            id: id.clone(),
            title: title.clone(),
            used_by: used_by(&|i| links[i].contains(id.as_str()), id),
        })
        .collect();
    let mut seen = HashMap::new();
    let mut fields = Vec::new();
    for t in &app.data_model.tables {
        for f in &t.fields {
            if seen.insert(f.name.as_str(), ()).is_none() {
                fields.push(FieldUsage {
                    name: f.name.clone(),
                    used_by: used_by(&|i| names[i].contains(&f.name), ""),
                });
            }
        }
    }
    UsageReport {
        app_id: app.id.clone(),
        master_items,
        fields,
    }
}

/// Walks one app (with properties) and reports its usage, with what could not be read. An app
/// that cannot be opened is an error naming the engine's reason.
pub async fn usage_of_app(
    site: &Site,
    app_id: &str,
) -> Result<(UsageReport, Vec<ErrorDoc>), SearchError> {
    let fatal = |app_id: Option<String>, e| SearchError::Engine {
        app_id,
        source: Box::new(e),
    };
    let entries = site.apps().await.map_err(|e| fatal(None, e))?;
    let plans = walk::plan(&Scope::Apps(vec![app_id.to_string()]), &entries);
    let opts = ExportOptions {
        concurrency: 1,
        include_properties: true,
        ..ExportOptions::default()
    };
    let tracker = Tracker::new(plans.len(), &|_| {});
    let mut result = None;
    let walked = walk::walk_apps(site, &plans, &opts, &site.links(), &tracker, |_, o| {
        result = Some(o);
        Ok::<(), std::convert::Infallible>(())
    })
    .await;
    match walked {
        Ok(()) => {}
        Err(WalkStop::Engine { app_id, source }) => return Err(fatal(Some(app_id), source)),
        Err(WalkStop::Caller(never)) => match never {},
    }
    let Some(outcome) = result else {
        return Err(SearchError::Options(format!(
            "app '{app_id}' was not walked"
        )));
    };
    match &outcome.app {
        Some(app) => Ok((usage_in(app), outcome.errors)),
        None => Err(SearchError::AppRefused(format!(
            "cannot open app '{app_id}': {}; check the id (`qlik-tui apps` lists them) and that the user may open it",
            outcome
                .errors
                .first()
                .map_or("no reason given", |e| e.message.as_str())
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(expr: &str) -> Vec<String> {
        let mut out = BTreeSet::new();
        names_in_expression(expr, &mut out);
        out.into_iter().collect()
    }

    #[test]
    fn expressions_name_fields_outside_literals_and_calls() {
        assert_eq!(
            names("Sum({<Region={'North Sales'}>} [Gross Sales]) / Count(\"Order ID\")"),
            ["Gross Sales", "Order ID", "Region"]
        );
        assert_eq!(
            names("='Sales' & Sales2 & [a]]b] & 12 & 3x"),
            ["Sales2", "a]b"]
        );
        assert_eq!(names("Umsatz * 1.19"), ["Umsatz"]);
        assert_eq!(names("'unterminated"), Vec::<String>::new());
    }

    #[test]
    fn properties_name_fields_through_field_lists_and_expression_keys() {
        let p = json!({
            "qHyperCubeDef": {"qDimensions": [{"qDef": {"qFieldDefs": ["Product Name", "=Upper(Region)"],
                "qLabel": "Sales"}}],
              "qMeasures": [{"qLibraryId": "m1", "qDef": {"qDef": "Sum(Amount)", "qLabel": "Cost"}}]},
            "title": "=Only(Year)", "subtitle": "Month", "qExtendsId": "viz1"
        });
        let mut n = BTreeSet::new();
        named_fields(&p, None, &mut n);
        assert_eq!(
            n.into_iter().collect::<Vec<_>>(),
            ["Amount", "Product Name", "Region", "Year"]
        );
        let mut l = BTreeSet::new();
        linked_ids(&p, &mut l);
        assert_eq!(l.into_iter().collect::<Vec<_>>(), ["m1", "viz1"]);
    }
}
