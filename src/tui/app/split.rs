//! The split between the tree and the detail pane: it fits the tree's widest visible row
//! within bounds (`layout::tree_width`), so long titles are not cut while the detail pane keeps
//! the larger part; `<` / `>` move it, and the width chosen is saved in the settings file.

use super::*;

/// Columns one `<` / `>` moves the split.
const SPLIT_STEP: u16 = 4;

impl App {
    /// The tree pane's width now, borders included.
    pub fn tree_width(&self) -> u16 {
        super::super::layout::tree_width(
            self.size.width,
            self.settings.tree_width,
            self.tree.content_width(),
        )
    }

    /// `<` (negative) or `>`: the tree pane narrower or wider from where it is now; the new
    /// width is the user's from then on, and saved.
    pub(super) fn move_split(&mut self, wider: bool) {
        let now = self.tree_width();
        let wanted = if wider {
            now.saturating_add(SPLIT_STEP)
        } else {
            now.saturating_sub(SPLIT_STEP)
        };
        self.settings.tree_width = Some(wanted);
        // Kept within bounds, so a further `>` at the edge changes nothing.
        let got = self.tree_width();
        self.settings.tree_width = Some(got);
        self.status.message = Some(if got == now {
            format!(
                "the tree pane is as {} as it goes ({got} columns)",
                if wider { "wide" } else { "narrow" }
            )
        } else {
            format!("tree pane {got} columns")
        });
        if let Some(path) = &self.settings_file {
            self.effects.push(Effect::SaveSettings {
                path: path.clone(),
                settings: self.settings,
            });
        }
    }
}
