//! Where qlik-tui keeps things: config (profiles, keymap) and state (logs). Environment
//! variables override the platform directories, for tests and portable use.

use std::path::PathBuf;

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "qlik-tui")
}

/// `QLIK_TUI_CONFIG_DIR`, else the platform config dir (`~/.config/qlik-tui` on Linux).
pub fn config_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("QLIK_TUI_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    project_dirs()
        .map(|p| p.config_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".qlik-tui"))
}

/// `QLIK_TUI_STATE_DIR`, else the platform state dir (`~/.local/state/qlik-tui` on Linux), else
/// the local data dir (macOS, Windows).
pub fn state_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("QLIK_TUI_STATE_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    project_dirs()
        .map(|p| {
            p.state_dir()
                .map(|d| d.to_path_buf())
                .unwrap_or_else(|| p.data_local_dir().to_path_buf())
        })
        .unwrap_or_else(|| PathBuf::from(".qlik-tui"))
}

pub fn log_dir() -> PathBuf {
    state_dir().join("logs")
}

pub fn keymap_path() -> PathBuf {
    config_dir().join("keymap.toml")
}

pub fn profiles_path() -> PathBuf {
    config_dir().join("profiles.toml")
}

/// The explorer's settings (the split it was left with, the Traffic pane's ring size, its
/// slow-reply threshold).
pub fn settings_path() -> PathBuf {
    config_dir().join("settings.toml")
}

/// What can be rebuilt at any time (the app ids each profile last listed, for shell completion).
/// `QLIK_TUI_CACHE_DIR`; else, when `QLIK_TUI_STATE_DIR` moves the state (tests, portable use),
/// its `cache` folder, so one override keeps everything together; else the platform cache dir
/// (`~/.cache/qlik-tui` on Linux).
pub fn cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("QLIK_TUI_CACHE_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    if std::env::var_os("QLIK_TUI_STATE_DIR").is_some_and(|d| !d.is_empty()) {
        return state_dir().join("cache");
    }
    project_dirs()
        .map(|p| p.cache_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".qlik-tui").join("cache"))
}
