//! Search benchmark (issue 13): `qlik-tui search --all PATTERN --json` against a simulator
//! serving a generated site, next to `qlik-tui export --all --format json -o /dev/null` against
//! the same simulator (the search walks with the export's walker, plus every master item's and
//! bookmark's properties and the script). Prints each run's time, the requests it sent (the
//! simulator's counter), its peak RSS (`/usr/bin/time -v`) and the hits found.
//!
//! Run: `cargo bench --bench search_walk` (env SCALE=50 LATENCY_MS=5 CONCURRENCY=3
//! PATTERN="Object 1" to change the site, the per-reply latency, the pool and the pattern).
#![allow(clippy::disallowed_macros)] // a test or bench prints its own report

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use qlik_tui::sim::SimServer;

mod common;
use common::{env_num, peak_rss_kib};

fn peak_rss_mib(time_v: &str) -> String {
    peak_rss_kib(time_v)
        .map(|k| format!("{:.1} MiB", k as f64 / 1024.0))
        .unwrap_or_else(|| "unknown".into())
}

struct Run {
    secs: f64,
    requests: u64,
    rss: String,
    stdout: String,
    summary: String,
}

fn run(
    sim: &SimServer,
    certs: &std::path::Path,
    args: &[&str],
    summary: &str,
) -> anyhow::Result<Run> {
    let before = sim.requests_served();
    let started = Instant::now();
    let out = std::process::Command::new("/usr/bin/time")
        .arg("-v")
        .arg(env!("CARGO_BIN_EXE_qlik-tui"))
        .args(args)
        .args(["--engine-url", &sim.engine_url(), "--cert-dir"])
        .arg(certs)
        .args(["--user-directory", "INTERNAL", "--user-id", "sa_engine"])
        .env("QLIK_TUI_STATE_DIR", certs)
        .env("QLIK_TUI_CONFIG_DIR", certs)
        .output()
        .context("running qlik-tui under /usr/bin/time")?;
    let secs = started.elapsed().as_secs_f64();
    let requests = sim.requests_served() - before;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        bail!("qlik-tui {} failed: {stderr}", args[0]);
    }
    Ok(Run {
        secs,
        requests,
        rss: peak_rss_mib(&stderr),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        summary: stderr
            .lines()
            .find(|l| l.starts_with(summary))
            .unwrap_or("")
            .to_string(),
    })
}

fn main() -> anyhow::Result<()> {
    let scale = env_num("SCALE", 50) as u32;
    let latency = Duration::from_millis(env_num("LATENCY_MS", 5));
    let concurrency = env_num("CONCURRENCY", 3).to_string();
    let pattern = std::env::var("PATTERN").unwrap_or_else(|_| "Object 1".into());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let (sim, dir) = common::site_with_certs(scale, latency).await?;
        let certs = dir.path();
        // The blocking runs leave the runtime's workers free to serve the simulator.
        let export = tokio::task::block_in_place(|| {
            run(
                &sim,
                certs,
                &["export", "--all", "--format", "json", "-o", "/dev/null", "--concurrency", &concurrency],
                "exported ",
            )
        })?;
        let search = tokio::task::block_in_place(|| {
            run(
                &sim,
                certs,
                &["search", &pattern, "--all", "--json", "--concurrency", &concurrency],
                "searched ",
            )
        })?;
        let hits: serde_json::Value =
            serde_json::from_str(&search.stdout).context("search --json prints one document")?;
        println!("search benchmark: simulator scale {scale}, latency {latency:?} per reply, pool {concurrency}");
        println!(
            "qlik-tui export --all --format json -o /dev/null: {:.2} s, {} requests, peak RSS {} ({})",
            export.secs, export.requests, export.rss, export.summary
        );
        println!(
            "qlik-tui search {pattern:?} --all --json: {:.2} s, {} requests, peak RSS {} ({}; {} hits in the document)",
            search.secs,
            search.requests,
            search.rss,
            search.summary,
            hits["hits"].as_array().map_or(0, Vec::len)
        );
        println!(
            "ratio: search / export = {:.2}x time, {:.2}x requests",
            search.secs / export.secs,
            search.requests as f64 / export.requests.max(1) as f64
        );
        Ok(())
    })
}
