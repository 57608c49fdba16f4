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

impl Areas {
    pub fn new(size: Rect, focus: Focus) -> Areas {
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
            let tree_w = (size.width * 2 / 5).clamp(30, 60);
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
