//! Fault knobs: how the simulator misbehaves on purpose, so the client's and the doctor's
//! handling of each failure can be tested for real. `Behaviour::default()` is a healthy engine.

use std::time::Duration;

/// The greeting a healthy engine sends first on every socket.
pub const SESSION_CREATED: &str = "SESSION_CREATED";

#[derive(Debug, Clone, Default)]
pub struct Behaviour {
    /// Answer every WebSocket upgrade with this HTTP status instead of upgrading: 401 or 403, a
    /// 302 to the proxy's form-login page, 500 "Authentication error" (the proxy's answer to a
    /// session it cannot authenticate any more), 503 (service down).
    pub reject_upgrade: Option<u16>,
    /// The `OnConnected` state to send instead of SESSION_CREATED. A state other than
    /// SESSION_CREATED / SESSION_ATTACHED is followed by a close, as the engine does.
    pub session_state: Option<String>,
    /// Send the proxy's fatal `OnMaxParallelSessionsExceeded` instead of a greeting, then close.
    pub max_parallel_sessions: bool,
    /// Complete TLS and the upgrade, then say nothing at all (no greeting, no replies).
    pub silent: bool,
    /// Requests for these methods are read and never answered (request-timeout tests).
    pub silent_methods: Vec<String>,
    /// When a request for one of these methods arrives, the socket is dropped without a close
    /// frame (a connection lost mid-request).
    pub drop_on_methods: Vec<String>,
    /// Each reply waits `latency + a random part of jitter`, so replies overtake each other.
    pub jitter: Duration,
    /// The reply to a request for the named method breaks the protocol in the given way.
    pub reply_faults: Vec<(String, ReplyFault)>,
    /// Accept TCP connections and never start the TLS handshake.
    pub stall_tls: bool,
    /// Complete TLS, then never answer the HTTP upgrade request.
    pub stall_upgrade: bool,
    /// Upgrade the socket, then close it without a greeting: what a proxy does with a socket
    /// whose session cookie names a session it no longer knows (expired or from another node).
    pub close_before_greeting: bool,
    /// Hold the upgrade answer this long: a proxy starting a session cold (15–21 s in the
    /// field; tests use a fraction of a second).
    pub upgrade_delay: Duration,
    /// Hold the greeting this long after the upgrade (a cold engine session).
    pub greeting_delay: Duration,
    /// Cut a socket on which nothing arrived for this long, without a close frame: a gateway
    /// or load balancer dropping idle connections (4 min is common in the field).
    pub idle_cut: Option<Duration>,
    /// Requests for these methods are refused with error 5 (GENERIC_ACCESS_DENIED), as the
    /// engine refuses a user without the right: GetScript needs the reload right, and
    /// GetScriptEx is refused to a user who does not own the app (engine-api.md §3).
    pub denied_methods: Vec<String>,
    /// Every socket for an app attaches (SESSION_ATTACHED) to a live session of the user where
    /// the app is already open without data (qNoData), as another client left it.
    pub attached_no_data: bool,
}

/// Ways a reply breaks the protocol (src/sim/faults.rs sends them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyFault {
    /// A text frame that is not JSON: an HTML error page with a terminal control sequence in it.
    Garbage,
    /// The reply's JSON cut off in the middle.
    Truncated,
    /// The reply, addressed to an id the client never sent.
    UnknownId,
    /// `{"jsonrpc":"2.0","id":N}`: a reply with neither result nor error.
    NeitherResultNorError,
    /// A frame header announcing a message of this many bytes, then a few of them: a peer about
    /// to send more than the client's message cap.
    Oversized(u64),
    /// The reply's frame, one byte per interval (a peer that trickles).
    Trickle(Duration),
    /// The reply's frame header and part of its payload, then the connection drops.
    CloseMidFrame,
}

impl Behaviour {
    /// A healthy engine.
    pub fn healthy() -> Self {
        Behaviour::default()
    }

    pub fn reject_upgrade(status: u16) -> Self {
        Behaviour {
            reject_upgrade: Some(status),
            ..Default::default()
        }
    }

    pub fn session_state(state: &str) -> Self {
        Behaviour {
            session_state: Some(state.to_string()),
            ..Default::default()
        }
    }

    pub fn max_parallel_sessions() -> Self {
        Behaviour {
            max_parallel_sessions: true,
            ..Default::default()
        }
    }

    pub fn silent() -> Self {
        Behaviour {
            silent: true,
            ..Default::default()
        }
    }

    pub fn never_answer(method: &str) -> Self {
        Behaviour {
            silent_methods: vec![method.to_string()],
            ..Default::default()
        }
    }

    pub fn drop_on(method: &str) -> Self {
        Behaviour {
            drop_on_methods: vec![method.to_string()],
            ..Default::default()
        }
    }

    /// The reply to `method` breaks the protocol as `fault` says.
    pub fn fault_on(method: &str, fault: ReplyFault) -> Self {
        Behaviour {
            reply_faults: vec![(method.to_string(), fault)],
            ..Default::default()
        }
    }

    pub fn stall_tls() -> Self {
        Behaviour {
            stall_tls: true,
            ..Default::default()
        }
    }

    pub fn stall_upgrade() -> Self {
        Behaviour {
            stall_upgrade: true,
            ..Default::default()
        }
    }

    pub fn close_before_greeting() -> Self {
        Behaviour {
            close_before_greeting: true,
            ..Default::default()
        }
    }

    /// A cold proxy: the upgrade answer waits `upgrade`, then the greeting waits `greeting`.
    pub fn cold_start(upgrade: Duration, greeting: Duration) -> Self {
        Behaviour {
            upgrade_delay: upgrade,
            greeting_delay: greeting,
            ..Default::default()
        }
    }

    /// A gateway that cuts sockets idle for `after`.
    pub fn idle_cut(after: Duration) -> Self {
        Behaviour {
            idle_cut: Some(after),
            ..Default::default()
        }
    }

    /// A user who may read the app but not reload it: GetScript is refused.
    pub fn without_reload_right() -> Self {
        Behaviour {
            denied_methods: vec!["GetScript".into()],
            ..Default::default()
        }
    }

    /// A user who neither owns the app nor may reload it: GetScriptEx and GetScript are refused.
    pub fn without_script_rights() -> Self {
        Behaviour {
            denied_methods: vec!["GetScriptEx".into(), "GetScript".into()],
            ..Default::default()
        }
    }

    /// Every app socket attaches to a session with the app open without data.
    pub fn attached_no_data() -> Self {
        Behaviour {
            attached_no_data: true,
            ..Default::default()
        }
    }

    pub fn denies(&self, method: &str) -> bool {
        self.denied_methods.iter().any(|m| m == method)
    }

    /// The fault, if any, for a request for `method`.
    pub fn reply_fault(&self, method: &str) -> Option<&ReplyFault> {
        self.reply_faults
            .iter()
            .find(|(m, _)| m == method)
            .map(|(_, f)| f)
    }

    pub fn with_jitter(mut self, jitter: Duration) -> Self {
        self.jitter = jitter;
        self
    }

    /// The greeting state to send.
    pub fn greeting_state(&self) -> &str {
        self.session_state.as_deref().unwrap_or(SESSION_CREATED)
    }

    pub fn is_silent_method(&self, method: &str) -> bool {
        self.silent_methods.iter().any(|m| m == method)
    }

    pub fn drops_on(&self, method: &str) -> bool {
        self.drop_on_methods.iter().any(|m| m == method)
    }
}

/// True for the states after which a session is usable.
pub fn is_success_state(state: &str) -> bool {
    state == "SESSION_CREATED" || state == "SESSION_ATTACHED"
}
