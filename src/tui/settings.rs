//! The explorer's settings, `settings.toml` in the config dir (every key optional): what the
//! user set for the explorer, and what they changed in it and expect to find again (the split,
//! written by the explorer atomically, so a crash never leaves half a file):
//!
//! ```toml
//! tree_width = 64   # the tree pane's columns, as `<` / `>` left it
//!
//! [traffic]
//! frames = 5000     # frames the Traffic pane keeps; the oldest go first
//! body_kib = 16     # body bytes kept per frame (KiB); longer bodies are cut short
//! slow_ms = 500     # replies slower than this stand out
//! ```

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::engine::trace_ring::RingLimits;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrafficSettings {
    pub frames: usize,
    pub body_kib: usize,
    pub slow_ms: u64,
}

impl Default for TrafficSettings {
    fn default() -> Self {
        let ring = RingLimits::default();
        TrafficSettings {
            frames: ring.frames,
            body_kib: ring.body_bytes >> 10,
            slow_ms: 500,
        }
    }
}

impl TrafficSettings {
    pub fn ring(&self) -> RingLimits {
        RingLimits {
            frames: self.frames,
            body_bytes: self.body_kib << 10,
        }
    }

    fn is_default(&self) -> bool {
        *self == TrafficSettings::default()
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// The tree pane's width in columns, as the user set it with `<` / `>`; unset, the split
    /// follows the tree's content.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tree_width: Option<u16>,
    #[serde(skip_serializing_if = "TrafficSettings::is_default")]
    pub traffic: TrafficSettings,
}

/// Bounds that keep the ring's memory reasonable: at most this many frames, this many KiB each.
const MAX_FRAMES: usize = 200_000;
const MAX_BODY_KIB: usize = 1024;

impl Settings {
    pub fn from_toml(text: &str, origin: &Path) -> Result<Settings, String> {
        let s: Settings = toml::from_str(text).map_err(|e| {
            format!(
                "{}: {}; expected e.g. tree_width = 64, [traffic] frames = 5000, body_kib = 16, slow_ms = 500",
                origin.display(),
                e.message()
            )
        })?;
        let t = s.traffic;
        if t.frames == 0 || t.frames > MAX_FRAMES {
            return Err(format!(
                "{}: traffic.frames = {} is out of range: give 1 to {MAX_FRAMES}",
                origin.display(),
                t.frames
            ));
        }
        if t.body_kib > MAX_BODY_KIB {
            return Err(format!(
                "{}: traffic.body_kib = {} is out of range: give 0 to {MAX_BODY_KIB}",
                origin.display(),
                t.body_kib
            ));
        }
        Ok(s)
    }

    /// The settings file if present, else the defaults. A broken file is an error naming it.
    pub fn load(path: &Path) -> Result<Settings, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => Settings::from_toml(&text, path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Settings::default()),
            Err(e) => Err(format!("cannot read the settings {}: {e}", path.display())),
        }
    }

    /// Writes the settings to `path` (its folder created if needed), replacing the file at once.
    /// Values left at their defaults are not written.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let fail = |e: &dyn std::fmt::Display| {
            format!("cannot save the settings to {}: {e}", path.display())
        };
        let text = toml::to_string(self).map_err(|e| fail(&e))?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| fail(&e))?;
        }
        crate::fsutil::write_atomic(path, text.as_bytes(), false).map_err(|e| fail(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_default_and_override() {
        let p = Path::new("settings.toml");
        assert_eq!(Settings::from_toml("", p).unwrap(), Settings::default());
        let s = Settings::from_toml("[traffic]\nframes = 10\nbody_kib = 1\n", p).unwrap();
        assert_eq!(
            s.traffic.ring(),
            RingLimits {
                frames: 10,
                body_bytes: 1024
            }
        );
        assert_eq!(s.traffic.slow_ms, 500);
    }

    #[test]
    fn bad_settings_name_the_file_and_the_fix() {
        let p = Path::new("settings.toml");
        let e = Settings::from_toml("[traffic]\nframes = 0\n", p).unwrap_err();
        assert!(
            e.contains("settings.toml") && e.contains("give 1 to"),
            "{e}"
        );
        let e = Settings::from_toml("[traffic]\nrows = 3\n", p).unwrap_err();
        assert!(e.contains("settings.toml") && e.contains("rows"), "{e}");
        let e = Settings::from_toml("tree_width = \"wide\"\n", p).unwrap_err();
        assert!(
            e.contains("settings.toml") && e.contains("tree_width"),
            "{e}"
        );
    }

    #[test]
    fn saved_settings_load_back_and_keep_what_the_user_set() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("settings.toml");
        assert_eq!(Settings::load(&path).unwrap(), Settings::default());
        let mut s = Settings {
            tree_width: Some(64),
            ..Settings::default()
        };
        s.save(&path).unwrap();
        assert_eq!(Settings::load(&path).unwrap(), s);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "tree_width = 64\n");
        s.traffic.frames = 10;
        s.save(&path).unwrap();
        assert_eq!(Settings::load(&path).unwrap(), s);
    }
}
