//! `csv`: one row per object (nested children included, with their parent and depth), with the
//! app and sheet it belongs to and the links of all three. Errors are not rows; the command
//! reports them.

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

pub(super) struct CsvWriter;

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
        for o in app.objects() {
            let depth = o.depth.to_string();
            let row: [&str; COLUMNS.len()] = [
                &app.id,
                &app.name,
                stream,
                &o.sheet.id,
                &o.sheet.title,
                &o.object.id,
                o.parent_id.unwrap_or(""),
                &depth,
                &o.object.r#type,
                &o.object.title,
                o.object.master_id.as_deref().unwrap_or(""),
                &o.object.link,
                &o.sheet.link,
                &app.links.overview,
                published,
            ];
            c.write_record(row)?;
        }
        c.flush()
    }

    fn finish(&mut self, _w: &mut dyn Write) -> std::io::Result<()> {
        Ok(())
    }
}
