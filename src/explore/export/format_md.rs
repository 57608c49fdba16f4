//! `md`: a readable report to paste into a ticket. Every title is escaped so Markdown shows it
//! as written (quotes, `#`, `|`, brackets, backticks), and every link is the exact redirect link.

use std::fmt::Write as _;
use std::io::Write;

use super::FormatWriter;
use super::doc::{AppDoc, ErrorDoc, ObjectDoc, SourceDoc};

#[derive(Default)]
pub(super) struct MdWriter {
    errors: Vec<ErrorDoc>,
    apps: usize,
}

/// Escapes text for Markdown inline content (and table cells: `|`, and newlines become spaces).
/// Terminal control characters and bidi overrides are shown escaped (`\x1b`, `\u202e`): `cat
/// report.md` must not retitle the terminal, and a reader should see that a title is odd.
pub(super) fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_text(&mut out, s);
    out
}

/// `text(s)` appended to `out`: an object's line is built in the app's string, with no string
/// per part (a report has a line per object).
fn push_text(out: &mut String, s: &str) {
    for ch in s.chars() {
        match ch {
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '<' | '>' | '(' | ')' | '#' | '+'
            | '-' | '.' | '!' | '|' | '~' | '"' | '&' => {
                out.push('\\');
                out.push(ch);
            }
            '\n' => out.push(' '),
            c if crate::text::is_unsafe_for_terminal(c) => {
                let mut b = [0u8; 4];
                out.push_str(&crate::text::escape_for_terminal(c.encode_utf8(&mut b)));
            }
            _ => out.push(ch),
        }
    }
}

/// `text` as a link to `url` (ids in links are percent-encoded, so the URL holds no space or
/// parenthesis).
fn link(title: &str, fallback: &str, url: &str) -> String {
    let mut out = String::new();
    push_link(&mut out, title, fallback, url);
    out
}

/// `link(title, fallback, url)` appended to `out`.
fn push_link(out: &mut String, title: &str, fallback: &str, url: &str) {
    let shown = if title.is_empty() { fallback } else { title };
    out.push('[');
    push_text(out, shown);
    out.push_str("](");
    out.push_str(url);
    out.push(')');
}

/// A code block fence longer than any backtick run inside `body`.
fn fence(body: &str) -> String {
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

fn object_lines(out: &mut String, o: &ObjectDoc, depth: usize) {
    for _ in 0..=depth {
        out.push_str("  ");
    }
    out.push_str("- ");
    push_link(out, &o.title, "(untitled)", &o.link);
    out.push_str(" · ");
    push_text(out, &o.r#type);
    out.push_str(" · id ");
    push_text(out, &o.id);
    if let Some(m) = &o.master_id {
        out.push_str(" · master item ");
        push_text(out, m);
    }
    out.push('\n');
    for c in &o.children {
        object_lines(out, c, depth + 1);
    }
}

fn app_section(app: &AppDoc) -> String {
    let mut s = String::new();
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    let _ = writeln!(s, "## {}\n", text(&app.name));
    let _ = writeln!(s, "{}\n", link("Open the app", "", &app.links.overview));
    if !app.description.is_empty() {
        let _ = writeln!(s, "{}\n", text(&app.description));
    }
    let _ = writeln!(s, "| | |\n|---|---|");
    let _ = writeln!(s, "| ID | {} |", text(&app.id));
    let stream = match &app.stream {
        Some(st) => text(&st.name),
        None => "(personal)".into(),
    };
    let _ = writeln!(s, "| Stream | {stream} |");
    let _ = writeln!(s, "| Published | {} |", yes_no(app.published));
    let _ = writeln!(s, "| Last reload | {} |", text(&app.last_reload_time));
    if let Some(o) = &app.owner {
        let _ = writeln!(s, "| Owner | {} |", text(o));
    }
    let _ = writeln!(s, "\n### Sheets ({})\n", app.sheets.len());
    for sheet in &app.sheets {
        let _ = write!(s, "- {}", link(&sheet.title, &sheet.id, &sheet.link));
        if !sheet.description.is_empty() {
            let _ = write!(s, " — {}", text(&sheet.description));
        }
        s.push('\n');
        for o in &sheet.objects {
            object_lines(&mut s, o, 0);
        }
    }
    let m = &app.master_items;
    if !(m.dimensions.is_empty() && m.measures.is_empty() && m.visualizations.is_empty()) {
        let _ = writeln!(s, "\n### Master items\n");
        for (kind, items) in [("Dimension", &m.dimensions), ("Measure", &m.measures)] {
            for i in items.iter() {
                let _ = writeln!(s, "- {kind}: {} — {}", text(&i.title), text(&i.definition));
            }
        }
        for v in &m.visualizations {
            let _ = writeln!(
                s,
                "- Visualization: {} ({})",
                text(&v.title),
                text(&v.r#type)
            );
        }
    }
    if !app.bookmarks.is_empty() {
        let _ = writeln!(s, "\n### Bookmarks\n");
        for b in &app.bookmarks {
            match &b.link {
                Some(l) => {
                    let _ = writeln!(s, "- {}", link(&b.title, &b.id, l));
                }
                None => {
                    let _ = writeln!(s, "- {}", text(&b.title));
                }
            }
        }
    }
    if !app.variables.is_empty() {
        let _ = writeln!(s, "\n### Variables\n\n| Name | Definition |\n|---|---|");
        for v in &app.variables {
            let _ = writeln!(s, "| {} | {} |", text(&v.name), text(&v.definition));
        }
    }
    if !app.data_model.tables.is_empty() {
        let _ = writeln!(
            s,
            "\n### Data model\n\n| Table | Rows | Fields |\n|---|---:|---|"
        );
        for t in &app.data_model.tables {
            let fields: Vec<String> = t
                .fields
                .iter()
                .map(|f| {
                    if f.is_key {
                        format!("{} (key)", text(&f.name))
                    } else {
                        text(&f.name)
                    }
                })
                .collect();
            let _ = writeln!(
                s,
                "| {} | {} | {} |",
                text(&t.name),
                t.rows,
                fields.join(", ")
            );
        }
    }
    if let (true, Some(why)) = (
        app.data_model.tables.is_empty(),
        &app.data_model.empty_because,
    ) {
        let _ = writeln!(s, "\n### Data model\n\n_{}_", text(why));
    }
    if let (Some(None), Some(why)) = (&app.script, &app.script_note) {
        let _ = writeln!(s, "\n### Load script\n\n_{}_", text(why));
    }
    if let Some(Some(script)) = &app.script {
        // Scripts keep their lines (Windows line ends become plain ones, tabs four spaces); any
        // other control character is shown escaped.
        let script = script.replace("\r\n", "\n").replace('\t', "    ");
        let script = crate::text::escape_lines_for_terminal(&script).into_owned();
        let f = fence(&script);
        let _ = writeln!(s, "\n### Load script\n\n{f}\n{script}\n{f}");
    }
    s.push('\n');
    s
}

impl FormatWriter for MdWriter {
    fn begin(&mut self, w: &mut dyn Write, source: &SourceDoc) -> std::io::Result<()> {
        writeln!(
            w,
            "# Qlik Sense export\n\n- Hub: {}\n- Engine: {} (version {})\n- User: {}\n",
            text(&source.display_url),
            text(&source.engine_url),
            text(&source.engine_version),
            text(&source.user)
        )
    }

    fn app(
        &mut self,
        w: &mut dyn Write,
        app: Option<&AppDoc>,
        errors: &[ErrorDoc],
    ) -> std::io::Result<()> {
        if let Some(app) = app {
            w.write_all(app_section(app).as_bytes())?;
            self.apps += 1;
        }
        self.errors.extend_from_slice(errors);
        Ok(())
    }

    fn finish(&mut self, w: &mut dyn Write) -> std::io::Result<()> {
        if !self.errors.is_empty() {
            writeln!(
                w,
                "## Errors\n\n| App | Part | Code | Message |\n|---|---|---:|---|"
            )?;
            for e in &self.errors {
                writeln!(
                    w,
                    "| {} | {} | {} | {} |",
                    text(&e.app_id),
                    text(e.part.as_deref().unwrap_or("app")),
                    e.code.map(|c| c.to_string()).unwrap_or_default(),
                    text(&e.message)
                )?;
            }
            writeln!(w)?;
        }
        writeln!(
            w,
            "---\n{} apps exported, {} errors.",
            self.apps,
            self.errors.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_escaped_and_fences_outgrow_backticks() {
        assert_eq!(
            text("a|b [x](y) #1 \"q\""),
            "a\\|b \\[x\\]\\(y\\) \\#1 \\\"q\\\""
        );
        assert_eq!(text("ü\nz"), "ü z");
        assert_eq!(
            text("\u{1b}]0;x\u{7}\r\u{202e}"),
            "\\x1b\\]0;x\\x07\\x0d\\u202e"
        );
        assert_eq!(fence("no ticks"), "```");
        assert_eq!(fence("a ```` b"), "`````");
    }
}
