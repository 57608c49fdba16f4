//! The explorer's Traffic recorder: a bounded ring of the last frames, each kept as the same
//! NDJSON line `--trace` writes (so the pane can write them out as a trace file) plus the few
//! fields its rows show. The oldest frame goes when the ring is full; bodies over the ring's
//! cap are kept cut short (`truncated: true`), so a long session holds a bounded amount.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::trace::{Event, TraceSink, timestamp, to_json_line};

/// One recorded event, as the Traffic pane lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// Its place in the whole recording (1, 2, ...), kept when older frames are dropped.
    pub seq: u64,
    /// RFC 3339 UTC with milliseconds, as in a trace file.
    pub ts: String,
    pub conn: u64,
    /// `open`, `close`, `send`, `recv`, `push` or `http`.
    pub kind: &'static str,
    /// The request id (send and recv).
    pub id: Option<u64>,
    /// The engine method (send, recv, notifications) or the HTTP method.
    pub method: Option<String>,
    pub handle: Option<i64>,
    /// The reply's latency (recv, http).
    pub ms: Option<f64>,
    /// The body's size, before any cut.
    pub bytes: Option<usize>,
    /// The HTTP or handshake status (open, http), or the close code.
    pub status: Option<u16>,
    /// The engine's refusal (`code: message`) or why a socket or call failed.
    pub error: Option<String>,
    /// The event as a trace file line (body cut at the ring's cap).
    pub line: String,
}

/// The ring's bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RingLimits {
    /// Frames kept; the oldest goes first.
    pub frames: usize,
    /// Body bytes kept per frame; longer bodies are cut.
    pub body_bytes: usize,
}

impl Default for RingLimits {
    fn default() -> Self {
        RingLimits {
            frames: 5000,
            body_bytes: 16 << 10,
        }
    }
}

pub struct TraceRing {
    limits: RingLimits,
    frames: Mutex<VecDeque<Arc<Frame>>>,
    /// Frames recorded so far (the next frame's `seq` is this plus one).
    recorded: AtomicU64,
}

impl std::fmt::Debug for TraceRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TraceRing({} recorded)", self.recorded())
    }
}

impl TraceRing {
    pub fn new(limits: RingLimits) -> Arc<TraceRing> {
        Arc::new(TraceRing {
            limits: RingLimits {
                frames: limits.frames.max(1),
                body_bytes: limits.body_bytes,
            },
            frames: Mutex::new(VecDeque::new()),
            recorded: AtomicU64::new(0),
        })
    }

    pub fn limits(&self) -> RingLimits {
        self.limits
    }

    /// How many frames were recorded since the start (dropped ones included).
    pub fn recorded(&self) -> u64 {
        self.recorded.load(Ordering::Acquire)
    }

    /// The frames kept, oldest first.
    pub fn frames(&self) -> Vec<Arc<Frame>> {
        self.lock().iter().cloned().collect()
    }

    /// The latency of the last reply recorded (engine reply or HTTP call), if any is kept.
    pub fn last_latency(&self) -> Option<f64> {
        self.lock()
            .iter()
            .rev()
            .find(|f| matches!(f.kind, "recv" | "http"))
            .and_then(|f| f.ms)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Arc<Frame>>> {
        self.frames.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The row fields of an event: (id, method, handle, ms, bytes, status, error).
type RowFields = (
    Option<u64>,
    Option<String>,
    Option<i64>,
    Option<f64>,
    Option<usize>,
    Option<u16>,
    Option<String>,
);

fn row_fields(event: &Event<'_>) -> RowFields {
    match event {
        Event::Open { status, error, .. } => (None, None, None, None, None, *status, error.clone()),
        Event::Close { code, reason, .. } => (
            None,
            None,
            None,
            None,
            None,
            *code,
            (!reason.is_empty()).then(|| reason.clone()),
        ),
        Event::Send {
            id,
            method,
            handle,
            body,
        } => (
            Some(*id),
            Some(method.to_string()),
            Some(*handle),
            None,
            Some(body.len()),
            None,
            None,
        ),
        Event::Recv {
            id,
            method,
            handle,
            ms,
            error,
            body,
        } => (
            Some(*id),
            Some(method.to_string()),
            Some(*handle),
            Some(*ms),
            Some(body.len()),
            None,
            error.map(|(code, message)| format!("{code}: {message}")),
        ),
        Event::Push { method, body, .. } => (
            None,
            Some(method.unwrap_or("change").to_string()),
            None,
            None,
            body.map(str::len),
            None,
            None,
        ),
        Event::Http {
            method,
            status,
            ms,
            bytes,
            error,
            ..
        } => (
            None,
            Some(method.to_string()),
            None,
            Some(*ms),
            Some(*bytes),
            *status,
            error.clone(),
        ),
    }
}

impl TraceSink for TraceRing {
    fn record(&self, conn: u64, event: &Event<'_>) {
        let ts = timestamp();
        let line = to_json_line(&ts, conn, event, Some(self.limits.body_bytes));
        let (id, method, handle, ms, bytes, status, error) = row_fields(event);
        let mut frames = self.lock();
        // Numbered under the lock, so the ring's order is the numbers' order.
        let seq = self.recorded.fetch_add(1, Ordering::AcqRel) + 1;
        if frames.len() == self.limits.frames {
            frames.pop_front();
        }
        frames.push_back(Arc::new(Frame {
            seq,
            ts,
            conn,
            kind: event.kind(),
            id,
            method,
            handle,
            ms,
            bytes,
            status,
            error,
            line,
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn send(ring: &TraceRing, id: u64, body: &str) {
        ring.record(
            1,
            &Event::Send {
                id,
                method: "GetLayout",
                handle: 2,
                body,
            },
        );
    }

    #[test]
    fn the_ring_keeps_the_last_frames_only() {
        let ring = TraceRing::new(RingLimits {
            frames: 3,
            body_bytes: 100,
        });
        for id in 1..=5 {
            send(&ring, id, "{}");
        }
        let frames = ring.frames();
        assert_eq!(frames.len(), 3);
        assert_eq!(
            frames.iter().map(|f| f.id.unwrap()).collect::<Vec<_>>(),
            vec![3, 4, 5]
        );
        assert_eq!(frames[0].seq, 3);
        assert_eq!(ring.recorded(), 5);
    }

    #[test]
    fn a_long_body_is_kept_cut_with_its_full_size() {
        let ring = TraceRing::new(RingLimits {
            frames: 10,
            body_bytes: 16,
        });
        let long = format!(r#"{{"s":"{}"}}"#, "é".repeat(40));
        send(&ring, 1, &long);
        send(&ring, 2, r#"{"a":1}"#);
        let frames = ring.frames();
        assert_eq!(frames[0].bytes, Some(long.len()));
        let cut: Value = serde_json::from_str(&frames[0].line).unwrap();
        assert_eq!(cut["truncated"], Value::Bool(true));
        let kept = cut["body"].as_str().unwrap();
        assert!(kept.len() <= 16 && long.starts_with(kept), "{kept}");
        let whole: Value = serde_json::from_str(&frames[1].line).unwrap();
        assert_eq!(whole["body"]["a"], 1);
        assert!(whole.get("truncated").is_none());
    }

    #[test]
    fn rows_carry_latency_errors_and_the_last_latency() {
        let ring = TraceRing::new(RingLimits::default());
        assert_eq!(ring.last_latency(), None);
        ring.record(
            4,
            &Event::Recv {
                id: 9,
                method: "GetObject",
                handle: 1,
                ms: 12.5,
                error: Some((-128, "no such object")),
                body: "{}",
            },
        );
        send(&ring, 10, "{}");
        let f = &ring.frames()[0];
        assert_eq!((f.conn, f.kind, f.ms), (4, "recv", Some(12.5)));
        assert_eq!(f.error.as_deref(), Some("-128: no such object"));
        assert_eq!(ring.last_latency(), Some(12.5));
    }
}
