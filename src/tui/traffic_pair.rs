//! A request and its reply side by side, as the Traffic pane opens them: each side is the JSON
//! view of the detail pane (`json_view`: foldable with Enter, searchable with `/`), Tab moves
//! between the sides. A frame that is not part of an exchange (open, close, push, http) shows
//! as its whole trace event on the left.

use std::collections::HashSet;
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent};
use serde_json::{Value, json};
use tui_input::Input;

use super::json_view::{DLine, json_lines};
use crate::engine::trace_ring::Frame;

/// What a key did in the pair view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairKey {
    Handled,
    /// Back to the list.
    Close,
    /// Copy the pair.
    Yank,
}

/// One side: a title and the JSON it shows (None: nothing recorded, `title` says why).
pub struct Side {
    pub title: String,
    pub value: Option<Value>,
    pub folded: HashSet<String>,
    pub cursor: usize,
}

impl Side {
    fn of(frame: Option<&Frame>, missing: &str) -> Side {
        let Some(f) = frame else {
            return Side {
                title: missing.to_string(),
                value: None,
                folded: HashSet::new(),
                cursor: 0,
            };
        };
        let event: Value = serde_json::from_str(&f.line).unwrap_or(Value::Null);
        let (title, value) = match f.kind {
            "send" | "recv" => {
                let mut title = if f.kind == "send" {
                    format!(
                        "Request #{} {} · handle {}",
                        f.id.unwrap_or(0),
                        f.method.as_deref().unwrap_or("?"),
                        f.handle.unwrap_or(0)
                    )
                } else {
                    format!("Reply #{} · {}", f.id.unwrap_or(0), format_ms(f.ms))
                };
                title.push_str(&format!(" · {}", format_size(f.bytes.unwrap_or(0))));
                if event.get("truncated").is_some() {
                    title.push_str(" · cut short");
                }
                if let Some(e) = &f.error {
                    title.push_str(&format!(" · ✗ {e}"));
                }
                (title, event.get("body").cloned().unwrap_or(Value::Null))
            }
            kind => (format!("{kind} event · session {}", f.conn), event),
        };
        Side {
            title,
            value: Some(value),
            folded: HashSet::new(),
            cursor: 0,
        }
    }

    pub fn lines(&self) -> Vec<DLine> {
        match &self.value {
            Some(v) => json_lines(v, &self.folded),
            None => vec![DLine::plain("(nothing recorded)")],
        }
    }

    fn move_by(&mut self, delta: isize) {
        let n = self.lines().len();
        self.cursor =
            (self.cursor as isize + delta).clamp(0, n.saturating_sub(1) as isize) as usize;
    }

    fn toggle_fold(&mut self) {
        let lines = self.lines();
        if let Some(path) = lines.get(self.cursor).and_then(|l| l.fold.clone())
            && !self.folded.remove(&path)
        {
            self.folded.insert(path);
        }
    }

    /// Moves to the first line from `from` (wrapping) containing `q`; false when none does.
    fn find(&mut self, q: &str, from: usize) -> bool {
        let lines = self.lines();
        let n = lines.len();
        let found = (0..n)
            .map(|k| (from + k) % n.max(1))
            .find(|&i| lines[i].text().to_lowercase().contains(q));
        if let Some(i) = found {
            self.cursor = i;
        }
        found.is_some()
    }
}

pub struct PairView {
    /// Request (or the lone event), then reply.
    pub sides: [Side; 2],
    /// The side the keys move.
    pub focus: usize,
    pub search: Input,
    pub searching: bool,
    /// "not found: x", shown under the sides.
    pub note: Option<String>,
    /// Both frames were an exchange (a request and its reply), not a lone event.
    exchange: bool,
}

impl PairView {
    pub fn new(request: Option<Arc<Frame>>, reply: Option<Arc<Frame>>) -> PairView {
        let exchange =
            matches!(request.as_deref().map(|f| f.kind), Some("send" | "recv")) || reply.is_some();
        let right = if exchange {
            Side::of(reply.as_deref(), "Reply · none recorded (yet)")
        } else {
            Side::of(None, "")
        };
        PairView {
            sides: [
                Side::of(
                    request.as_deref(),
                    "Request · not kept (the ring dropped it)",
                ),
                right,
            ],
            focus: 0,
            search: Input::default(),
            searching: false,
            note: None,
            exchange,
        }
    }

    /// Whether there are two sides to show.
    pub fn is_exchange(&self) -> bool {
        self.exchange
    }

    /// `{"request": …, "reply": …}` (or `{"event": …}`), pretty, for the clipboard.
    pub fn yank_text(&self) -> String {
        let [req, rep] = &self.sides;
        let v = if self.exchange {
            json!({ "request": req.value, "reply": rep.value })
        } else {
            json!({ "event": req.value })
        };
        serde_json::to_string_pretty(&v).unwrap_or_default()
    }

    pub fn on_key(&mut self, e: &KeyEvent, page: usize) -> PairKey {
        let page = page.max(1) as isize;
        if self.searching {
            let q = self.search.value().to_lowercase();
            match e.code {
                KeyCode::Esc => {
                    self.searching = false;
                    self.search.reset();
                }
                KeyCode::Enter => self.find(&q, 1),
                _ => {
                    if super::app::edit_input(&mut self.search, e) {
                        let q = self.search.value().to_lowercase();
                        self.find(&q, 0);
                    }
                }
            }
            return PairKey::Handled;
        }
        let side = &mut self.sides[self.focus];
        match e.code {
            KeyCode::Esc | KeyCode::Char('q') => return PairKey::Close,
            KeyCode::Char('y') => return PairKey::Yank,
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Char('h' | 'l') if self.exchange => {
                self.focus = 1 - self.focus
            }
            KeyCode::Up | KeyCode::Char('k') => side.move_by(-1),
            KeyCode::Down | KeyCode::Char('j') => side.move_by(1),
            KeyCode::PageUp => side.move_by(-page),
            KeyCode::PageDown => side.move_by(page),
            KeyCode::Home | KeyCode::Char('g') => side.move_by(isize::MIN / 2),
            KeyCode::End | KeyCode::Char('G') => side.move_by(isize::MAX / 2),
            KeyCode::Enter | KeyCode::Char(' ') => side.toggle_fold(),
            KeyCode::Char('/') => {
                self.searching = true;
                self.search.reset();
                self.note = None;
            }
            KeyCode::Char('n') => {
                let q = self.search.value().to_lowercase();
                self.find(&q, 1);
            }
            _ => {}
        }
        PairKey::Handled
    }

    /// Searches the focused side from its cursor (+`skip`).
    fn find(&mut self, q: &str, skip: usize) {
        if q.is_empty() {
            return;
        }
        let side = &mut self.sides[self.focus];
        let from = side.cursor + skip;
        self.note = (!side.find(q, from)).then(|| format!("not found: {q}"));
    }
}

/// A latency as the pane and the status bar show it: `0.4 ms`, `14 ms`.
pub fn format_ms(ms: Option<f64>) -> String {
    match ms {
        Some(ms) if ms < 10.0 => format!("{ms:.1} ms"),
        Some(ms) => format!("{ms:.0} ms"),
        None => String::new(),
    }
}

/// A size: `812 B`, `3.4 KiB`, `1.2 MiB`.
pub fn format_size(bytes: usize) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1 << 20 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{:.1} MiB", b as f64 / (1 << 20) as f64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyModifiers;

    fn frame(kind: &'static str, line: &str) -> Arc<Frame> {
        Arc::new(Frame {
            seq: 1,
            ts: "t".into(),
            conn: 1,
            kind,
            id: Some(3),
            method: Some("GetLayout".into()),
            handle: Some(2),
            ms: Some(12.25),
            bytes: Some(40),
            status: None,
            error: None,
            line: line.into(),
        })
    }

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn sides_fold_search_and_switch() {
        let req = frame(
            "send",
            r#"{"kind":"send","body":{"id":3,"method":"GetLayout","params":{"a":1}}}"#,
        );
        let rep = frame(
            "recv",
            r#"{"kind":"recv","truncated":true,"body":"{\"id\":3,\"res"}"#,
        );
        let mut p = PairView::new(Some(req), Some(rep));
        assert_eq!(p.sides[0].title, "Request #3 GetLayout · handle 2 · 40 B");
        assert!(
            p.sides[1].title.ends_with("cut short"),
            "{}",
            p.sides[1].title
        );
        assert!(p.sides[1].title.contains("12 ms"));
        let before = p.sides[0].lines().len();
        p.on_key(&key(KeyCode::Enter), 5);
        assert_eq!(p.sides[0].lines().len(), 1, "the root folds");
        p.on_key(&key(KeyCode::Enter), 5);
        assert_eq!(p.sides[0].lines().len(), before);
        p.on_key(&key(KeyCode::Char('/')), 5);
        for c in "params".chars() {
            p.on_key(&key(KeyCode::Char(c)), 5);
        }
        assert!(
            p.sides[0].lines()[p.sides[0].cursor]
                .text()
                .contains("params")
        );
        p.on_key(&key(KeyCode::Esc), 5);
        p.on_key(&key(KeyCode::Tab), 5);
        assert_eq!(p.focus, 1);
        assert_eq!(p.on_key(&key(KeyCode::Esc), 5), PairKey::Close);
    }

    #[test]
    fn sizes_and_latencies_read_well() {
        assert_eq!(format_size(812), "812 B");
        assert_eq!(format_size(3482), "3.4 KiB");
        assert_eq!(format_ms(Some(0.44)), "0.4 ms");
        assert_eq!(format_ms(Some(14.2)), "14 ms");
    }
}
