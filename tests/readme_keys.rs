//! The README's key table is the one in `src/tui/bindings.rs` (which also feeds the keymap,
//! the palette and the help overlay): this fails when either changes without the other.

const BEGIN: &str = "<!-- keys: the table in src/tui/bindings.rs (tests/readme_keys.rs checks) -->";
const END: &str = "<!-- /keys -->";

#[test]
fn the_readme_key_table_is_the_bindings_table() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md reads");
    let expected = qlik_tui::tui::bindings::markdown_table();
    let Some((_, rest)) = readme.split_once(BEGIN) else {
        panic!("README.md has no key table: add this after the line\n{BEGIN}\n\n{expected}{END}");
    };
    let (table, _) = rest
        .split_once(END)
        .unwrap_or_else(|| panic!("README.md's key table does not end with {END}"));
    assert_eq!(
        table.trim(),
        expected.trim(),
        "README.md's key table differs from src/tui/bindings.rs; the table should read:\n{expected}"
    );
}

/// Every action is in the table, and so in the README: one row per key action.
#[test]
fn every_key_action_is_in_the_readme() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md reads");
    for a in qlik_tui::tui::action::Action::ALL {
        let b = qlik_tui::tui::bindings::of(a).unwrap_or_else(|| panic!("{a:?} has no row"));
        assert!(
            readme.contains(&format!("`:{}", b.command)),
            "README.md does not list :{} ({a:?})",
            b.command
        );
    }
}
