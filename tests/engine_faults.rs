//! Hostile and broken engines, through the real client and the doctor over real TLS and real
//! WebSockets on 127.0.0.1: a frame that is not JSON, a frame cut short, a reply to an id never
//! sent, a reply with neither result nor error, a message over the client's cap, a peer that
//! trickles one byte per second, a socket closed mid-frame, TCP accepted without TLS, TLS done
//! without an upgrade answer, a 302 to a login page and a 503 on the upgrade.
//!
//! Every test asserts the exact outcome and a generous bound on the time it took: a protocol
//! fault must end the waiting requests at once, not after the request timeout, which is set long
//! here so that only the fault can end them in time.

mod common;

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use common::doctor::{assert_fails, diagnose};
use qlik_tui::engine::conn::ConnectionSpec;
use qlik_tui::engine::error::EngineError;
use qlik_tui::engine::session::Session;
use qlik_tui::engine::transport::DEFAULT_MAX_MESSAGE_BYTES as MAX_MESSAGE_BYTES;
use qlik_tui::engine::wire::GLOBAL_HANDLE;
use qlik_tui::explore::doctor::{Cause, StepName};
use qlik_tui::sim::behaviour::ReplyFault;
use qlik_tui::sim::{Behaviour, SimServer};

/// What "at once" means on loopback, generously: far below the 60 s request timeout.
const FAST: Duration = Duration::from_secs(5);
/// A request timeout no fault test may wait out.
const LONG: Duration = Duration::from_secs(60);
/// The method whose reply the simulator breaks; the doctor's engine step calls it too.
const FAULTY: &str = "GetDocList";
/// A method the simulator never answers, to hold requests in flight while the fault comes.
const HELD: &str = "OSName";

async fn start(behaviour: Behaviour) -> SimServer {
    common::auth::start_with(Default::default(), behaviour).await
}

/// The fault on FAULTY, and HELD requests never answered.
async fn faulty(fault: ReplyFault) -> SimServer {
    let mut b = Behaviour::fault_on(FAULTY, fault);
    b.silent_methods.push(HELD.into());
    start(b).await
}

fn spec(sim: &SimServer, request: Duration) -> ConnectionSpec {
    common::sim_spec(sim).with_timeouts(Duration::from_secs(3), request)
}

async fn connect(spec: &ConnectionSpec) -> Result<Session, EngineError> {
    let opts = spec.connect_options(None).await.expect("connect options");
    tokio::time::timeout(Duration::from_secs(30), Session::connect(&opts))
        .await
        .expect("connecting must never hang")
}

async fn connect_fails(spec: &ConnectionSpec) -> EngineError {
    match connect(spec).await {
        Ok(_) => panic!("the connection must fail"),
        Err(e) => e,
    }
}

type Pending = Vec<tokio::task::JoinHandle<Result<Value, EngineError>>>;

/// Sends `n` HELD requests and waits until all are in flight.
async fn hold(session: &Session, n: usize) -> Pending {
    let held: Pending = (0..n)
        .map(|_| {
            let rpc = session.rpc().clone();
            tokio::spawn(async move { rpc.call(GLOBAL_HANDLE, HELD, json!([])).await })
        })
        .collect();
    tokio::time::timeout(FAST, async {
        while session.rpc().in_flight() < n {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the held requests go out");
    held
}

/// Connects, holds three requests, sends FAULTY: returns its error, the held requests'
/// errors, and the time from sending FAULTY to the last error.
async fn provoke(fault: ReplyFault) -> (EngineError, Vec<EngineError>, Duration, Session) {
    let sim = faulty(fault).await;
    let session = connect(&spec(&sim, LONG)).await.expect("a session");
    let held = hold(&session, 3).await;
    let t = Instant::now();
    let err = tokio::time::timeout(LONG, session.global().get_doc_list())
        .await
        .expect("the faulty request ends")
        .expect_err("a broken reply is an error");
    let mut others = Vec::new();
    for h in held {
        let r = tokio::time::timeout(LONG, h)
            .await
            .expect("held request ends");
        others.push(
            r.expect("task")
                .expect_err("held requests fail with the socket"),
        );
    }
    let took = t.elapsed();
    drop(sim);
    (err, others, took, session)
}

/// A protocol fault: FAULTY and every held request fail at once with `Unreadable`, naming their
/// own method, the socket is closed, and a later call fails at once the same way.
async fn assert_unreadable(fault: ReplyFault, problem: &str) -> EngineError {
    let (err, others, took, session) = provoke(fault).await;
    assert!(
        took < FAST,
        "took {took:?}: the fault must end the requests at once"
    );
    match &err {
        EngineError::Unreadable {
            method,
            problem: p,
            size,
            ..
        } => {
            assert_eq!(method, FAULTY);
            assert!(p.contains(problem), "{p}");
            assert!(*size > 0);
        }
        other => panic!("expected Unreadable, got {other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.contains("unreadable") && text.contains(FAULTY),
        "{text}"
    );
    assert!(text.contains("socket was closed"), "{text}");
    for o in &others {
        assert!(
            matches!(o, EngineError::Unreadable { method, .. } if method == HELD),
            "{o:?}"
        );
    }
    assert!(session.rpc().is_closed());
    assert_eq!(session.rpc().in_flight(), 0);
    let t = Instant::now();
    let later = session.global().engine_version().await.unwrap_err();
    assert!(
        matches!(&later, EngineError::Unreadable { method, .. } if method == "EngineVersion"),
        "{later:?}"
    );
    assert!(t.elapsed() < FAST);
    err
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_garbage_frame_fails_every_pending_request_at_once_and_quotes_it_escaped() {
    let err = assert_unreadable(ReplyFault::Garbage, "not JSON").await;
    let EngineError::Unreadable { excerpt, .. } = &err else {
        unreachable!()
    };
    // The HTML page's terminal title sequence is shown escaped, never raw, and cut short.
    assert!(
        excerpt.starts_with("<html><head><title>502 Bad Gateway"),
        "{excerpt}"
    );
    assert!(excerpt.contains("\\x1b]0;pwned\\x07"), "{excerpt}");
    assert!(excerpt.ends_with('…'), "{excerpt}");
    let text = err.to_string();
    assert!(!text.chars().any(|c| c.is_control()), "{text:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_frame_is_unreadable_at_once() {
    assert_unreadable(ReplyFault::Truncated, "not JSON").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_to_an_id_never_sent_is_unreadable_at_once() {
    assert_unreadable(ReplyFault::UnknownId, "never sent").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_with_neither_result_nor_error_is_unreadable_at_once() {
    let err = assert_unreadable(
        ReplyFault::NeitherResultNorError,
        "neither result nor error",
    )
    .await;
    assert!(err.to_string().contains("the reply to GetDocList"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_over_the_cap_is_refused_naming_the_cap() {
    let over = MAX_MESSAGE_BYTES as u64 + 1;
    let (err, others, took, session) = provoke(ReplyFault::Oversized(over)).await;
    assert!(took < FAST, "took {took:?}");
    match &err {
        EngineError::MessageTooLarge { method, size, cap } => {
            assert_eq!(method, FAULTY);
            assert_eq!(*size as u64, over);
            assert_eq!(*cap, MAX_MESSAGE_BYTES);
        }
        other => panic!("expected MessageTooLarge, got {other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.contains("WebSocket message cap") && text.contains(&MAX_MESSAGE_BYTES.to_string()),
        "{text}"
    );
    assert!(
        others
            .iter()
            .all(|o| matches!(o, EngineError::MessageTooLarge { method, .. } if method == HELD)),
        "{others:?}"
    );
    assert!(session.rpc().is_closed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_closed_mid_frame_fails_every_pending_request_at_once() {
    let (err, others, took, session) = provoke(ReplyFault::CloseMidFrame).await;
    assert!(took < FAST, "took {took:?}");
    assert!(matches!(err, EngineError::Closed { .. }), "{err:?}");
    assert!(
        others
            .iter()
            .all(|o| matches!(o, EngineError::Closed { .. })),
        "{others:?}"
    );
    assert!(session.rpc().is_closed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_trickling_one_byte_per_second_still_times_out() {
    let sim = faulty(ReplyFault::Trickle(Duration::from_secs(1))).await;
    let request = Duration::from_millis(1500);
    let session = connect(&spec(&sim, request)).await.expect("a session");
    let t = Instant::now();
    let err = session.global().get_doc_list().await.unwrap_err();
    let took = t.elapsed();
    assert!(
        matches!(&err, EngineError::RequestTimeout { method, after } if method == FAULTY && *after == request),
        "{err:?}"
    );
    assert!(took >= request && took < FAST, "took {took:?}");
    assert_eq!(
        session.rpc().in_flight(),
        0,
        "the timed-out request is forgotten"
    );
}

/// A stalled connection step: the client's connect timeout ends it (naming the step), and the
/// doctor reports `timeout` at the doctor's step of the same name.
async fn assert_stalls(behaviour: Behaviour, step: &str, doctor_step: StepName) {
    let sim = start(behaviour).await;
    let mut s = spec(&sim, LONG);
    s.timeouts.connect = Duration::from_millis(700);
    s.timeouts.greeting = s.timeouts.connect;
    let t = Instant::now();
    let err = connect_fails(&s).await;
    assert!(
        matches!(&err, EngineError::Timeout { step: st, .. } if *st == step),
        "{err:?}"
    );
    assert!(t.elapsed() < FAST);
    let t = Instant::now();
    assert_fails(&diagnose(&s).await, doctor_step, Cause::Timeout);
    assert!(t.elapsed() < FAST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_accepted_without_a_tls_handshake_times_out_at_tls() {
    assert_stalls(Behaviour::stall_tls(), "TLS handshake", StepName::Tls).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_without_an_upgrade_answer_times_out_at_the_websocket_step() {
    assert_stalls(
        Behaviour::stall_upgrade(),
        "WebSocket upgrade",
        StepName::Websocket,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_to_a_login_page_names_the_prefix_and_auth_to_check() {
    let sim = start(Behaviour::reject_upgrade(302)).await;
    let s = spec(&sim, LONG);
    let err = connect_fails(&s).await;
    match &err {
        EngineError::UpgradeRejected {
            status: 302,
            location: Some(l),
            ..
        } => assert!(l.contains("/internal_forms_authentication/"), "{l}"),
        other => panic!("expected a 302 with a location, got {other:?}"),
    }
    let t = Instant::now();
    let r = diagnose(&s).await;
    assert!(t.elapsed() < FAST);
    assert_fails(&r, StepName::Websocket, Cause::UpgradeRejected);
    let hint = r.failed_step().unwrap().hint.clone().unwrap();
    assert!(hint.contains("default virtual proxy (no prefix"), "{hint}");
    assert!(hint.contains("cert authentication"), "{hint}");
    assert!(hint.contains("internal_forms_authentication"), "{hint}");

    // Through a prefix, the hint names it.
    let mut prefixed = s.clone();
    prefixed.engine_url = format!("{}/sales", sim.engine_url());
    let r = diagnose(&prefixed).await;
    let hint = r.failed_step().unwrap().hint.clone().unwrap();
    assert!(hint.contains("prefix 'sales'"), "{hint}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_unavailable_on_the_upgrade_says_the_service_is_down() {
    let sim = start(Behaviour::reject_upgrade(503)).await;
    let s = spec(&sim, LONG);
    let err = connect_fails(&s).await;
    assert!(
        matches!(err, EngineError::UpgradeRejected { status: 503, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("unavailable"), "{err}");
    let t = Instant::now();
    let r = diagnose(&s).await;
    assert!(t.elapsed() < FAST);
    assert_fails(&r, StepName::Websocket, Cause::ServiceUnavailable);
    assert_eq!(r.to_json()["cause"], "service_unavailable");
}

/// The doctor calls FAULTY in its engine step: every protocol fault there is `protocol_error`
/// at `engine`, well before the request timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_doctor_reports_protocol_error_at_the_engine_step_for_each_fault() {
    for fault in [
        ReplyFault::Garbage,
        ReplyFault::Truncated,
        ReplyFault::UnknownId,
        ReplyFault::NeitherResultNorError,
        ReplyFault::Oversized(MAX_MESSAGE_BYTES as u64 + 1),
        ReplyFault::CloseMidFrame,
    ] {
        let sim = faulty(fault.clone()).await;
        let t = Instant::now();
        let r = diagnose(&spec(&sim, LONG)).await;
        assert!(t.elapsed() < FAST, "{fault:?} took {:?}", t.elapsed());
        assert_fails(&r, StepName::Engine, Cause::ProtocolError);
        let detail = &r.failed_step().unwrap().detail;
        assert!(
            detail.contains(FAULTY) || detail.contains("closed"),
            "{fault:?}: {detail}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_doctor_reports_a_trickling_engine_as_timeout_at_the_engine_step() {
    let sim = faulty(ReplyFault::Trickle(Duration::from_secs(1))).await;
    let t = Instant::now();
    let r = diagnose(&spec(&sim, Duration::from_millis(1500))).await;
    assert!(t.elapsed() < FAST, "took {:?}", t.elapsed());
    assert_fails(&r, StepName::Engine, Cause::Timeout);
}

/// The command a user runs, not only the library: `qlik-tui apps` against an engine that sends
/// garbage ends at once (the request timeout is its default 30 s), says the engine sent
/// something unreadable, and prints no raw control character of what it quotes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_apps_command_ends_at_once_on_a_garbage_frame() {
    let cli = common::SimCli::start_with(qlik_tui::sim::SimConfig {
        behaviour: Behaviour::fault_on(FAULTY, ReplyFault::Garbage),
        ..Default::default()
    })
    .await;
    let t = Instant::now();
    let out = cli.run(&["apps"]).await;
    let took = t.elapsed();
    let err = String::from_utf8_lossy(&out.stderr);
    eprintln!("qlik-tui apps on a garbage frame took {took:?}");
    assert!(took < FAST, "took {took:?}: not the request timeout");
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("unreadable") && err.contains(FAULTY), "{err}");
    assert!(err.contains("\\x1b]0;pwned"), "quoted escaped: {err}");
    assert!(
        !out.stderr.contains(&0x1b) && !out.stderr.contains(&0x07),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

/// What an engine's socket may carry, as a property over real WebSockets on loopback (plain
/// ws:// under the RPC client, which is what it reads after TLS): any bytes, as a binary frame or
/// (when they are UTF-8) a text frame, arrive while a request waits; a valid reply follows. The
/// request ends at once either way: answered (the frame was harmless, or itself its reply), or
/// failed as `Unreadable`, naming the method and the frame's size and quoting its start escaped.
mod any_frame {
    use std::sync::OnceLock;
    use std::time::Duration;

    use futures_util::{SinkExt, StreamExt};
    use proptest::prelude::*;
    use serde_json::{Value, json};
    use tokio_tungstenite::MaybeTlsStream;
    use tokio_tungstenite::tungstenite::Message;

    use qlik_tui::engine::error::EngineError;
    use qlik_tui::engine::rpc::{RpcClient, excerpt};
    use qlik_tui::engine::wire::GLOBAL_HANDLE;

    const REPLY: &str = r#"{"jsonrpc":"2.0","id":1,"result":{"qVersion":"after"}}"#;

    fn runtime() -> &'static tokio::runtime::Runtime {
        static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
        RT.get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap()
        })
    }

    /// Sends `frame` then REPLY while EngineVersion (id 1) waits: its outcome.
    async fn outcome(frame: Message) -> Result<Value, EngineError> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
            let _request = ws.next().await;
            let _ = ws.send(frame).await;
            let _ = ws.send(Message::text(REPLY)).await;
            while let Some(Ok(_)) = ws.next().await {}
        });
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (ws, _) =
            tokio_tungstenite::client_async(format!("ws://{addr}/"), MaybeTlsStream::Plain(tcp))
                .await
                .unwrap();
        // A request timeout no case may wait out: only the frame or the reply can end it.
        let rpc = RpcClient::start(ws, Duration::from_secs(60), None);
        let r = tokio::time::timeout(
            super::FAST,
            rpc.call(GLOBAL_HANDLE, "EngineVersion", json!([])),
        )
        .await
        .expect("the request ends at once, not at its timeout");
        rpc.close();
        server.abort();
        r
    }

    /// The frame is itself a reply to id 1 (then its result or error is the outcome).
    fn answers_id_1(bytes: &[u8]) -> bool {
        serde_json::from_slice::<Value>(bytes).is_ok_and(|v| v["id"] == 1)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn any_bytes_are_answered_or_unreadable_at_once(
            bytes in prop_oneof![
                prop::collection::vec(any::<u8>(), 0..300),
                "\\PC{0,200}".prop_map(String::into_bytes),
                "[{}\\[\\]\":,0-9a-z ]{0,80}".prop_map(String::into_bytes),
            ],
            as_text in any::<bool>(),
        ) {
            let frame = match std::str::from_utf8(&bytes) {
                Ok(t) if as_text => Message::text(t.to_string()),
                _ => Message::binary(bytes.clone()),
            };
            match runtime().block_on(outcome(frame)) {
                Ok(v) => prop_assert!(
                    v == json!({"qVersion": "after"}) || answers_id_1(&bytes),
                    "{v}"
                ),
                Err(EngineError::Unreadable { method, size, excerpt: shown, .. }) => {
                    prop_assert_eq!(method, "EngineVersion");
                    prop_assert_eq!(size, bytes.len());
                    prop_assert_eq!(shown, excerpt(&String::from_utf8_lossy(&bytes)));
                }
                Err(e @ EngineError::Rpc { .. }) => prop_assert!(answers_id_1(&bytes), "{e}"),
                Err(e) => prop_assert!(false, "unexpected outcome: {e:?}"),
            }
        }
    }
}

/// The cap is a setting: `--max-message-mb 1` refuses a 1 MiB + 1 byte reply at once, naming
/// the cap in bytes; under the default cap (64 MiB) the same reply is let through to be read,
/// so only the request timeout ends the wait for its missing rest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_message_cap_follows_max_message_mb() {
    let mib = 1usize << 20;
    let cli = common::SimCli::start_with(qlik_tui::sim::SimConfig {
        behaviour: Behaviour::fault_on(FAULTY, ReplyFault::Oversized(mib as u64 + 1)),
        ..Default::default()
    })
    .await;
    let t = Instant::now();
    let out = cli.run(&["apps", "--max-message-mb", "1"]).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(t.elapsed() < FAST, "took {:?}", t.elapsed());
    assert!(!out.status.success());
    assert!(
        err.contains("WebSocket message cap")
            && err.contains(&format!("of {mib} bytes"))
            && err.contains("raise it with --max-message-mb or max_message_mb in the profile"),
        "{err}"
    );
    let out = cli.run(&["apps", "--request-timeout", "1"]).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        !err.contains("message cap"),
        "the default cap is larger: {err}"
    );
    assert!(
        err.contains("timed out") || err.contains("timeout"),
        "{err}"
    );
}
