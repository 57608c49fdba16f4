//! `qlik-tui doctor CONN [--json | --format text|md|json] [--qrs-url URL]`: walks the connection
//! layer by layer and explains the first failure. Exit code 0 only when no step fails.

use std::io::Write;

use clap::Args;

use super::conn::ConnArgs;
use crate::explore::doctor::{self, DoctorOptions, Status};

#[derive(Debug, Clone, Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Print the report as JSON (same as --format json).
    #[arg(long)]
    pub json: bool,
    /// Report format: a checklist, Markdown for a ticket, or JSON for scripts.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also check the repository (QRS), e.g. https://qlik.example.com:4242.
    #[arg(long, value_name = "URL")]
    pub qrs_url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Md,
    Json,
}

pub async fn run(args: DoctorArgs) -> anyhow::Result<i32> {
    let format = if args.json { Format::Json } else { args.format };
    let spec = args.conn.resolve()?;
    let opts = DoctorOptions {
        qrs_url: args.qrs_url.clone(),
        resolver: None,
    };
    let target = spec.name.clone().unwrap_or_else(|| spec.engine_url.clone());
    let live = format == Format::Text;
    if live {
        println!("qlik-tui doctor: {}\n", doctor::one_line(&target));
    }
    let report = doctor::run(&spec, &opts, |s| {
        if live {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(
                out,
                "  {} {:<10} {:>6}  {}",
                s.status.symbol(),
                s.step.as_str(),
                if s.status == Status::Skip {
                    String::new()
                } else {
                    format!("{} ms", s.millis)
                },
                doctor::one_line(&s.detail)
            );
            if let Some(h) = &s.hint
                && s.status != Status::Ok
            {
                let _ = writeln!(out, "                       fix: {}", doctor::one_line(h));
            }
            let _ = out.flush();
        }
    })
    .await;
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report.to_json())?),
        Format::Md => print!("{}", report.to_markdown(&target)),
        Format::Text => {
            // The steps were printed live; print only the closing lines of the checklist.
            let text = report.to_text(&target);
            if let Some(i) = text.find("\nResult:") {
                print!("{}", &text[i..]);
            }
        }
    }
    Ok(if report.ok { 0 } else { 1 })
}
