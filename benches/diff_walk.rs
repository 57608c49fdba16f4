//! Diff benchmark (issue 14): `qlik-tui diff -p a --app ID --against-profile b --json`, the live
//! diff of the richest app of a generated site (100 sheets × 20 objects, master items, data
//! model, script; every property tree) across two simulators serving the same site. Prints the
//! time, the requests both simulators answered, the changes found (none: the sites are equal)
//! and qlik-tui's peak RSS (`/usr/bin/time -v`).
//!
//! The two profiles keep their certificates in a private kernel keyutils session keyring (the
//! bench joins one, as the keyring tests do), under a private config dir and keyring service.
//!
//! Run: `cargo bench --bench diff_walk` (env SCALE=4 LATENCY_MS=5 to change the site and the
//! per-reply latency).
#![allow(clippy::disallowed_macros)] // a test or bench prints its own report

use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

mod common;
use common::{env_num, peak_rss_kib};

#[path = "../tests/keyring_support/mod.rs"]
mod keyring_support;

fn main() -> anyhow::Result<()> {
    let scale = env_num("SCALE", 4) as u32;
    let latency = Duration::from_millis(env_num("LATENCY_MS", 5));
    keyring_support::join_session_keyring()
        .map_err(|e| anyhow::anyhow!("the bench needs the kernel keyutils keyring: {e}"))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let (sim_a, certs_a) = common::site_with_certs(scale, latency).await?;
        let (sim_b, certs_b) = common::site_with_certs(scale, latency).await?;
        let app = qlik_tui::sim::scale::site(scale)
            .1
            .into_iter()
            .max_by_key(|a| a.file_size)
            .context("the generated site has no app")?
            .id;
        let config = tempfile::tempdir()?;
        let service = format!("qlik-tui-bench-diff-{}", std::process::id());
        // `program` with qlik-tui's private config dir and keyring.
        let private = |program: &str| {
            let mut c = Command::new(program);
            c.env("QLIK_TUI_CONFIG_DIR", config.path())
                .env("QLIK_TUI_STATE_DIR", config.path().join("state"))
                .env("QLIK_TUI_KEYRING_SERVICE", &service)
                .env("QLIK_TUI_SECRET_STORE", "keyutils")
                .env_remove("QLIK_TUI_PROFILE");
            c
        };
        let bin = env!("CARGO_BIN_EXE_qlik-tui");
        let cli = |args: &[&str]| {
            let mut c = private(bin);
            c.args(args);
            c
        };
        for (name, sim, certs) in [("a", &sim_a, &certs_a), ("b", &sim_b, &certs_b)] {
            let out = cli(&["profile", "add", name, "--engine-url", &sim.engine_url()])
                .arg("--cert-dir")
                .arg(certs.path())
                .args(["--user-directory", "INTERNAL", "--user-id", "sa_engine"])
                .output()?;
            if !out.status.success() {
                bail!(
                    "profile add {name} failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }

        let before = sim_a.requests_served() + sim_b.requests_served();
        let started = Instant::now();
        let diff_args = [
            "diff", "-p", "a", "--app", &app, "--against-profile", "b", "--json",
        ];
        let out = private("/usr/bin/time")
            .arg("-v")
            .arg(bin)
            .args(diff_args)
            .output()
            .context("running qlik-tui diff under /usr/bin/time")?;
        let elapsed = started.elapsed();
        let requests = sim_a.requests_served() + sim_b.requests_served() - before;
        let stderr = String::from_utf8_lossy(&out.stderr);
        // 0: equal (the two simulators serve the same generated site).
        if out.status.code() != Some(0) {
            bail!(
                "qlik-tui diff exited {:?}: {stderr}\n{}",
                out.status.code(),
                String::from_utf8_lossy(&out.stdout)
            );
        }
        let report: serde_json::Value = serde_json::from_slice(&out.stdout)?;
        let changes = report["changes"].as_array().map_or(0, Vec::len);
        println!(
            "diff benchmark: two simulators serving generated sites of scale {scale}, latency {latency:?} per reply"
        );
        println!(
            "qlik-tui diff -p a --app {app} --against-profile b --json: {:.2} s, {requests} requests, {changes} changes, peak RSS {}",
            elapsed.as_secs_f64(),
            peak_rss_kib(&stderr)
                .map(|k| format!("{:.1} MiB", k as f64 / 1024.0))
                .unwrap_or_else(|| "unknown".into()),
        );
        Ok(())
    })
}
