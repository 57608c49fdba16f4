//! Tracing's cost (issue 12): `qlik-tui export --all --format json -o /dev/null` against a
//! simulator serving a generated site, untraced and with `--trace FILE`, alternating, ROUNDS
//! times each against the same simulator. Prints each run, the medians, the overhead of tracing
//! (acceptance: under 10 %), and the trace's size and event count.
//!
//! Run: `cargo bench --bench trace_cost` (env SCALE=20 LATENCY_MS=0 CONCURRENCY=3 ROUNDS=5).
//! No latency by default: the simulator answers at once, so the export is as CPU-bound as it
//! gets and the tracing's share is the largest it can be.
#![allow(clippy::disallowed_macros)] // a test or bench prints its own report

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use qlik_tui::sim::SimServer;

mod common;
use common::{env_num, peak_rss_kib};

/// One export (under `/usr/bin/time -v`); with `trace`, recorded to that file. Returns its
/// wall time and peak RSS in KiB.
fn export(
    sim: &SimServer,
    certs: &Path,
    concurrency: u64,
    trace: Option<&Path>,
) -> anyhow::Result<(f64, Option<u64>)> {
    let mut cmd = std::process::Command::new("/usr/bin/time");
    cmd.arg("-v").arg(env!("CARGO_BIN_EXE_qlik-tui"));
    if let Some(file) = trace {
        cmd.arg("--trace").arg(file);
    }
    cmd.args(["export", "--engine-url", &sim.engine_url(), "--cert-dir"])
        .arg(certs)
        .args(["--user-directory", "INTERNAL", "--user-id", "sa_engine"])
        .args(["--all", "--format", "json", "-o", "/dev/null"])
        .args(["--concurrency", &concurrency.to_string()])
        .env("QLIK_TUI_STATE_DIR", certs)
        .env("QLIK_TUI_CONFIG_DIR", certs);
    let started = Instant::now();
    let out = cmd
        .output()
        .context("running qlik-tui export under /usr/bin/time")?;
    let secs = started.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!(
            "qlik-tui export failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok((secs, peak_rss_kib(&String::from_utf8_lossy(&out.stderr))))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() -> anyhow::Result<()> {
    let scale = env_num("SCALE", 20) as u32;
    let latency = Duration::from_millis(env_num("LATENCY_MS", 0));
    let concurrency = env_num("CONCURRENCY", 3);
    let rounds = env_num("ROUNDS", 5).max(1);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let (sim, dir) = common::site_with_certs(scale, latency).await?;
        let trace = dir.path().join("bench.trace.ndjson");
        // One untimed run each way: the binary and the simulator's caches warm.
        export(&sim, dir.path(), concurrency, None)?;
        export(&sim, dir.path(), concurrency, Some(&trace))?;
        let (mut plain, mut traced) = (Vec::new(), Vec::new());
        let mib = |k: Option<u64>| {
            k.map(|k| format!("{:.1} MiB", k as f64 / 1024.0))
                .unwrap_or_else(|| "unknown".into())
        };
        for round in 1..=rounds {
            let (p, p_rss) = export(&sim, dir.path(), concurrency, None)?;
            let (t, t_rss) = export(&sim, dir.path(), concurrency, Some(&trace))?;
            println!(
                "round {round}: untraced {p:.3} s (peak RSS {}), traced {t:.3} s (peak RSS {})",
                mib(p_rss),
                mib(t_rss)
            );
            plain.push(p);
            traced.push(t);
        }
        let text = std::fs::read_to_string(&trace).context("reading the trace")?;
        let (p, t) = (median(plain), median(traced));
        println!(
            "trace cost: simulator scale {scale}, latency {latency:?} per reply, --concurrency {concurrency}, {rounds} rounds"
        );
        println!(
            "export --all untraced median {p:.3} s, with --trace median {t:.3} s: tracing costs {:+.1} % (acceptance: under 10 %)",
            (t / p - 1.0) * 100.0
        );
        println!(
            "one traced export wrote {} events, {:.1} MiB",
            text.lines().count(),
            text.len() as f64 / (1 << 20) as f64
        );
        Ok(())
    })
}
