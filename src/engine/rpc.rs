//! JSON-RPC over one engine socket: ids, pending requests, one writer task, one reader task.
//!
//! Any number of requests may be in flight; replies are matched by id in whatever order they
//! come. `change`/`close` arrays are recorded per handle. Notifications go to their own channel.
//! When the socket closes or breaks, every pending request fails at once with the reason.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;

use super::error::EngineError;
use super::transport::EngineSocket;
use super::wire::{Incoming, Notification, PROXY_NOTIFICATIONS, Request, error_code_name};

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
];

type PendingMap = HashMap<u64, (String, oneshot::Sender<Result<Value, EngineError>>)>;

#[derive(Default)]
struct HandleEvents {
    changed: HashSet<i64>,
    closed: HashSet<i64>,
}

struct Shared {
    pending: Mutex<PendingMap>,
    /// Set once, when the socket is gone; every later call fails with it.
    closed: Mutex<Option<String>>,
    handles: Mutex<HandleEvents>,
    sent: AtomicU64,
}

impl Shared {
    fn fail_all(&self, reason: &str) {
        {
            let mut closed = self.closed.lock().unwrap_or_else(|e| e.into_inner());
            if closed.is_none() {
                *closed = Some(reason.to_string());
            }
        }
        let drained: Vec<_> = {
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            pending.drain().collect()
        };
        for (_, (_, tx)) in drained {
            let _ = tx.send(Err(EngineError::Closed {
                reason: reason.to_string(),
            }));
        }
    }
}

/// The RPC side of one socket. Cheap to share behind an `Arc`.
pub struct RpcClient {
    shared: Arc<Shared>,
    out: mpsc::UnboundedSender<Message>,
    next_id: AtomicU64,
    notifications: broadcast::Sender<Notification>,
    request_timeout: Duration,
}

impl RpcClient {
    /// Takes over an upgraded socket whose greeting has already been read.
    pub fn start(socket: EngineSocket, request_timeout: Duration) -> Arc<RpcClient> {
        let (mut sink, mut stream) = socket.split();
        let shared = Arc::new(Shared {
            pending: Mutex::new(HashMap::new()),
            closed: Mutex::new(None),
            handles: Mutex::new(HandleEvents::default()),
            sent: AtomicU64::new(0),
        });
        let (out_tx, mut out_rx) = mpsc::unbounded_channel::<Message>();
        let (notif_tx, _) = broadcast::channel(256);

        // Writer: the only task that writes to the socket.
        let writer_shared = shared.clone();
        tokio::spawn(async move {
            while let Some(msg) = out_rx.recv().await {
                let is_close = matches!(msg, Message::Close(_));
                if let Err(e) = sink.send(msg).await {
                    writer_shared.fail_all(&format!("sending failed: {e}"));
                    break;
                }
                if is_close {
                    break;
                }
            }
            let _ = sink.close().await;
        });

        // Reader: routes replies by id, notifications to their channel.
        let reader_shared = shared.clone();
        let reader_notif = notif_tx.clone();
        let reader_out = out_tx.clone();
        tokio::spawn(async move {
            let reason = loop {
                match stream.next().await {
                    None => break "the engine closed the socket".to_string(),
                    Some(Err(e)) => break format!("the socket broke: {e}"),
                    Some(Ok(Message::Text(text))) => {
                        route(&reader_shared, &reader_notif, text.as_str());
                    }
                    Some(Ok(Message::Binary(bytes))) => {
                        if let Ok(text) = std::str::from_utf8(&bytes) {
                            route(&reader_shared, &reader_notif, text);
                        }
                    }
                    Some(Ok(Message::Ping(p))) => {
                        let _ = reader_out.send(Message::Pong(p));
                    }
                    Some(Ok(Message::Close(frame))) => {
                        break match frame {
                            Some(f) if !f.reason.is_empty() => {
                                format!(
                                    "the engine closed the socket ({}: {})",
                                    u16::from(f.code),
                                    f.reason
                                )
                            }
                            Some(f) => {
                                format!("the engine closed the socket (code {})", u16::from(f.code))
                            }
                            None => "the engine closed the socket".to_string(),
                        };
                    }
                    Some(Ok(_)) => {}
                }
            };
            tracing::debug!(%reason, "engine socket ended");
            reader_shared.fail_all(&reason);
        });

        Arc::new(RpcClient {
            shared,
            out: out_tx,
            next_id: AtomicU64::new(1),
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
        if !READ_ONLY_METHODS.contains(&method) {
            return Err(EngineError::ReadOnly(method.to_string()));
        }
        if let Some(reason) = self.closed_reason() {
            return Err(EngineError::Closed { reason });
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let frame = serde_json::to_string(&Request::new(id, handle, method, params))
            .map_err(|e| EngineError::Protocol(e.to_string()))?;
        let (tx, rx) = oneshot::channel();
        self.shared
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, (method.to_string(), tx));
        // The socket may have died between the check above and the insert: `fail_all` marks the
        // client closed before it drains, so either it drained this request or we see the mark
        // here. Without this re-check the request would wait for the full request timeout.
        if let Some(reason) = self.closed_reason() {
            self.forget(id);
            return Err(EngineError::Closed { reason });
        }
        self.shared.sent.fetch_add(1, Ordering::Relaxed);
        tracing::trace!(id, handle, method, "request");
        if self.out.send(Message::text(frame)).is_err() {
            self.forget(id);
            return Err(EngineError::Closed {
                reason: self
                    .closed_reason()
                    .unwrap_or_else(|| "the socket writer stopped".into()),
            });
        }
        match tokio::time::timeout(self.request_timeout, rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(EngineError::Closed {
                reason: self
                    .closed_reason()
                    .unwrap_or_else(|| "the reply was lost".into()),
            }),
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
        self.shared
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
    }

    pub fn closed_reason(&self) -> Option<String> {
        self.shared
            .closed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn is_closed(&self) -> bool {
        self.closed_reason().is_some()
    }

    /// Requests sent and not yet answered.
    pub fn in_flight(&self) -> usize {
        // Counted from the pending map itself, so it can never drift from it (a separate counter
        // could briefly wrap below zero when a reply beat the increment).
        self.shared
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
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
        self.shared.fail_all("closed by qlik-tui");
    }
}

impl Drop for RpcClient {
    fn drop(&mut self) {
        let _ = self.out.send(Message::Close(None));
    }
}

fn route(shared: &Shared, notif: &broadcast::Sender<Notification>, text: &str) {
    match Incoming::parse(text) {
        Ok(Incoming::Response(resp)) => {
            {
                let mut h = shared.handles.lock().unwrap_or_else(|e| e.into_inner());
                h.changed.extend(resp.change.iter().copied());
                h.closed.extend(resp.close.iter().copied());
            }
            let Some(id) = resp.id.as_u64() else {
                tracing::warn!("reply with a non-numeric id ignored");
                return;
            };
            let entry = shared
                .pending
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&id);
            let Some((method, tx)) = entry else {
                tracing::debug!(id, "reply to an unknown or timed-out request");
                return;
            };
            let outcome = match (resp.error, resp.result) {
                (Some(err), _) => Err(EngineError::Rpc {
                    method,
                    code: err.code,
                    name: error_code_name(err.code),
                    parameter: err.parameter,
                    message: err.message,
                }),
                (None, Some(result)) => Ok(result),
                (None, None) => Err(EngineError::Protocol(format!(
                    "the reply to {method} has neither result nor error"
                ))),
            };
            let _ = tx.send(outcome);
        }
        Ok(Incoming::Notification(n)) => {
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
                shared.fail_all(&format!("the proxy sent {method}: {message}"));
            }
        }
        Err(e) => tracing::warn!(error = %e, "unreadable frame from the engine"),
    }
}

/// A proxy notification with severity `fatal` (QPS closes the socket after it).
pub fn is_fatal_notification(n: &Notification) -> bool {
    PROXY_NOTIFICATIONS.contains(&n.method.as_str())
        && n.params.get("severity").and_then(Value::as_str) == Some("fatal")
}
