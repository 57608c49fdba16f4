//! Diff of two apps (issue 14): the same app on two sites, two apps on one site, or two export
//! documents. Both sides are export documents (`AppDoc`): a live diff walks each app with the
//! export's walk, an offline diff reads files `export --format json` wrote, so both give the
//! same answer for the same content.
//!
//! Items are matched by id (Qlik keeps object ids across export, import and publish): present
//! on one side only is `added` / `removed`, otherwise each differing value is a `changed` entry
//! named by its JSON pointer inside the item. Volatile values (dates, reload times, row counts
//! unless asked) are left out and listed; the load script is a unified line diff.
//!
//! - `items`: what is compared of each kind; `values`: the pointer diff of two values;
//!   `script`: the script's line diff; `report`: the readable report; `source`: reading the
//!   two sides (files, or live walks).

mod items;
pub mod report;
mod script;
pub mod source;
pub mod values;

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;
use serde_json::Value;

pub use items::{Kind, NOT_COMPARED, VOLATILE_KEYS};

use crate::explore::export::{AppDoc, ErrorDoc};
use items::{Compare, Item};

/// The version tag of a diff's JSON.
pub const FORMAT: &str = "qlik-tui.diff/1";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DiffOptions {
    /// Compare the data model's row counts (volatile: every reload changes them).
    pub data_model_rows: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Added,
    Removed,
    Changed,
}

impl Op {
    /// The report's mark: `+` added, `-` removed, `~` changed.
    pub fn mark(self) -> char {
        match self {
            Op::Added => '+',
            Op::Removed => '-',
            Op::Changed => '~',
        }
    }
}

/// One difference. `path` is a JSON pointer into the item's compared value ("" for a whole
/// item added or removed); `a` / `b` are the values on each side (null when absent).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub kind: Kind,
    pub op: Op,
    pub id: String,
    pub title: String,
    pub path: String,
    pub a: Option<Value>,
    pub b: Option<Value>,
}

/// One side of a diff: where it came from (a profile, an engine URL, a file) and which app.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    pub source: String,
    pub app_id: String,
    /// The app's name on that side.
    pub app_name: String,
}

/// A whole diff: the `qlik-tui.diff/1` document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    pub format: &'static str,
    pub a: Side,
    pub b: Side,
    pub changes: Vec<Change>,
    /// The load script as unified diff lines (empty when equal or not compared).
    pub script: Vec<String>,
    /// Values left out of the comparison (volatile, or facts of the site).
    pub left_out: Vec<String>,
    /// What could not be compared and why (a side without properties, a part that failed).
    pub notes: Vec<String>,
}

impl Diff {
    /// True when nothing compared differs.
    pub fn is_equal(&self) -> bool {
        self.changes.is_empty() && self.script.is_empty()
    }

    /// Changes per kind, in report order, kinds without changes left out.
    pub fn counts(&self) -> Vec<(Kind, usize)> {
        let mut counts: Vec<(Kind, usize)> = Vec::new();
        for c in &self.changes {
            match counts.iter_mut().find(|(k, _)| *k == c.kind) {
                Some((_, n)) => *n += 1,
                None => counts.push((c.kind, 1)),
            }
        }
        counts.sort_by_key(|(k, _)| *k);
        counts
    }
}

/// An app as one side of a diff holds it: its document and what failed while reading it.
#[derive(Debug, Clone)]
pub struct SideDoc {
    pub side: Side,
    pub app: AppDoc,
    pub errors: Vec<ErrorDoc>,
}

/// Compares two apps. See the module docs.
pub fn diff(a: &SideDoc, b: &SideDoc, opts: &DiffOptions) -> Diff {
    let mut notes = Vec::new();
    for (name, s) in [("a", a), ("b", b)] {
        for e in &s.errors {
            notes.push(format!(
                "side {name}: {} could not be read ({}): its differences may be missing",
                e.part.as_deref().unwrap_or("the app"),
                e.message
            ));
        }
    }
    let properties = both_hold_properties(&a.app, &b.app, &mut notes);
    let mut left_out: BTreeSet<String> = NOT_COMPARED.iter().map(|s| s.to_string()).collect();
    let mut changes = Vec::new();
    for kind in Kind::ALL {
        let mut cmp = Compare {
            properties,
            rows: opts.data_model_rows,
            left_out: &mut left_out,
        };
        let ia = items::items(&a.app, kind, &mut cmp);
        let ib = items::items(&b.app, kind, &mut cmp);
        changes.extend(kind_changes(kind, &ia, &ib));
    }
    let script = match (&a.app.script, &b.app.script) {
        (Some(Some(sa)), Some(Some(sb))) => script::unified(sa, sb),
        (None, None) => Vec::new(),
        (sa, sb) => {
            let why = |s: &Option<Option<String>>| match s {
                None => "holds no script (export it with --include-script)",
                Some(None) => "could not read the script",
                Some(Some(_)) => "holds the script",
            };
            notes.push(format!(
                "the scripts are not compared: side a {}, side b {}",
                why(sa),
                why(sb)
            ));
            Vec::new()
        }
    };
    Diff {
        format: FORMAT,
        a: a.side.clone(),
        b: b.side.clone(),
        changes,
        script,
        left_out: left_out.into_iter().collect(),
        notes,
    }
}

/// The compared values of one item on each side (None where the side lacks it), as `diff`
/// compared them: what the explorer shows side by side.
pub fn item_values(
    a: &AppDoc,
    b: &AppDoc,
    kind: Kind,
    id: &str,
    opts: &DiffOptions,
) -> (Option<Value>, Option<Value>) {
    let mut left_out = BTreeSet::new();
    let mut cmp = Compare {
        properties: both_hold_properties(a, b, &mut Vec::new()),
        rows: opts.data_model_rows,
        left_out: &mut left_out,
    };
    let mut find = |app: &AppDoc| {
        items::items(app, kind, &mut cmp)
            .into_iter()
            .find(|i| i.id == id || kind == Kind::App)
            .map(|i| i.value)
    };
    (find(a), find(b))
}

/// Property trees are compared only when both documents hold them (an export with
/// `--include-properties`); one side without them would make every item differ.
fn both_hold_properties(a: &AppDoc, b: &AppDoc, notes: &mut Vec<String>) -> bool {
    let holds = |d: &AppDoc| d.properties.is_some();
    match (holds(a), holds(b)) {
        (true, true) => true,
        (false, false) => false,
        (ha, _) => {
            notes.push(format!(
                "property trees are not compared: side {} has none (export it with --include-properties for a deep diff)",
                if ha { "b" } else { "a" }
            ));
            false
        }
    }
}

/// The changes of one kind: items matched by key, in a's order, then b's new items.
fn kind_changes(kind: Kind, a: &[Item], b: &[Item]) -> Vec<Change> {
    let in_b: HashMap<&str, &Item> = b.iter().map(|i| (i.key.as_str(), i)).collect();
    let in_a: HashMap<&str, &Item> = a.iter().map(|i| (i.key.as_str(), i)).collect();
    let whole = |op: Op, i: &Item| Change {
        kind,
        op,
        id: i.id.clone(),
        title: i.title.clone(),
        path: String::new(),
        a: (op == Op::Removed).then(|| i.value.clone()),
        b: (op == Op::Added).then(|| i.value.clone()),
    };
    let mut out = Vec::new();
    for ia in a {
        let Some(ib) = in_b.get(ia.key.as_str()) else {
            out.push(whole(Op::Removed, ia));
            continue;
        };
        let title = if ib.title.is_empty() {
            &ia.title
        } else {
            &ib.title
        };
        out.extend(
            values::leaves(&ia.value, &ib.value, "")
                .into_iter()
                .map(|l| Change {
                    kind,
                    op: Op::Changed,
                    id: ia.id.clone(),
                    title: title.clone(),
                    path: l.path,
                    a: l.a,
                    b: l.b,
                }),
        );
    }
    out.extend(
        b.iter()
            .filter(|i| !in_a.contains_key(i.key.as_str()))
            .map(|i| whole(Op::Added, i)),
    );
    out
}

#[cfg(test)]
mod tests;
