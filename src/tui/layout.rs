//! Where each part of the screen goes, for a given terminal size. Shared by drawing and by
//! `update` (which needs the pane heights for paging and scrolling).

use ratatui::layout::{Constraint, Layout, Rect};

use super::app::Focus;

/// Below this width only one pane is shown (the focused one).
pub const NARROW_WIDTH: u16 = 70;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub breadcrumb: Rect,
    /// Zero-sized when a narrow terminal shows only the detail pane.
    pub tree: Rect,
    pub detail: Option<Rect>,
    pub status: Rect,
    pub hints: Rect,
}

/// The narrowest tree pane `<` makes.
pub const TREE_MIN: u16 = 20;
/// The columns `>` leaves the detail pane, at least.
pub const DETAIL_MIN: u16 = 30;

/// The tree pane's width (borders included) in a terminal `width` columns wide: the width the
/// user chose with `<` / `>` (kept within `TREE_MIN` and `width - DETAIL_MIN`), else one that
/// fits the widest visible row (`content` columns) but is never narrower than 2/5 of the
/// terminal (30 to 60 columns) nor wider than 3/5, so the detail pane keeps the larger part.
pub fn tree_width(width: u16, chosen: Option<u16>, content: usize) -> u16 {
    let most = width.saturating_sub(DETAIL_MIN).max(TREE_MIN);
    match chosen {
        Some(w) => w.clamp(TREE_MIN, most),
        None => {
            let least = (width * 2 / 5).clamp(30, 60);
            let fits = u16::try_from(content + 2).unwrap_or(u16::MAX);
            fits.clamp(least, (width * 3 / 5).max(least))
        }
    }
}

impl Areas {
    /// The parts of a `size` screen; `tree_width` is the tree pane's (see `tree_width`).
    pub fn new(size: Rect, focus: Focus, tree_width: u16) -> Areas {
        let [breadcrumb, main, status, hints] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(3),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(size);
        let (tree, detail) = if size.width < NARROW_WIDTH {
            match focus {
                Focus::Tree => (main, None),
                Focus::Detail => (Rect::new(main.x, main.y, 0, 0), Some(main)),
            }
        } else {
            let tree_w = tree_width.min(size.width.saturating_sub(10));
            let [t, d] =
                Layout::horizontal([Constraint::Length(tree_w), Constraint::Min(10)]).areas(main);
            (t, Some(d))
        };
        Areas {
            breadcrumb,
            tree,
            detail,
            status,
            hints,
        }
    }

    /// Rows of tree content inside the border.
    pub fn tree_rows(&self) -> usize {
        self.tree.height.saturating_sub(2) as usize
    }

    /// Rows of detail content inside the border and below the tab line.
    pub fn detail_rows(&self) -> usize {
        self.detail
            .map(|d| d.height.saturating_sub(3) as usize)
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_split_fits_the_content_within_bounds_and_follows_the_user() {
        // Short rows: today's 2/5 (48 of 120); long ones widen it up to 3/5 (72).
        assert_eq!(tree_width(120, None, 20), 48);
        assert_eq!(tree_width(120, None, 60), 62);
        assert_eq!(tree_width(120, None, 200), 72);
        // The user's width wins, within TREE_MIN and width - DETAIL_MIN.
        assert_eq!(tree_width(120, Some(80), 20), 80);
        assert_eq!(tree_width(120, Some(200), 20), 90);
        assert_eq!(tree_width(120, Some(3), 20), TREE_MIN);
        let a = Areas::new(Rect::new(0, 0, 120, 30), Focus::Tree, 62);
        assert_eq!(a.tree.width, 62);
        assert_eq!(a.detail.map(|d| d.width), Some(58));
    }
}
