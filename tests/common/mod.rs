//! Shared test helpers: a `ConnectionSpec` for a running simulator.
#![allow(dead_code)]

use qlik_tui::engine::transport::Timeouts;
use qlik_tui::profile::{Auth, ConnectionSpec, Deployment};
use qlik_tui::sim::SimServer;

/// Certificate auth as INTERNAL\sa_engine against `sim`, over real TLS with host-name checks.
pub fn sim_spec(sim: &SimServer) -> ConnectionSpec {
    ConnectionSpec {
        name: None,
        deployment: Deployment::Qseow,
        engine_url: sim.engine_url(),
        display_url: None,
        auth: Auth::Certificate {
            user_directory: "INTERNAL".into(),
            user_id: "sa_engine".into(),
        },
        tls: sim.client_tls(),
        timeouts: Timeouts::default(),
        ttl: None,
        identity: None,
    }
}

/// The demo site's data, as tests should read it (never hard-code ids or titles).
pub fn demo_site() -> serde_json::Value {
    serde_json::from_str(qlik_tui::sim::data::DEMO_SITE_JSON).expect("assets/demo-site.json parses")
}
