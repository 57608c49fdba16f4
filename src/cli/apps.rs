//! `qlik-tui apps CONN [-o table|json|ndjson|yaml] [--fields a,b]`: the apps the user may open.

use clap::Args;

use serde_json::{Value, json};

use super::conn::ConnArgs;
use super::output::{OutputArgs, OutputFormat};
use crate::explore::Site;

#[derive(Debug, Clone, Args)]
pub struct AppsArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(flatten)]
    pub out: OutputArgs,
}

pub async fn run(args: AppsArgs) -> anyhow::Result<i32> {
    let spec = args.conn.spec()?;
    let profile = spec.name.clone();
    let site = Site::new(spec);
    let apps = site.apps().await;
    site.close_all().await;
    let apps = apps?;
    super::app_cache::remember(profile.as_deref(), &apps);
    let records: Vec<Value> = if args.out.format() == OutputFormat::Table {
        // The table shows the stream by name and "(personal)" for an unpublished app.
        apps.iter()
            .map(|a| {
                json!({
                    "id": a.id,
                    "name": a.name,
                    "stream": a.stream.as_ref().map_or("(personal)", |s| s.name.as_str()),
                    "published": a.published,
                    "last_reload_time": a.last_reload_time,
                    "owner": a.owner,
                })
            })
            .collect()
    } else {
        apps.iter()
            .map(serde_json::to_value)
            .collect::<Result<_, _>>()?
    };
    args.out.print_records(
        &records,
        &[
            ("id", "ID"),
            ("name", "TITLE"),
            ("stream", "STREAM"),
            ("published", "PUBLISHED"),
            ("last_reload_time", "LAST RELOAD"),
        ],
    )?;
    Ok(0)
}
