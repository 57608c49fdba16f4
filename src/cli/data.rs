//! `qlik-tui data CONN --app ID --object ID [--rows N] [--json|--csv]`, `qlik-tui values CONN
//! --app ID --field NAME [--rows N]` and `qlik-tui eval CONN --app ID EXPRESSION`: the data
//! behind a chart, a field's values and an expression's value, read-only (`explore::data`).

use clap::Args;
use serde_json::{Value, json};

use super::conn::ConnArgs;
use super::exit;
use super::output::{OutputArgs, OutputFormat};
use crate::explore::Site;
use crate::explore::app::AppSession;
use crate::explore::data::{self, DataError, DataTable};

#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// The app's id.
    #[arg(long = "app", value_name = "ID")]
    pub app: String,
    /// The object whose hypercube (or list object) to read.
    #[arg(long, value_name = "ID")]
    pub object: String,
    /// Rows to read at most.
    #[arg(long, default_value_t = 100)]
    pub rows: usize,
    /// CSV (text cells; a cell a spreadsheet would take for a formula gets a ' prefix).
    #[arg(long, conflicts_with_all = ["json", "output"])]
    pub csv: bool,
    #[command(flatten)]
    pub out: OutputArgs,
}

#[derive(Debug, Clone, Args)]
pub struct ValuesArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// The app's id.
    #[arg(long = "app", value_name = "ID")]
    pub app: String,
    /// The field whose distinct values to list.
    #[arg(long, value_name = "NAME")]
    pub field: String,
    /// Values to read at most.
    #[arg(long, default_value_t = 100)]
    pub rows: usize,
    #[command(flatten)]
    pub out: OutputArgs,
}

#[derive(Debug, Clone, Args)]
pub struct EvalArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// The app's id.
    #[arg(long = "app", value_name = "ID")]
    pub app: String,
    /// The expression, e.g. 'Sum(Sales)'.
    pub expression: String,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// Opens the app (its own session, closed after), runs `f` on it, closes everything.
async fn with_app<T>(
    conn: &ConnArgs,
    app_id: &str,
    f: impl AsyncFnOnce(&AppSession) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let site = Site::new(conn.spec()?);
    let result = async {
        // With data: hypercubes and expressions compute over it.
        let app = site.open_app_for_export(app_id).await?;
        let r = f(&app).await;
        app.close();
        r
    }
    .await;
    site.close_all().await;
    result
}

/// An object without data or in a mode we do not page is the user's pick: exit 2.
fn data_error(e: DataError) -> anyhow::Error {
    match e {
        DataError::Engine(e) => e.into(),
        other => exit::usage(other),
    }
}

pub async fn run_data(args: DataArgs) -> anyhow::Result<i32> {
    let table = with_app(&args.conn, &args.app, async |app| {
        data::object_rows(app, &args.object, args.rows)
            .await
            .map_err(data_error)
    })
    .await?;
    if args.csv {
        print_csv(&table)?;
    } else {
        print_table(&table, &args.out)?;
    }
    Ok(exit::OK)
}

pub async fn run_values(args: ValuesArgs) -> anyhow::Result<i32> {
    let table = with_app(&args.conn, &args.app, async |app| {
        data::field_values(app, &args.field, args.rows)
            .await
            .map_err(data_error)
    })
    .await?;
    if table.total_rows == 0 {
        return Err(exit::usage(format!(
            "field '{}' has no values in app '{}': check the name (`qlik-tui get fields` lists them; names are case-sensitive)",
            args.field, args.app
        )));
    }
    print_table(&table, &args.out)?;
    Ok(exit::OK)
}

pub async fn run_eval(args: EvalArgs) -> anyhow::Result<i32> {
    let value = with_app(&args.conn, &args.app, async |app| {
        Ok(data::evaluate(app, &args.expression).await?)
    })
    .await?;
    match args.out.format() {
        OutputFormat::Table => crate::outln!("{}", crate::text::escape_for_terminal(&value.text)),
        _ => args.out.print_document(&serde_json::to_value(&value)?)?,
    }
    Ok(exit::OK)
}

/// The table for people (headers as the engine titles them), one JSON object per row for
/// ndjson, or the whole table (cells with their numbers) as a JSON / YAML document.
fn print_table(table: &DataTable, out: &OutputArgs) -> anyhow::Result<()> {
    let cols: Vec<usize> = if out.fields.is_empty() {
        (0..table.headers.len()).collect()
    } else {
        out.fields
            .iter()
            .map(|f| {
                table.headers.iter().position(|h| h == f).ok_or_else(|| {
                    exit::usage(format!(
                        "--fields: no column '{f}'; the columns are {}",
                        table.headers.join(", ")
                    ))
                })
            })
            .collect::<anyhow::Result<_>>()?
    };
    match out.format() {
        OutputFormat::Table => {
            let headers: Vec<&str> = cols.iter().map(|&i| table.headers[i].as_str()).collect();
            let rows: Vec<Vec<String>> = table
                .rows
                .iter()
                .map(|r| cols.iter().map(|&i| r[i].text.clone()).collect())
                .collect();
            crate::out!("{}", super::table::render(&headers, &rows));
            if (table.rows.len() as u64) < table.total_rows {
                eprintln!(
                    "{} of {} rows (--rows N for more)",
                    table.rows.len(),
                    table.total_rows
                );
            }
        }
        OutputFormat::Ndjson => {
            for r in &table.rows {
                let mut o = serde_json::Map::new();
                for &i in &cols {
                    o.insert(table.headers[i].clone(), json!(r[i].text));
                }
                crate::outln!("{}", Value::Object(o));
            }
        }
        _ => {
            let mut picked = table.clone();
            picked.headers = cols.iter().map(|&i| table.headers[i].clone()).collect();
            picked.rows = table
                .rows
                .iter()
                .map(|r| cols.iter().map(|&i| r[i].clone()).collect())
                .collect();
            let doc = OutputArgs {
                fields: vec![],
                ..out.clone()
            };
            doc.print_document(&serde_json::to_value(&picked)?)?;
        }
    }
    Ok(())
}

fn print_csv(table: &DataTable) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(std::io::stdout().lock());
    w.write_record(&table.headers)?;
    for r in &table.rows {
        w.write_record(r.iter().map(|c| {
            if c.num.is_none() && crate::explore::export::looks_like_formula(&c.text) {
                format!("'{}", c.text)
            } else {
                c.text.clone()
            }
        }))?;
    }
    w.flush()?;
    Ok(())
}
