//! `qlik-tui export CONN (--all | --app ID...) --format json|ndjson|csv|md [-o PATH]
//! [--concurrency N] [--include-script] [--include-properties]`: the domain export
//! (`explore::export::export_to`), with progress on a terminal's stderr and Ctrl-C as cancel.

use std::io::IsTerminal;

use anyhow::bail;
use clap::Args;
use tokio_util::sync::CancellationToken;

use super::conn::ConnArgs;
use crate::explore::Site;
use crate::explore::export::{
    DEFAULT_CONCURRENCY, ExportOptions, Format, Output, Progress, Scope, export_to,
};
use crate::text::escape_for_terminal;

#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Export every app the user may open.
    #[arg(long, conflicts_with = "apps")]
    pub all: bool,
    /// An app to export (repeat for several).
    #[arg(long = "app", value_name = "ID")]
    pub apps: Vec<String>,
    /// Only this sheet of the (single) --app.
    #[arg(long, value_name = "ID", conflicts_with_all = ["all", "object"])]
    pub sheet: Option<String>,
    /// Only this object of the (single) --app, under its sheet and parents.
    #[arg(long, value_name = "ID", conflicts_with = "all")]
    pub object: Option<String>,
    /// Output format.
    #[arg(long, value_parser = Format::NAMES, default_value = "json")]
    pub format: String,
    /// Where to write: a file (replaced atomically when the export succeeds) or '-' for stdout.
    #[arg(short = 'o', long = "output", value_name = "PATH", default_value = "-")]
    pub output: String,
    /// Apps exported at once, one engine session each. The default 3 (4 sessions with the
    /// export's own) stays below the proxy's 5 parallel sessions per user: the user's hub and
    /// QMC tabs count too, and a closed session can hold its place for minutes.
    #[arg(long, default_value_t = DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
    /// Add each app's load script.
    #[arg(long)]
    pub include_script: bool,
    /// Add the raw properties of apps, sheets, objects, master items, bookmarks and variables
    /// (what a deep `qlik-tui diff` of two exports compares).
    #[arg(long)]
    pub include_properties: bool,
    /// CSV: write cells starting with =, +, -, @, tab or CR as they are. By default such a cell
    /// gets a leading ' so a spreadsheet shows it as text instead of running it as a formula.
    #[arg(long)]
    pub csv_raw: bool,
}

impl ExportArgs {
    pub fn scope(&self) -> anyhow::Result<Scope> {
        let one_app = || match self.apps.as_slice() {
            [a] => Ok(a.clone()),
            _ => bail!("--sheet and --object need exactly one --app (the app they belong to)"),
        };
        Ok(match (&self.sheet, &self.object) {
            (Some(s), _) => Scope::Sheet {
                app_id: one_app()?,
                sheet_id: s.clone(),
            },
            (None, Some(o)) => Scope::Object {
                app_id: one_app()?,
                object_id: o.clone(),
            },
            (None, None) if self.all => Scope::All,
            (None, None) if !self.apps.is_empty() => Scope::Apps(self.apps.clone()),
            (None, None) => {
                bail!("nothing to export: give --all, or --app ID (repeat it for several apps)")
            }
        })
    }
}

pub async fn run(args: ExportArgs) -> anyhow::Result<i32> {
    let scope = args.scope().map_err(super::exit::input)?;
    let format = Format::from_name(&args.format)
        .ok_or_else(|| super::exit::usage(format!("unknown format '{}'", args.format)))?;
    let opts = ExportOptions {
        concurrency: args.concurrency,
        include_script: args.include_script,
        include_properties: args.include_properties,
        csv_raw: args.csv_raw,
    };
    let output = Output::from_arg(&args.output);
    let site = Site::new(args.conn.spec()?);

    let cancel = CancellationToken::new();
    let on_ctrl_c = cancel.clone();
    let ctrl_c = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_ctrl_c.cancel();
        }
    });
    let show = std::io::stderr().is_terminal();
    let progress = move |p: &Progress| {
        if show {
            eprint!(
                "\rexporting: apps {}/{} ({} failed), sheets {}, objects {}   ",
                p.apps_done, p.apps_total, p.apps_failed, p.sheets_done, p.objects_done
            );
        }
    };
    let result = export_to(&site, &scope, &opts, format, &output, &progress, &cancel).await;
    ctrl_c.abort();
    site.close_all().await;
    if show {
        eprintln!();
    }
    let summary = result?;
    for e in &summary.errors {
        warn(e);
    }
    let target = match &output {
        Output::Stdout => "stdout".to_string(),
        Output::Path(p) => p.display().to_string(),
    };
    let target = escape_for_terminal(&target);
    eprintln!(
        "exported {} apps, {} sheets, {} objects to {target}{}",
        summary.apps,
        summary.sheets,
        summary.objects,
        if summary.errors.is_empty() {
            String::new()
        } else {
            format!(" ({} errors listed in the export)", summary.errors.len())
        }
    );
    Ok(0)
}

/// One "warning: app …" line on stderr for something an app walk could not read (export,
/// search, usage). App ids and engine messages come from the server: escaped, never raw.
pub fn warn(e: &crate::explore::export::ErrorDoc) {
    let line = format!(
        "warning: app '{}'{}: {}",
        e.app_id,
        e.part
            .as_deref()
            .map(|p| format!(" ({p})"))
            .unwrap_or_default(),
        e.message
    );
    eprintln!("{}", escape_for_terminal(&line));
}
