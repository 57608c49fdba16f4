//! The Usage tab of a master item or a data-model field (issue 13): who uses it, one line per
//! user (kind, title, id) that Enter jumps to, or "unused" said plainly. It reads the app's
//! usage (`explore::usage::usage_in`), computed once per app by `Request::Usage` and kept in
//! `App::usage` until `r`.

use unicode_width::UnicodeWidthStr;

use super::app::{App, Load};
use super::detail::{jump_bullet, spinner};
use super::json_view::{DLine, Seg};
use super::place::Place;
use super::tree::{NodeId, NodeKind};
use crate::explore::usage::UsedBy;

/// How many of the parts the walk could not read are listed (the rest are counted).
const UNREAD_SHOWN: usize = 5;

fn dim(text: impl Into<String>) -> DLine {
    DLine::new(vec![(Seg::Dim, text.into())])
}

/// Titles are padded to the widest for the ids to line up, up to this many columns.
const TITLE_COLUMN_MAX: usize = 40;

const UNTITLED: &str = "(untitled)";

fn shown_title(u: &UsedBy) -> &str {
    if u.title.is_empty() {
        UNTITLED
    } else {
        &u.title
    }
}

/// One user: its kind, title (padded to `width` columns) and id; Enter jumps to it.
fn user_line(app_id: &str, u: &UsedBy, width: usize) -> DLine {
    let title = match shown_title(u) {
        UNTITLED => (Seg::Dim, UNTITLED.to_string()),
        t => (Seg::Str, t.to_string()),
    };
    let pad = width.saturating_sub(title.1.width());
    DLine::new(vec![
        jump_bullet(),
        (Seg::Label, format!("{:<13} ", u.kind.name())),
        title,
        (Seg::Dim, format!("{}  {}", " ".repeat(pad), u.id)),
    ])
    .jumping_to(Place::of(app_id, u.kind, &u.id, &u.trail))
}

/// The lines of the Usage tab for node `id`.
pub fn lines(app: &App, id: NodeId) -> Vec<DLine> {
    let kind = &app.tree.node(id).kind;
    let Some(app_id) = kind.app_id() else {
        return Vec::new();
    };
    let usage = match app.usage.get(app_id) {
        None | Some(Load::Loading) => {
            return vec![dim(format!(
                "{} finding who uses what: reading every sheet, object, master item and variable of the app…",
                spinner(app.ticks)
            ))];
        }
        Some(Load::Failed(e)) => {
            return vec![
                DLine::new(vec![(Seg::Error, format!("✗ error: {e}"))]),
                dim("press r to retry"),
            ];
        }
        Some(Load::Ready(u)) => u,
    };
    let report = &usage.report;
    let (what, unused, used_by) = match kind {
        NodeKind::MasterItem { kind, item, .. } => (
            format!("master {} {}", kind.kind().name(), item.title),
            "no sheet, object or master item links to it (qLibraryId, qExtendsId)",
            report
                .master_items
                .iter()
                .find(|m| m.id == item.id)
                .map(|m| &m.used_by),
        ),
        NodeKind::Field { field, .. } => (
            format!("field {}", field.name),
            "no sheet, object, master item or variable names it in an expression or field list",
            report
                .fields
                .iter()
                .find(|f| f.name == field.name)
                .map(|f| &f.used_by),
        ),
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    match used_by {
        None => out.push(dim(format!(
            "{what} was not in the app when its usage was computed: r computes it again"
        ))),
        Some(users) if users.is_empty() => {
            out.push(DLine::new(vec![(Seg::Heading, format!("{what}: unused"))]));
            out.push(dim(unused));
        }
        Some(users) => {
            let n = users.len();
            out.push(DLine::new(vec![(
                Seg::Heading,
                format!("{what}: used by {n} item{}", if n == 1 { "" } else { "s" }),
            )]));
            let width = users
                .iter()
                .map(|u| shown_title(u).width())
                .max()
                .unwrap_or(0)
                .min(TITLE_COLUMN_MAX);
            out.extend(users.iter().map(|u| user_line(app_id, u, width)));
            out.push(dim("Enter on a → line jumps to it"));
        }
    }
    if !usage.unread.is_empty() {
        out.push(DLine::plain(""));
        out.push(DLine::new(vec![(
            Seg::Error,
            format!(
                "⚠ {} part(s) of the app could not be read: users there are missing",
                usage.unread.len()
            ),
        )]));
        out.extend(
            usage
                .unread
                .iter()
                .take(UNREAD_SHOWN)
                .map(|m| dim(format!("  {m}"))),
        );
    }
    out
}
