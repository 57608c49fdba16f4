//! `ndjson`: one JSON record per line, written as each app is done: an `export` header, then per
//! app an `app` record (everything but its sheets), one `sheet` record per sheet (without its
//! objects) and one `object` record per object (without its children, with `sheet_id`,
//! `parent_id` and `depth`), `error` records, and a closing `end` record with the counts, so a
//! reader can tell a complete stream from a cut one.

use std::io::Write;

use serde_json::{Map, Value, json};

use super::FormatWriter;
use super::doc::{AppDoc, ErrorDoc, FORMAT, SourceDoc};

#[derive(Default)]
pub(super) struct NdjsonWriter {
    apps: usize,
    errors: usize,
}

/// `{"record": kind, ...fields of v except `drop`}` as one line.
fn record(
    w: &mut dyn Write,
    kind: &str,
    head: &[(&str, Value)],
    v: &impl serde::Serialize,
    drop: &str,
) -> std::io::Result<()> {
    let mut m = Map::new();
    m.insert("record".into(), kind.into());
    for (k, val) in head {
        m.insert((*k).into(), val.clone());
    }
    if let Value::Object(fields) = serde_json::to_value(v)? {
        m.extend(fields.into_iter().filter(|(k, _)| k != drop));
    }
    serde_json::to_writer(&mut *w, &Value::Object(m))?;
    w.write_all(b"\n")
}

impl FormatWriter for NdjsonWriter {
    fn begin(&mut self, w: &mut dyn Write, source: &SourceDoc) -> std::io::Result<()> {
        record(
            w,
            "export",
            &[("format", FORMAT.into())],
            &json!({"source": source}),
            "",
        )
    }

    fn app(
        &mut self,
        w: &mut dyn Write,
        app: Option<&AppDoc>,
        errors: &[ErrorDoc],
    ) -> std::io::Result<()> {
        if let Some(app) = app {
            record(w, "app", &[], app, "sheets")?;
            let app_id = Value::from(app.id.as_str());
            for sheet in &app.sheets {
                record(w, "sheet", &[("app_id", app_id.clone())], sheet, "objects")?;
            }
            for o in app.objects() {
                let head = [
                    ("app_id", app_id.clone()),
                    ("sheet_id", o.sheet.id.as_str().into()),
                    ("parent_id", o.parent_id.into()),
                    ("depth", o.depth.into()),
                ];
                record(w, "object", &head, o.object, "children")?;
            }
            self.apps += 1;
        }
        for e in errors {
            record(w, "error", &[], e, "")?;
        }
        self.errors += errors.len();
        Ok(())
    }

    fn finish(&mut self, w: &mut dyn Write) -> std::io::Result<()> {
        record(
            w,
            "end",
            &[("apps", self.apps.into()), ("errors", self.errors.into())],
            &json!({}),
            "",
        )
    }
}
