//! Plain-text tables for human output: columns padded to their widest cell (by display width,
//! so CJK and accented titles line up), the last column unpadded; the header bold when stdout is
//! colored (see `color`).

use unicode_width::UnicodeWidthStr;

pub fn render(headers: &[&str], rows: &[Vec<String>]) -> String {
    let cols = headers.len();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(cols) {
            widths[i] = widths[i].max(clean(cell).width());
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<String>, header: bool| {
        let mut l = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cols {
                l.push_str(cell);
            } else {
                l.push_str(cell);
                l.push_str(&" ".repeat(widths[i] - cell.width() + 2));
            }
        }
        if header {
            out.push_str(&super::color::bold_stdout(l.trim_end()));
        } else {
            out.push_str(l.trim_end());
        }
        out.push('\n');
    };
    line(headers.iter().map(|h| h.to_string()).collect(), true);
    for row in rows {
        line(row.iter().map(|c| clean(c)).collect(), false);
    }
    out
}

/// Control characters (a newline in a title, an escape sequence, a bidi override) would break the
/// table or the terminal: shown escaped, so the odd title is visible as such.
fn clean(s: &str) -> String {
    crate::text::escape_for_terminal(s).into_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn aligns_by_display_width() {
        let t = super::render(
            &["ID", "TITLE"],
            &[
                vec!["a".into(), "x".into()],
                vec!["ü€".into(), "y\nz".into()],
            ],
        );
        assert_eq!(t, "ID  TITLE\na   x\nü€  y\\x0az\n");
    }

    #[test]
    fn escapes_terminal_controls_and_bidi_overrides() {
        let t = super::render(&["T"], &[vec!["\u{1b}]0;x\u{7}\u{202e}cod.exe".into()]]);
        assert_eq!(t, "T\n\\x1b]0;x\\x07\\u202ecod.exe\n");
    }
}
