//! The readable report of a diff: a header naming both sides, then per kind `+` / `-` / `~`
//! lines (changed values as old → new), the script as a unified diff, and what was left out.
//! Titles and values come from app authors: control characters are shown escaped.

use std::fmt::Write;

use serde_json::Value;

use super::{Change, Diff, Op, Side};
use crate::text::{cut_chars, escape_for_terminal};

/// Longest value shown on a report line; the JSON output keeps values whole.
const VALUE_CHARS: usize = 120;

/// The whole report, lines ending in `\n`.
pub fn render(d: &Diff) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "a: {}", side(&d.a));
    let _ = writeln!(s, "b: {}", side(&d.b));
    if d.is_equal() {
        let _ = writeln!(s, "no differences");
    } else {
        let _ = writeln!(s, "{}", summary(d));
    }
    let mut kind = None;
    for c in &d.changes {
        if kind != Some(c.kind) {
            let n = d.changes.iter().filter(|x| x.kind == c.kind).count();
            let _ = writeln!(s, "\n{} ({n})", c.kind.plural());
            kind = Some(c.kind);
        }
        let _ = writeln!(s, "  {}", line(c));
    }
    if !d.script.is_empty() {
        let _ = writeln!(s, "\nscript");
        for l in &d.script {
            let _ = writeln!(s, "  {}", escape_for_terminal(l));
        }
    }
    for n in &d.notes {
        let _ = writeln!(s, "\nnote: {}", escape_for_terminal(n));
    }
    let _ = writeln!(s, "\nleft out: {}", d.left_out.join("; "));
    s
}

/// "12 changes: 2 sheets, 3 objects, …; the script differs".
pub fn summary(d: &Diff) -> String {
    let counts: Vec<String> = d
        .counts()
        .iter()
        .map(|(k, n)| format!("{n} {}", k.name()))
        .collect();
    let mut s = format!(
        "{} change{}",
        d.changes.len(),
        if d.changes.len() == 1 { "" } else { "s" }
    );
    if !counts.is_empty() {
        let _ = write!(s, " ({})", counts.join(", "));
    }
    if !d.script.is_empty() {
        s.push_str("; the script differs");
    }
    s
}

fn side(s: &Side) -> String {
    escape_for_terminal(&format!(
        "app '{}' ({}) from {}",
        s.app_name, s.app_id, s.source
    ))
    .into()
}

/// `~ sheet aXbRt1 'Executive Summary' /title: "Old" → "New"`; `+` / `-` lines name the item.
pub fn line(c: &Change) -> String {
    let head = format!("{} {} {} '{}'", c.op.mark(), c.kind.name(), c.id, c.title);
    let text = match c.op {
        Op::Added | Op::Removed => head,
        Op::Changed => format!("{head} {}: {} → {}", c.path, value(&c.a), value(&c.b)),
    };
    escape_for_terminal(&text).into()
}

/// A value on one line: compact JSON, cut; `(none)` where the side lacks it.
pub fn value(v: &Option<Value>) -> String {
    match v {
        None => "(none)".to_string(),
        Some(v) => {
            let s = v.to_string();
            let cut = cut_chars(&s, VALUE_CHARS);
            cut.into_owned()
        }
    }
}
