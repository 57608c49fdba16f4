//! `qlik-tui diff`: two apps compared (`explore::diff`).
//! - live: `diff CONN --app ID [--against-profile NAME] [--against-app ID2]`: the first side on
//!   CONN (a profile or inline flags), the second on another profile (same app id by default)
//!   and/or another app;
//! - offline: `diff A.json B.json [--app ID] [--against-app ID2]`: two export documents.
//!
//! A readable report, or `--json` (`qlik-tui.diff/1`). Exit status as diff(1): 0 equal,
//! 1 different, 2 on any trouble.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use super::conn::ConnArgs;
use super::exit;
use crate::explore::Site;
use crate::explore::diff::source::{LiveSide, read_side, walk_both};
use crate::explore::diff::{DiffOptions, SideDoc, diff, report};

#[derive(Debug, Clone, Args)]
#[command(after_help = "Exit status: 0 the apps are equal, 1 they differ, 2 trouble (as diff(1)).")]
pub struct DiffArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Two documents written by `qlik-tui export --format json` (with --include-properties
    /// --include-script for a deep diff): compare them offline instead of connecting.
    #[arg(value_name = "FILE", num_args = 0..=2)]
    pub files: Vec<PathBuf>,
    /// The app to compare (live: required; offline: picks it from a document with several).
    #[arg(long, value_name = "ID")]
    pub app: Option<String>,
    /// The second side is this profile (the same app id unless --against-app).
    #[arg(long, value_name = "NAME")]
    pub against_profile: Option<String>,
    /// The second side is this app (on the same site unless --against-profile).
    #[arg(long, value_name = "ID")]
    pub against_app: Option<String>,
    /// Compare the data model's row counts too (left out by default: every reload changes them).
    #[arg(long)]
    pub data_model_rows: bool,
    /// Print one `qlik-tui.diff/1` JSON document instead of the report.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(args: DiffArgs) -> anyhow::Result<i32> {
    let opts = DiffOptions {
        data_model_rows: args.data_model_rows,
    };
    let (a, b) = match sides(&args).await {
        Ok(s) => s,
        // Any trouble is exit 2, as diff(1): 1 must keep meaning "they differ".
        Err(e) => return Err(exit::diff_trouble(e)),
    };
    let d = diff(&a, &b, &opts);
    let text = if args.json {
        serde_json::to_string_pretty(&d)? + "\n"
    } else {
        report::render(&d)
    };
    crate::out!("{text}");
    Ok(if d.is_equal() { exit::OK } else { exit::DIFFER })
}

/// The two sides: read from files, or walked live.
async fn sides(args: &DiffArgs) -> anyhow::Result<(SideDoc, SideDoc)> {
    let b_app = args.against_app.as_deref().or(args.app.as_deref());
    match args.files.as_slice() {
        [fa, fb] => {
            if args.against_profile.is_some() || args.conn.has_inline() {
                return Err(exit::usage(
                    "two files are compared offline: --against-profile and connection flags do not apply; give either two files, or --app ID with a connection",
                ));
            }
            Ok((read_side(fa, args.app.as_deref())?, read_side(fb, b_app)?))
        }
        [_] => Err(exit::usage(
            "one file given: an offline diff compares two export documents (A.json B.json)",
        )),
        _ => {
            let app = args.app.as_deref().ok_or_else(|| {
                exit::usage("what to compare: give --app ID (live), or two export documents A.json B.json (offline)")
            })?;
            if args.against_profile.is_none() && args.against_app.is_none() {
                return Err(exit::usage(
                    "compare against what: give --against-profile NAME (the same app on another site) and/or --against-app ID (another app)",
                ));
            }
            let b_app = b_app.unwrap_or(app);
            let spec = args.conn.spec()?;
            let a_source = source_label(&args.conn)?;
            let site_a = Site::new(spec);
            let (site_b, b_source) = match &args.against_profile {
                Some(name) => (
                    Site::new(
                        super::profiles::resolve_profile(name, &args.conn).map_err(exit::input)?,
                    ),
                    format!("profile '{name}'"),
                ),
                None => (Arc::clone(&site_a), a_source.clone()),
            };
            let result = walk_both(
                LiveSide {
                    site: &site_a,
                    source: a_source,
                    app_id: app,
                },
                LiveSide {
                    site: &site_b,
                    source: b_source,
                    app_id: b_app,
                },
            )
            .await;
            site_a.close_all().await;
            site_b.close_all().await;
            Ok(result?)
        }
    }
}

/// How the first side is named in the report: its profile, or the engine URL (redacted).
fn source_label(conn: &ConnArgs) -> anyhow::Result<String> {
    if let Some(url) = conn.engine_url.as_deref().filter(|_| conn.has_inline()) {
        return Ok(crate::engine::url::redact(url).to_string());
    }
    Ok(match &conn.profile {
        Some(name) => format!("profile '{name}'"),
        None => match super::profiles::default_profile()? {
            Some(name) => format!("profile '{name}'"),
            None => "the default connection".into(),
        },
    })
}
