//! `qlik-tui get sheets|objects|object|measures|dimensions|visualizations|bookmarks|variables|
//! fields|tables|script|app CONN --app ID`: the explorer's views without a terminal UI. Every
//! one goes through the domain loaders the explorer and the export use (`explore::app`), so a
//! value shown here is the value shown there; this file only picks columns and prints.

use std::collections::HashMap;

use clap::{Args, Subcommand};
use serde_json::{Value, json};

use super::conn::ConnArgs;
use super::output::{Column, OutputArgs, OutputFormat};
use crate::engine::EngineError;
use crate::explore::Site;
use crate::explore::app::AppSession;
use crate::explore::model::{ObjectNode, SCRIPT_NEEDS_RELOAD_RIGHT};

#[derive(Debug, Clone, Args)]
pub struct GetArgs {
    #[command(subcommand)]
    pub what: GetWhat,
}

/// The app a `get` reads, how to reach it, and how to print.
#[derive(Debug, Clone, Args)]
pub struct AppScope {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// The app's id.
    #[arg(long = "app", value_name = "ID")]
    pub app: String,
    #[command(flatten)]
    pub out: OutputArgs,
}

#[derive(Debug, Clone, Subcommand)]
pub enum GetWhat {
    /// The app's sheets, by rank.
    Sheets(AppScope),
    /// The objects on the sheets (nested ones too), with the sheet and parent they sit in.
    Objects(ObjectsArgs),
    /// One object: its properties (default), layout, full property tree or children.
    Object(ObjectArgs),
    /// Master measures.
    Measures(AppScope),
    /// Master dimensions.
    Dimensions(AppScope),
    /// Master visualizations.
    Visualizations(AppScope),
    /// Bookmarks.
    Bookmarks(AppScope),
    /// Variables (reserved and config variables left out, as in the explorer).
    Variables(AppScope),
    /// The data model's fields, one row per table holding the field.
    Fields(AppScope),
    /// The data model's tables.
    Tables(AppScope),
    /// The load script exactly as the engine holds it, nothing around it (pipe it to a file).
    Script(AppScope),
    /// The app's layout: title, reload time, and the rest the engine reports.
    App(AppScope),
}

#[derive(Debug, Clone, Args)]
pub struct ObjectsArgs {
    #[command(flatten)]
    pub scope: AppScope,
    /// Only the objects on this sheet.
    #[arg(long, value_name = "ID")]
    pub sheet: Option<String>,
    /// Only objects of this type (barchart, kpi, container...).
    #[arg(long = "type", value_name = "T")]
    pub object_type: Option<String>,
}

#[derive(Debug, Clone, Args)]
#[group(id = "part", multiple = false)]
pub struct ObjectArgs {
    /// The object's id.
    pub id: String,
    #[command(flatten)]
    pub scope: AppScope,
    /// Its properties (GetProperties); the default.
    #[arg(long, group = "part")]
    pub properties: bool,
    /// Its layout (GetLayout): titles evaluated, hypercube metadata.
    #[arg(long, group = "part")]
    pub layout: bool,
    /// Its full property tree (GetFullPropertyTree): the object and everything below it.
    #[arg(long, group = "part")]
    pub tree: bool,
    /// Its children (GetChildInfos).
    #[arg(long, group = "part")]
    pub children: bool,
}

impl GetWhat {
    fn scope(&self) -> &AppScope {
        match self {
            GetWhat::Objects(a) => &a.scope,
            GetWhat::Object(a) => &a.scope,
            GetWhat::Sheets(s)
            | GetWhat::Measures(s)
            | GetWhat::Dimensions(s)
            | GetWhat::Visualizations(s)
            | GetWhat::Bookmarks(s)
            | GetWhat::Variables(s)
            | GetWhat::Fields(s)
            | GetWhat::Tables(s)
            | GetWhat::Script(s)
            | GetWhat::App(s) => s,
        }
    }
}

pub async fn run(args: GetArgs) -> anyhow::Result<i32> {
    let scope = args.what.scope();
    let site = Site::new(scope.conn.spec()?);
    let result = async {
        // Opened with its data (the data model's row counts need it), under the export's own
        // identity so it never joins a session the explorer or the hub has on the app.
        let app = site.open_app_for_export(&scope.app).await?;
        let printed = print(&args.what, &app).await;
        app.close();
        printed
    }
    .await;
    site.close_all().await;
    result.map(|()| super::exit::OK)
}

fn records<T: serde::Serialize>(items: &[T]) -> anyhow::Result<Vec<Value>> {
    items
        .iter()
        .map(|i| serde_json::to_value(i).map_err(Into::into))
        .collect()
}

const MASTER_COLUMNS: &[Column] = &[
    ("id", "ID"),
    ("title", "TITLE"),
    ("definition", "DEFINITION"),
    ("description", "DESCRIPTION"),
];

async fn print(what: &GetWhat, app: &AppSession) -> anyhow::Result<()> {
    let out = &what.scope().out;
    match what {
        GetWhat::Sheets(_) => out.print_records(
            &records(&app.sheets().await?)?,
            &[
                ("id", "ID"),
                ("title", "TITLE"),
                ("published", "PUBLISHED"),
                ("approved", "APPROVED"),
                ("owner", "OWNER"),
            ],
        ),
        GetWhat::Objects(a) => out.print_records(
            &objects(app, a.sheet.as_deref(), a.object_type.as_deref()).await?,
            &[
                ("id", "ID"),
                ("type", "TYPE"),
                ("title", "TITLE"),
                ("sheet_id", "SHEET"),
                ("parent_id", "PARENT"),
                ("master_id", "MASTER"),
            ],
        ),
        GetWhat::Object(a) => {
            let obj = app.object(&a.id).await?;
            if a.children {
                let children = obj.get_child_infos().await?;
                out.print_records(&records(&children)?, &[("qId", "ID"), ("qType", "TYPE")])
            } else if a.layout {
                out.print_document(&obj.get_layout().await?)
            } else if a.tree {
                out.print_document(&obj.get_full_property_tree().await?)
            } else {
                out.print_document(&obj.get_properties().await?)
            }
        }
        GetWhat::Measures(_) => out.print_records(
            &records(&app.master_items().await?.measures)?,
            MASTER_COLUMNS,
        ),
        GetWhat::Dimensions(_) => out.print_records(
            &records(&app.master_items().await?.dimensions)?,
            MASTER_COLUMNS,
        ),
        GetWhat::Visualizations(_) => out.print_records(
            &records(&app.master_items().await?.visualizations)?,
            &[
                ("id", "ID"),
                ("title", "TITLE"),
                ("type", "TYPE"),
                ("description", "DESCRIPTION"),
            ],
        ),
        GetWhat::Bookmarks(_) => out.print_records(
            &records(&app.bookmarks().await?)?,
            &[
                ("id", "ID"),
                ("title", "TITLE"),
                ("sheet_id", "SHEET"),
                ("description", "DESCRIPTION"),
            ],
        ),
        GetWhat::Variables(_) => out.print_records(
            &records(&app.variables().await?)?,
            &[
                ("name", "NAME"),
                ("definition", "DEFINITION"),
                ("description", "DESCRIPTION"),
            ],
        ),
        GetWhat::Fields(_) => {
            let model = app.data_model().await?;
            empty_model_note(&model);
            let mut rows = Vec::new();
            for t in &model.tables {
                for f in &t.fields {
                    let mut r = serde_json::to_value(f)?;
                    r["table"] = json!(t.name);
                    rows.push(r);
                }
            }
            out.print_records(
                &rows,
                &[
                    ("name", "NAME"),
                    ("table", "TABLE"),
                    ("distinct_values", "DISTINCT"),
                    ("rows", "ROWS"),
                    ("key_type", "KEY"),
                    ("tags", "TAGS"),
                ],
            )
        }
        GetWhat::Tables(_) => {
            let model = app.data_model().await?;
            empty_model_note(&model);
            let rows: Vec<Value> = model
                .tables
                .iter()
                .map(|t| {
                    json!({
                        "name": t.name,
                        "rows": t.rows,
                        "fields": t.fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
                        "synthetic": t.synthetic,
                        "loose": t.loose,
                        "comment": t.comment,
                    })
                })
                .collect();
            out.print_records(
                &rows,
                &[
                    ("name", "NAME"),
                    ("rows", "ROWS"),
                    ("synthetic", "SYNTHETIC"),
                    ("fields", "FIELDS"),
                ],
            )
        }
        GetWhat::Script(_) => {
            // A user without the rights gets the reason, as the engine's refusal (exit 4).
            let script = app.script().await?.ok_or_else(|| EngineError::Rpc {
                method: "GetScript".into(),
                code: 5,
                name: None,
                parameter: String::new(),
                message: SCRIPT_NEEDS_RELOAD_RIGHT.into(),
            })?;
            match out.format() {
                // Exactly the script (no trailing newline added) where it goes to a file or a
                // pipe; on a terminal, what an author could make it act on is shown escaped.
                OutputFormat::Table => {
                    use std::io::{IsTerminal, Write};
                    let mut stdout = std::io::stdout().lock();
                    if stdout.is_terminal() {
                        stdout.write_all(script_for_terminal(&script).as_bytes())?;
                    } else {
                        stdout.write_all(script.as_bytes())?;
                    }
                    stdout.flush()?;
                    Ok(())
                }
                _ => out.print_document(&Value::String(script)),
            }
        }
        GetWhat::App(_) => {
            let layout = app.app_layout().await?;
            match out.format() {
                OutputFormat::Table => {
                    let rows: Vec<Value> = layout
                        .as_object()
                        .into_iter()
                        .flatten()
                        .filter(|(_, v)| !v.is_object() && !v.is_array())
                        .map(|(k, v)| json!({"key": k, "value": v}))
                        .collect();
                    out.print_records(&rows, &[("key", "KEY"), ("value", "VALUE")])
                }
                _ => out.print_document(&layout),
            }
        }
    }
}

/// The objects of the app's sheets (or of one sheet), from the same property-tree loader the
/// explorer's sheet nodes use, each with the sheet and the parent it sits in.
async fn objects(
    app: &AppSession,
    sheet: Option<&str>,
    object_type: Option<&str>,
) -> anyhow::Result<Vec<Value>> {
    let masters: HashMap<String, String> = app
        .master_items()
        .await?
        .visualizations
        .into_iter()
        .map(|m| (m.id, m.title))
        .collect();
    let sheet_ids: Vec<String> = match sheet {
        Some(s) => vec![s.to_string()],
        None => app.sheets().await?.into_iter().map(|s| s.id).collect(),
    };
    let mut rows = Vec::new();
    for sheet_id in &sheet_ids {
        let tree = app.object_tree(sheet_id, &masters).await?;
        collect(&tree, sheet_id, &mut rows);
    }
    if let Some(t) = object_type {
        rows.retain(|r| r["type"] == t);
    }
    Ok(rows)
}

fn collect(parent: &ObjectNode, sheet_id: &str, out: &mut Vec<Value>) {
    for c in &parent.children {
        out.push(json!({
            "id": c.id,
            "type": c.r#type,
            "title": c.title,
            "sheet_id": sheet_id,
            "parent_id": parent.id,
            "master_id": c.master_id,
        }));
        collect(c, sheet_id, out);
    }
}

/// An empty data model says why on stderr (stdout keeps only the records).
fn empty_model_note(model: &crate::explore::model::DataModel) {
    if let (true, Some(why)) = (model.tables.is_empty(), &model.empty_because) {
        eprintln!("note: {why}");
    }
}

/// A load script for a terminal: line breaks (LF or CRLF) and tabs as they are, every other
/// control or bidi character shown escaped (`\x1b`), as titles are; an ordinary script is
/// unchanged. A lone CR would overwrite the line it ends, so it is escaped too.
fn script_for_terminal(script: &str) -> String {
    let mut out = String::with_capacity(script.len());
    for line in script.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix("\r\n") {
            Some(b) => (b, "\r\n"),
            None => match line.strip_suffix('\n') {
                Some(b) => (b, "\n"),
                None => (line, ""),
            },
        };
        out.push_str(&crate::text::escape_lines_for_terminal(body));
        out.push_str(end);
    }
    out
}

#[cfg(test)]
mod script_tests {
    use super::script_for_terminal;

    #[test]
    fn a_script_on_a_terminal_keeps_its_line_breaks_and_escapes_the_rest() {
        let plain = "LOAD *\r\nFROM [lib://x.qvd] (qvd);\n\tSET a = 1;";
        assert_eq!(script_for_terminal(plain), plain);
        assert_eq!(
            script_for_terminal("// \u{1b}]0;pwned\u{7}\r\nLOAD\rX \u{202e}y\n"),
            "// \\x1b]0;pwned\\x07\r\nLOAD\\x0dX \\u202ey\n"
        );
    }
}
