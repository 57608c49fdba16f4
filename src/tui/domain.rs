//! The TUI's boundary to the domain: what `App::update` asks for (`Request`) and what comes
//! back (`Reply`). `execute` runs one request against a `Site` on a background task; the event
//! loop feeds the reply back into `update`. Tests drive the same functions without a terminal.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use super::diff_view::Compared;
use super::tree::{Folder, NodeId};
use crate::engine::EngineError;
use crate::engine::api::{GenericObject, ObjectHandle};
use crate::explore::diff::DiffOptions;
use crate::explore::diff::source::{LiveSide, walk_both};
use crate::explore::doctor::{self, DoctorOptions, Report, StepResult};
use crate::explore::export::{
    ExportOptions, ExportSummary, Format, Output, Progress, Scope, export_to,
};
use crate::explore::model::{
    AppEntry, BookmarkEntry, DataModel, MasterItems, ObjectNode, SCRIPT_NEEDS_RELOAD_RIGHT,
    SheetEntry, SiteInfo, VariableEntry,
};
use crate::explore::search::{AppResult, Matcher, SearchOptions, SearchSummary, search_site};
use crate::explore::usage::{UsageReport, usage_of_app};
use crate::explore::{AppSession, Site};

/// Which engine entity a detail request reads.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    App,
    Object(String),
    Dimension(String),
    Measure(String),
    Bookmark(String),
    Variable(String),
    /// A field of the data model (its values, for the Data tab).
    Field(String),
}

/// Which part of an entity the detail pane wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    Properties,
    Layout,
    FullTree,
    /// Up to this many rows of an object's hypercube / list object, or of a field's values.
    Data(usize),
}

#[derive(Debug, Clone)]
pub enum Request {
    SiteInfo,
    Apps {
        node: NodeId,
    },
    /// Opens an app (OpenDoc) before its folders load: an app the user may not open fails
    /// once, on its node, instead of on each folder.
    OpenApp {
        node: NodeId,
        app: String,
    },
    Folder {
        node: NodeId,
        app: String,
        folder: Folder,
    },
    /// A sheet's objects and their nested children; `masters` maps master visualization ids to
    /// titles for objects without their own.
    Sheet {
        node: NodeId,
        app: String,
        sheet: String,
        masters: HashMap<String, String>,
    },
    Detail {
        node: NodeId,
        app: String,
        target: Target,
        part: Part,
    },
    Script {
        node: NodeId,
        app: String,
    },
    /// `:eval EXPR` on an app.
    Eval {
        app: String,
        expression: String,
    },
    /// Who uses each master item and field of an app (its Usage tabs).
    Usage {
        app: String,
    },
    /// Closes app sessions no longer shown.
    KeepApps {
        apps: Vec<String>,
    },
    Doctor,
    /// The same export as `qlik-tui export`; progress comes back as it happens.
    Export {
        scope: Scope,
        format: Format,
        path: PathBuf,
        cancel: CancellationToken,
    },
    /// The same search as `qlik-tui search`; each app's results come back as it finishes.
    Search {
        scope: Scope,
        pattern: String,
        cancel: CancellationToken,
    },
    /// `:diff` of two apps of this site (`source` names the site in the view).
    Diff {
        app_a: String,
        app_b: String,
        source: String,
    },
}

#[derive(Debug, Clone)]
pub enum FolderData {
    Sheets(Vec<SheetEntry>),
    Stories(Vec<SheetEntry>),
    Masters(MasterItems),
    Bookmarks(Vec<BookmarkEntry>),
    Variables(Vec<VariableEntry>),
    DataModel(DataModel),
}

/// An app's usage, and what of the app could not be read for it (users there are missing).
#[derive(Debug, Clone, PartialEq)]
pub struct AppUsage {
    pub report: UsageReport,
    pub unread: Vec<String>,
}

/// A failure as the UI shows it: the engine's text, which carries its code and message.
pub type Failure = String;

#[derive(Debug, Clone)]
pub enum Reply {
    SiteInfo(Result<SiteInfo, Failure>),
    Apps {
        node: NodeId,
        result: Result<Vec<AppEntry>, Failure>,
    },
    /// The app opened (its folders can load), or why not.
    AppOpened {
        node: NodeId,
        result: Result<(), Failure>,
    },
    Folder {
        node: NodeId,
        result: Result<FolderData, Failure>,
    },
    Sheet {
        node: NodeId,
        result: Result<ObjectNode, Failure>,
    },
    Detail {
        node: NodeId,
        part: Part,
        result: Result<Value, Failure>,
    },
    Script {
        node: NodeId,
        result: Result<String, Failure>,
    },
    Usage {
        app: String,
        result: Result<AppUsage, Failure>,
    },
    Eval {
        app: String,
        expression: String,
        result: Result<crate::explore::data::Evaluated, Failure>,
    },
    /// A profile resolved into a connection (or why it could not be).
    Connected {
        node: NodeId,
        result: Result<Box<crate::engine::conn::ConnectionSpec>, Failure>,
    },
    /// The quick connect test of a profile.
    Tested {
        node: NodeId,
        result: Result<SiteInfo, Failure>,
    },
    /// A profile's stored settings, for the edit form.
    Loaded {
        node: NodeId,
        result: Result<Box<crate::profile::store::Profile>, Failure>,
    },
    /// A profile form saved (`node`: the edited profile's node; None for a new one).
    Saved {
        node: Option<NodeId>,
        profile: Box<crate::profile::store::Profile>,
        result: Result<(), Failure>,
    },
    Deleted {
        node: NodeId,
        name: String,
        result: Result<(), Failure>,
    },
    DoctorStep(StepResult),
    DoctorDone(Report),
    ExportProgress(Progress),
    ExportDone(Result<ExportSummary, Failure>),
    SearchProgress(Progress),
    SearchApp(AppResult),
    SearchDone(Result<SearchSummary, Failure>),
    DiffDone(Result<Box<Compared>, Failure>),
    Done,
}

/// `:diff`: both apps walked as `qlik-tui diff` walks them, then compared.
pub async fn run_diff(a: LiveSide<'_>, b: LiveSide<'_>) -> Result<Box<Compared>, Failure> {
    let (sa, sb) = walk_both(a, b).await.map_err(|e| e.to_string())?;
    let diff = crate::explore::diff::diff(&sa, &sb, &DiffOptions::default());
    Ok(Box::new(Compared {
        diff,
        a: sa.app,
        b: sb.app,
    }))
}

impl Reply {
    /// Whether the site answered the request this replies to: Some(true) it did, Some(false)
    /// the request failed, None for replies that are not a site's answer (progress, profiles).
    /// The connection state reads it.
    pub fn answered(&self) -> Option<bool> {
        let ok = match self {
            Reply::SiteInfo(r) => r.is_ok(),
            Reply::Apps { result, .. } => result.is_ok(),
            Reply::AppOpened { result, .. } => result.is_ok(),
            Reply::Folder { result, .. } => result.is_ok(),
            Reply::Sheet { result, .. } => result.is_ok(),
            Reply::Detail { result, .. } => result.is_ok(),
            Reply::Script { result, .. } => result.is_ok(),
            Reply::Eval { result, .. } => result.is_ok(),
            _ => return None,
        };
        Some(ok)
    }
}

fn fail(e: EngineError) -> Failure {
    e.to_string()
}

/// Why an app did not open, as its node says it: an access refusal names the engine's code and
/// what to check; anything else is the engine's own text.
fn open_failure(e: EngineError) -> Failure {
    match &e {
        // 5 GENERIC_ACCESS_DENIED (what OpenDoc answers a user the app's rules or section
        // access shut out), 4000 USER_ACCESS_DENIED.
        EngineError::Rpc {
            code: code @ (5 | 4000),
            name,
            message,
            ..
        } => format!(
            "access denied (engine error {code}{}): {message}; check the user's access to this app in the QMC (security rules, stream access) and the app's section access",
            name.map(|n| format!(" {n}")).unwrap_or_default()
        ),
        _ => fail(e),
    }
}

async fn app(site: &Site, id: &str) -> Result<Arc<AppSession>, Failure> {
    site.app(id).await.map_err(fail)
}

async fn folder(site: &Site, app_id: &str, folder: Folder) -> Result<FolderData, Failure> {
    let a = app(site, app_id).await?;
    Ok(match folder {
        Folder::Sheets => FolderData::Sheets(a.sheets().await.map_err(fail)?),
        Folder::Stories => FolderData::Stories(a.stories().await.map_err(fail)?),
        Folder::MasterItems | Folder::Dimensions | Folder::Measures | Folder::Visualizations => {
            FolderData::Masters(a.master_items().await.map_err(fail)?)
        }
        Folder::Bookmarks => FolderData::Bookmarks(a.bookmarks().await.map_err(fail)?),
        Folder::Variables => FolderData::Variables(a.variables().await.map_err(fail)?),
        Folder::DataModel => {
            // Tables and row counts need the app's data, which the browsing session (opened
            // without data, fast) lacks: a short-lived session opens it with data.
            let with_data = site.open_app_for_export(app_id).await.map_err(fail)?;
            let dm = with_data.data_model().await;
            with_data.close();
            let dm = dm.map_err(fail)?;
            // An empty model says why on the folder, rather than showing nothing.
            if let (true, Some(why)) = (dm.tables.is_empty(), &dm.empty_because) {
                return Err(why.clone());
            }
            FolderData::DataModel(dm)
        }
    })
}

/// The Data tab: rows computed over the app's data, which the browsing session (opened without
/// data) lacks, so a short-lived session opens it with data, as the data model does.
async fn data_rows(
    site: &Site,
    app_id: &str,
    target: &Target,
    rows: usize,
) -> Result<Value, Failure> {
    let with_data = site.open_app_for_export(app_id).await.map_err(fail)?;
    let table = match target {
        Target::Field(name) => crate::explore::data::field_values(&with_data, name, rows).await,
        Target::Object(id) | Target::Measure(id) | Target::Dimension(id) => {
            crate::explore::data::object_rows(&with_data, id, rows).await
        }
        _ => Ok(Default::default()),
    };
    with_data.close();
    let table = table.map_err(|e| e.to_string())?;
    serde_json::to_value(table).map_err(|e| e.to_string())
}

async fn detail(site: &Site, app_id: &str, target: &Target, part: Part) -> Result<Value, Failure> {
    if let Part::Data(rows) = part {
        return data_rows(site, app_id, target, rows).await;
    }
    let a = app(site, app_id).await?;
    let handle: ObjectHandle = match target {
        Target::App => {
            let r = match part {
                Part::Layout => a.doc.get_app_layout().await,
                _ => a.doc.get_app_properties().await,
            };
            return r.map_err(fail);
        }
        Target::Object(id) => a.object(id).await.map_err(fail)?.0,
        Target::Dimension(id) => a.doc.get_dimension(id).await.map_err(fail)?.0,
        Target::Measure(id) => a.doc.get_measure(id).await.map_err(fail)?.0,
        Target::Bookmark(id) => a.doc.get_bookmark(id).await.map_err(fail)?.0,
        Target::Variable(id) => a.doc.get_variable_by_id(id).await.map_err(fail)?.0,
        Target::Field(name) => {
            return Err(format!("field '{name}' has only values (the Data tab)"));
        }
    };
    let r = match part {
        Part::Properties => handle.get_properties().await,
        Part::Layout => handle.get_layout().await,
        // Only generic objects have a property tree; other classes show their properties.
        Part::FullTree if matches!(target, Target::Object(_)) => {
            GenericObject(handle).get_full_property_tree().await
        }
        Part::FullTree | Part::Data(_) => handle.get_properties().await,
    };
    r.map_err(fail)
}

/// A `:search`: progress and each app's results are sent as they come; Esc cancels.
async fn search<T: From<Reply> + Send + 'static>(
    site: &Site,
    scope: &Scope,
    pattern: &str,
    cancel: &CancellationToken,
    tx: &UnboundedSender<T>,
) -> Result<SearchSummary, Failure> {
    let m = Matcher::new(pattern, false, false).map_err(|e| e.to_string())?;
    let progress_tx = tx.clone();
    let progress = move |p: &Progress| {
        let _ = progress_tx.send(Reply::SearchProgress(p.clone()).into());
    };
    let app_tx = tx.clone();
    let mut on_app = move |a: AppResult| {
        let _ = app_tx.send(Reply::SearchApp(a).into());
    };
    let opts = SearchOptions::default();
    tokio::select! {
        biased;
        _ = cancel.cancelled() => Err("the search was cancelled".into()),
        r = search_site(site, scope, &m, &opts, &progress, &mut on_app) => r.map_err(|e| e.to_string()),
    }
}

/// Runs one request; doctor steps are sent as they complete, then the final reply.
pub async fn execute<T: From<Reply> + Send + 'static>(
    site: Arc<Site>,
    req: Request,
    tx: UnboundedSender<T>,
) {
    let reply = match req {
        Request::SiteInfo => Reply::SiteInfo(site.info().await.map_err(fail)),
        Request::Apps { node } => Reply::Apps {
            node,
            result: site.apps().await.map_err(fail),
        },
        Request::OpenApp { node, app } => Reply::AppOpened {
            node,
            result: site.app(&app).await.map(|_| ()).map_err(open_failure),
        },
        Request::Folder {
            node,
            app,
            folder: f,
        } => Reply::Folder {
            node,
            result: folder(&site, &app, f).await,
        },
        Request::Sheet {
            node,
            app: app_id,
            sheet,
            masters,
        } => {
            let result = match app(&site, &app_id).await {
                Ok(a) => a.object_tree(&sheet, &masters).await.map_err(fail),
                Err(e) => Err(e),
            };
            Reply::Sheet { node, result }
        }
        Request::Detail {
            node,
            app,
            target,
            part,
        } => Reply::Detail {
            node,
            part,
            result: detail(&site, &app, &target, part).await,
        },
        Request::Eval {
            app: app_id,
            expression,
        } => {
            // Over the app's data, so on a short-lived session opened with it.
            let result = match site.open_app_for_export(&app_id).await {
                Ok(a) => {
                    let r = crate::explore::data::evaluate(&a, &expression).await;
                    a.close();
                    r.map_err(fail)
                }
                Err(e) => Err(fail(e)),
            };
            Reply::Eval {
                app: app_id,
                expression,
                result,
            }
        }
        Request::Script { node, app: app_id } => {
            let result = match app(&site, &app_id).await {
                // A user without the rights sees why, as a comment in the script's own syntax.
                Ok(a) => a
                    .script()
                    .await
                    .map(|s| s.unwrap_or_else(|| format!("// {SCRIPT_NEEDS_RELOAD_RIGHT}")))
                    .map_err(fail),
                Err(e) => Err(e),
            };
            Reply::Script { node, result }
        }
        Request::Usage { app } => {
            let result = usage_of_app(&site, &app)
                .await
                .map(|(report, errors)| AppUsage {
                    report,
                    unread: errors.into_iter().map(|e| e.message).collect(),
                })
                .map_err(|e| e.to_string());
            Reply::Usage { app, result }
        }
        Request::KeepApps { apps } => {
            let keep: Vec<&str> = apps.iter().map(String::as_str).collect();
            site.keep_only(&keep).await;
            Reply::Done
        }
        Request::Doctor => {
            let steps = tx.clone();
            let report = doctor::run(site.spec(), &DoctorOptions::default(), move |s| {
                let _ = steps.send(Reply::DoctorStep(s.clone()).into());
            })
            .await;
            Reply::DoctorDone(report)
        }
        Request::Export {
            scope,
            format,
            path,
            cancel,
        } => {
            let progress_tx = tx.clone();
            let progress = move |p: &Progress| {
                let _ = progress_tx.send(Reply::ExportProgress(p.clone()).into());
            };
            let result = export_to(
                &site,
                &scope,
                &ExportOptions::default(),
                format,
                &Output::Path(path),
                &progress,
                &cancel,
            )
            .await
            .map_err(|e| e.to_string());
            Reply::ExportDone(result)
        }
        Request::Search {
            scope,
            pattern,
            cancel,
        } => Reply::SearchDone(search(&site, &scope, &pattern, &cancel, &tx).await),
        Request::Diff {
            app_a,
            app_b,
            source,
        } => {
            let side = |app_id| LiveSide {
                site: &site,
                source: source.clone(),
                app_id,
            };
            Reply::DiffDone(run_diff(side(&app_a), side(&app_b)).await)
        }
    };
    let _ = tx.send(reply.into());
}
