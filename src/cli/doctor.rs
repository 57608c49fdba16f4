//! `qlik-tui doctor CONN [--json | --format text|md|json] [--qrs-url URL]`: walks the connection
//! layer by layer and explains the first failure. Exit code 0 only when no step fails.

use std::io::Write;

use clap::Args;

use super::conn::{ConfigProblem, ConnArgs};
use crate::engine::conn::ConnectionSpec;
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
    /// After the checks, hold one idle session this many seconds (keep-alive off) and report
    /// whether, when and how it was cut: proxies do not pass pings to the engine and gateways
    /// cut idle sockets (60 s on many load balancers, 4 min on others).
    #[arg(long, value_name = "SECONDS", value_parser = soak_secs)]
    pub soak: Option<f64>,
}

fn soak_secs(v: &str) -> Result<f64, String> {
    match v.parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 && s <= 3600.0 => Ok(s),
        _ => Err(format!(
            "'{v}' is not a number of seconds between 0 and 3600 (e.g. --soak 300 holds an idle session for 5 minutes)"
        )),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Md,
    Json,
}

pub async fn run(args: DoctorArgs) -> anyhow::Result<i32> {
    let format = if args.json { Format::Json } else { args.format };
    // The report is the doctor's output whatever the input: flags or a profile that cannot
    // make a connection are its failed `config` step, not an error line on stderr.
    let spec = match args.conn.resolve() {
        Ok(spec) => spec,
        Err(e) => {
            let (detail, hint) = match e.downcast_ref::<ConfigProblem>() {
                Some(p) => (p.problem.clone(), p.fix.clone()),
                None => (
                    format!("{e:#}"),
                    "fix the connection flags or the profile as this says (`qlik-tui doctor --help` lists the flags; `qlik-tui profile list` the profiles)".into(),
                ),
            };
            let target = args
                .conn
                .profile
                .clone()
                .or_else(|| {
                    args.conn
                        .engine_url
                        .as_deref()
                        .map(crate::engine::url::redact)
                })
                .unwrap_or_else(|| "no connection".into());
            print_report(
                format,
                &doctor::unusable_config(detail, hint),
                &target,
                false,
            )?;
            return Ok(1);
        }
    };
    let spec = bound_requests(spec, &args.conn);
    let opts = DoctorOptions {
        qrs_url: args.qrs_url.clone(),
        soak: args.soak.map(std::time::Duration::from_secs_f64),
        ..Default::default()
    };
    let target = spec.name.clone().unwrap_or_else(|| spec.engine_url.clone());
    let live = format == Format::Text;
    if live {
        crate::outln!("qlik-tui doctor: {}\n", doctor::one_line(&target));
        if let Some(s) = args.soak {
            crate::outln!("(after the checks, an idle session is held for {s} s)\n");
        }
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
    print_report(format, &report, &target, live)?;
    Ok(if report.ok { 0 } else { 1 })
}

/// `--timeout N` bounds every network wait of the doctor, the engine step's requests included,
/// unless `--request-timeout` says otherwise: a doctor run should not sit 30 s on one reply
/// when the user asked for N.
fn bound_requests(mut spec: ConnectionSpec, conn: &ConnArgs) -> ConnectionSpec {
    if conn.timeout.is_some() && conn.request_timeout.is_none() {
        spec.timeouts.request = spec.timeouts.connect;
    }
    spec
}

/// Prints `report` in `format`; `steps_shown`: the text checklist's steps were printed live, so
/// only its closing lines are left.
fn print_report(
    format: Format,
    report: &doctor::Report,
    target: &str,
    steps_shown: bool,
) -> anyhow::Result<()> {
    match format {
        Format::Json => crate::outln!("{}", serde_json::to_string_pretty(&report.to_json())?),
        Format::Md => crate::out!("{}", report.to_markdown(target)),
        Format::Text => {
            let text = report.to_text(target);
            match text.find("\nResult:") {
                Some(i) if steps_shown => crate::out!("{}", &text[i..]),
                _ => crate::out!("{text}"),
            }
        }
    }
    Ok(())
}
