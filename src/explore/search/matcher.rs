//! What a search looks for: a case-insensitive substring by default, a regular expression with
//! `--regex`, either one case-sensitive with `--case-sensitive`. Both run on the `regex` crate (a
//! substring is escaped into a pattern), so case folding is Unicode-aware the same way for both
//! and match offsets are byte offsets into the searched string.

use std::ops::Range;

use regex::{Regex, RegexBuilder};

use super::SearchError;

/// A compiled pattern.
#[derive(Debug, Clone)]
pub struct Matcher {
    pattern: String,
    re: Regex,
}

impl Matcher {
    pub fn new(pattern: &str, regex: bool, case_sensitive: bool) -> Result<Matcher, SearchError> {
        if pattern.is_empty() {
            return Err(SearchError::Pattern(
                "the pattern is empty; give the text to look for (e.g. Sales)".into(),
            ));
        }
        let source = if regex {
            pattern.to_string()
        } else {
            regex::escape(pattern)
        };
        let re = RegexBuilder::new(&source)
            .case_insensitive(!case_sensitive)
            .build()
            .map_err(|e| {
                SearchError::Pattern(format!(
                    "the pattern is not a valid regular expression: {e}; fix it, or drop --regex to look for the text as written"
                ))
            })?;
        Ok(Matcher {
            pattern: pattern.to_string(),
            re,
        })
    }

    /// The pattern as the user gave it.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// The first match in `s` (byte range); an empty match (`a*` on "b") counts as none.
    pub fn find(&self, s: &str) -> Option<Range<usize>> {
        self.re
            .find_iter(s)
            .find(|m| !m.is_empty())
            .map(|m| m.range())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substrings_fold_case_including_unicode_and_keep_special_characters_literal() {
        let m = Matcher::new("ümsatz", false, false).unwrap();
        assert_eq!(m.find("Sum(ÜMSATZ)"), Some(4..11));
        let m = Matcher::new("a&?#/b", false, false).unwrap();
        assert_eq!(m.find("x A&?#/B"), Some(2..8));
        assert_eq!(
            Matcher::new("(", false, true).unwrap().find("f("),
            Some(1..2)
        );
        let m = Matcher::new("Sales", false, true).unwrap();
        assert_eq!(m.find("sales"), None);
    }

    #[test]
    fn regexes_compile_or_say_how_to_fix_them() {
        let m = Matcher::new(r"^Sum\(\w+\)$", true, false).unwrap();
        assert!(m.find("sum(Sales)").is_some());
        assert_eq!(Matcher::new("x*", true, false).unwrap().find("abc"), None);
        let e = Matcher::new("Sum(", true, false).unwrap_err().to_string();
        assert!(e.contains("drop --regex"), "{e}");
        assert!(Matcher::new("", false, false).is_err());
    }
}
