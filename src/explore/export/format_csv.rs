//! `csv`: one row per object (nested children included, with their parent and depth), with the
//! app and sheet it belongs to and the links of all three. Errors are not rows; the command
//! reports them.
//!
//! A text cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to a
//! spreadsheet (an app titled `=HYPERLINK("http://x","y")` becomes a link in Excel): such cells get
//! a `'` prefix, as OWASP recommends for CSV injection, unless the export is asked for raw cells
//! (`--csv-raw`). The numeric columns (`depth`, `published`) are never prefixed. Otherwise cells
//! are the exact strings (CSV is data: a spreadsheet or a script reads it back); only when the CSV
//! goes to a terminal are control characters shown escaped, as every human-readable output does.

use std::borrow::Cow;
use std::io::Write;

use super::FormatWriter;
use super::doc::{AppDoc, ErrorDoc, SourceDoc};

pub(super) const COLUMNS: [&str; 15] = [
    "app_id",
    "app_name",
    "stream",
    "sheet_id",
    "sheet_title",
    "object_id",
    "parent_id",
    "depth",
    "type",
    "title",
    "master_id",
    "link",
    "sheet_link",
    "app_link",
    "published",
];

pub(super) struct CsvWriter {
    /// `--csv-raw`: formula-looking cells are written as they are.
    pub(super) raw: bool,
    /// The CSV is read on a terminal: control characters and bidi overrides shown escaped.
    pub(super) for_terminal: bool,
}

/// Does a spreadsheet take a cell starting like `s` for a formula?
pub(crate) fn looks_like_formula(s: &str) -> bool {
    s.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

impl CsvWriter {
    /// A text cell as written: neutralised (`'` prefix) when it looks like a formula, escaped when
    /// it goes to a terminal.
    fn text<'a>(&self, s: &'a str) -> Cow<'a, str> {
        let s = if !self.raw && looks_like_formula(s) {
            Cow::Owned(format!("'{s}"))
        } else {
            Cow::Borrowed(s)
        };
        if self.for_terminal {
            Cow::Owned(crate::text::escape_for_terminal(&s).into_owned())
        } else {
            s
        }
    }
}

impl FormatWriter for CsvWriter {
    fn begin(&mut self, w: &mut dyn Write, _source: &SourceDoc) -> std::io::Result<()> {
        let mut c = csv::Writer::from_writer(w);
        c.write_record(COLUMNS)?;
        c.flush()
    }

    fn app(
        &mut self,
        w: &mut dyn Write,
        app: Option<&AppDoc>,
        _errors: &[ErrorDoc],
    ) -> std::io::Result<()> {
        let Some(app) = app else { return Ok(()) };
        let mut c = csv::WriterBuilder::new().has_headers(false).from_writer(w);
        let stream = app.stream.as_ref().map(|s| s.name.as_str()).unwrap_or("");
        let published = if app.published { "true" } else { "false" };
        let t = |s| self.text(s);
        for o in app.objects() {
            let depth = o.depth.to_string();
            let row: [Cow<str>; COLUMNS.len()] = [
                t(&app.id),
                t(&app.name),
                t(stream),
                t(&o.sheet.id),
                t(&o.sheet.title),
                t(&o.object.id),
                t(o.parent_id.unwrap_or("")),
                Cow::Borrowed(&depth),
                t(&o.object.r#type),
                t(&o.object.title),
                t(o.object.master_id.as_deref().unwrap_or("")),
                t(&o.object.link),
                t(&o.sheet.link),
                t(&app.links.overview),
                Cow::Borrowed(published),
            ];
            c.write_record(row.iter().map(|c| c.as_bytes()))?;
        }
        c.flush()
    }

    fn finish(&mut self, _w: &mut dyn Write) -> std::io::Result<()> {
        Ok(())
    }
}
