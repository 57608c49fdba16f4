//! Export benchmark (issue 5): `qlik-tui export --all --format json -o /dev/null` against a
//! simulator serving a generated site, then, in the same run and against the same simulator,
//! the enigma.js walk of `tests/enigma/walk.js` (apps one after another, requests of an app in
//! parallel with Promise.all, GetObject + GetLayout per object). Prints both times, the ratio,
//! the requests each sent (the simulator's counter) and qlik-tui's peak RSS (`/usr/bin/time -v`).
//!
//! Run: `cargo bench --bench export_walk` (env SCALE=50 LATENCY_MS=5 CONCURRENCY=3 to change
//! the site, the per-reply latency and the export's pool). Needs `npm ci` in tests/enigma.
#![allow(clippy::disallowed_macros)] // a test or bench prints its own report

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

mod common;
use common::{env_num, peak_rss_kib};

fn main() -> anyhow::Result<()> {
    // `cargo bench` passes --bench; nothing else to parse.
    let scale = env_num("SCALE", 50) as u32;
    let latency = Duration::from_millis(env_num("LATENCY_MS", 5));
    let concurrency = env_num("CONCURRENCY", 3);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let (sim, dir) = common::site_with_certs(scale, latency).await?;

        let before = sim.requests_served();
        let started = Instant::now();
        let ours = std::process::Command::new("/usr/bin/time")
            .arg("-v")
            .arg(env!("CARGO_BIN_EXE_qlik-tui"))
            .args(["export", "--engine-url", &sim.engine_url(), "--cert-dir"])
            .arg(dir.path())
            .args(["--user-directory", "INTERNAL", "--user-id", "sa_engine"])
            .args(["--all", "--format", "json", "-o", "/dev/null"])
            .args(["--concurrency", &concurrency.to_string()])
            .env("QLIK_TUI_STATE_DIR", dir.path())
            .env("QLIK_TUI_CONFIG_DIR", dir.path())
            .output()
            .context("running qlik-tui under /usr/bin/time")?;
        let ours_time = started.elapsed();
        let ours_requests = sim.requests_served() - before;
        let stderr = String::from_utf8_lossy(&ours.stderr);
        if !ours.status.success() {
            bail!("qlik-tui export failed: {stderr}");
        }
        let rss = peak_rss_kib(&stderr);
        let summary = stderr
            .lines()
            .find(|l| l.starts_with("exported "))
            .unwrap_or("")
            .to_string();

        let enigma_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/enigma");
        if !enigma_dir.join("node_modules/enigma.js").exists() {
            bail!("enigma.js is not installed: run `npm ci` in {}", enigma_dir.display());
        }
        let before = sim.requests_served();
        let started = Instant::now();
        let theirs = std::process::Command::new("node")
            .arg(enigma_dir.join("walk.js"))
            .arg(sim.engine_url())
            .arg(dir.path())
            .output()
            .context("running node tests/enigma/walk.js")?;
        let theirs_time = started.elapsed();
        let theirs_requests = sim.requests_served() - before;
        if !theirs.status.success() {
            bail!(
                "the enigma.js walk failed: {}",
                String::from_utf8_lossy(&theirs.stderr)
            );
        }
        let theirs_out = String::from_utf8_lossy(&theirs.stdout);

        println!("export benchmark: simulator scale {scale}, latency {latency:?} per reply");
        println!(
            "qlik-tui export --all --format json -o /dev/null --concurrency {concurrency}: {:.2} s, {ours_requests} requests, peak RSS {} ({summary})",
            ours_time.as_secs_f64(),
            rss.map(|k| format!("{:.1} MiB", k as f64 / 1024.0))
                .unwrap_or_else(|| "unknown".into()),
        );
        println!(
            "enigma.js 2.15.0 walk (apps in sequence, Promise.all inside): {:.2} s, {theirs_requests} requests ({})",
            theirs_time.as_secs_f64(),
            theirs_out.trim()
        );
        println!(
            "ratio: enigma.js / qlik-tui = {:.2}x time, {:.2}x requests",
            theirs_time.as_secs_f64() / ours_time.as_secs_f64(),
            theirs_requests as f64 / ours_requests.max(1) as f64
        );
        Ok(())
    })
}
