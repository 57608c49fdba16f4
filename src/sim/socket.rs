//! One engine socket: the greeting, then requests read in order and answered concurrently (each
//! in its own task, so with latency or jitter replies overtake each other), every reply through
//! this one writer.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

use super::behaviour::{ReplyFault, is_success_state};
use super::server::Shared;
use super::session::Session;
use super::{dispatch, faults};
use crate::engine::wire::{Notification, Request, Response};

/// What request tasks hand to the writer.
enum Out {
    Reply { id: Option<u64>, text: String },
}

fn notification(method: &str, params: Value) -> Message {
    let text = serde_json::to_string(&Notification::new(method, params)).unwrap_or_default();
    Message::Text(text.into())
}

/// Serves one socket. `attached`: the socket joined a live session (SESSION_ATTACHED).
pub async fn run<S>(
    mut ws: WebSocketStream<S>,
    session: Arc<Session>,
    shared: Arc<Shared>,
    attached: bool,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let b = &shared.behaviour;
    if b.close_before_greeting {
        // The proxy upgraded, then found no session behind the cookie: a close, no greeting.
        let _ = ws.close(None).await;
        return;
    }
    if !b.greeting_delay.is_zero() {
        tokio::select! {
            _ = shared.cancel.cancelled() => return,
            _ = tokio::time::sleep(b.greeting_delay) => {}
        }
    }
    if b.max_parallel_sessions {
        let params = json!({"severity": "fatal", "timestamp": now_iso(),
            "message": "The maximum number of parallel sessions has been exceeded"});
        let _ = ws
            .send(notification("OnMaxParallelSessionsExceeded", params))
            .await;
        let _ = ws.close(None).await;
        return;
    }
    if !b.silent {
        // Through a proxy, the proxy says who the user is before the engine greets
        // (engine-api.md §1.5); the engine port greets with OnConnected alone.
        if !session.target.prefix.is_empty() {
            let u = &session.user;
            let params = json!({"userId": u.id, "userDirectory": u.directory,
                "logoutUri": format!("/{}/qps/user", session.target.prefix), "mustAuthenticate": false});
            let _ = ws
                .send(notification("OnAuthenticationInformation", params))
                .await;
        }
        let state = match (&b.session_state, attached) {
            (None, true) => "SESSION_ATTACHED".to_string(),
            _ => b.greeting_state().to_string(),
        };
        let _ = ws
            .send(notification("OnConnected", json!({"qSessionState": state})))
            .await;
        if !is_success_state(&state) {
            let _ = ws.close(None).await;
            return;
        }
    }
    let (tx, mut rx) = mpsc::unbounded_channel::<Out>();
    let cancel = shared.cancel.clone();
    let restarted = shared
        .restart
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    // A gateway's idle timer: reset by every message from the client.
    let idle_cut = b.idle_cut.unwrap_or(Duration::MAX);
    let mut last_heard = tokio::time::Instant::now();
    loop {
        tokio::select! {
            // Killed: drop the socket without a close frame.
            _ = cancel.cancelled() => return,
            // The engine restarted: this socket's session is gone with it.
            _ = restarted.cancelled() => return,
            // Cut for idleness: dropped without a close frame, as a gateway does.
            _ = sleep_until_idle(last_heard, idle_cut) => return,
            Some(Out::Reply { id, text }) = rx.recv() => {
                if let Some(id) = id {
                    shared.reply_log.lock().unwrap_or_else(|e| e.into_inner()).push(id);
                }
                if ws.send(Message::Text(text.into())).await.is_err() {
                    return;
                }
            }
            msg = ws.next() => match msg {
                Some(Ok(Message::Text(text))) => {
                    last_heard = tokio::time::Instant::now();
                    if shared.behaviour.silent {
                        continue;
                    }
                    match on_request(text.as_str(), &session, &shared, &tx) {
                        Flow::Continue => {}
                        Flow::Drop => return,
                        Flow::Fault(fault, resp) => {
                            if let faults::After::Drop =
                                faults::misbehave(&mut ws, &fault, *resp, &cancel).await
                            {
                                return;
                            }
                        }
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}

enum Flow {
    Continue,
    Drop,
    /// Answer with this protocol fault instead of the reply.
    Fault(ReplyFault, Box<Response>),
}

fn on_request(
    text: &str,
    session: &Arc<Session>,
    shared: &Arc<Shared>,
    tx: &mpsc::UnboundedSender<Out>,
) -> Flow {
    shared.served.fetch_add(1, Ordering::Relaxed);
    let req = match parse_request(text) {
        Ok(r) => r,
        Err(resp) => {
            send_now(tx, *resp);
            return Flow::Continue;
        }
    };
    shared
        .method_log
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(req.method.clone());
    let b = &shared.behaviour;
    if b.drops_on(&req.method) {
        return Flow::Drop;
    }
    if b.is_silent_method(&req.method) {
        return Flow::Continue;
    }
    if b.denies(&req.method) {
        send_now(
            tx,
            Response::err(req.id.clone(), dispatch::ACCESS_DENIED, "", "Access denied"),
        );
        return Flow::Continue;
    }
    if let Some(fault) = b.reply_fault(&req.method) {
        return Flow::Fault(fault.clone(), Box::new(dispatch::respond(session, &req)));
    }
    // Each request runs in its own task, as the engine handles requests concurrently: replies
    // leave in completion order, not request order (clients wait for a handle before using it).
    let delay = reply_delay(shared.latency, b.jitter);
    let tx = tx.clone();
    let session = session.clone();
    tokio::spawn(async move {
        // A defect in a handler must not leave the client waiting: it becomes -32603.
        let text = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            dispatch::respond_text(&session, &req)
        }))
        .unwrap_or_else(|_| {
            let resp = Response::err(
                req.id.clone(),
                dispatch::INTERNAL_ERROR,
                &req.method,
                "the simulator failed on this request",
            );
            serde_json::to_string(&resp).unwrap_or_default()
        });
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let _ = tx.send(Out::Reply {
            id: req.id.as_u64(),
            text,
        });
    });
    Flow::Continue
}

/// The request in `text`, or the reply refusing it: -32700 when it is not JSON, -32600 when it
/// is JSON but not a request.
fn parse_request(text: &str) -> Result<Request, Box<Response>> {
    // A well-formed request parses in one pass; only a refused one takes the slow path below,
    // whose two steps tell the two errors apart with the messages they always had.
    if let Ok(req) = serde_json::from_str::<Request>(text) {
        return Ok(req);
    }
    let v = serde_json::from_str::<Value>(text).map_err(|e| {
        Box::new(Response::err(
            Value::Null,
            -32700,
            "",
            format!("Parse error: {e}"),
        ))
    })?;
    serde_json::from_value(v.clone()).map_err(|e| {
        let id = v.get("id").cloned().unwrap_or(Value::Null);
        Box::new(Response::err(
            id,
            dispatch::INVALID_REQUEST,
            "",
            format!("Invalid request: {e}"),
        ))
    })
}

fn send_now(tx: &mpsc::UnboundedSender<Out>, resp: Response) {
    let id = resp.id.as_u64();
    if let Ok(text) = serde_json::to_string(&resp) {
        let _ = tx.send(Out::Reply { id, text });
    }
}

/// Sleeps until `cut` after `last` (for ever when there is no cut).
async fn sleep_until_idle(last: tokio::time::Instant, cut: Duration) {
    match last.checked_add(cut) {
        Some(at) if cut != Duration::MAX => tokio::time::sleep_until(at).await,
        _ => std::future::pending().await,
    }
}

fn reply_delay(latency: Duration, jitter: Duration) -> Duration {
    if jitter.is_zero() {
        return latency;
    }
    use rand::RngExt;
    let extra = rand::rng().random_range(0..=jitter.as_micros() as u64);
    latency + Duration::from_micros(extra)
}

fn now_iso() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
