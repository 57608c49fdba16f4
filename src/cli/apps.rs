//! `qlik-tui apps CONN [--json]`: the apps the user may open.

use clap::Args;

use super::conn::ConnArgs;
use crate::explore::Site;

#[derive(Debug, Clone, Args)]
pub struct AppsArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Print JSON (an array of apps) instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(args: AppsArgs) -> anyhow::Result<i32> {
    let site = Site::new(args.conn.spec()?);
    let apps = site.apps().await;
    site.close_all().await;
    let apps = apps?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&apps)?);
    } else {
        let rows: Vec<Vec<String>> = apps
            .iter()
            .map(|a| {
                vec![
                    a.id.clone(),
                    a.name.clone(),
                    a.stream
                        .as_ref()
                        .map(|s| s.name.clone())
                        .unwrap_or_else(|| "(personal)".into()),
                    if a.published { "yes" } else { "no" }.into(),
                    a.last_reload_time.clone(),
                ]
            })
            .collect();
        print!(
            "{}",
            super::table::render(
                &["ID", "TITLE", "STREAM", "PUBLISHED", "LAST RELOAD"],
                &rows
            )
        );
    }
    Ok(0)
}
