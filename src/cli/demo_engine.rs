//! `qlik-tui demo-engine`: the engine simulator in the foreground, for trying the tool (or
//! another Qlik client) without a Qlik server. Writes the client's certificates to a folder and
//! prints the wss URL as the first line of stdout, so scripts can read it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use crate::sim::{SimConfig, SimServer};

#[derive(Debug, Clone, Args)]
pub struct DemoEngineArgs {
    /// Address to listen on. The default port 0 picks a free one; the URL printed says which
    /// (use e.g. 127.0.0.1:4747 for the engine's usual port).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Folder for root.pem, client.pem and client_key.pem (the key is written with mode 0600).
    #[arg(long, default_value = "demo-certs")]
    pub certs_dir: PathBuf,
    /// Delay every reply by this many milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Serve a generated site of N apps × 100 sheets × 20 objects instead of the demo site.
    #[arg(long, value_name = "N")]
    pub scale: Option<u32>,
}

pub async fn run(args: DemoEngineArgs) -> anyhow::Result<i32> {
    let sim = SimServer::start(SimConfig {
        listen: args.listen,
        latency: Duration::from_millis(args.latency_ms),
        scale: args.scale,
        ..Default::default()
    })
    .await?;
    sim.pki()
        .write_client_files(&args.certs_dir)
        .with_context(|| {
            format!(
                "cannot write the certificates to {}",
                args.certs_dir.display()
            )
        })?;
    println!("{}", sim.engine_url());
    let d = args.certs_dir.display();
    eprintln!(
        "demo engine listening on {} ({} apps); certificates in {d}\n\
         try: qlik-tui apps --engine-url {} --client-cert {d}/client.pem --client-key {d}/client_key.pem \
         --root-cert {d}/root.pem --user-directory INTERNAL --user-id sa_engine\n\
         Ctrl-C stops it.",
        sim.addr(),
        sim.site().apps.len(),
        sim.engine_url(),
    );
    use std::io::Write;
    let _ = std::io::stdout().flush();
    tokio::signal::ctrl_c()
        .await
        .context("cannot wait for Ctrl-C")?;
    sim.kill();
    Ok(0)
}
