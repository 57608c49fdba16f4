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
    Help,
    Quit,
}

impl Action {
    pub const ALL: [Action; 28] = [
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
        Action::Help,
        Action::Quit,
    ];

    /// What the help overlay and the key hints call it.
    pub fn describe(self) -> &'static str {
        match self {
            Action::Up => "up",
            Action::Down => "down",
            Action::Left => "collapse / parent",
            Action::Right => "expand / first child",
            Action::Expand => "expand / collapse",
            Action::Top => "first row",
            Action::Bottom => "last row",
            Action::PageUp => "page up",
            Action::PageDown => "page down",
            Action::FocusNext => "switch pane",
            Action::NextTab => "next detail tab",
            Action::PrevTab => "previous detail tab",
            Action::Filter => "filter / search",
            Action::Palette => "command palette",
            Action::Search => "search the app, stream or profile (:search)",
            Action::YankLink => "copy link",
            Action::YankId => "copy id",
            Action::OpenLink => "open link in browser",
            Action::Reload => "reload node",
            Action::Export => "export",
            Action::Traffic => "traffic: live frames (:traffic)",
            Action::AddProfile => "add a profile (form)",
            Action::EditProfile => "edit the selected profile",
            Action::DeleteProfile => "delete the selected profile",
            Action::TestProfile => "test the selected profile's connection",
            Action::DoctorProfile => "doctor: check the selected profile step by step",
            Action::Help => "help",
            Action::Quit => "quit",
        }
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
