//! Keys → actions: built-in defaults, overridden by `keymap.toml` in the config dir:
//!
//! ```toml
//! [keys]
//! "ctrl-n" = "down"
//! "x" = "quit"
//! ```
//! Key names: a character, or `enter esc tab backtab backspace up down left right home end
//! pageup pagedown f1..f12 space`, with optional `ctrl-` / `alt-` / `shift-` prefixes.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

use super::action::Action;
use super::bindings::BINDINGS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    /// Normalises a terminal key event (shift on a character is already in the character).
    pub fn from_event(e: &KeyEvent) -> Key {
        let mut mods =
            e.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        if let KeyCode::Char(_) = e.code {
            mods.remove(KeyModifiers::SHIFT);
        }
        Key { code: e.code, mods }
    }

    pub fn parse(text: &str) -> Result<Key, String> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            if rest.len() > 5 && lower.starts_with("ctrl-") {
                mods |= KeyModifiers::CONTROL;
                rest = &rest[5..];
            } else if rest.len() > 4 && lower.starts_with("alt-") {
                mods |= KeyModifiers::ALT;
                rest = &rest[4..];
            } else if rest.len() > 6 && lower.starts_with("shift-") {
                mods |= KeyModifiers::SHIFT;
                rest = &rest[6..];
            } else {
                break;
            }
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "backspace" => KeyCode::Backspace,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            "space" => KeyCode::Char(' '),
            f if f.len() > 1 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => KeyCode::Char(c),
                    _ => {
                        return Err(format!(
                            "unknown key '{text}': use a single character or a name like enter, esc, tab, up, pageup, f1, with ctrl-/alt-/shift- prefixes"
                        ));
                    }
                }
            }
        };
        if let KeyCode::Char(_) = code {
            mods.remove(KeyModifiers::SHIFT);
        }
        Ok(Key { code, mods })
    }

    pub fn display(&self) -> String {
        let mut s = String::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            s.push_str("C-");
        }
        if self.mods.contains(KeyModifiers::ALT) {
            s.push_str("M-");
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            s.push_str("S-");
        }
        s.push_str(&match self.code {
            KeyCode::Char(' ') => "space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "S-Tab".into(),
            KeyCode::Backspace => "BS".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        });
        s
    }
}

#[derive(Debug, Clone)]
pub struct Keymap {
    map: HashMap<Key, Action>,
    /// Keys in the order they were bound, for help and hints.
    order: Vec<(Key, Action)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeymapFile {
    #[serde(default)]
    keys: BTreeMap<String, Action>,
}

impl Default for Keymap {
    fn default() -> Self {
        let mut k = Keymap {
            map: HashMap::new(),
            order: Vec::new(),
        };
        // The defaults are the keys of the one table (its unit tests check they all parse).
        for b in BINDINGS {
            for key in b.keys.iter().filter_map(|text| Key::parse(text).ok()) {
                if let Some(action) = b.action {
                    k.bind(key, action);
                }
            }
        }
        k
    }
}

impl Keymap {
    pub fn bind(&mut self, key: Key, action: Action) {
        self.order.retain(|(k, _)| *k != key);
        self.order.push((key, action));
        self.map.insert(key, action);
    }

    pub fn action(&self, key: &Key) -> Option<Action> {
        self.map.get(key).copied()
    }

    /// The keys bound to `action`, in binding order.
    pub fn keys_for(&self, action: Action) -> Vec<Key> {
        self.order
            .iter()
            .filter(|(_, a)| *a == action)
            .map(|(k, _)| *k)
            .collect()
    }

    /// Defaults overridden by the TOML text of a keymap file.
    pub fn from_toml(text: &str, origin: &Path) -> Result<Keymap, String> {
        let file: KeymapFile = toml::from_str(text).map_err(|e| {
            format!(
                "{}: {}; expected a [keys] table like \"ctrl-n\" = \"down\" (actions: {})",
                origin.display(),
                e.message(),
                Action::ALL
                    .iter()
                    .map(|a| serde_json::to_value(a)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
        let mut k = Keymap::default();
        for (text, action) in file.keys {
            let key = Key::parse(&text).map_err(|e| format!("{}: {e}", origin.display()))?;
            k.bind(key, action);
        }
        Ok(k)
    }

    /// The keymap file if present, else the defaults. A broken file is an error naming it.
    pub fn load(path: &Path) -> Result<Keymap, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => Keymap::from_toml(&text, path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Keymap::default()),
            Err(e) => Err(format!("cannot read the keymap {}: {e}", path.display())),
        }
    }

    /// "q quit  ? help ..." for the status line, from the current bindings.
    pub fn hints(&self, actions: &[Action]) -> Vec<(String, &'static str)> {
        actions
            .iter()
            .filter_map(|a| self.keys_for(*a).first().map(|k| (k.display(), a.hint())))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keys_and_overrides_defaults() {
        let k = Keymap::from_toml(
            "[keys]\n\"ctrl-n\" = \"down\"\n\"x\" = \"quit\"\n",
            Path::new("k.toml"),
        )
        .unwrap();
        let ctrl_n = Key {
            code: KeyCode::Char('n'),
            mods: KeyModifiers::CONTROL,
        };
        assert_eq!(k.action(&ctrl_n), Some(Action::Down));
        assert_eq!(k.keys_for(Action::Quit).len(), 3);
        assert_eq!(Key::parse("G").unwrap().code, KeyCode::Char('G'));
        assert_eq!(Key::parse("pagedown").unwrap().code, KeyCode::PageDown);
    }

    #[test]
    fn bad_files_name_the_problem() {
        let e = Keymap::from_toml("[keys]\n\"x\" = \"fly\"\n", Path::new("k.toml")).unwrap_err();
        assert!(
            e.contains("k.toml") && e.contains("fly") && e.contains("quit"),
            "{e}"
        );
        let e =
            Keymap::from_toml("[keys]\n\"nope\" = \"quit\"\n", Path::new("k.toml")).unwrap_err();
        assert!(e.contains("unknown key 'nope'"), "{e}");
    }
}
