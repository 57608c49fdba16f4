//! Simulator benchmark (issue 16): what the simulator itself costs per object while the real
//! client walks a generated site. The simulator runs in this process and the clients are
//! children, so this process's own CPU (`getrusage(RUSAGE_SELF)`, which leaves children out)
//! over one walk is the simulator's: TLS, WebSocket framing, parsing requests, building and
//! serialising replies.
//!
//! Per run, for `qlik-tui export --all --format json` and the enigma.js tree walk (4 apps at a
//! time, GetFullPropertyTree per sheet; skipped when tests/enigma has no node_modules): the
//! simulator's CPU in total, per object and per request, and the walk's wall time.
//!
//! Run: `cargo bench --bench sim_serve` (env SCALE=20, LATENCY_MS=0, RUNS=3, CONCURRENCY=3).
//! Profile: `perf record -g` on the bench binary built with
//! `CARGO_PROFILE_RELEASE_DEBUG=true CARGO_PROFILE_RELEASE_STRIP=false`.
#![allow(clippy::disallowed_macros)] // a bench prints its own report

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::bail;

mod common;
use common::rusage::run_measured;
use common::{env_num, export_command, objects_exported, site_with_certs};
use qlik_tui::sim::SimServer;

const RUN_LIMIT: Duration = Duration::from_secs(600);

/// User + system CPU this process has used so far (every thread: the simulator's workers).
fn own_cpu() -> Duration {
    // SAFETY: rusage is plain old data; zeroed is a valid value for getrusage to overwrite.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: RUSAGE_SELF with a valid pointer to a rusage.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(u.ru_utime) + tv(u.ru_stime)
}

fn export(sim: &SimServer, certs: &Path, concurrency: u64) -> Command {
    export_command(
        env!("CARGO_BIN_EXE_qlik-tui"),
        sim,
        certs,
        "json",
        concurrency,
    )
}

fn enigma_tree(sim: &SimServer, certs: &Path) -> Command {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/enigma");
    let mut cmd = Command::new("node");
    cmd.arg(dir.join("walk.js"))
        .arg(sim.engine_url())
        .arg(certs)
        .args(["--tree", "4"]);
    cmd
}

/// Runs one walk and prints the simulator's share of it.
fn measure(
    sim: &SimServer,
    who: &str,
    objects: u64,
    run: u64,
    cmd: &mut Command,
) -> anyhow::Result<()> {
    let requests_before = sim.requests_served();
    let cpu_before = own_cpu();
    let started = Instant::now();
    let usage = run_measured(cmd, RUN_LIMIT);
    let wall = started.elapsed();
    let cpu = own_cpu() - cpu_before;
    let requests = sim.requests_served() - requests_before;
    if !usage.success {
        bail!("{who} failed: {}{}", usage.stdout, usage.stderr);
    }
    let us = cpu.as_secs_f64() * 1e6;
    println!(
        "{run:>3}  {who:<34} {:>7.2} s {:>7.3} s {:>7.2} µs {:>7.1} µs {:>8}",
        wall.as_secs_f64(),
        cpu.as_secs_f64(),
        us / objects.max(1) as f64,
        us / requests.max(1) as f64,
        requests,
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let scale = env_num("SCALE", 20) as u32;
    let latency = Duration::from_millis(env_num("LATENCY_MS", 0));
    let runs = env_num("RUNS", 3);
    let concurrency = env_num("CONCURRENCY", 3);
    let with_enigma = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/enigma/node_modules/enigma.js")
        .exists();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let (sim, dir) = rt.block_on(site_with_certs(scale, latency))?;
    let certs = dir.path();
    // The first walk serialises each object's answers (`sim::replies`); later ones splice them.
    let cold_cpu = own_cpu();
    let objects = objects_exported(&sim, certs, RUN_LIMIT)?;
    let cold_cpu = own_cpu() - cold_cpu;
    println!(
        "simulator benchmark: scale {scale} ({objects} objects), latency {latency:?}, {runs} runs; \
         CPU is the simulator's (this process), not the client's"
    );
    println!(
        "run  {:<34} {:>9} {:>9} {:>10} {:>10} {:>8}",
        "walk", "wall", "sim CPU", "CPU/obj", "CPU/req", "requests"
    );
    println!(
        "  0  {:<34} {:>9} {:>7.3} s {:>7.2} µs",
        "cold: first export (csv, pool 3)",
        "",
        cold_cpu.as_secs_f64(),
        cold_cpu.as_secs_f64() * 1e6 / objects.max(1) as f64
    );
    for run in 1..=runs {
        let who = format!("qlik-tui export json (pool {concurrency})");
        measure(
            &sim,
            &who,
            objects,
            run,
            &mut export(&sim, certs, concurrency),
        )?;
        if with_enigma {
            measure(
                &sim,
                "enigma.js tree walk (4 apps)",
                objects,
                run,
                &mut enigma_tree(&sim, certs),
            )?;
        }
    }
    Ok(())
}
