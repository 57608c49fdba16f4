//! What a key can do. Serde names (snake_case) are what the keymap file uses.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Up,
    Down,
    /// Collapse the node (or go to its parent).
    Left,
    /// Expand the node (or go to its first child).
    Right,
    Expand,
    Top,
    Bottom,
    PageUp,
    PageDown,
    FocusNext,
    NextTab,
    PrevTab,
    Filter,
    Palette,
    Search,
    YankLink,
    YankId,
    OpenLink,
    Reload,
    Export,
    Traffic,
    AddProfile,
    EditProfile,
    DeleteProfile,
    TestProfile,
    DoctorProfile,
    /// Move the split between the panes (the tree pane narrower / wider).
    Narrower,
    Wider,
    /// Cycle the colour theme (dark → light → mono) for this session.
    Theme,
    Help,
    Quit,
}

impl Action {
    pub const ALL: [Action; 31] = [
        Action::Up,
        Action::Down,
        Action::Left,
        Action::Right,
        Action::Expand,
        Action::Top,
        Action::Bottom,
        Action::PageUp,
        Action::PageDown,
        Action::FocusNext,
        Action::NextTab,
        Action::PrevTab,
        Action::Filter,
        Action::Palette,
        Action::Search,
        Action::YankLink,
        Action::YankId,
        Action::OpenLink,
        Action::Reload,
        Action::Export,
        Action::Traffic,
        Action::AddProfile,
        Action::EditProfile,
        Action::DeleteProfile,
        Action::TestProfile,
        Action::DoctorProfile,
        Action::Narrower,
        Action::Wider,
        Action::Theme,
        Action::Help,
        Action::Quit,
    ];

    /// What the help overlay and the key hints call it (its row in `bindings::BINDINGS`).
    pub fn describe(self) -> &'static str {
        super::bindings::of(self).map_or("", |b| b.about)
    }

    /// A one-word hint for the status line.
    pub fn hint(self) -> &'static str {
        match self {
            Action::Expand | Action::Right => "open",
            Action::FocusNext => "pane",
            Action::NextTab => "tab",
            Action::Filter => "filter",
            Action::Palette => "cmd",
            Action::YankLink => "yank",
            Action::Help => "help",
            Action::Quit => "quit",
            Action::Traffic => "traffic",
            other => other.describe(),
        }
    }
}
