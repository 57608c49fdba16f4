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
        j += memchr::memchr2(b'"', b'\\', text.get(j..)?)?;
        if text[j] == b'"' {
            return Some(j + 1);
        }
        // A backslash escapes the byte after it (`\"`, `\\`, or the first of `\uXXXX`).
        j += 2;
    }
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
