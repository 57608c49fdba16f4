//! The Traffic pane (issue 12): the frames of the current profile's sockets as the explorer's
//! ring (`engine::trace_ring`) recorded them. It owns its state and keys: the list follows the
//! tail unless the user moves up, `/` filters by method or text, `p` freezes the view (frames
//! are still recorded), Enter opens a request and its reply side by side (`traffic_pair`), `y`
//! yanks that pair, `w` writes the frames shown as a trace file. App only routes keys here and
//! performs what a key asks (`Outcome`). Drawing is in `traffic_view`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent};
use tui_input::Input;

use super::settings::TrafficSettings;
use super::traffic_pair::{PairKey, PairView};
use crate::engine::conn::ConnectionSpec;
use crate::engine::trace::{self, Tracer};
use crate::engine::trace_ring::{Frame, TraceRing};

/// What a key asks of the app.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    None,
    /// Close the pane.
    Close,
    /// Copy this text; say `message`.
    Copy {
        text: String,
        message: String,
    },
    /// Say this in the status bar.
    Message(String),
}

pub struct TrafficPane {
    pub settings: TrafficSettings,
    ring: Arc<TraceRing>,
    /// The frames the view shows: the ring's, refreshed unless paused.
    frames: Vec<Arc<Frame>>,
    /// Indices into `frames` that pass the filter.
    shown: Vec<usize>,
    /// Index into `shown`.
    pub cursor: usize,
    /// The cursor stays on the newest frame as frames arrive.
    pub follow: bool,
    pub paused: bool,
    pub filter: Input,
    /// Typing the filter.
    pub filtering: bool,
    /// A request and its reply, open.
    pub pair: Option<PairView>,
}

impl TrafficPane {
    pub fn new(settings: TrafficSettings) -> TrafficPane {
        TrafficPane {
            settings,
            ring: TraceRing::new(settings.ring()),
            frames: Vec::new(),
            shown: Vec::new(),
            cursor: 0,
            follow: true,
            paused: false,
            filter: Input::default(),
            filtering: false,
            pair: None,
        }
    }

    /// Starts a fresh ring for a new site and returns its spec traced into it (and into the
    /// process's `--trace` file when one is recorded: both sinks, one numbering of sockets).
    pub fn attach(&mut self, mut spec: ConnectionSpec) -> ConnectionSpec {
        *self = TrafficPane::new(self.settings);
        let ring: Arc<dyn trace::TraceSink> = self.ring.clone();
        spec.trace = Some(match trace::global() {
            Some(global) => global.with_sink(ring),
            None => Tracer::new(vec![ring]),
        });
        spec
    }

    pub fn ring(&self) -> &Arc<TraceRing> {
        &self.ring
    }

    /// Frames recorded in all (dropped ones included), and frames the view holds.
    pub fn counts(&self) -> (u64, usize) {
        (self.ring.recorded(), self.frames.len())
    }

    /// The frames passing the filter, oldest first.
    pub fn shown(&self) -> impl Iterator<Item = &Arc<Frame>> {
        self.shown.iter().map(|&i| &self.frames[i])
    }

    pub fn shown_len(&self) -> usize {
        self.shown.len()
    }

    pub fn selected(&self) -> Option<&Arc<Frame>> {
        self.shown.get(self.cursor).map(|&i| &self.frames[i])
    }

    /// Takes the ring's new frames unless paused; the cursor follows the tail if it was there.
    pub fn sync(&mut self) {
        if self.paused {
            return;
        }
        if self.frames.last().map_or(0, |f| f.seq) == self.ring.recorded() {
            return;
        }
        let keep = self.selected().map(|f| f.seq);
        self.frames = self.ring.frames();
        self.refilter(keep);
    }

    fn refilter(&mut self, keep: Option<u64>) {
        let q = self.filter.value().to_lowercase();
        self.shown = self
            .frames
            .iter()
            .enumerate()
            .filter(|(_, f)| q.is_empty() || matches_filter(f, &q))
            .map(|(i, _)| i)
            .collect();
        let last = self.shown.len().saturating_sub(1);
        self.cursor = if self.follow {
            last
        } else {
            keep.and_then(|seq| self.shown().position(|f| f.seq >= seq))
                .unwrap_or(last)
        };
    }

    fn move_by(&mut self, delta: isize) {
        let last = self.shown.len().saturating_sub(1);
        self.cursor = (self.cursor as isize + delta).clamp(0, last as isize) as usize;
        self.follow = self.cursor == last;
    }

    /// A key while the pane is open; `page`: rows one page moves.
    pub fn on_key(&mut self, e: &KeyEvent, page: usize) -> Outcome {
        if let Some(pair) = self.pair.as_mut() {
            return match pair.on_key(e, page) {
                PairKey::Handled => Outcome::None,
                PairKey::Close => {
                    self.pair = None;
                    Outcome::None
                }
                PairKey::Yank => self.yank(),
            };
        }
        if self.filtering {
            match e.code {
                KeyCode::Esc => {
                    self.filter.reset();
                    self.filtering = false;
                    self.refilter(self.selected().map(|f| f.seq));
                }
                KeyCode::Enter => self.filtering = false,
                _ => {
                    if super::app::edit_input(&mut self.filter, e) {
                        self.refilter(self.selected().map(|f| f.seq));
                    }
                }
            }
            return Outcome::None;
        }
        let page = page.max(1) as isize;
        match e.code {
            KeyCode::Esc | KeyCode::Char('q') => return Outcome::Close,
            KeyCode::Up | KeyCode::Char('k') => self.move_by(-1),
            KeyCode::Down | KeyCode::Char('j') => self.move_by(1),
            KeyCode::PageUp => self.move_by(-page),
            KeyCode::PageDown => self.move_by(page),
            KeyCode::Home | KeyCode::Char('g') => self.move_by(isize::MIN / 2),
            KeyCode::End | KeyCode::Char('G') => self.move_by(isize::MAX / 2),
            KeyCode::Char('/') => self.filtering = true,
            KeyCode::Char('p') => {
                self.paused = !self.paused;
                self.sync();
                return Outcome::Message(if self.paused {
                    "traffic paused: frames are still recorded; p resumes".into()
                } else {
                    "traffic resumed".into()
                });
            }
            KeyCode::Enter => match self.selected().map(|f| self.pair_of(f)) {
                Some(pair) => self.pair = Some(pair),
                None => return Outcome::Message("no frame to open".into()),
            },
            KeyCode::Char('y') => return self.yank(),
            KeyCode::Char('w') => {
                return Outcome::Message(match self.write(&default_trace_path()) {
                    Ok((n, path)) => format!("wrote {n} frames to {}", path.display()),
                    Err(e) => e,
                });
            }
            _ => {}
        }
        Outcome::None
    }

    /// The request and reply of the selected frame's exchange (or the frame alone).
    fn pair_of(&self, f: &Frame) -> PairView {
        let find = |kind: &str| {
            self.frames
                .iter()
                .find(|o| o.kind == kind && o.conn == f.conn && o.id == f.id)
                .cloned()
        };
        match f.kind {
            "send" | "recv" => PairView::new(find("send"), find("recv")),
            _ => PairView::new(Some(Arc::new(f.clone())), None),
        }
    }

    fn yank(&self) -> Outcome {
        let text = match (&self.pair, self.selected()) {
            (Some(pair), _) => pair.yank_text(),
            (None, Some(f)) => self.pair_of(f).yank_text(),
            (None, None) => return Outcome::Message("no frame to copy".into()),
        };
        Outcome::Copy {
            text,
            message: "copied the request and its reply".into(),
        }
    }

    /// Writes the frames shown as a trace file (`--trace`'s NDJSON), atomically, mode 0600.
    pub fn write(&self, path: &Path) -> Result<(usize, PathBuf), String> {
        let mut text = String::new();
        for f in self.shown() {
            text.push_str(&f.line);
            text.push('\n');
        }
        let fail = |e: std::io::Error| {
            format!(
                "cannot write the trace {}: {e}; check that the folder is writable",
                path.display()
            )
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(fail)?;
        }
        crate::fsutil::write_atomic(path, text.as_bytes(), true).map_err(fail)?;
        Ok((self.shown.len(), path.to_path_buf()))
    }
}

/// A frame passes the filter when its method or its recorded line contains the text.
fn matches_filter(f: &Frame, q: &str) -> bool {
    f.method
        .as_ref()
        .is_some_and(|m| m.to_lowercase().contains(q))
        || f.line.to_lowercase().contains(q)
}

/// `traces/traffic-<time>.ndjson` in the state dir (next to the logs).
fn default_trace_path() -> PathBuf {
    let stamp = trace::timestamp().replace([':', '.'], "-");
    crate::paths::state_dir()
        .join("traces")
        .join(format!("traffic-{stamp}.ndjson"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::trace::{Event, TraceSink};
    use crossterm::event::KeyModifiers;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    fn pane_with_exchanges(n: u64) -> TrafficPane {
        let mut p = TrafficPane::new(TrafficSettings::default());
        for id in 1..=n {
            let method = if id % 2 == 0 {
                "GetLayout"
            } else {
                "GetObject"
            };
            p.ring.record(
                1,
                &Event::Send {
                    id,
                    method,
                    handle: 1,
                    body: &format!(r#"{{"id":{id},"method":"{method}"}}"#),
                },
            );
            p.ring.record(
                1,
                &Event::Recv {
                    id,
                    method,
                    handle: 1,
                    ms: 2.0,
                    error: None,
                    body: &format!(r#"{{"id":{id},"result":{{}}}}"#),
                },
            );
        }
        p.sync();
        p
    }

    #[test]
    fn follows_the_tail_until_moved_up_and_freezes_when_paused() {
        let mut p = pane_with_exchanges(3);
        assert_eq!(p.cursor, 5);
        p.on_key(&key(KeyCode::Up), 10);
        let before = p.selected().unwrap().seq;
        p.ring.record(
            2,
            &Event::Close {
                code: None,
                reason: String::new(),
                by: crate::engine::trace::Closer::Server,
            },
        );
        p.sync();
        assert_eq!(p.selected().unwrap().seq, before, "the cursor stays put");
        p.on_key(&key(KeyCode::Char('G')), 10);
        assert!(p.follow);
        p.on_key(&key(KeyCode::Char('p')), 10);
        p.ring.record(
            2,
            &Event::Send {
                id: 9,
                method: "GetLayout",
                handle: 1,
                body: "{}",
            },
        );
        p.sync();
        assert_eq!(p.shown_len(), 7, "paused: the view is frozen");
        p.on_key(&key(KeyCode::Char('p')), 10);
        assert_eq!(p.shown_len(), 8);
        assert_eq!(p.cursor, 7);
    }

    #[test]
    fn the_filter_matches_method_or_text() {
        let mut p = pane_with_exchanges(4);
        p.on_key(&key(KeyCode::Char('/')), 10);
        for c in "getlayout".chars() {
            p.on_key(&key(KeyCode::Char(c)), 10);
        }
        p.on_key(&key(KeyCode::Enter), 10);
        assert_eq!(p.shown_len(), 4);
        assert!(p.shown().all(|f| f.method.as_deref() == Some("GetLayout")));
        p.on_key(&key(KeyCode::Char('/')), 10);
        p.on_key(&key(KeyCode::Esc), 10);
        assert_eq!(p.shown_len(), 8);
    }

    #[test]
    fn enter_pairs_a_reply_with_its_request_and_y_yanks_both() {
        let mut p = pane_with_exchanges(2);
        p.on_key(&key(KeyCode::Char('k')), 10); // the send of id 2
        p.on_key(&key(KeyCode::Enter), 10);
        let text = match p.on_key(&key(KeyCode::Char('y')), 10) {
            Outcome::Copy { text, .. } => text,
            other => panic!("{other:?}"),
        };
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["request"]["method"], "GetLayout");
        assert_eq!(v["reply"]["id"], 2);
        assert_eq!(p.on_key(&key(KeyCode::Esc), 10), Outcome::None);
        assert!(p.pair.is_none());
        assert_eq!(p.on_key(&key(KeyCode::Esc), 10), Outcome::Close);
    }

    #[test]
    fn w_writes_the_shown_frames_privately_as_trace_lines() {
        let mut p = pane_with_exchanges(2);
        p.on_key(&key(KeyCode::Char('/')), 10);
        for c in "getobject".chars() {
            p.on_key(&key(KeyCode::Char(c)), 10);
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("t.ndjson");
        assert_eq!(p.write(&path).unwrap().0, 2);
        let text = std::fs::read_to_string(&path).unwrap();
        let kinds: Vec<String> = text
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["kind"].to_string())
            .collect();
        assert_eq!(kinds, vec!["\"send\"", "\"recv\""]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let e = p
            .write(Path::new("/proc/no/such/dir/t.ndjson"))
            .unwrap_err();
        assert!(e.contains("cannot write the trace"), "{e}");
    }
}
