//! Shared test helpers: a `ConnectionSpec` for a running simulator.
#![allow(dead_code)]

pub mod auth;
pub mod doctor;

use qlik_tui::profile::ConnectionSpec;
use qlik_tui::sim::SimServer;

/// Certificate auth as INTERNAL\sa_engine against `sim`, over real TLS with host-name checks.
pub fn sim_spec(sim: &SimServer) -> ConnectionSpec {
    ConnectionSpec::certificate(sim.engine_url(), sim.client_tls(), "INTERNAL", "sa_engine")
}

/// The demo site's data, as tests should read it (never hard-code ids or titles).
pub fn demo_site() -> serde_json::Value {
    serde_json::from_str(qlik_tui::sim::data::DEMO_SITE_JSON).expect("assets/demo-site.json parses")
}

/// The demo app with the most objects (the one loader tests open).
pub fn richest_demo_app() -> serde_json::Value {
    demo_site()["apps"]
        .as_array()
        .expect("apps")
        .iter()
        .max_by_key(|a| a["objects"].as_array().map_or(0, Vec::len))
        .cloned()
        .expect("the demo site has apps")
}
