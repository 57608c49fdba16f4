//! The explorer's side of `:diff` (issue 14): starting a diff of the selected app against a
//! profile (the same app, or another), and taking its reply. The view's keys and frame are
//! its overlay's (`crate::tui::overlays::panes::Diff`).

use super::{App, Load};
use crate::tui::diff_view::{Compared, DiffView};
use crate::tui::domain::{Failure, Request};
use crate::tui::overlays::{Overlay, panes};
use crate::tui::profiles::{ConnectedSite, ProfileRequest};

impl App {
    /// `:diff PROFILE [APP_ID]`: the selected node's app on the connected profile against the
    /// same app (or APP_ID) on PROFILE, which may be the connected one.
    pub(super) fn start_diff(&mut self, profile: &str, other_app: Option<String>) {
        let Some(site) = self.site.clone() else {
            self.status.message = Some("connect a profile first (Enter on it), then :diff".into());
            return;
        };
        let Some(app_a) = self
            .selected_kind()
            .and_then(|k| k.app_id())
            .map(str::to_string)
        else {
            self.status.message =
                Some(":diff works on an app: select the app (or anything in it) first".into());
            return;
        };
        let app_b = other_app.unwrap_or_else(|| app_a.clone());
        let current = self.status.profile.clone();
        let name = |id: &str| {
            self.app_node(id)
                .map(|n| self.tree.node(n).kind.title())
                .unwrap_or_else(|| id.to_string())
        };
        let label = format!(
            "{} on {current} ↔ {} on {profile}",
            name(&app_a),
            if app_b == app_a {
                "the same app".to_string()
            } else {
                name(&app_b)
            }
        );
        self.diff_view = Some(DiffView::new(label));
        self.open(Overlay::Diff(panes::Diff));
        let source = format!("profile '{current}'");
        if profile.eq_ignore_ascii_case(&current) {
            self.requests.push(Request::Diff {
                app_a,
                app_b,
                source,
            });
        } else {
            self.profile_requests.push(ProfileRequest::Diff {
                site: ConnectedSite(site),
                source,
                app_a,
                other: profile.to_string(),
                app_b,
            });
        }
    }

    pub(super) fn on_diff_done(&mut self, result: Result<Box<Compared>, Failure>) {
        if let Some(v) = self.diff_view.as_mut() {
            v.state = match result {
                Ok(c) => Load::Ready(c),
                Err(e) => Load::Failed(e),
            };
        }
    }
}
