//! JSON-RPC over one engine socket: ids, pending requests, one writer task, one reader task.
//!
//! Any number of requests may be in flight; replies are matched by id in whatever order they
//! come. `change`/`close` arrays are recorded per handle. Notifications go to their own channel.
//! When the socket closes or breaks, every pending request fails at once with the reason.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio_tungstenite::tungstenite::error::CapacityError;
use tokio_tungstenite::tungstenite::{Error as WsError, Message, Utf8Bytes};

use super::error::EngineError;
use super::trace::{Closer, ConnTrace, Event};
use super::transport::EngineSocket;
use super::wire::{
    Incoming, Notification, PROXY_NOTIFICATIONS, RawReply, RawResult, RpcErrorBody, error_code_name,
};

/// Every method qlik-tui may send. Anything else is refused before it reaches the socket, so no
/// code path can modify an app. Session objects (CreateSessionObject) live only in the session.
pub const READ_ONLY_METHODS: &[&str] = &[
    // Global
    "EngineVersion",
    "ProductVersion",
    "GetAuthenticatedUser",
    "GetDocList",
    "OpenDoc",
    "GetActiveDoc",
    "IsDesktopMode",
    "OSName",
    "OSVersion",
    "QTProduct",
    "GetStreamList",
    "GetConfiguration",
    // Doc
    "GetAppLayout",
    "GetAppProperties",
    "GetAllInfos",
    "GetObject",
    "GetObjects",
    "GetBookmarks",
    "CreateSessionObject",
    "DestroySessionObject",
    "GetMeasure",
    "GetDimension",
    "GetBookmark",
    "GetVariableById",
    "GetVariableByName",
    "GetTablesAndKeys",
    "GetScript",
    "GetScriptEx",
    "GetFieldDescription",
    "Evaluate",
    "EvaluateEx",
    // GenericObject and the master-item, bookmark and variable classes
    "GetLayout",
    "GetProperties",
    "GetEffectiveProperties",
    "GetFullPropertyTree",
    "GetChildInfos",
    "GetInfo",
    "GetChild",
    "GetParent",
    "GetLinkedObjects",
    "GetRawContent",
    // Data pages: read the computed cube; they select nothing.
    "GetHyperCubeData",
    "GetListObjectData",
];

/// The reason of a socket qlik-tui closed itself (not a lost connection).
pub const CLOSED_BY_US: &str = "closed by qlik-tui";

/// A request waiting for its reply.
struct Pending {
    method: String,
    handle: i64,
    /// When it was sent, for the trace's `ms` (None when not traced).
    sent: Option<Instant>,
    /// The reply's `result` as raw JSON text: the caller reads it into what it needs.
    tx: oneshot::Sender<Result<RawResult, EngineError>>,
}

type PendingMap = HashMap<u64, Pending>;

#[derive(Default)]
struct HandleEvents {
    changed: HashSet<i64>,
    closed: HashSet<i64>,
}

struct Shared {
    pending: Mutex<PendingMap>,
    /// Set once, when the socket is gone; every later call fails with it.
    closed: Mutex<Option<Ended>>,
    handles: Mutex<HandleEvents>,
    sent: AtomicU64,
    /// The id the next request gets; every id below it has been handed out.
    next_id: AtomicU64,
    /// Where this socket's frames are reported, when traced.
    trace: Option<Arc<ConnTrace>>,
    /// When a frame last went out or came in (the keep-alive's idle clock).
    last_traffic: Mutex<tokio::time::Instant>,
}

/// The request a keep-alive sends on an idle session: read-only, cheap, and answered by every
/// engine (gopherciser probes with it too).
pub const KEEP_ALIVE_METHOD: &str = "EngineVersion";

/// Why a socket ended, kept so each request that was (or later is) waiting on it gets an error
/// naming its own method.
#[derive(Debug, Clone)]
enum Ended {
    Closed(String),
    /// A frame that breaks the protocol; the socket is closed after it.
    Unreadable {
        problem: String,
        size: usize,
        excerpt: String,
    },
    TooLarge {
        size: usize,
        cap: usize,
    },
}

impl Ended {
    fn error_for(&self, method: &str) -> EngineError {
        match self {
            Ended::Closed(reason) => EngineError::Closed {
                reason: reason.clone(),
            },
            Ended::Unreadable {
                problem,
                size,
                excerpt,
            } => EngineError::Unreadable {
                method: method.to_string(),
                problem: problem.clone(),
                size: *size,
                excerpt: excerpt.clone(),
            },
            Ended::TooLarge { size, cap } => EngineError::MessageTooLarge {
                method: method.to_string(),
                size: *size,
                cap: *cap,
            },
        }
    }

    fn reason(&self) -> String {
        match self {
            Ended::Closed(reason) => reason.clone(),
            other => other.error_for("a request").to_string(),
        }
    }
}

impl Shared {
    /// The requests sent and not yet answered (a poisoned lock still holds a usable map).
    fn pending(&self) -> std::sync::MutexGuard<'_, PendingMap> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Marks the socket ended (the first reason wins) and fails every pending request. The
    /// trace's `close` is recorded here, before any request fails, so a command that ends on
    /// that failure has the close in its trace whichever task saw the end first.
    ///
    /// The pending map stays locked while the close is recorded: the reader records each reply's
    /// `recv` under the same lock, so a reply read just before another task saw the end can never
    /// land in the trace after the socket's `close`.
    fn fail_all(&self, ended: Ended, by: Closer, code: Option<u16>) {
        let (ended, drained): (Ended, Vec<_>) = {
            let mut pending = self.pending();
            let ended = {
                let mut closed = self.closed.lock().unwrap_or_else(|e| e.into_inner());
                closed.get_or_insert(ended).clone()
            };
            if let Some(trace) = &self.trace {
                trace.close(code, ended.reason(), by);
            }
            (ended, pending.drain().collect())
        };
        for (_, p) in drained {
            let _ = p.tx.send(Err(ended.error_for(&p.method)));
        }
    }

    /// Traces a pushed frame unless the socket's end is already recorded (by another task, under
    /// the pending lock as in `fail_all`): the `close` stays the last event of its socket.
    fn trace_push(&self, event: &Event<'_>) {
        if let Some(trace) = &self.trace {
            let _order = self.pending();
            if self.ended().is_none() {
                trace.emit(event);
            }
        }
    }

    fn touch(&self) {
        *self.last_traffic.lock().unwrap_or_else(|e| e.into_inner()) = tokio::time::Instant::now();
    }

    fn idle_for(&self) -> Duration {
        self.last_traffic
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .elapsed()
    }

    fn ended(&self) -> Option<Ended> {
        self.closed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// The RPC side of one socket. Cheap to share behind an `Arc`.
pub struct RpcClient {
    shared: Arc<Shared>,
    out: mpsc::UnboundedSender<Message>,
    notifications: broadcast::Sender<Notification>,
    request_timeout: Duration,
}

impl RpcClient {
    /// Takes over an upgraded socket whose greeting has already been read; `trace` (from the
    /// upgrade) receives every frame and the socket's end.
    pub fn start(
        socket: EngineSocket,
        request_timeout: Duration,
        trace: Option<Arc<ConnTrace>>,
    ) -> Arc<RpcClient> {
        let (mut sink, mut stream) = socket.split();
        let shared = Arc::new(Shared {
            pending: Mutex::new(HashMap::new()),
            closed: Mutex::new(None),
            handles: Mutex::new(HandleEvents::default()),
            sent: AtomicU64::new(0),
            next_id: AtomicU64::new(1),
            trace,
            last_traffic: Mutex::new(tokio::time::Instant::now()),
        });
        let (out_tx, mut out_rx) = mpsc::unbounded_channel::<Message>();
        let (notif_tx, _) = broadcast::channel(256);

        // Writer: the only task that writes to the socket. Every frame already queued goes out
        // with one flush (a walk queues a whole sheet list's requests at once): fewer TLS
        // records and write calls than a flush per frame.
        let writer_shared = shared.clone();
        tokio::spawn(async move {
            while let Some(first) = out_rx.recv().await {
                let mut next = Some(first);
                let mut closing = false;
                let mut sent = Ok(());
                while let Some(msg) = next.take() {
                    closing = matches!(msg, Message::Close(_));
                    sent = sink.feed(msg).await;
                    if sent.is_err() || closing {
                        break;
                    }
                    next = out_rx.try_recv().ok();
                }
                if sent.is_ok() {
                    sent = sink.flush().await;
                }
                if let Err(e) = sent {
                    writer_shared.fail_all(
                        Ended::Closed(format!("sending failed: {e}")),
                        Closer::Error,
                        None,
                    );
                    break;
                }
                if closing {
                    break;
                }
            }
            let _ = sink.close().await;
        });

        // Reader: routes replies by id, notifications to their channel. A frame that breaks the
        // protocol ends the socket: every pending request fails at once instead of waiting out
        // its timeout for a reply that cannot be matched any more.
        let reader_shared = shared.clone();
        let reader_notif = notif_tx.clone();
        let reader_out = out_tx.clone();
        tokio::spawn(async move {
            // Who ended the socket and the close code, for the trace.
            let mut closer = Closer::Server;
            let mut close_code = None;
            let ended = loop {
                let frame = stream.next().await;
                reader_shared.touch();
                let text = match frame {
                    None => break Ended::Closed("the engine closed the socket".to_string()),
                    Some(Err(e)) => {
                        closer = Closer::Error;
                        break socket_error(e);
                    }
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Binary(bytes))) => {
                        let (size, shown) =
                            (bytes.len(), excerpt(&String::from_utf8_lossy(&bytes)));
                        match Utf8Bytes::try_from(bytes) {
                            Ok(text) => text,
                            Err(_) => {
                                closer = Closer::Client;
                                break Ended::Unreadable {
                                    problem: "a binary frame that is not UTF-8 text".into(),
                                    size,
                                    excerpt: shown,
                                };
                            }
                        }
                    }
                    Some(Ok(Message::Ping(p))) => {
                        let _ = reader_out.send(Message::Pong(p));
                        continue;
                    }
                    Some(Ok(Message::Close(frame))) => {
                        close_code = frame.as_ref().map(|f| u16::from(f.code));
                        break Ended::Closed(match frame {
                            Some(f) if !f.reason.is_empty() => {
                                format!(
                                    "the engine closed the socket ({}: {})",
                                    u16::from(f.code),
                                    excerpt(&f.reason)
                                )
                            }
                            Some(f) => {
                                format!("the engine closed the socket (code {})", u16::from(f.code))
                            }
                            None => "the engine closed the socket".to_string(),
                        });
                    }
                    Some(Ok(_)) => continue,
                };
                if let Err(problem) = route(&reader_shared, &reader_notif, text.as_str()) {
                    closer = Closer::Client;
                    break Ended::Unreadable {
                        problem,
                        size: text.len(),
                        excerpt: excerpt(text.as_str()),
                    };
                }
            };
            if !matches!(ended, Ended::Closed(_)) {
                tracing::warn!(reason = %ended.reason(), "engine socket closed after a protocol error");
                let _ = reader_out.send(Message::Close(None));
            } else {
                tracing::debug!(reason = %ended.reason(), "engine socket ended");
            }
            reader_shared.fail_all(ended, closer, close_code);
        });

        Arc::new(RpcClient {
            shared,
            out: out_tx,
            notifications: notif_tx,
            request_timeout,
        })
    }

    /// Sends `method` on `handle` and waits (bounded) for its reply. Returns the `result` object.
    pub async fn call(
        &self,
        handle: i64,
        method: &str,
        params: Value,
    ) -> Result<Value, EngineError> {
        let raw = self.call_raw(handle, method, params).await?;
        serde_json::from_str(raw.get()).map_err(|e| EngineError::Protocol(e.to_string()))
    }

    /// As `call`, with the `result` as the raw JSON text the engine sent: a caller that knows
    /// the reply's shape reads it straight into its own types (see `api::take_raw`).
    pub async fn call_raw(
        &self,
        handle: i64,
        method: &str,
        params: Value,
    ) -> Result<RawResult, EngineError> {
        if !READ_ONLY_METHODS.contains(&method) {
            return Err(EngineError::ReadOnly(method.to_string()));
        }
        if let Some(ended) = self.shared.ended() {
            return Err(ended.error_for(method));
        }
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        let frame = request_frame(id, handle, method, &params)?;
        let (tx, rx) = oneshot::channel();
        {
            // Under the pending lock, which `fail_all` holds while it marks the socket ended and
            // records its close: either this request is registered (and traced) before the end,
            // and the end fails it, or the end is seen here. No `send` follows a `close` in a
            // trace, and no request waits out its timeout on a dead socket.
            let mut pending = self.shared.pending();
            if let Some(ended) = self.shared.ended() {
                return Err(ended.error_for(method));
            }
            pending.insert(
                id,
                Pending {
                    method: method.to_string(),
                    handle,
                    sent: self.shared.trace.as_ref().map(|_| Instant::now()),
                    tx,
                },
            );
            self.shared.sent.fetch_add(1, Ordering::Relaxed);
            tracing::trace!(id, handle, method, "request");
            if let Some(trace) = &self.shared.trace {
                trace.emit(&Event::Send {
                    id,
                    method,
                    handle,
                    body: &frame,
                });
            }
        }
        self.shared.touch();
        if self.out.send(Message::text(frame)).is_err() {
            self.forget(id);
            return Err(self
                .shared
                .ended()
                .unwrap_or_else(|| Ended::Closed("the socket writer stopped".into()))
                .error_for(method));
        }
        match tokio::time::timeout(self.request_timeout, rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(self
                .shared
                .ended()
                .unwrap_or_else(|| Ended::Closed("the reply was lost".into()))
                .error_for(method)),
            Err(_) => {
                self.forget(id);
                Err(EngineError::RequestTimeout {
                    method: method.to_string(),
                    after: self.request_timeout,
                })
            }
        }
    }

    fn forget(&self, id: u64) {
        self.shared.pending().remove(&id);
    }

    /// Keeps the session alive while it is idle: after `every` without a frame either way, one
    /// KEEP_ALIVE_METHOD request. Proxies do not pass WebSocket pings to the engine, so only a
    /// request counts as traffic for the engine's and the gateways' idle timers. The task holds
    /// no strong reference between beats: it ends with the client or the socket.
    pub fn keep_alive(self: &Arc<Self>, every: Duration) {
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                let wait = {
                    let Some(rpc) = weak.upgrade() else { return };
                    if rpc.is_closed() {
                        return;
                    }
                    let idle = rpc.shared.idle_for();
                    if idle >= every {
                        tracing::trace!(?idle, "keep-alive");
                        // A failure ends the socket; the next real request reports it.
                        let _ = rpc
                            .call(
                                super::wire::GLOBAL_HANDLE,
                                KEEP_ALIVE_METHOD,
                                Value::Array(vec![]),
                            )
                            .await;
                        every
                    } else {
                        every - idle
                    }
                };
                tokio::time::sleep(wait).await;
            }
        });
    }

    /// Why the socket ended, once it has.
    pub fn closed_reason(&self) -> Option<String> {
        self.shared.ended().map(|e| e.reason())
    }

    pub fn is_closed(&self) -> bool {
        self.closed_reason().is_some()
    }

    /// Requests sent and not yet answered.
    pub fn in_flight(&self) -> usize {
        // Counted from the pending map itself, so it can never drift from it (a separate counter
        // could briefly wrap below zero when a reply beat the increment).
        self.shared.pending().len()
    }

    /// Requests sent on this socket so far.
    pub fn requests_sent(&self) -> u64 {
        self.shared.sent.load(Ordering::Relaxed)
    }

    pub fn notifications(&self) -> broadcast::Receiver<Notification> {
        self.notifications.subscribe()
    }

    /// Handles the engine reported as changed (to refetch) or closed since the last call.
    pub fn take_handle_events(&self) -> (Vec<i64>, Vec<i64>) {
        let mut h = self
            .shared
            .handles
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let mut changed: Vec<_> = h.changed.drain().collect();
        let mut closed: Vec<_> = h.closed.drain().collect();
        changed.sort_unstable();
        closed.sort_unstable();
        (changed, closed)
    }

    /// Closes the socket politely; pending requests fail with "closed by qlik-tui".
    pub fn close(&self) {
        let _ = self.out.send(Message::Close(None));
        self.shared.fail_all(
            Ended::Closed(CLOSED_BY_US.into()),
            Closer::Client,
            Some(1000),
        );
    }
}

impl RpcClient {
    fn trace_client_close(&self) {
        if let Some(trace) = &self.shared.trace {
            // Under the pending lock, as in `fail_all`, so no `recv` follows this `close`.
            let _order = self.shared.pending();
            if self.shared.ended().is_none() {
                trace.close(Some(1000), CLOSED_BY_US.into(), Closer::Client);
            }
        }
    }
}

impl Drop for RpcClient {
    fn drop(&mut self) {
        self.trace_client_close();
        let _ = self.out.send(Message::Close(None));
    }
}

/// Routes one frame. Err: the frame breaks the protocol (the reader then ends the socket).
fn route(
    shared: &Shared,
    notif: &broadcast::Sender<Notification>,
    text: &str,
) -> Result<(), String> {
    // The common case in one pass, `result` left as text; anything else (a notification, a
    // frame that breaks the protocol) takes the general path, which names what is wrong.
    if let Some((id, reply)) = RawReply::parse(text) {
        let result = reply.result.map(RawResult::from);
        return route_reply(
            shared,
            text,
            id,
            result,
            reply.error,
            &reply.change,
            &reply.close,
        );
    }
    match Incoming::parse(text)? {
        Incoming::Response(resp) => {
            let Some(id) = resp.id.as_u64() else {
                note_handle_events(shared, &resp.change, &resp.close);
                return Err(format!(
                    "a reply with the id {}, which qlik-tui never sends",
                    resp.id
                ));
            };
            let result = resp.result.map(|v| RawResult::from(v.to_string()));
            route_reply(
                shared,
                text,
                id,
                result,
                resp.error,
                &resp.change,
                &resp.close,
            )?;
        }
        Incoming::Notification(n) => {
            shared.trace_push(&Event::Push {
                method: Some(&n.method),
                change: &[],
                close: &[],
                body: Some(text),
            });
            let fatal = is_fatal_notification(&n);
            let method = n.method.clone();
            let message = n
                .params
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let _ = notif.send(n);
            if fatal {
                // QPS closes the socket after a fatal notification; fail the pending requests
                // with its message rather than a bare "closed".
                shared.fail_all(
                    Ended::Closed(format!("the proxy sent {method}: {}", excerpt(&message))),
                    Closer::Server,
                    None,
                );
            }
        }
    }
    Ok(())
}

/// Records a reply's `change` and `close` handles (and traces them as a push).
fn note_handle_events(shared: &Shared, change: &[i64], close: &[i64]) {
    {
        let mut h = shared.handles.lock().unwrap_or_else(|e| e.into_inner());
        h.changed.extend(change.iter().copied());
        h.closed.extend(close.iter().copied());
    }
    if !(change.is_empty() && close.is_empty()) {
        shared.trace_push(&Event::Push {
            method: None,
            change,
            close,
            body: None,
        });
    }
}

/// Hands the reply to request `id` to its caller: its `result` (raw text), or its error.
fn route_reply(
    shared: &Shared,
    text: &str,
    id: u64,
    result: Option<RawResult>,
    error: Option<RpcErrorBody>,
    change: &[i64],
    close: &[i64],
) -> Result<(), String> {
    note_handle_events(shared, change, close);
    let mut pending = shared.pending();
    let entry = pending.remove(&id);
    let Some(Pending {
        method,
        handle,
        sent,
        tx,
    }) = entry
    else {
        drop(pending);
        // A reply to a request that timed out is late, not wrong; an id beyond every id sent
        // cannot be the answer to anything.
        if id == 0 || id >= shared.next_id.load(Ordering::Relaxed) {
            return Err(format!(
                "a reply to the request id {id}, which was never sent"
            ));
        }
        tracing::debug!(id, "late reply to a request that timed out");
        return Ok(());
    };
    if let Some(trace) = &shared.trace {
        trace.emit(&Event::Recv {
            id,
            method: &method,
            handle,
            ms: sent.map_or(0.0, |t| t.elapsed().as_secs_f64() * 1000.0),
            error: error.as_ref().map(|e| (e.code, e.message.as_str())),
            body: text,
        });
    }
    // Released only now: see `fail_all`.
    drop(pending);
    let outcome = match (error, result) {
        (Some(err), _) => Err(EngineError::Rpc {
            method,
            code: err.code,
            name: error_code_name(err.code),
            parameter: err.parameter,
            message: err.message,
        }),
        (None, Some(result)) => Ok(result),
        (None, None) => {
            // Put it back so the failure reaches it with the others, named by method.
            shared.pending().insert(
                id,
                Pending {
                    method: method.clone(),
                    handle,
                    sent,
                    tx,
                },
            );
            return Err(format!(
                "the reply to {method} (id {id}) has neither result nor error"
            ));
        }
    };
    let _ = tx.send(outcome);
    Ok(())
}

/// The text of a request, written straight from borrowed parts (the same bytes as
/// `wire::Request`, without building one per call).
fn request_frame(
    id: u64,
    handle: i64,
    method: &str,
    params: &Value,
) -> Result<String, EngineError> {
    #[derive(serde::Serialize)]
    struct Frame<'a> {
        jsonrpc: &'static str,
        id: u64,
        handle: i64,
        method: &'a str,
        #[serde(skip_serializing_if = "Value::is_null")]
        params: &'a Value,
    }
    serde_json::to_string(&Frame {
        jsonrpc: "2.0",
        id,
        handle,
        method,
        params,
    })
    .map_err(|e| EngineError::Protocol(e.to_string()))
}

/// A socket error as the reason it ended; a message over the cap is named with the cap.
fn socket_error(e: WsError) -> Ended {
    match e {
        WsError::Capacity(CapacityError::MessageTooLong { size, max_size }) => Ended::TooLarge {
            size,
            cap: max_size,
        },
        e => Ended::Closed(format!("the socket broke: {e}")),
    }
}

/// How many characters of an unreadable frame an error quotes.
const EXCERPT_CHARS: usize = 60;

/// The first characters of engine text for an error: cut by characters (never inside one) and
/// with control and bidi characters shown escaped, as the text may be anything.
pub fn excerpt(text: &str) -> String {
    crate::text::escape_for_terminal(&crate::text::cut_chars(text, EXCERPT_CHARS)).into_owned()
}

/// A proxy notification with severity `fatal` (QPS closes the socket after it).
pub fn is_fatal_notification(n: &Notification) -> bool {
    PROXY_NOTIFICATIONS.contains(&n.method.as_str())
        && n.params.get("severity").and_then(Value::as_str) == Some("fatal")
}

#[cfg(test)]
mod proptests;
