//! Export of a site's metadata and redirect links (issue 5), shared by the CLI's `export` command
//! and the TUI's `e` key.
//!
//! # The API the front ends call
//!
//! ```no_run
//! # async fn demo(site: std::sync::Arc<qlik_tui::explore::Site>) -> Result<(), Box<dyn std::error::Error>> {
//! use qlik_tui::explore::export::{export_to, ExportOptions, Format, Output, Progress, Scope};
//! use tokio_util::sync::CancellationToken;
//!
//! let cancel = CancellationToken::new();          // the TUI keeps a clone; Esc calls cancel()
//! let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Progress>();
//! let on_progress = move |p: &Progress| { let _ = tx.send(p.clone()); };
//! let summary = export_to(
//!     &site,
//!     &Scope::Sheet { app_id: "app-guid".into(), sheet_id: "sheet-id".into() },
//!     &ExportOptions::default(),                 // concurrency 3, no script, no properties
//!     Format::Md,
//!     &Output::Path("report.md".into()),         // or Output::Stdout
//!     &on_progress,
//!     &cancel,
//! ).await?;
//! println!("{} apps, {} objects, {} errors", summary.apps, summary.objects, summary.errors.len());
//! # Ok(()) }
//! ```
//!
//! - `Scope`: `All` (every app of the doc list), `Apps(ids)`, `Sheet { app_id, sheet_id }` or
//!   `Object { app_id, object_id }` (the TUI's selected node: the app header plus that sheet, or
//!   the sheet holding the object pruned to the path down to it; the app-level sections stay
//!   empty for these two).
//! - `progress` is called (from the export's task) after each sheet and each app with running
//!   totals; send it into the TUI's message channel. It must not block.
//! - `cancel`: once cancelled, `export_to` returns `ExportError::Cancelled` promptly, closes the
//!   sessions it opened and leaves nothing at the path (the temp file is removed).
//! - Errors of one app (access denied, not found: an engine error code) go to the document's
//!   `errors` and the export goes on. A lost connection, a timeout or a refused handshake stops
//!   the export with `ExportError::Engine`; the path keeps whatever it held before.
//! - Sessions: the site's shared session answers the doc list and versions; every exported app
//!   is opened on a socket of its own (`Site::open_app_uncached`, with identity `qlik-tui-export`
//!   so it never attaches to the TUI's session of the same app), at most `concurrency` at once,
//!   each closed as soon as the app is done.

mod doc;
mod format_csv;
pub(crate) use format_csv::looks_like_formula;
mod format_json;
mod format_md;
mod format_ndjson;
#[cfg(test)]
mod proptests;
mod sink;
pub(crate) mod walk;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio_util::sync::CancellationToken;

pub use doc::*;
pub use sink::Output;

use super::Site;
use crate::engine::EngineError;
use walk::AppOutcome;

/// Qlik licences often cap a user at five parallel sessions; the export also holds the site's
/// shared session, so three app sessions at once stays under that with room for the user's hub.
pub const DEFAULT_CONCURRENCY: usize = 3;
/// Above this the engine's session limits are likely to refuse sessions rather than go faster.
pub const MAX_CONCURRENCY: usize = 16;

/// What to export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every app in the user's doc list.
    All,
    /// These apps (ids), in this order; duplicates are exported once.
    Apps(Vec<String>),
    /// One sheet of an app, with its objects.
    Sheet { app_id: String, sheet_id: String },
    /// One object of an app, under its sheet and parents.
    Object { app_id: String, object_id: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportOptions {
    /// Apps exported at once (one engine session each).
    pub concurrency: usize,
    /// Add each app's load script.
    pub include_script: bool,
    /// Add the raw properties of the app, its sheets and objects, master items, bookmarks and
    /// variables.
    pub include_properties: bool,
    /// CSV: write formula-looking text cells (`=`, `+`, `-`, `@`, tab, CR first) as they are,
    /// without the `'` that keeps a spreadsheet from running them.
    pub csv_raw: bool,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            concurrency: DEFAULT_CONCURRENCY,
            include_script: false,
            include_properties: false,
            csv_raw: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One versioned JSON document.
    Json,
    /// One JSON record per line (export header, app, sheet, object, error, end), streamed.
    Ndjson,
    /// One row per object, with app, sheet and link columns.
    Csv,
    /// A readable Markdown report.
    Md,
}

impl Format {
    pub const NAMES: [&'static str; 4] = ["json", "ndjson", "csv", "md"];

    pub fn from_name(name: &str) -> Option<Format> {
        [Format::Json, Format::Ndjson, Format::Csv, Format::Md]
            .into_iter()
            .find(|f| f.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Ndjson => "ndjson",
            Format::Csv => "csv",
            Format::Md => "md",
        }
    }

    /// `for_terminal`: the output is read on a terminal (stdout is one).
    fn writer(self, opts: &ExportOptions, for_terminal: bool) -> Box<dyn FormatWriter> {
        match self {
            Format::Json => Box::new(format_json::JsonWriter::default()),
            Format::Ndjson => Box::new(format_ndjson::NdjsonWriter::default()),
            Format::Csv => Box::new(format_csv::CsvWriter {
                raw: opts.csv_raw,
                for_terminal,
            }),
            Format::Md => Box::new(format_md::MdWriter::default()),
        }
    }
}

/// Running totals, reported after every sheet and every app.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    pub apps_total: usize,
    pub apps_done: usize,
    pub apps_failed: usize,
    pub sheets_done: usize,
    pub objects_done: usize,
}

/// What an export produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExportSummary {
    pub apps: usize,
    pub sheets: usize,
    pub objects: usize,
    pub errors: Vec<ErrorDoc>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("the export was cancelled; {0}")]
    Cancelled(String),
    #[error("the export stopped{}: {source}; {target}", .app_id.as_deref().map(|a| format!(" at app '{a}'")).unwrap_or_default())]
    Engine {
        app_id: Option<String>,
        source: Box<EngineError>,
        target: String,
    },
    #[error("cannot write the export {target}: {source}")]
    Output {
        target: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Options(String),
}

/// One writer per format: told about the source first, then each app in scope order (with the
/// errors met while loading it), then the end.
trait FormatWriter: Send {
    fn begin(&mut self, w: &mut dyn std::io::Write, source: &SourceDoc) -> std::io::Result<()>;
    fn app(
        &mut self,
        w: &mut dyn std::io::Write,
        app: Option<&AppDoc>,
        errors: &[ErrorDoc],
    ) -> std::io::Result<()>;
    fn finish(&mut self, w: &mut dyn std::io::Write) -> std::io::Result<()>;
}

/// Shares running totals between the concurrent app walks and reports them.
pub(crate) struct Tracker<'a> {
    apps_total: usize,
    apps_done: AtomicUsize,
    apps_failed: AtomicUsize,
    sheets_done: AtomicUsize,
    objects_done: AtomicUsize,
    report: &'a (dyn Fn(&Progress) + Send + Sync),
}

impl<'a> Tracker<'a> {
    pub(crate) fn new(apps_total: usize, report: &'a (dyn Fn(&Progress) + Send + Sync)) -> Self {
        Tracker {
            apps_total,
            apps_done: AtomicUsize::new(0),
            apps_failed: AtomicUsize::new(0),
            sheets_done: AtomicUsize::new(0),
            objects_done: AtomicUsize::new(0),
            report,
        }
    }

    pub(crate) fn snapshot(&self) -> Progress {
        Progress {
            apps_total: self.apps_total,
            apps_done: self.apps_done.load(Ordering::Relaxed),
            apps_failed: self.apps_failed.load(Ordering::Relaxed),
            sheets_done: self.sheets_done.load(Ordering::Relaxed),
            objects_done: self.objects_done.load(Ordering::Relaxed),
        }
    }

    fn sheet_loaded(&self, objects: usize) {
        self.sheets_done.fetch_add(1, Ordering::Relaxed);
        self.objects_done.fetch_add(objects, Ordering::Relaxed);
        (self.report)(&self.snapshot());
    }

    fn app_done(&self, failed: bool) {
        self.apps_done.fetch_add(1, Ordering::Relaxed);
        if failed {
            self.apps_failed.fetch_add(1, Ordering::Relaxed);
        }
        (self.report)(&self.snapshot());
    }
}

impl ExportOptions {
    fn check(&self) -> Result<(), ExportError> {
        if self.concurrency == 0 || self.concurrency > MAX_CONCURRENCY {
            return Err(ExportError::Options(format!(
                "--concurrency must be between 1 and {MAX_CONCURRENCY} (default {DEFAULT_CONCURRENCY}; Qlik licences often allow only 5 parallel sessions per user)"
            )));
        }
        Ok(())
    }
}

/// Exports `scope` of `site` as `format` to `output`. See the module docs.
pub async fn export_to(
    site: &Site,
    scope: &Scope,
    opts: &ExportOptions,
    format: Format,
    output: &Output,
    progress: &(dyn Fn(&Progress) + Send + Sync),
    cancel: &CancellationToken,
) -> Result<ExportSummary, ExportError> {
    opts.check()?;
    // The target first: a bad path fails before any network work.
    let mut sink = sink::Sink::open(output)?;
    let summary = tokio::select! {
        biased;
        _ = cancel.cancelled() => Err(ExportError::Cancelled(output.untouched_note())),
        r = run_export(site, scope, opts, format, &mut sink, progress) => r,
    }?;
    // Dropping the sink on any error above removes its temp file; only a full run commits.
    sink.commit()?;
    Ok(summary)
}

async fn run_export(
    site: &Site,
    scope: &Scope,
    opts: &ExportOptions,
    format: Format,
    sink: &mut sink::Sink,
    progress: &(dyn Fn(&Progress) + Send + Sync),
) -> Result<ExportSummary, ExportError> {
    let untouched = sink.untouched_note();
    let fatal = |app_id: Option<&str>, source: EngineError| ExportError::Engine {
        app_id: app_id.map(str::to_string),
        source: Box::new(source),
        target: untouched.clone(),
    };
    let (info, entries) = tokio::try_join!(site.info(), site.apps()).map_err(|e| fatal(None, e))?;
    let links = site.links();
    let source = SourceDoc {
        engine_url: crate::engine::url::redact(&site.spec().engine_url),
        display_url: links.base().to_string(),
        engine_version: info.engine_version,
        // GetAuthenticatedUser answers in the header's form; show it as DIRECTORY\user.
        user: match crate::engine::url::parse_qlik_user_header(&info.user) {
            Some((dir, id)) => format!("{dir}\\{id}"),
            None => info.user,
        },
    };
    let plans = walk::plan(scope, &entries);
    let tracker = Tracker::new(plans.len(), progress);
    progress(&tracker.snapshot());

    let mut writer = format.writer(opts, sink.is_terminal());
    let target = sink.describe();
    let write_err = |source| ExportError::Output {
        target: target.clone(),
        source,
    };
    writer.begin(sink, &source).map_err(write_err)?;

    let mut summary = ExportSummary::default();
    let written = walk::walk_apps(site, &plans, opts, &links, &tracker, |_, o: AppOutcome| {
        writer.app(sink, o.app.as_ref(), &o.errors)?;
        if let Some(app) = &o.app {
            summary.apps += 1;
            summary.sheets += app.sheets.len();
            summary.objects += app.objects().len();
        }
        summary.errors.extend(o.errors);
        Ok(())
    })
    .await;
    match written {
        Ok(()) => {}
        Err(walk::WalkStop::Engine { app_id, source }) => return Err(fatal(Some(&app_id), source)),
        Err(walk::WalkStop::Caller(e)) => return Err(write_err(e)),
    }
    writer.finish(sink).map_err(write_err)?;
    Ok(summary)
}

/// The default file name for an export of `format` (the TUI's dialog proposes it).
pub fn default_file_name(format: Format) -> PathBuf {
    PathBuf::from(format!("qlik-export.{}", format.name()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for n in Format::NAMES {
            let f = Format::from_name(n).unwrap();
            assert_eq!(f.name(), n);
            assert_eq!(
                default_file_name(f).to_str(),
                Some(&*format!("qlik-export.{n}"))
            );
        }
        assert_eq!(Format::from_name("xml"), None);
    }

    #[test]
    fn concurrency_is_bounded() {
        let mut o = ExportOptions::default();
        assert!(o.check().is_ok());
        o.concurrency = 0;
        assert!(o.check().unwrap_err().to_string().contains("between 1 and"));
    }
}
