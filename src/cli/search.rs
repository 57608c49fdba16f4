//! `qlik-tui search CONN PATTERN [--app ID ...|--all] [--in KINDS] [--regex] [--case-sensitive]
//! [-o FORMAT]`: the domain search (`explore::search::search_site`), printed per app as each app
//! is done: a table grouped by app, one JSON document written as it goes (`-o json`, `--json`),
//! one hit per line (`-o ndjson`), or a YAML document once every app is done (`-o yaml`).

use std::io::{IsTerminal, Write};

use clap::Args;

use super::conn::ConnArgs;
use super::output::{OutputArgs, OutputFormat};
use crate::explore::Site;
use crate::explore::export::{DEFAULT_CONCURRENCY, ErrorDoc, Progress, Scope};
use crate::explore::search::{AppResult, Hit, Kinds, Matcher, SearchOptions, search_site};
use crate::text::escape_for_terminal;

#[derive(Debug, Clone, Args)]
pub struct SearchArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// What to look for: text (case-insensitive unless --case-sensitive), or with --regex a
    /// regular expression.
    #[arg(value_name = "PATTERN", allow_hyphen_values = true)]
    pub pattern: String,
    /// Search every app the user may open.
    #[arg(long, conflicts_with = "apps")]
    pub all: bool,
    /// An app to search (repeat for several).
    #[arg(long = "app", value_name = "ID")]
    pub apps: Vec<String>,
    /// Only these kinds: a comma-separated list of sheet, object, dimension, measure,
    /// visualization, bookmark, variable, script, field.
    #[arg(long = "in", value_name = "KINDS")]
    pub kinds: Option<String>,
    /// PATTERN is a regular expression (Rust `regex` syntax).
    #[arg(long)]
    pub regex: bool,
    /// Match case exactly.
    #[arg(long)]
    pub case_sensitive: bool,
    /// `-o json` (or `--json`): one document {pattern, hits, errors} instead of tables;
    /// `-o ndjson`: one hit per line; `-o yaml`: the document as YAML.
    #[command(flatten)]
    pub out: OutputArgs,
    /// Apps searched at once, one engine session each (Qlik licences often allow 5 per user).
    #[arg(long, default_value_t = DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
}

impl SearchArgs {
    fn scope(&self) -> anyhow::Result<Scope> {
        if self.all {
            Ok(Scope::All)
        } else if !self.apps.is_empty() {
            Ok(Scope::Apps(self.apps.clone()))
        } else {
            Err(super::exit::usage(
                "where to search: give --all, or --app ID (repeat it for several apps)",
            ))
        }
    }
}

/// The table's text cell: the cut text with the match marked «like this».
fn marked(h: &Hit) -> String {
    let (a, rest) = h.text.split_at(h.mark.start);
    let (m, b) = rest.split_at(h.mark.len());
    format!("{a}«{m}»{b}")
}

fn print_table(app: &AppResult) {
    if app.hits.is_empty() {
        return;
    }
    crate::outln!(
        "{} ({}): {} hit{}",
        escape_for_terminal(&app.app_name),
        escape_for_terminal(&app.app_id),
        app.hits.len(),
        if app.hits.len() == 1 { "" } else { "s" }
    );
    let rows: Vec<Vec<String>> = app
        .hits
        .iter()
        .map(|h| {
            vec![
                format!("  {}", h.kind.name()),
                h.title.clone(),
                match (&h.path, h.line) {
                    (_, Some(l)) => format!("line {l}"),
                    (Some(p), None) => format!("{} {p}", h.id.as_deref().unwrap_or("")),
                    (None, None) => String::new(),
                },
                marked(h),
            ]
        })
        .collect();
    crate::out!(
        "{}",
        super::table::render(&["  KIND", "TITLE", "WHERE", "TEXT"], &rows)
    );
    crate::outln!();
}

/// Writes `{"pattern": …, "hits": [` first, each hit as its app is done, the errors at the end.
struct JsonOut {
    first: bool,
}

impl JsonOut {
    fn begin(pattern: &str) -> anyhow::Result<JsonOut> {
        crate::out!(
            "{{\"pattern\":{},\"hits\":[",
            serde_json::to_string(pattern)?
        );
        Ok(JsonOut { first: true })
    }

    fn hits(&mut self, hits: &[Hit]) -> anyhow::Result<()> {
        let mut out = std::io::stdout().lock();
        for h in hits {
            let sep = if std::mem::take(&mut self.first) {
                ""
            } else {
                ","
            };
            write!(out, "{sep}\n  {}", serde_json::to_string(h)?)?;
        }
        out.flush()?;
        Ok(())
    }

    fn finish(self, errors: &[ErrorDoc]) -> anyhow::Result<()> {
        crate::outln!(
            "\n],\"errors\":{}}}",
            serde_json::to_string(&error_records(errors))?
        );
        Ok(())
    }
}

/// The errors as the JSON document holds them: {app_id, code, message}.
fn error_records(errors: &[ErrorDoc]) -> Vec<serde_json::Value> {
    errors
        .iter()
        .map(|e| serde_json::json!({"app_id": e.app_id, "code": e.code, "message": e.message}))
        .collect()
}

/// Where the hits go, as each app is done.
enum Sink {
    Table,
    Json(JsonOut),
    /// One hit per line.
    Ndjson,
    /// Kept until the end: YAML is written as one document.
    Yaml(Vec<serde_json::Value>),
}

impl Sink {
    fn begin(out: &OutputArgs, pattern: &str) -> anyhow::Result<Sink> {
        Ok(match out.format() {
            OutputFormat::Table => Sink::Table,
            OutputFormat::Json => Sink::Json(JsonOut::begin(pattern)?),
            OutputFormat::Ndjson => Sink::Ndjson,
            OutputFormat::Yaml => Sink::Yaml(Vec::new()),
        })
    }

    fn app(&mut self, app: &AppResult) -> anyhow::Result<()> {
        match self {
            Sink::Table => print_table(app),
            Sink::Json(j) => j.hits(&app.hits)?,
            Sink::Ndjson => {
                for h in &app.hits {
                    crate::outln!("{}", serde_json::to_string(h)?);
                }
            }
            Sink::Yaml(hits) => {
                for h in &app.hits {
                    hits.push(serde_json::to_value(h)?);
                }
            }
        }
        Ok(())
    }

    fn finish(self, pattern: &str, errors: &[ErrorDoc]) -> anyhow::Result<()> {
        match self {
            Sink::Table | Sink::Ndjson => Ok(()),
            Sink::Json(j) => j.finish(errors),
            Sink::Yaml(hits) => {
                let doc = serde_json::json!({
                    "pattern": pattern,
                    "hits": hits,
                    "errors": error_records(errors),
                });
                crate::out!("{}", serde_yaml_ng::to_string(&doc)?);
                Ok(())
            }
        }
    }
}

pub async fn run(args: SearchArgs) -> anyhow::Result<i32> {
    args.out.no_fields()?;
    let scope = args.scope()?;
    let m = Matcher::new(&args.pattern, args.regex, args.case_sensitive)?;
    let opts = SearchOptions {
        kinds: match &args.kinds {
            Some(k) => Kinds::parse(k)?,
            None => Kinds::default(),
        },
        concurrency: args.concurrency,
    };
    let site = Site::new(args.conn.resolve()?);
    let show = std::io::stderr().is_terminal();
    let progress = move |p: &Progress| {
        if show {
            eprint!(
                "\rsearching: apps {}/{} ({} failed)   \r",
                p.apps_done, p.apps_total, p.apps_failed
            );
        }
    };
    let mut sink = Sink::begin(&args.out, &args.pattern)?;
    let mut errors = Vec::new();
    let mut write_failed = None;
    let result = search_site(&site, &scope, &m, &opts, &progress, &mut |app| {
        if show {
            eprint!("\r\x1b[K");
        }
        for e in &app.errors {
            super::export::warn(e);
        }
        if let Err(e) = sink.app(&app) {
            write_failed.get_or_insert(e);
        }
        errors.extend(app.errors);
    })
    .await;
    site.close_all().await;
    if let Some(e) = write_failed {
        return Err(e);
    }
    let summary = result?;
    sink.finish(&args.pattern, &errors)?;
    eprintln!(
        "searched {} apps: {} hits{}",
        summary.apps,
        summary.hits,
        if errors.is_empty() {
            String::new()
        } else {
            format!(", {} errors", errors.len())
        }
    );
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::search::Kind;

    #[test]
    fn the_match_is_marked_in_the_table() {
        let h = Hit {
            app_id: "a".into(),
            app_name: "A".into(),
            kind: Kind::Script,
            id: None,
            title: "load script".into(),
            path: None,
            line: Some(3),
            text: "…Sum(Umsatz) x".into(),
            link: String::new(),
            mark: "…Sum(".len().."…Sum(Umsatz".len(),
            trail: Vec::new(),
        };
        assert_eq!(marked(&h), "…Sum(«Umsatz») x");
        let v = serde_json::to_value(&h).unwrap();
        assert_eq!(v["line"], 3);
        assert!(v["id"].is_null() && v.get("path").is_none() && v.get("mark").is_none());
    }
}
