//! The simulator's fault knobs, each seen by the real client over TLS: refused upgrades, refused
//! sessions, the proxy's fatal notification, a silent server, a reply that never comes, a socket
//! dropped mid-request; and the repository's /qrs/about with and without a matching Xrfkey.

use std::time::Duration;

use qlik_tui::engine::transport::ConnectOptions;
use qlik_tui::engine::{EngineError, Session, http};
use qlik_tui::sim::{Behaviour, SimConfig, SimServer};

mod common;

async fn sim(behaviour: Behaviour) -> SimServer {
    SimServer::start(SimConfig {
        behaviour,
        ..Default::default()
    })
    .await
    .unwrap()
}

async fn opts(sim: &SimServer) -> ConnectOptions {
    let mut spec = common::sim_spec(sim);
    spec = spec.with_timeouts(Duration::from_secs(5), Duration::from_millis(800));
    spec.connect_options(None).await.unwrap()
}

async fn connect(behaviour: Behaviour) -> Result<Session, EngineError> {
    let s = sim(behaviour).await;
    Session::connect(&opts(&s).await).await
}

#[tokio::test]
async fn upgrades_are_refused_before_the_socket_opens() {
    for status in [401, 403] {
        match connect(Behaviour::reject_upgrade(status)).await {
            Err(EngineError::UpgradeRejected { status: s, .. }) => assert_eq!(s, status),
            other => panic!("expected HTTP {status}, got {:?}", other.err()),
        }
    }
    // Without X-Qlik-User: 403.
    let s = sim(Behaviour::default()).await;
    let mut o = opts(&s).await;
    o.headers.clear();
    match Session::connect(&o).await {
        Err(EngineError::UpgradeRejected { status: 403, .. }) => {}
        other => panic!("expected 403, got {:?}", other.err()),
    }
}

#[tokio::test]
async fn refused_sessions_and_the_proxy_limit_fail_the_greeting() {
    match connect(Behaviour::session_state("SESSION_ERROR_NO_LICENSE")).await {
        Err(EngineError::SessionRefused { state }) => assert_eq!(state, "SESSION_ERROR_NO_LICENSE"),
        other => panic!("expected a refused session, got {:?}", other.err()),
    }
    match connect(Behaviour::max_parallel_sessions()).await {
        Err(EngineError::ProxyNotification { method, .. }) => {
            assert_eq!(method, "OnMaxParallelSessionsExceeded")
        }
        other => panic!("expected the proxy notification, got {:?}", other.err()),
    }
}

#[tokio::test]
async fn a_silent_server_times_out_the_greeting() {
    let s = sim(Behaviour::silent()).await;
    let mut o = opts(&s).await;
    o.timeouts.greeting = Duration::from_millis(300);
    match Session::connect(&o).await {
        Err(EngineError::Timeout { .. }) => {}
        other => panic!("expected a greeting timeout, got {:?}", other.err()),
    }
}

#[tokio::test]
async fn unanswered_and_dropped_requests_fail_promptly() {
    let s = sim(Behaviour {
        silent_methods: vec!["EngineVersion".into()],
        drop_on_methods: vec!["GetDocList".into()],
        ..Default::default()
    })
    .await;
    let session = Session::connect(&opts(&s).await).await.unwrap();
    let g = session.global();
    assert!(matches!(
        g.engine_version().await,
        Err(EngineError::RequestTimeout { .. })
    ));
    // Other methods are still answered.
    assert!(g.product_version().await.is_ok());
    match g.get_doc_list().await {
        Err(EngineError::Closed { .. }) => {}
        other => panic!("expected the socket to be gone, got {other:?}"),
    }
    assert!(s.requests_served() >= 3);
}

#[tokio::test]
async fn qrs_about_checks_the_xrfkey() {
    let s = sim(Behaviour::default()).await;
    let base = opts(&s).await;
    let get = |key_in_query: &str, key_in_header: &str| {
        let mut o = base.clone();
        o.url = format!(
            "https://localhost:{}/qrs/about?xrfkey={key_in_query}",
            s.addr().port()
        );
        o = o.header("X-Qlik-Xrfkey", key_in_header.to_string());
        async move { http::request(&o, "GET", None).await.unwrap() }
    };
    let key = http::xrfkey();
    let ok = get(&key, &key).await;
    assert_eq!(ok.status, 200);
    assert!(ok.json().unwrap()["buildVersion"].is_string());
    assert_eq!(get(&key, &http::xrfkey()).await.status, 403);
}
