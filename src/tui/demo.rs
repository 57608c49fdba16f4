//! `qlik-tui --demo`: the built-in engine simulator on 127.0.0.1 with fresh certificates, and
//! the explorer connected to it over real TLS. Nothing is written to the keyring or the config
//! dir: the certificates live in memory and die with the process.

use anyhow::Context;

use super::{Profiles, ThemeName, TuiOptions};
use crate::engine::conn::ConnectionSpec;
use crate::explore::Site;
use crate::sim::{SimConfig, SimServer};

/// The profile name the demo shows.
pub const DEMO_PROFILE: &str = "demo";

pub async fn run(mouse: bool, theme: ThemeName) -> anyhow::Result<i32> {
    let sim = SimServer::start(SimConfig::default())
        .await
        .context("cannot start the built-in engine simulator")?;
    tracing::info!(url = %sim.engine_url(), "demo: simulator started");
    let spec = ConnectionSpec {
        name: Some(DEMO_PROFILE.into()),
        ..ConnectionSpec::certificate(sim.engine_url(), sim.client_tls(), "INTERNAL", "sa_engine")
    };
    let opts = TuiOptions {
        mouse,
        theme,
        profiles: Profiles {
            names: vec![DEMO_PROFILE.into()],
            active: Some(DEMO_PROFILE.into()),
            file: None,
            ..Default::default()
        },
        source: None,
    };
    let result = super::run(Some(Site::new(spec)), opts).await;
    sim.kill();
    result
}
