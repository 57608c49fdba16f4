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
use std::time::Duration;

use anyhow::{Context, bail};
use qlik_tui::sim::SimServer;

mod common;
use common::env_num;

/// What one export cost the client: wall time, CPU (user + sys of the qlik-tui process alone,
/// which the simulator's share of a 2-core machine does not blur), peak RSS in KiB.
struct Cost {
    wall: f64,
    cpu: f64,
    peak_kib: u64,
}

/// One export; with `trace`, recorded to that file.
fn export(
    sim: &SimServer,
    certs: &Path,
    concurrency: u64,
    trace: Option<&Path>,
) -> anyhow::Result<Cost> {
    let bin = env!("CARGO_BIN_EXE_qlik-tui");
    let mut cmd = common::export_command(bin, sim, certs, "json", concurrency);
    if let Some(file) = trace {
        cmd.arg("--trace").arg(file); // a global flag: taken after the subcommand too
    }
    let u = common::rusage::run_measured(&mut cmd, Duration::from_secs(600));
    if !u.success {
        bail!("qlik-tui export failed: {}", u.stderr);
    }
    Ok(Cost {
        wall: u.wall.as_secs_f64(),
        cpu: u.cpu.as_secs_f64(),
        peak_kib: u.peak_kib,
    })
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
        let mib = |k: u64| format!("{:.1} MiB", k as f64 / 1024.0);
        for round in 1..=rounds {
            let p = export(&sim, dir.path(), concurrency, None)?;
            let t = export(&sim, dir.path(), concurrency, Some(&trace))?;
            println!(
                "round {round}: untraced {:.3} s wall, {:.3} s CPU (peak RSS {}); traced {:.3} s wall, {:.3} s CPU (peak RSS {})",
                p.wall,
                p.cpu,
                mib(p.peak_kib),
                t.wall,
                t.cpu,
                mib(t.peak_kib)
            );
            plain.push(p);
            traced.push(t);
        }
        let text = std::fs::read_to_string(&trace).context("reading the trace")?;
        let med = |v: &[Cost], f: fn(&Cost) -> f64| median(v.iter().map(f).collect());
        let (pw, tw) = (med(&plain, |c| c.wall), med(&traced, |c| c.wall));
        let (pc, tc) = (med(&plain, |c| c.cpu), med(&traced, |c| c.cpu));
        println!(
            "trace cost: simulator scale {scale}, latency {latency:?} per reply, --concurrency {concurrency}, {rounds} rounds"
        );
        println!(
            "export --all untraced median {pw:.3} s wall / {pc:.3} s client CPU; with --trace {tw:.3} s wall / {tc:.3} s client CPU: tracing costs {:+.1} % wall, {:+.1} % client CPU (acceptance: under 10 %)",
            (tw / pw - 1.0) * 100.0,
            (tc / pc - 1.0) * 100.0
        );
        println!(
            "one traced export wrote {} events, {:.1} MiB",
            text.lines().count(),
            text.len() as f64 / (1 << 20) as f64
        );
        Ok(())
    })
}
