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
/// goes in as the printer writes each line break, not in a second pass over the text.
fn write_pretty_at<T: serde::Serialize>(
    w: &mut dyn Write,
    buf: &mut Vec<u8>,
    v: &T,
    by: usize,
) -> std::io::Result<()> {
    buf.clear();
    let mut printer = serde_json::Serializer::with_formatter(
        &mut *buf,
        IndentedPretty {
            base: by,
            level: 0,
            has_value: false,
        },
    );
    v.serialize(&mut printer)?;
    w.write_all(buf)
}

/// serde_json's `PrettyFormatter` (two spaces a level) with every line start pushed right by
/// `base` spaces, each line break and its indent written in one piece.
struct IndentedPretty {
    base: usize,
    level: usize,
    has_value: bool,
}

/// A comma, a line break and the longest indent written in one piece.
const BREAK: &[u8; 2 + 126] = b",\n                                                                                                                              ";

impl IndentedPretty {
    fn line_break<W: ?Sized + Write>(&self, w: &mut W, comma: bool) -> std::io::Result<()> {
        let from = usize::from(!comma);
        let spaces = self.base + 2 * self.level;
        match BREAK.get(from..2 + spaces) {
            Some(piece) => w.write_all(piece),
            None => {
                w.write_all(&BREAK[from..2])?;
                w.write_all(&vec![b' '; spaces])
            }
        }
    }
}

impl serde_json::ser::Formatter for IndentedPretty {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.level -= 1;
        if self.has_value {
            self.line_break(w, false)?;
        }
        w.write_all(b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.line_break(w, !first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.level -= 1;
        if self.has_value {
            self.line_break(w, false)?;
        }
        w.write_all(b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.line_break(w, !first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
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
        let deep = (0..80).fold(serde_json::json!(1), |v, _| serde_json::json!([v]));
        for (v, by) in [(&v, 0), (&v, 2), (&v, 4), (&deep, 4)] {
            let mut out = Vec::new();
            write_pretty_at(&mut out, &mut Vec::new(), v, by).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), pretty_at(v, by).unwrap());
        }
    }
}
