//! What the walk benchmarks share: their knobs from the environment, a simulator serving a
//! generated site with its client certificates in a folder, and a child's wall time, CPU and peak
//! RSS (`rusage`, or `/usr/bin/time -v`'s report).

use std::time::Duration;

#[allow(dead_code)] // not every bench measures a child this way
#[path = "../../tests/common/rusage.rs"]
pub mod rusage;

use qlik_tui::sim::{SimConfig, SimServer};

/// A numeric knob from the environment (SCALE, LATENCY_MS, CONCURRENCY), or its default.
pub fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The peak RSS in KiB that `/usr/bin/time -v` printed (benches not yet on `rusage`).
#[allow(dead_code)]
pub fn peak_rss_kib(time_v: &str) -> Option<u64> {
    time_v
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|v| v.trim().parse().ok())
}

/// A simulator serving a site of `scale`, each reply after `latency`, and a temp folder holding
/// the client certificates as the QMC exports them (`--cert-dir`).
pub async fn site_with_certs(
    scale: u32,
    latency: Duration,
) -> anyhow::Result<(SimServer, tempfile::TempDir)> {
    let sim = SimServer::start(SimConfig {
        latency,
        scale: Some(scale),
        ..SimConfig::default()
    })
    .await?;
    let dir = tempfile::tempdir()?;
    let pki = sim.pki();
    std::fs::write(dir.path().join("client.pem"), &pki.client_cert_pem)?;
    std::fs::write(dir.path().join("client_key.pem"), &pki.client_key_pem)?;
    std::fs::write(dir.path().join("root.pem"), &pki.root_cert_pem)?;
    Ok((sim, dir))
}
