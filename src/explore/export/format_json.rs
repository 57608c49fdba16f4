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
/// `pretty_at` does, through `buf` (reused) rather than two whole strings per app. The indent
/// goes in as the printer writes, not in a second pass over the text.
fn write_pretty_at<T: serde::Serialize>(
    w: &mut dyn Write,
    buf: &mut Vec<u8>,
    v: &T,
    by: usize,
) -> std::io::Result<()> {
    buf.clear();
    let pad = " ".repeat(by);
    serde_json::to_writer_pretty(
        Indented {
            out: &mut *buf,
            pad: pad.as_bytes(),
        },
        v,
    )?;
    w.write_all(buf)
}

/// A writer that puts `pad` after every line break. The pretty printer writes its line breaks
/// in pieces of their own (`\n`, `,\n`), and a JSON string holds no raw newline, so the search
/// runs over a few bytes at a time.
struct Indented<'a> {
    out: &'a mut Vec<u8>,
    pad: &'a [u8],
}

impl Write for Indented<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, mut buf: &[u8]) -> std::io::Result<()> {
        while let Some(n) = memchr::memchr(b'\n', buf) {
            self.out.extend_from_slice(&buf[..=n]);
            self.out.extend_from_slice(self.pad);
            buf = &buf[n + 1..];
        }
        self.out.extend_from_slice(buf);
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The indent put in while printing gives the same text as indenting the printed text.
    #[test]
    fn write_pretty_at_indents_as_pretty_at_does() {
        let v = serde_json::json!({"a": [1, {"b": "two\nlines", "c": []}], "d": {}, "e": "x"});
        for by in [0, 2, 4] {
            let mut out = Vec::new();
            write_pretty_at(&mut out, &mut Vec::new(), &v, by).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), pretty_at(&v, by).unwrap());
        }
    }
}
