//! `doctor --soak SECONDS`: hold one idle session (no keep-alive, nothing sent) and report
//! whether, when and how it was cut. Proxies do not pass WebSocket pings to the engine and
//! gateways cut idle sockets (60 s on many load balancers, 4 min on others), so a session that
//! works for a quick check can still die under a user who reads a sheet for five minutes.

use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;

use crate::engine::Session;
use crate::engine::transport::ConnectOptions;

/// How often the held session is looked at; the cut's time is known to within this.
const LOOK_EVERY: Duration = Duration::from_millis(100);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Soak {
    /// How long the session was meant to be held idle.
    pub asked_ms: u64,
    /// How long it was held (until the cut, or the whole time).
    pub held_ms: u64,
    pub cut: bool,
    /// How it ended: dropped without a close frame, or closed with a code.
    pub how: Option<String>,
    pub hint: Option<String>,
}

/// Opens a session with `opts` (keep-alive off), holds it idle for `hold`, then asks it one
/// question to prove it still answers.
pub async fn soak(opts: &ConnectOptions, hold: Duration) -> Soak {
    let mut opts = opts.clone();
    opts.timeouts.keep_alive = None;
    let asked_ms = hold.as_millis() as u64;
    let start = Instant::now();
    let session = match Session::connect(&opts).await {
        Ok(s) => s,
        Err(e) => {
            return cut(
                asked_ms,
                start,
                format!("the session could not be opened: {e}"),
            );
        }
    };
    let until = start + hold;
    while Instant::now() < until {
        if let Some(reason) = session.rpc().closed_reason() {
            return cut(asked_ms, start, how(&reason));
        }
        tokio::time::sleep(LOOK_EVERY.min(until - Instant::now())).await;
    }
    let answered = session.global().engine_version().await;
    session.close();
    match answered {
        Ok(_) => Soak {
            asked_ms,
            held_ms: start.elapsed().as_millis() as u64,
            cut: false,
            how: None,
            hint: None,
        },
        Err(e) => cut(asked_ms, start, how(&e.to_string())),
    }
}

fn cut(asked_ms: u64, start: Instant, how: String) -> Soak {
    let held = start.elapsed();
    Soak {
        asked_ms,
        held_ms: held.as_millis() as u64,
        cut: true,
        hint: Some(format!(
            "the idle session was cut after {:.1} s: {how}. Proxies do not pass WebSocket pings to the engine, and gateways and load balancers cut idle sockets (60 s on many load balancers, 4 min on others); the engine's own session timeout can end it too. qlik-tui keeps its sessions alive with one cheap request after --keep-alive SECONDS of idle (default 30): keep that below {:.0} s, or raise the idle timeout of the gateway",
            held.as_secs_f64(),
            held.as_secs_f64().floor().max(1.0)
        )),
        how: Some(how),
    }
}

/// Says how a socket ended, from the reason the client recorded.
fn how(reason: &str) -> String {
    let shown = crate::text::escape_for_terminal(reason).into_owned();
    if reason.contains("without closing handshake") || reason.contains("socket broke") {
        format!(
            "dropped without a close frame, as a gateway or load balancer cutting idle connections does ({shown})"
        )
    } else if reason.contains("closed the socket") {
        format!(
            "closed by the server with a close frame, as the engine or proxy ending an idle session does ({shown})"
        )
    } else {
        shown
    }
}
