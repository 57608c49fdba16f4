//! Export benchmark (issues 5 and 16). Against one simulator serving a generated site (default
//! `--scale 20 --latency-ms 5`: 20 apps, 40,000 objects), RUNS times in turn:
//!
//! - `qlik-tui export --all --format F -o /dev/null` for each format of FORMATS;
//! - the best enigma.js walk, `tests/enigma/walk.js --tree 4` (4 apps at a time,
//!   GetFullPropertyTree per sheet);
//!
//! and prints, per run, wall time, the client's own CPU (user + sys of that process, from
//! `wait4`), its peak RSS, the requests it sent (the simulator's counter) and the CPU per
//! object. Then qlik-tui's peak RSS for `export --all` at RSS_SCALE (default 50), where memory
//! must not have grown with the site. NAIVE=1 adds the obvious enigma.js walk (apps in turn,
//! GetObject + GetLayout per object: minutes at this size).
//!
//! Run: `cargo bench --bench export_walk` (env SCALE, LATENCY_MS, CONCURRENCY, RUNS,
//! FORMATS=json,ndjson,csv,md, RSS_SCALE=0 to skip, NAIVE=1). Needs `npm ci` in tests/enigma.
//! BEFORE_BIN=path/to/an/older/qlik-tui measures that binary too, in the same runs, for a
//! before/after table that the machine's load affects alike.
//! The simulator runs in this process: on 2 cores it competes with the client for the CPU,
//! so the wall times are of both; the client CPU column is the client alone.
#![allow(clippy::disallowed_macros)] // a test or bench prints its own report

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::bail;

mod common;
use common::rusage::{Usage, run_measured};
use common::{env_num, export_command, objects_exported, site_with_certs};
use qlik_tui::sim::SimServer;

/// No single run of this bench should take longer (the naive walk at scale 20 included).
const RUN_LIMIT: Duration = Duration::from_secs(900);

struct Row {
    who: String,
    usage: Usage,
    requests: u64,
    objects: u64,
}

impl Row {
    fn print(&self, run: u64) {
        let u = &self.usage;
        println!(
            "{run:>3}  {:<44} {:>7.2} s {:>7.3} s {:>6.1} µs {:>7.1} MiB {:>8}",
            self.who,
            u.wall.as_secs_f64(),
            u.cpu.as_secs_f64(),
            u.cpu.as_secs_f64() * 1e6 / self.objects.max(1) as f64,
            u.peak_mib(),
            self.requests,
        );
    }
}

/// Runs `cmd` against `sim`, counting the requests the simulator served meanwhile.
fn measure(sim: &SimServer, who: String, objects: u64, cmd: &mut Command) -> anyhow::Result<Row> {
    let before = sim.requests_served();
    let usage = run_measured(cmd, RUN_LIMIT);
    let requests = sim.requests_served() - before;
    if !usage.success {
        bail!("{who} failed: {}{}", usage.stdout, usage.stderr);
    }
    Ok(Row {
        who,
        usage,
        requests,
        objects,
    })
}

fn qlik_tui(sim: &SimServer, certs: &Path, format: &str, concurrency: u64) -> Command {
    export_command(
        env!("CARGO_BIN_EXE_qlik-tui"),
        sim,
        certs,
        format,
        concurrency,
    )
}

fn enigma(sim: &SimServer, certs: &Path, tree_apps: Option<u64>) -> Command {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/enigma");
    let mut cmd = Command::new("node");
    cmd.arg(dir.join("walk.js"))
        .arg(sim.engine_url())
        .arg(certs);
    if let Some(n) = tree_apps {
        cmd.args(["--tree", &n.to_string()]);
    }
    cmd
}

fn main() -> anyhow::Result<()> {
    // `cargo bench` passes --bench; nothing else to parse.
    let scale = env_num("SCALE", 20) as u32;
    let latency = Duration::from_millis(env_num("LATENCY_MS", 5));
    let concurrency = env_num("CONCURRENCY", 3);
    let runs = env_num("RUNS", 3);
    let rss_scale = env_num("RSS_SCALE", 50) as u32;
    let naive = env_num("NAIVE", 0) == 1;
    let formats = std::env::var("FORMATS").unwrap_or_else(|_| "json,ndjson,csv,md".into());
    let before = std::env::var("BEFORE_BIN").ok();
    let enigma_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/enigma");
    if !enigma_dir.join("node_modules/enigma.js").exists() {
        bail!(
            "enigma.js is not installed: run `npm ci` in {}",
            enigma_dir.display()
        );
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    // The simulators serve from the runtime's workers while this thread waits for a child.
    let (sim, dir) = rt.block_on(site_with_certs(scale, latency))?;
    let certs = dir.path();
    let objects = objects_exported(&sim, certs, RUN_LIMIT)?;

    println!(
        "export benchmark: simulator scale {scale} ({objects} objects), latency {latency:?} per reply, {runs} runs"
    );
    println!(
        "run  {:<44} {:>9} {:>9} {:>9} {:>11} {:>8}",
        "client", "wall", "CPU", "CPU/obj", "peak RSS", "requests"
    );
    for run in 1..=runs {
        for format in formats.split(',') {
            if let Some(bin) = &before {
                let who = format!("BEFORE export --format {format} (pool {concurrency})");
                let mut cmd = export_command(bin, &sim, certs, format, concurrency);
                measure(&sim, who, objects, &mut cmd)?.print(run);
            }
            let who = format!("qlik-tui export --format {format} (pool {concurrency})");
            measure(
                &sim,
                who,
                objects,
                &mut qlik_tui(&sim, certs, format, concurrency),
            )?
            .print(run);
        }
        let who = "enigma.js 2.15.0 tree walk (4 apps at a time)".to_string();
        measure(&sim, who, objects, &mut enigma(&sim, certs, Some(4)))?.print(run);
        if naive {
            let who = "enigma.js obvious walk (apps in turn)".to_string();
            measure(&sim, who, objects, &mut enigma(&sim, certs, None))?.print(run);
        }
    }
    drop(sim);

    if rss_scale > 0 {
        let (big, dir) = rt.block_on(site_with_certs(rss_scale, latency))?;
        let objects = objects_exported(&big, dir.path(), RUN_LIMIT)?;
        println!("scale {rss_scale} ({objects} objects):");
        if let Some(bin) = &before {
            let who = format!("BEFORE export --format json (pool {concurrency})");
            let mut cmd = export_command(bin, &big, dir.path(), "json", concurrency);
            measure(&big, who, objects, &mut cmd)?.print(1);
        }
        let who = format!("qlik-tui export --format json (pool {concurrency})");
        measure(
            &big,
            who,
            objects,
            &mut qlik_tui(&big, dir.path(), "json", concurrency),
        )?
        .print(1);
    }
    Ok(())
}
