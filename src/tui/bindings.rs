//! Everything the user can do, in one table: the keymap's default keys, the `:` palette's
//! commands, the help overlay and the README's key table all come from `BINDINGS` (a test in
//! `tests/readme_keys.rs` fails when the README's table and this one differ). Adding an action
//! is one row here plus its `Action` variant.

use super::action::Action;

/// One thing the user can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding {
    /// The palette command (`:export`).
    pub command: &'static str,
    /// Other names the palette accepts (`:q`).
    pub aliases: &'static [&'static str],
    /// What the command takes after its name (`NAME`), if anything.
    pub arg: Option<&'static str>,
    /// The key action it is (None: only a palette command, such as `:app NAME`).
    pub action: Option<Action>,
    /// Its default keys, in the keymap file's names (`ctrl-c`, `pagedown`).
    pub keys: &'static [&'static str],
    /// What it does, as the palette, the help overlay and the README say it.
    pub about: &'static str,
}

const fn run(
    command: &'static str,
    action: Action,
    keys: &'static [&'static str],
    about: &'static str,
) -> Binding {
    Binding {
        command,
        aliases: &[],
        arg: None,
        action: Some(action),
        keys,
        about,
    }
}

const fn with_arg(
    command: &'static str,
    aliases: &'static [&'static str],
    arg: &'static str,
    action: Option<Action>,
    keys: &'static [&'static str],
    about: &'static str,
) -> Binding {
    Binding {
        command,
        aliases,
        arg: Some(arg),
        action,
        keys,
        about,
    }
}

/// In the order the palette and the help offer them: moving first (what a new user needs
/// on the help's first screen), then the commands.
pub const BINDINGS: &[Binding] = &[
    run("up", Action::Up, &["k", "up"], "up"),
    run("down", Action::Down, &["j", "down"], "down"),
    run(
        "collapse",
        Action::Left,
        &["h", "left"],
        "collapse / parent",
    ),
    run(
        "expand",
        Action::Right,
        &["l", "right"],
        "expand / first child",
    ),
    run("toggle", Action::Expand, &["enter"], "expand / collapse"),
    run("top", Action::Top, &["g", "home"], "first row"),
    run("bottom", Action::Bottom, &["G", "end"], "last row"),
    run("page-up", Action::PageUp, &["pageup"], "page up"),
    run("page-down", Action::PageDown, &["pagedown"], "page down"),
    run("pane", Action::FocusNext, &["tab"], "switch pane"),
    run("next-tab", Action::NextTab, &["]"], "next detail tab"),
    run("prev-tab", Action::PrevTab, &["["], "previous detail tab"),
    run("help", Action::Help, &["?"], "the keys and commands"),
    Binding {
        aliases: &["q"],
        ..run("quit", Action::Quit, &["q", "ctrl-c"], "quit")
    },
    with_arg(
        "search",
        &["s"],
        "TEXT",
        Some(Action::Search),
        &["s"],
        "search the selected app, stream or profile",
    ),
    run("export", Action::Export, &["e"], "export the selection"),
    run(
        "doctor",
        Action::DoctorProfile,
        &["d"],
        "doctor: check the selected profile step by step",
    ),
    run(
        "test",
        Action::TestProfile,
        &["t"],
        "test the selected profile's connection",
    ),
    run(
        "reload",
        Action::Reload,
        &["r"],
        "reload the node (reconnects a lost engine)",
    ),
    run(
        "traffic",
        Action::Traffic,
        &["T"],
        "the Traffic pane: the engine frames as they go",
    ),
    run("yank", Action::YankLink, &["y"], "copy the node's hub link"),
    run("yank-id", Action::YankId, &["Y"], "copy the node's id"),
    run(
        "open",
        Action::OpenLink,
        &["o"],
        "open the node's hub link in the browser",
    ),
    run(
        "filter",
        Action::Filter,
        &["/"],
        "filter the tree / search the detail",
    ),
    with_arg(
        "profile",
        &["p"],
        "NAME",
        None,
        &[],
        "switch to the profile NAME",
    ),
    with_arg(
        "app",
        &["a"],
        "NAME",
        None,
        &[],
        "open the app NAME (or id)",
    ),
    with_arg(
        "diff",
        &[],
        "PROFILE [APP]",
        None,
        &[],
        "compare the selected app with its copy (or APP) on PROFILE",
    ),
    with_arg(
        "eval",
        &["e"],
        "EXPR",
        None,
        &[],
        "evaluate an expression in the selected app",
    ),
    run(
        "add-profile",
        Action::AddProfile,
        &["a"],
        "add a profile (form)",
    ),
    run(
        "edit-profile",
        Action::EditProfile,
        &["E"],
        "edit the selected profile",
    ),
    run(
        "delete-profile",
        Action::DeleteProfile,
        &["D"],
        "delete the selected profile",
    ),
    run("palette", Action::Palette, &[":"], "the command palette"),
    run(
        "narrower",
        Action::Narrower,
        &["<"],
        "move the split left (remembered)",
    ),
    run(
        "wider",
        Action::Wider,
        &[">"],
        "move the split right (remembered)",
    ),
    run(
        "theme",
        Action::Theme,
        &["c"],
        "cycle the colours (dark, light, mono)",
    ),
];

/// The row of a key action.
pub fn of(action: Action) -> Option<&'static Binding> {
    BINDINGS.iter().find(|b| b.action == Some(action))
}

/// The row a palette word names (its command or an alias), case-insensitively.
pub fn named(word: &str) -> Option<&'static Binding> {
    BINDINGS.iter().find(|b| {
        b.command.eq_ignore_ascii_case(word)
            || b.aliases.iter().any(|a| a.eq_ignore_ascii_case(word))
    })
}

/// The README's key table (between its `keys` markers): default keys, command, what it does.
pub fn markdown_table() -> String {
    let mut out = String::from("| key | command | what it does |\n| --- | --- | --- |\n");
    for b in BINDINGS {
        let keys: Vec<String> = b
            .keys
            .iter()
            .filter_map(|k| super::keymap::Key::parse(k).ok())
            .map(|k| format!("`{}`", k.display().replace('|', "\\|")))
            .collect();
        let command = match b.arg {
            Some(arg) => format!("`:{} {arg}`", b.command),
            None => format!("`:{}`", b.command),
        };
        // A palette-only command has no key.
        let keys = if keys.is_empty() {
            "—".to_string()
        } else {
            keys.join(" ")
        };
        out.push_str(&format!("| {keys} | {command} | {} |\n", b.about));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_exactly_one_row_and_names_are_unique() {
        for a in Action::ALL {
            let rows = BINDINGS.iter().filter(|b| b.action == Some(a)).count();
            assert_eq!(rows, 1, "{a:?} has {rows} rows in BINDINGS");
        }
        let mut names: Vec<&str> = BINDINGS
            .iter()
            .flat_map(|b| std::iter::once(b.command).chain(b.aliases.iter().copied()))
            .collect();
        let all = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all, "a palette name is used twice: {names:?}");
    }

    #[test]
    fn every_default_key_parses_and_is_bound_once() {
        let mut seen = std::collections::HashSet::new();
        for b in BINDINGS {
            for k in b.keys {
                let key = super::super::keymap::Key::parse(k)
                    .unwrap_or_else(|e| panic!("{}: {e}", b.command));
                assert!(seen.insert(key), "the key {k} is bound twice");
                assert!(b.action.is_some(), ":{} has keys but no action", b.command);
            }
        }
    }
}
