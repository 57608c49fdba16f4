//! ARCHITECTURE.md stays true: every path it cites in backticks (`src/…`, `tests/…`, `benches/…`)
//! exists, and where it cites `file::name`, `name` occurs in that file as a word (a function, a
//! type, a constant).

use std::path::Path;

/// The repository paths a markdown text cites in backticks, with the name after `::` if any.
fn citations(markdown: &str) -> Vec<(String, Option<String>)> {
    markdown
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|c| {
            ["src/", "tests/", "benches/"]
                .iter()
                .any(|p| c.starts_with(p))
        })
        .map(|c| match c.split_once("::") {
            Some((path, name)) => (path.to_string(), Some(name.to_string())),
            None => (c.to_string(), None),
        })
        .collect()
}

fn has_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().last();
        let after = text[i + word.len()..].chars().next();
        let boundary = |c: Option<char>| !c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        boundary(before) && boundary(after)
    })
}

/// What is wrong with one citation, if anything.
fn check(root: &Path, path: &str, name: Option<&str>) -> Option<String> {
    let file = root.join(path.trim_end_matches('/'));
    if !file.exists() {
        return Some(format!("`{path}` does not exist"));
    }
    let name = name?;
    let text = std::fs::read_to_string(&file).ok()?;
    (!has_word(&text, name)).then(|| format!("`{path}::{name}`: no `{name}` in {path}"))
}

#[test]
fn every_path_and_function_the_map_cites_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let map = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let cited = citations(&map);
    assert!(cited.len() > 30, "only {} citations found", cited.len());
    let wrong: Vec<String> = cited
        .iter()
        .filter_map(|(p, n)| check(root, p, n.as_deref()))
        .collect();
    assert!(
        wrong.is_empty(),
        "ARCHITECTURE.md cites:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn a_moved_file_or_renamed_function_is_caught() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = "`src/tui/gone.rs` and `src/tui/ui.rs::draw_everything` and `src/tui/ui.rs::draw`";
    let cited = citations(text);
    assert_eq!(cited.len(), 3);
    let wrong: Vec<_> = cited
        .iter()
        .filter_map(|(p, n)| check(root, p, n.as_deref()))
        .collect();
    assert_eq!(wrong.len(), 2, "{wrong:?}");
    assert!(wrong[0].contains("does not exist"));
    assert!(wrong[1].contains("draw_everything"));
}
