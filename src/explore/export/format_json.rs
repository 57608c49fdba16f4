//! `json`: one document, `{"format","source","apps":[…],"errors":[…]}`, written app by app as
//! the apps are done, so a big site never sits in memory whole.

use std::io::Write;

use super::FormatWriter;
use super::doc::{AppDoc, ErrorDoc, FORMAT, SourceDoc};

#[derive(Default)]
pub(super) struct JsonWriter {
    apps_written: usize,
    errors: Vec<ErrorDoc>,
    /// An app's pretty JSON before it is indented into the output; kept between apps.
    buf: Vec<u8>,
}

/// Writes the pretty JSON of `v` to `w`, its continuation lines indented by `by` spaces, as
/// `pretty_at` does, through `buf` (reused) rather than two whole strings per app.
fn write_pretty_at<T: serde::Serialize>(
    w: &mut dyn Write,
    buf: &mut Vec<u8>,
    v: &T,
    by: usize,
) -> std::io::Result<()> {
    buf.clear();
    serde_json::to_writer_pretty(&mut *buf, v)?;
    let pad = format!("\n{}", " ".repeat(by));
    let mut lines = buf.split(|b| *b == b'\n');
    if let Some(first) = lines.next() {
        w.write_all(first)?;
    }
    for line in lines {
        w.write_all(pad.as_bytes())?;
        w.write_all(line)?;
    }
    Ok(())
}

/// Pretty JSON of `v`, its continuation lines indented by `by` spaces (JSON strings hold no raw
/// newline, so every newline is structure).
fn pretty_at<T: serde::Serialize>(v: &T, by: usize) -> std::io::Result<String> {
    let s = serde_json::to_string_pretty(v)?;
    Ok(s.replace('\n', &format!("\n{}", " ".repeat(by))))
}

impl FormatWriter for JsonWriter {
    fn begin(&mut self, w: &mut dyn Write, source: &SourceDoc) -> std::io::Result<()> {
        write!(
            w,
            "{{\n  \"format\": {},\n  \"source\": {},\n  \"apps\": [",
            serde_json::to_string(FORMAT)?,
            pretty_at(source, 2)?
        )
    }

    fn app(
        &mut self,
        w: &mut dyn Write,
        app: Option<&AppDoc>,
        errors: &[ErrorDoc],
    ) -> std::io::Result<()> {
        if let Some(app) = app {
            let sep = if self.apps_written == 0 { "" } else { "," };
            write!(w, "{sep}\n    ")?;
            write_pretty_at(w, &mut self.buf, app, 4)?;
            self.apps_written += 1;
        }
        self.errors.extend_from_slice(errors);
        Ok(())
    }

    fn finish(&mut self, w: &mut dyn Write) -> std::io::Result<()> {
        let close = if self.apps_written == 0 { "" } else { "\n  " };
        writeln!(
            w,
            "{close}],\n  \"errors\": {}\n}}",
            pretty_at(&self.errors, 2)?
        )
    }
}
