//! The load script's line diff, unified (three lines of context), as `diff -u` prints it.

use similar::TextDiff;

/// `a` against `b` as unified diff lines (`--- a`, `+++ b`, hunks); empty when equal.
pub fn unified(a: &str, b: &str) -> Vec<String> {
    if a == b {
        return Vec::new();
    }
    let text = TextDiff::from_lines(a, b)
        .unified_diff()
        .context_radius(3)
        // Qlik stores the script without a final newline: not worth a line of its own.
        .missing_newline_hint(false)
        .header("a/script", "b/script")
        .to_string();
    text.lines().map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_added_line_is_one_plus_line_in_context() {
        let a = "SET A=1;\nSET B=2;\nLOAD x;";
        let b = "SET A=1;\nSET B=2;\nSET C=3;\nLOAD x;";
        let lines = unified(a, b);
        assert_eq!(lines[0], "--- a/script");
        assert_eq!(lines[1], "+++ b/script");
        assert!(lines[2].starts_with("@@ -1,3 +1,4 @@"), "{lines:?}");
        let changed: Vec<&String> = lines[3..]
            .iter()
            .filter(|l| l.starts_with('+') || l.starts_with('-'))
            .collect();
        assert_eq!(changed, ["+SET C=3;"]);
        assert!(unified(a, a).is_empty());
    }
}
