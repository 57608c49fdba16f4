//! Text that anyone who can edit a Qlik app controls (titles, engine messages, certificate names)
//! reaching a terminal or a human-readable file. A raw ESC sequence can retitle the terminal or
//! rewrite what is on screen, BEL rings, CR overwrites the line, and a bidi override makes a title
//! read differently than its bytes. Every front end and every human-readable writer passes such text
//! through one of the two escapers here, which show the odd characters visibly (`\x1b`, `\u202e`)
//! instead of dropping them: the user should see that a title is odd. JSON/NDJSON keep the exact
//! string (JSON escaping covers them) and do not use this module.
//!
//! Also here: shortening by characters, so a multi-byte character at the cut is never split.

use std::borrow::Cow;
use std::fmt::Write;

/// Is `c` a character that must not reach a terminal raw? C0 (incl. ESC, BEL, CR, backspace, tab,
/// newline), DEL, C1 and the bidi embedding/override/isolate controls.
pub fn is_unsafe_for_terminal(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// One line of text for a terminal or a text file: every unsafe character, newline and tab
/// included, shown escaped. Borrowed when nothing needs escaping (the common case).
pub fn escape_for_terminal(s: &str) -> Cow<'_, str> {
    escape(s, |_| false)
}

/// Several lines of text (an error with its fix, a script): newlines and tabs stay, every other
/// unsafe character is shown escaped.
pub fn escape_lines_for_terminal(s: &str) -> Cow<'_, str> {
    escape(s, |c| c == '\n' || c == '\t')
}

fn escape(s: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(|c| is_unsafe_for_terminal(c) && !keep(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !is_unsafe_for_terminal(c) || keep(c) {
            out.push(c);
        } else if (c as u32) < 0x80 {
            let _ = write!(out, "\\x{:02x}", c as u32);
        } else {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
    }
    Cow::Owned(out)
}

/// The first `max` characters of `s`, with `…` when something was cut. Cuts by characters, never
/// by bytes: `&s[..n]` panics when byte n falls inside a multi-byte character.
pub fn cut_chars(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => Cow::Borrowed(s),
        Some((at, _)) => Cow::Owned(format!("{}…", &s[..at])),
    }
}

/// `n` and the noun, singular for one: `1 app`, `3 apps`, `0 errors`.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_c0_del_c1_and_bidi_visibly() {
        assert_eq!(
            escape_for_terminal(
                "a\u{1b}]0;pwned\u{7}b\rc\u{8}d\u{7f}e\u{9b}f\u{202e}g\u{2066}h\ti\nj"
            ),
            "a\\x1b]0;pwned\\x07b\\x0dc\\x08d\\x7fe\\u009bf\\u202eg\\u2066h\\x09i\\x0aj"
        );
    }

    #[test]
    fn plain_text_is_borrowed_and_unchanged() {
        let s = "Sales – Überblick 売上 😀";
        assert!(matches!(escape_for_terminal(s), Cow::Borrowed(_)));
        assert_eq!(escape_for_terminal(s), s);
    }

    #[test]
    fn multi_line_keeps_newlines_and_tabs_only() {
        assert_eq!(
            escape_lines_for_terminal("cause\n\tfix\u{1b}[2J\r"),
            "cause\n\tfix\\x1b[2J\\x0d"
        );
    }

    #[test]
    fn cut_chars_never_splits_a_character() {
        let s = format!("{}é and more", "a".repeat(79));
        assert_eq!(cut_chars(&s, 80), format!("{}é…", "a".repeat(79)));
        assert_eq!(cut_chars("short", 80), "short");
        assert_eq!(cut_chars("exactly", 7), "exactly");
    }

    #[test]
    fn counts_say_one_in_the_singular() {
        assert_eq!(count(1, "app"), "1 app");
        assert_eq!(count(0, "app"), "0 apps");
        assert_eq!(count(12, "object"), "12 objects");
    }
}
