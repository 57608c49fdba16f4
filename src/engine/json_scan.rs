//! Where a JSON value ends, found from its brackets and string quotes alone: nothing is built and
//! nothing inside is checked. The socket's reader uses it to cut a reply's `result` out of the
//! frame; the caller that reads the result parses (and so checks) that text once. Checking it in
//! the reader too was a second full pass over every reply, a sixth of an export's CPU (issue 16).

/// How deep brackets may nest before the scan gives up (the caller then takes its careful path).
const MAX_DEPTH: usize = 256;

/// The index just past the value that starts at `i` (whitespace first is skipped), or None when
/// the text ends inside it, a bracket closes the wrong opener, or it nests deeper than MAX_DEPTH.
/// A scalar (number, `true`, …) ends before the next delimiter; its spelling is not checked.
pub fn value_end(text: &[u8], i: usize) -> Option<usize> {
    let i = skip_ws(text, i);
    match *text.get(i)? {
        b'"' => string_end(text, i),
        b'{' | b'[' => nested_end(text, i),
        b'}' | b']' | b',' | b':' => None,
        _ => {
            let len = text[i..]
                .iter()
                .position(|&c| matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
                .unwrap_or(text.len() - i);
            Some(i + len)
        }
    }
}

/// Calls `member(name, start of its value)` for each member of the object at `i` (after any
/// whitespace); `member` returns where the value ends. Returns where the object ends. None for
/// what is not an object, an escaped member name (left to a careful parser), or text cut short.
pub fn members<'t>(
    text: &'t str,
    i: usize,
    mut member: impl FnMut(&'t str, usize) -> Option<usize>,
) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = skip_ws(b, i);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        return Some(i + 1);
    }
    loop {
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let key_end = string_end(b, i)?;
        let key = &text[i + 1..key_end - 1];
        if key.contains('\\') {
            return None;
        }
        i = skip_ws(b, key_end);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(b, member(key, skip_ws(b, i + 1))?);
        match b.get(i) {
            Some(b',') => i = skip_ws(b, i + 1),
            Some(b'}') => return Some(i + 1),
            _ => return None,
        }
    }
}

/// The index of the first byte at or after `i` that is not JSON whitespace.
pub fn skip_ws(text: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = text.get(i) {
        i += 1;
    }
    i
}

/// The index just past the string whose opening quote is at `i`.
pub fn string_end(text: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    loop {
        j = quote_or_backslash(text, j)?;
        if text[j] == b'"' {
            return Some(j + 1);
        }
        // A backslash escapes the byte after it (`\"`, `\\`, or the first of `\uXXXX`).
        j += 2;
    }
}

/// The index of the first `"` or `\` at or after `j`. Eight bytes at a time: most strings in a
/// reply are short (member names, ids), too short for a call to memchr to pay.
fn quote_or_backslash(text: &[u8], mut j: usize) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // The high bit of each byte of `w` that equals `b` (and maybe of bytes after one that
    // does, which the lowest set bit never is).
    let matches = |w: u64, b: u8| {
        let x = w ^ (ONES * u64::from(b));
        x.wrapping_sub(ONES) & !x & HIGHS
    };
    while let Some(chunk) = text.get(j..j + 8) {
        let w = u64::from_le_bytes(chunk.try_into().ok()?);
        let m = matches(w, b'"') | matches(w, b'\\');
        if m != 0 {
            return Some(j + (m.trailing_zeros() / 8) as usize);
        }
        j += 8;
    }
    Some(
        j + text
            .get(j..)?
            .iter()
            .position(|&c| c == b'"' || c == b'\\')?,
    )
}

/// The index just past the object or array whose opening bracket is at `i`.
fn nested_end(text: &[u8], i: usize) -> Option<usize> {
    let mut open = [0u8; MAX_DEPTH];
    let mut depth = 0;
    let mut j = i;
    while j < text.len() {
        match text[j] {
            b'"' => {
                j = string_end(text, j)?;
                continue;
            }
            c @ (b'{' | b'[') => {
                *open.get_mut(depth)? = if c == b'{' { b'}' } else { b']' };
                depth += 1;
            }
            c @ (b'}' | b']') => {
                depth = depth.checked_sub(1)?;
                if open[depth] != c {
                    return None;
                }
                if depth == 0 {
                    return Some(j + 1);
                }
            }
            _ => {}
        }
        j += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn end(s: &str) -> Option<&str> {
        value_end(s.as_bytes(), 0).map(|e| &s[..e])
    }

    #[test]
    fn finds_the_end_of_every_kind_of_value() {
        assert_eq!(
            end(r#"{"a":[1,{"b":"}]"}],"c":"\"}"} tail"#),
            Some(r#"{"a":[1,{"b":"}]"}],"c":"\"}"}"#)
        );
        assert_eq!(end(r#""x\\" , 1"#), Some(r#""x\\""#));
        assert_eq!(end(r#""a\"b""#), Some(r#""a\"b""#));
        assert_eq!(end("12.5e3,"), Some("12.5e3"));
        assert_eq!(end("  true}"), Some("  true"));
        assert_eq!(end("[]"), Some("[]"));
    }

    #[test]
    fn refuses_what_does_not_close() {
        for bad in [
            r#"{"a":[1,2}"#,
            r#"{"a":"#,
            r#""open"#,
            r#"{"a":"\"}"#,
            "]",
            ",",
            r#"[1,2"#,
            "",
        ] {
            assert_eq!(end(bad), None, "{bad}");
        }
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert_eq!(end(&deep), None);
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert_eq!(end(&ok), Some(ok.as_str()));
    }

    /// Every length of string, with an escaped quote or backslash at every place, read eight
    /// bytes at a time or byte by byte at its tail.
    #[test]
    fn finds_the_closing_quote_at_any_length() {
        for len in 0..40 {
            let plain = "x".repeat(len);
            assert_eq!(
                end(&format!("\"{plain}\",")),
                Some(format!("\"{plain}\"").as_str())
            );
            for at in 0..len {
                for escape in ["\\\"", "\\\\", "\\u0041"] {
                    let s = format!("\"{}{escape}{}\"", &plain[..at], &plain[at..]);
                    let _: String = serde_json::from_str(&s).unwrap();
                    assert_eq!(end(&format!("{s}]")), Some(s.as_str()), "{s}");
                }
            }
        }
    }

    /// On valid JSON the scan ends where serde_json's parser ends, for any value.
    #[test]
    fn agrees_with_serde_json_on_valid_values() {
        let samples = [
            r#"{"qPropEntry":{"qProperty":{"qInfo":{"qId":"a\u0022b","qType":"x"},"t":[1,-2.5e-3,true,null,{}]},"qChildren":[]}}"#,
            r#"["\\\\",{"k\\":"v\"\n"},[[[]]]]"#,
            r#""é — ✓""#,
        ];
        for s in samples {
            let _: serde_json::Value = serde_json::from_str(s).unwrap();
            assert_eq!(end(&format!("{s} ,rest")), Some(s), "{s}");
        }
    }
}
