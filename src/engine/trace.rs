//! The traffic hook: every socket and HTTP call of the engine layer reports typed events (open,
//! close, send, recv, push, http) to a `Tracer` when one is set, and costs one `Option` check
//! when none is. Credentials cannot reach an event: an event holds a URL only as `url::redact`
//! made it, and of the credentials only their names (header names, "client certificate", query
//! parameter names), never a value. Sinks (the NDJSON recorder, the explorer's Traffic ring)
//! receive the events as they happen.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use serde_json::{Map, Value, json};

use super::transport::ConnectOptions;

/// Who ended a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closer {
    /// qlik-tui closed it (done, or after a protocol error).
    Client,
    /// The engine or proxy sent a close frame or ended the stream.
    Server,
    /// The connection broke (reset, I/O error).
    Error,
}

impl Closer {
    pub fn as_str(self) -> &'static str {
        match self {
            Closer::Client => "client",
            Closer::Server => "server",
            Closer::Error => "error",
        }
    }
}

/// Where a socket or HTTP call went, as a trace may show it: the URL with every query value
/// and user info replaced (`url::redact`), and the names of the credentials it carried.
#[derive(Debug, Clone)]
pub struct Endpoint {
    url: String,
    credentials: Vec<String>,
}

impl Endpoint {
    /// The only way to make one: from the options, keeping names and never values.
    pub fn of(opts: &ConnectOptions) -> Endpoint {
        let mut credentials: Vec<String> = opts.headers.iter().map(|h| h.name.clone()).collect();
        if opts.tls.cert_pem.is_some() {
            credentials.push("client certificate".into());
        }
        if let Ok(u) = url::Url::parse(&opts.url) {
            credentials.extend(u.query_pairs().map(|(k, _)| format!("query {k}")));
        }
        Endpoint {
            url: super::url::redact(&opts.url),
            credentials,
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn credentials(&self) -> &[String] {
        &self.credentials
    }
}

/// One thing that happened on the wire. Bodies are borrowed: a sink that keeps them copies
/// what it needs (the recorder writes them at once).
#[derive(Debug)]
pub enum Event<'a> {
    Open {
        endpoint: &'a Endpoint,
        /// The handshake's HTTP status (101 when upgraded), None when no reply came.
        status: Option<u16>,
        error: Option<String>,
    },
    Close {
        code: Option<u16>,
        reason: String,
        by: Closer,
    },
    Send {
        id: u64,
        method: &'a str,
        handle: i64,
        body: &'a str,
    },
    Recv {
        id: u64,
        method: &'a str,
        handle: i64,
        ms: f64,
        /// The engine's refusal, `(code, message)`.
        error: Option<(i64, &'a str)>,
        body: &'a str,
    },
    /// A notification, or the `change`/`close` arrays of a reply (then `body` is None).
    Push {
        method: Option<&'a str>,
        change: &'a [i64],
        close: &'a [i64],
        body: Option<&'a str>,
    },
    Http {
        endpoint: &'a Endpoint,
        method: &'a str,
        status: Option<u16>,
        ms: f64,
        bytes: usize,
        error: Option<String>,
    },
}

impl Event<'_> {
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Open { .. } => "open",
            Event::Close { .. } => "close",
            Event::Send { .. } => "send",
            Event::Recv { .. } => "recv",
            Event::Push { .. } => "push",
            Event::Http { .. } => "http",
        }
    }
}

/// Bodies beyond this are cut in a trace unless whole bodies are asked for (`--trace-full`).
pub const BODY_CAP: usize = 64 << 10;

/// The event as the trace file's JSON object: the contract keys of issue 12 (`ts`, `conn`,
/// `kind`, then the kind's own keys; `body` last). A body over `body_cap` becomes its first
/// `body_cap` bytes as a string with `truncated: true`.
pub fn to_json_line(ts: &str, conn: u64, event: &Event<'_>, body_cap: Option<usize>) -> String {
    let mut m = Map::new();
    m.insert("ts".into(), ts.into());
    m.insert("conn".into(), conn.into());
    m.insert("kind".into(), event.kind().into());
    let mut body = None;
    match event {
        Event::Open {
            endpoint,
            status,
            error,
        } => {
            m.insert("url".into(), endpoint.url().into());
            m.insert("status".into(), json!(status));
            m.insert("credentials".into(), json!(endpoint.credentials()));
            if let Some(e) = error {
                m.insert("error".into(), json!({ "message": e }));
            }
        }
        Event::Close { code, reason, by } => {
            m.insert("code".into(), json!(code));
            m.insert("reason".into(), reason.as_str().into());
            m.insert("by".into(), by.as_str().into());
        }
        Event::Send {
            id,
            method,
            handle,
            body: b,
        } => {
            m.insert("id".into(), (*id).into());
            m.insert("method".into(), (*method).into());
            m.insert("handle".into(), (*handle).into());
            m.insert("bytes".into(), b.len().into());
            body = Some(*b);
        }
        Event::Recv {
            id,
            method,
            handle,
            ms,
            error,
            body: b,
        } => {
            m.insert("id".into(), (*id).into());
            m.insert("method".into(), (*method).into());
            m.insert("handle".into(), (*handle).into());
            m.insert("ms".into(), json!(round_ms(*ms)));
            m.insert("bytes".into(), b.len().into());
            if let Some((code, message)) = error {
                m.insert("error".into(), json!({ "code": code, "message": message }));
            }
            body = Some(*b);
        }
        Event::Push {
            method,
            change,
            close,
            body: b,
        } => {
            if let Some(method) = method {
                m.insert("method".into(), (*method).into());
            }
            if !change.is_empty() {
                m.insert("change".into(), json!(change));
            }
            if !close.is_empty() {
                m.insert("close".into(), json!(close));
            }
            if let Some(b) = b {
                m.insert("bytes".into(), b.len().into());
            }
            body = *b;
        }
        Event::Http {
            endpoint,
            method,
            status,
            ms,
            bytes,
            error,
        } => {
            m.insert("method".into(), (*method).into());
            m.insert("url".into(), endpoint.url().into());
            m.insert("status".into(), json!(status));
            m.insert("ms".into(), json!(round_ms(*ms)));
            m.insert("bytes".into(), (*bytes).into());
            m.insert("credentials".into(), json!(endpoint.credentials()));
            if let Some(e) = error {
                m.insert("error".into(), json!({ "message": e }));
            }
        }
    }
    let Some(body) = body else {
        return Value::Object(m).to_string();
    };
    match body_cap {
        Some(cap) if body.len() > cap => {
            m.insert("truncated".into(), true.into());
            m.insert("body".into(), cut_at_char(body, cap).to_string().into());
            Value::Object(m).to_string()
        }
        _ => {
            // The body is JSON the engine layer made or parsed already: spliced in as it is
            // rather than parsed again, which keeps tracing cheap on large replies.
            let mut line = Value::Object(m).to_string();
            line.pop();
            line.push_str(",\"body\":");
            line.push_str(body);
            line.push('}');
            line
        }
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
fn cut_at_char(s: &str, max: usize) -> &str {
    let mut end = max.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn round_ms(ms: f64) -> f64 {
    (ms * 1000.0).round() / 1000.0
}

/// The time of an event: RFC 3339, UTC, milliseconds.
pub fn timestamp() -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_default()
}

/// Receives events as they happen, from any task. Must not block for long: it runs on the
/// socket's reader and writer paths.
pub trait TraceSink: Send + Sync {
    fn record(&self, conn: u64, event: &Event<'_>);
}

/// Hands events to its sinks and numbers the connections. Cheap to clone.
#[derive(Clone)]
pub struct Tracer {
    inner: Arc<TracerInner>,
}

struct TracerInner {
    sinks: Vec<Arc<dyn TraceSink>>,
    /// Shared with the tracers made from this one by `with_sink`, so a socket's number is
    /// unique in every sink whichever tracer opened it.
    next_conn: Arc<AtomicU64>,
}

impl std::fmt::Debug for Tracer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tracer({} sinks)", self.inner.sinks.len())
    }
}

impl Tracer {
    pub fn new(sinks: Vec<Arc<dyn TraceSink>>) -> Tracer {
        Tracer {
            inner: Arc::new(TracerInner {
                sinks,
                next_conn: Arc::new(AtomicU64::new(1)),
            }),
        }
    }

    /// A tracer reporting to this one's sinks and to `sink` as well, numbering connections
    /// from the same counter (the explorer adds its Traffic ring to the process's `--trace`).
    pub fn with_sink(&self, sink: Arc<dyn TraceSink>) -> Tracer {
        let mut sinks = self.inner.sinks.clone();
        sinks.push(sink);
        Tracer {
            inner: Arc::new(TracerInner {
                sinks,
                next_conn: self.inner.next_conn.clone(),
            }),
        }
    }

    /// A new connection number, stable for the life of this tracer.
    pub fn next_conn(&self) -> u64 {
        self.inner.next_conn.fetch_add(1, Ordering::Relaxed)
    }

    pub fn emit(&self, conn: u64, event: &Event<'_>) {
        for s in &self.inner.sinks {
            s.record(conn, event);
        }
    }

    /// A traced socket: the `open` event is emitted now.
    pub fn open(
        &self,
        endpoint: &Endpoint,
        status: Option<u16>,
        error: Option<String>,
    ) -> Arc<ConnTrace> {
        let conn = self.next_conn();
        self.emit(
            conn,
            &Event::Open {
                endpoint,
                status,
                error,
            },
        );
        Arc::new(ConnTrace {
            tracer: self.clone(),
            conn,
            closed: AtomicBool::new(false),
        })
    }
}

static GLOBAL: OnceLock<Tracer> = OnceLock::new();

/// Sets the process's tracer (the binary's `--trace`); every `ConnectOptions::new` made after
/// this carries it. A second call is ignored: a process records to one place.
pub fn install_global(tracer: Tracer) {
    let _ = GLOBAL.set(tracer);
}

/// The process's tracer, if one is installed.
pub fn global() -> Option<Tracer> {
    GLOBAL.get().cloned()
}

/// One traced socket: its number and whether its `close` was recorded (exactly once).
pub struct ConnTrace {
    tracer: Tracer,
    conn: u64,
    closed: AtomicBool,
}

impl std::fmt::Debug for ConnTrace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ConnTrace({})", self.conn)
    }
}

impl ConnTrace {
    pub fn conn(&self) -> u64 {
        self.conn
    }

    pub fn emit(&self, event: &Event<'_>) {
        self.tracer.emit(self.conn, event);
    }

    /// Records the socket's end; later calls (the other side's view of the same end) are ignored.
    pub fn close(&self, code: Option<u16>, reason: String, by: Closer) {
        if !self.closed.swap(true, Ordering::AcqRel) {
            self.emit(&Event::Close { code, reason, by });
        }
    }
}

/// Times one HTTP call and records it as an `http` event when it ends.
pub struct HttpTrace {
    tracer: Tracer,
    endpoint: Endpoint,
    started: Instant,
}

impl HttpTrace {
    pub fn start(opts: &ConnectOptions) -> Option<HttpTrace> {
        let tracer = opts.trace.clone()?;
        Some(HttpTrace {
            tracer,
            endpoint: Endpoint::of(opts),
            started: Instant::now(),
        })
    }

    pub fn finish(self, method: &str, status: Option<u16>, bytes: usize, error: Option<String>) {
        let conn = self.tracer.next_conn();
        self.tracer.emit(
            conn,
            &Event::Http {
                endpoint: &self.endpoint,
                method,
                status,
                ms: self.started.elapsed().as_secs_f64() * 1000.0,
                bytes,
                error,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endpoint_keeps_names_and_never_values() {
        let opts = ConnectOptions::new(
            "wss://u:pw-secret@h/app/x?qlik-csrf-token=tok-secret",
            Default::default(),
        )
        .header("Authorization", "Bearer jwt-secret")
        .header("Cookie", "X-Qlik-Session=cookie-secret");
        let e = Endpoint::of(&opts);
        let line = to_json_line(
            "t",
            1,
            &Event::Open {
                endpoint: &e,
                status: Some(101),
                error: None,
            },
            None,
        );
        for s in ["pw-secret", "tok-secret", "jwt-secret", "cookie-secret"] {
            assert!(!line.contains(s), "{line}");
        }
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(
            v["credentials"],
            json!(["Authorization", "Cookie", "query qlik-csrf-token"])
        );
    }

    #[test]
    fn a_body_is_spliced_whole_or_cut_with_truncated() {
        let body = format!(r#"{{"result":{{"s":"{}"}}}}"#, "x".repeat(100));
        let ev = Event::Recv {
            id: 7,
            method: "GetLayout",
            handle: 3,
            ms: 1.23456,
            error: Some((-128, "no")),
            body: &body,
        };
        let whole: Value = serde_json::from_str(&to_json_line("t", 2, &ev, None)).unwrap();
        assert_eq!(whole["body"]["result"]["s"].as_str().unwrap().len(), 100);
        assert_eq!(whole["ms"], json!(1.235));
        assert_eq!(whole["error"]["code"], json!(-128));
        assert_eq!(whole["bytes"], json!(body.len()));
        let cut: Value = serde_json::from_str(&to_json_line("t", 2, &ev, Some(10))).unwrap();
        assert_eq!(cut["truncated"], json!(true));
        assert_eq!(cut["body"].as_str().unwrap(), &body[..10]);
    }

    /// Counts the events it gets, by connection.
    #[derive(Default)]
    struct Seen(std::sync::Mutex<Vec<u64>>);

    impl TraceSink for Seen {
        fn record(&self, conn: u64, _: &Event<'_>) {
            self.0.lock().unwrap().push(conn);
        }
    }

    #[test]
    fn a_tracer_with_another_sink_feeds_both_and_shares_the_numbering() {
        let file = Arc::new(Seen::default());
        let ring = Arc::new(Seen::default());
        let process = Tracer::new(vec![file.clone()]);
        let explorer = process.with_sink(ring.clone());
        let close = Event::Close {
            code: None,
            reason: String::new(),
            by: Closer::Client,
        };
        let (a, b) = (process.next_conn(), explorer.next_conn());
        assert_ne!(a, b, "one numbering of sockets");
        process.emit(a, &close);
        explorer.emit(b, &close);
        assert_eq!(*file.0.lock().unwrap(), vec![a, b]);
        assert_eq!(*ring.0.lock().unwrap(), vec![b]);
    }

    #[test]
    fn timestamps_are_rfc3339_utc_with_milliseconds() {
        let ts = timestamp();
        assert_eq!(ts.len(), "2026-01-02T03:04:05.678Z".len(), "{ts}");
        assert!(ts.ends_with('Z') && ts.as_bytes()[19] == b'.', "{ts}");
    }
}
