//! One engine session: one socket, one user, at most one open app (Qlik's rule). Connecting
//! waits (bounded) for the `OnConnected` greeting and turns every refusal into a typed error.

use std::sync::Arc;

use futures_util::StreamExt;
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

use super::api::Global;
use super::error::EngineError;
use super::rpc::{RpcClient, is_fatal_notification};
use super::trace::{Closer, ConnTrace, Event};
use super::transport::{ConnectInfo, ConnectOptions, EngineSocket, open_socket};
use super::wire::{Incoming, Notification};

/// What the proxy says about the user (`OnAuthenticationInformation`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthInfo {
    pub user_id: String,
    pub user_directory: String,
    pub login_uri: Option<String>,
    pub must_authenticate: bool,
}

/// What arrived before the session was usable.
#[derive(Debug, Clone, Default)]
pub struct Greeting {
    /// `SESSION_CREATED` or `SESSION_ATTACHED`.
    pub session_state: String,
    pub auth_info: Option<AuthInfo>,
    /// Non-fatal notifications seen before `OnConnected` (proxy notices and warnings).
    pub notices: Vec<Notification>,
}

pub struct Session {
    rpc: Arc<RpcClient>,
    pub greeting: Greeting,
    pub connect_info: ConnectInfo,
}

impl Session {
    /// Opens the socket and waits for the greeting.
    pub async fn connect(opts: &ConnectOptions) -> Result<Session, EngineError> {
        let (socket, connect_info) = open_socket(opts).await?;
        Session::greet(socket, connect_info, opts).await
    }

    /// Waits (bounded by the greeting timeout) for `OnConnected` on an upgraded socket, then
    /// starts the RPC tasks. Split from `connect` so the doctor can time each step.
    pub async fn greet(
        mut socket: EngineSocket,
        connect_info: ConnectInfo,
        opts: &ConnectOptions,
    ) -> Result<Session, EngineError> {
        let trace = connect_info.trace.clone();
        let greeting = match tokio::time::timeout(
            opts.timeouts.greeting,
            read_greeting(&mut socket, trace.as_deref()),
        )
        .await
        {
            Ok(Ok(g)) => g,
            Ok(Err(e)) => {
                if let Some(t) = &trace {
                    t.close(None, e.to_string(), Closer::Client);
                }
                let _ =
                    tokio::time::timeout(std::time::Duration::from_millis(200), socket.close(None))
                        .await;
                return Err(e);
            }
            Err(_) => {
                if let Some(t) = &trace {
                    t.close(None, "no greeting in time".into(), Closer::Client);
                }
                // Bounded: do not wait on a polite close from a peer that is already silent.
                let _ =
                    tokio::time::timeout(std::time::Duration::from_millis(200), socket.close(None))
                        .await;
                return Err(EngineError::Timeout {
                    step: "the engine greeting (OnConnected)",
                    after: opts.timeouts.greeting,
                });
            }
        };
        tracing::info!(url = %super::url::redact(&opts.url), state = %greeting.session_state, "engine session open");
        let rpc = RpcClient::start(socket, opts.timeouts.request, trace);
        if let Some(every) = opts.timeouts.keep_alive.filter(|d| !d.is_zero()) {
            rpc.keep_alive(every);
        }
        Ok(Session {
            rpc,
            greeting,
            connect_info,
        })
    }

    pub fn global(&self) -> Global {
        Global::new(self.rpc.clone())
    }

    pub fn rpc(&self) -> &Arc<RpcClient> {
        &self.rpc
    }

    pub fn close(&self) {
        self.rpc.close();
    }
}

async fn read_greeting(
    socket: &mut EngineSocket,
    trace: Option<&ConnTrace>,
) -> Result<Greeting, EngineError> {
    let mut greeting = Greeting::default();
    loop {
        let text = match socket.next().await {
            None => {
                return Err(EngineError::ClosedBeforeGreeting {
                    close: String::new(),
                });
            }
            Some(Err(e)) => {
                return Err(EngineError::Closed {
                    reason: format!("the socket broke before the engine greeting: {e}"),
                });
            }
            Some(Ok(Message::Text(t))) => t.to_string(),
            Some(Ok(Message::Binary(b))) => String::from_utf8_lossy(&b).into_owned(),
            Some(Ok(Message::Close(f))) => {
                return Err(EngineError::ClosedBeforeGreeting {
                    close: match f {
                        Some(f) => format!(
                            " (code {}{})",
                            u16::from(f.code),
                            if f.reason.is_empty() {
                                String::new()
                            } else {
                                format!(
                                    ": {}",
                                    crate::text::escape_for_terminal(&crate::text::cut_chars(
                                        &f.reason, 120
                                    ))
                                )
                            }
                        ),
                        None => String::new(),
                    },
                });
            }
            Some(Ok(_)) => continue,
        };
        let n = match Incoming::parse(&text) {
            Ok(Incoming::Notification(n)) => {
                if let Some(t) = trace {
                    t.emit(&Event::Push {
                        method: Some(&n.method),
                        change: &[],
                        close: &[],
                        body: Some(&text),
                    });
                }
                n
            }
            Ok(Incoming::Response(_)) => {
                return Err(EngineError::Protocol(
                    "a reply arrived before the OnConnected greeting".into(),
                ));
            }
            Err(problem) => {
                return Err(EngineError::Unreadable {
                    method: "the greeting (OnConnected)".into(),
                    problem,
                    size: text.len(),
                    excerpt: super::rpc::excerpt(&text),
                });
            }
        };
        match n.method.as_str() {
            "OnConnected" => {
                let state = n
                    .params
                    .get("qSessionState")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                return match state.as_str() {
                    "SESSION_CREATED" | "SESSION_ATTACHED" => {
                        greeting.session_state = state;
                        Ok(greeting)
                    }
                    "" => Err(EngineError::Protocol(
                        "OnConnected without a qSessionState".into(),
                    )),
                    _ => Err(EngineError::SessionRefused { state }),
                };
            }
            "OnAuthenticationInformation" => {
                let p = &n.params;
                let info = AuthInfo {
                    user_id: p
                        .get("userId")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                    user_directory: p
                        .get("userDirectory")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                    login_uri: p
                        .get("loginUri")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    must_authenticate: p
                        .get("mustAuthenticate")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                };
                if info.must_authenticate {
                    return Err(EngineError::MustAuthenticate {
                        login_uri: info.login_uri,
                    });
                }
                greeting.auth_info = Some(info);
            }
            _ if is_fatal_notification(&n) => {
                return Err(EngineError::ProxyNotification {
                    method: n.method.clone(),
                    severity: "fatal".into(),
                    message: n
                        .params
                        .get("message")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                });
            }
            _ => greeting.notices.push(n),
        }
    }
}
