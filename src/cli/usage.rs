//! `qlik-tui usage CONN --app ID [-o FORMAT]`: who uses each master item and field of one app
//! (`explore::usage`), with the unused ones marked: the app owner's cleanup list.

use clap::Args;

use super::conn::ConnArgs;
use super::output::{OutputArgs, OutputFormat};
use crate::explore::Site;
use crate::explore::usage::{UsedBy, usage_of_app};

#[derive(Debug, Clone, Args)]
pub struct UsageArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// The app to report on.
    #[arg(long = "app", value_name = "ID", required = true)]
    pub app: String,
    /// `-o json|ndjson|yaml` (or `--json`): one document {app_id, master_items, fields}
    /// instead of tables.
    #[command(flatten)]
    pub out: OutputArgs,
}

fn users(list: &[UsedBy]) -> String {
    if list.is_empty() {
        return "(unused)".into();
    }
    list.iter()
        .map(|u| {
            let name = if u.title.is_empty() { &u.id } else { &u.title };
            format!("{} {}", u.kind.name(), name)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn run(args: UsageArgs) -> anyhow::Result<i32> {
    args.out.no_fields()?;
    let site = Site::new(args.conn.resolve()?);
    let result = usage_of_app(&site, &args.app).await;
    site.close_all().await;
    let (report, errors) = result?;
    for e in &errors {
        super::export::warn(e);
    }
    if args.out.format() != OutputFormat::Table {
        args.out.print_document(&serde_json::to_value(&report)?)?;
        return Ok(0);
    }
    let rows: Vec<Vec<String>> = report
        .master_items
        .iter()
        .map(|m| {
            vec![
                m.kind.name().to_string(),
                m.id.clone(),
                m.title.clone(),
                users(&m.used_by),
            ]
        })
        .collect();
    crate::outln!("Master items");
    crate::out!(
        "{}",
        super::table::render(&["KIND", "ID", "TITLE", "USED BY"], &rows)
    );
    let rows: Vec<Vec<String>> = report
        .fields
        .iter()
        .map(|f| vec![f.name.clone(), users(&f.used_by)])
        .collect();
    crate::outln!("\nFields");
    crate::out!("{}", super::table::render(&["FIELD", "USED BY"], &rows));
    let unused = report
        .master_items
        .iter()
        .filter(|m| m.used_by.is_empty())
        .count()
        + report
            .fields
            .iter()
            .filter(|f| f.used_by.is_empty())
            .count();
    eprintln!(
        "{} master items, {} fields; {unused} unused",
        report.master_items.len(),
        report.fields.len()
    );
    Ok(0)
}
