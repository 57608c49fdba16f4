//! The status bar's connection state, kept true: `connected` while a socket is open;
//! `disconnected since HH:MM:SS` once every socket of the site ended on its own (the engine
//! went away); `reconnecting…` while the requests of the next action (r, opening a node) are
//! out, and then `connected` again or back to `disconnected since` the same time.

use super::*;

const DISCONNECTED_SINCE: &str = "disconnected since";
pub(super) const RECONNECTING: &str = "reconnecting…";

impl App {
    pub fn on_tick(&mut self) {
        self.ticks = self.ticks.wrapping_add(1);
        if self.mode() == Mode::Traffic {
            self.traffic.sync();
        }
        self.watch_connection();
    }

    /// Called on every tick: notices the engine going away, and a socket opened again.
    pub fn watch_connection(&mut self) {
        let Some(site) = &self.site else { return };
        let lost = site.lost();
        let open = site.open_sockets() > 0;
        match lost {
            Some(reason) if self.status.session == "connected" => {
                let since = clock_now();
                self.status.session = format!("{DISCONNECTED_SINCE} {since}");
                self.lost_at = Some(since);
                self.status.last_error = Some(format!(
                    "the engine connection was lost ({reason}): r or opening a node reconnects"
                ));
            }
            None if self.lost_at.is_some() && open => self.reconnected(),
            _ => {}
        }
    }

    /// Requests are leaving: when the site was lost, they reconnect it.
    pub(super) fn on_requests_sent(&mut self, requests: &[Request]) {
        let reconnects = requests
            .iter()
            .any(|r| !matches!(r, Request::KeepApps { .. }));
        if reconnects && self.status.session.starts_with(DISCONNECTED_SINCE) {
            self.status.session = RECONNECTING.into();
        }
    }

    /// The site answered (`ok`) or failed a request: while reconnecting, an answer means the
    /// site is back; a failure with no socket open means it is still gone, since the time it
    /// was lost.
    pub(super) fn on_reply_while_reconnecting(&mut self, ok: bool) {
        if self.status.session != RECONNECTING {
            return;
        }
        let open = self.site.as_ref().is_some_and(|s| s.open_sockets() > 0);
        if ok || open {
            self.reconnected();
        } else {
            self.status.session = self.disconnected_state();
        }
    }

    /// `disconnected since HH:MM:SS` when the engine went away earlier, else `disconnected`.
    pub(super) fn disconnected_state(&self) -> String {
        match &self.lost_at {
            Some(since) => format!("{DISCONNECTED_SINCE} {since}"),
            None => "disconnected".into(),
        }
    }

    fn reconnected(&mut self) {
        self.status.session = "connected".into();
        self.lost_at = None;
        self.status.message = Some("reconnected to the engine".into());
    }
}

/// The wall clock as HH:MM:SS, local time when the offset is known (else UTC).
fn clock_now() -> String {
    let now = time::OffsetDateTime::now_local().unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    format!("{:02}:{:02}:{:02}", now.hour(), now.minute(), now.second())
}
