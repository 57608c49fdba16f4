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

/// `BIN export --all --format FORMAT -o /dev/null` against `sim` with the client certificates
/// in `certs` (also its config and state folder, so nothing of the user's is read), logging off.
#[allow(dead_code)] // the diff and search benches walk differently
pub fn export_command(
    bin: &str,
    sim: &SimServer,
    certs: &std::path::Path,
    format: &str,
    concurrency: u64,
) -> std::process::Command {
    let mut cmd = std::process::Command::new(bin);
    cmd.args(["export", "--engine-url", &sim.engine_url(), "--cert-dir"])
        .arg(certs)
        .args(["--user-directory", "INTERNAL", "--user-id", "sa_engine"])
        .args(["--all", "--format", format, "-o", "/dev/null"])
        .args(["--concurrency", &concurrency.to_string()])
        .env("QLIK_TUI_STATE_DIR", certs)
        .env("QLIK_TUI_CONFIG_DIR", certs)
        .env_remove("QLIK_TUI_LOG");
    cmd
}

/// The site's object count, from the summary line of an unmeasured warm-up export (which also
/// fills the simulator's reply cache, so the measured runs see it warm).
#[allow(dead_code)] // the diff and search benches walk differently
pub fn objects_exported(
    sim: &SimServer,
    certs: &std::path::Path,
    limit: Duration,
) -> anyhow::Result<u64> {
    let mut cmd = export_command(env!("CARGO_BIN_EXE_qlik-tui"), sim, certs, "csv", 3);
    let usage = rusage::run_measured(&mut cmd, limit);
    // "exported 20 apps, 2000 sheets, 40000 objects to …"
    let objects = usage.stderr.lines().find_map(|l| {
        let l = l.strip_prefix("exported ")?;
        l.split(", ")
            .find_map(|part| part.strip_suffix(" objects to /dev/null")?.parse().ok())
    });
    match objects {
        Some(n) if usage.success => Ok(n),
        _ => anyhow::bail!("the warm-up export failed: {}", usage.stderr),
    }
}
