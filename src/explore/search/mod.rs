//! Search across a site (issue 13): which sheets, objects (at every depth), master items,
//! bookmarks, variables, script lines and fields of each app match a pattern. Shared by the CLI's
//! `search` command and the explorer's `:search`.
//!
//! The apps are walked by the export's walker (`export::walk`, with properties and script), the
//! same pool, sessions and error sorting: an app the engine refuses goes to the errors and the
//! search goes on; a lost connection stops it. Results are handed on per app, in scope order, as
//! soon as the apps before it are done, so front ends show the first hits while later apps load.
//!
//! ```no_run
//! # async fn demo(site: std::sync::Arc<qlik_tui::explore::Site>) -> Result<(), Box<dyn std::error::Error>> {
//! use qlik_tui::explore::export::Scope;
//! use qlik_tui::explore::search::{search_site, Kinds, Matcher, SearchOptions};
//! let m = Matcher::new("Sales", false, false)?;
//! let opts = SearchOptions { kinds: Kinds::parse("object,measure")?, ..Default::default() };
//! search_site(&site, &Scope::All, &m, &opts, &|_progress| {}, &mut |app| {
//!     for h in &app.hits { println!("{} {} {:?}", app.app_id, h.kind.name(), h.id); }
//! }).await?;
//! # Ok(()) }
//! ```

pub mod hits;
pub mod kind;
pub mod matcher;

pub use hits::{Hit, hits_in_app};
pub use kind::{Kind, Kinds};
pub use matcher::Matcher;

use super::Site;
use super::export::walk::{self, WalkStop};
use super::export::{DEFAULT_CONCURRENCY, ErrorDoc, ExportOptions, Progress, Scope, Tracker};
use crate::engine::EngineError;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("{0}")]
    Pattern(String),
    #[error("{0}")]
    Options(String),
    /// The one app asked for could not be opened (the engine refused it).
    #[error("{0}")]
    AppRefused(String),
    #[error("the search stopped{}: {source}", .app_id.as_deref().map(|a| format!(" at app '{a}'")).unwrap_or_default())]
    Engine {
        app_id: Option<String>,
        source: Box<EngineError>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchOptions {
    pub kinds: Kinds,
    /// Apps walked at once (one engine session each).
    pub concurrency: usize,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            kinds: Kinds::default(),
            concurrency: DEFAULT_CONCURRENCY,
        }
    }
}

/// One app's results, handed on as soon as it is done.
#[derive(Debug, Clone)]
pub struct AppResult {
    pub app_id: String,
    pub app_name: String,
    pub hits: Vec<Hit>,
    /// What could not be read: the whole app (it could not be opened) or a part of it.
    pub errors: Vec<ErrorDoc>,
}

/// Totals of a finished search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchSummary {
    pub apps: usize,
    pub hits: usize,
    pub errors: usize,
}

/// The walk's options for a search: every item's properties, and the script when it is searched.
fn walk_options(opts: &SearchOptions) -> ExportOptions {
    ExportOptions {
        concurrency: opts.concurrency,
        include_script: opts.kinds.has(Kind::Script),
        include_properties: true,
        ..ExportOptions::default()
    }
}

/// Searches the apps of `scope` (`All` or `Apps`), calling `on_app` with each app's results in
/// scope order and `progress` with running totals. See the module docs.
pub async fn search_site(
    site: &Site,
    scope: &Scope,
    m: &Matcher,
    opts: &SearchOptions,
    progress: &(dyn Fn(&Progress) + Send + Sync),
    on_app: &mut (dyn FnMut(AppResult) + Send),
) -> Result<SearchSummary, SearchError> {
    let walk_opts = walk_options(opts);
    if !(1..=super::export::MAX_CONCURRENCY).contains(&opts.concurrency) {
        return Err(SearchError::Options(format!(
            "--concurrency must be between 1 and {} (default {DEFAULT_CONCURRENCY})",
            super::export::MAX_CONCURRENCY
        )));
    }
    let fatal = |app_id: Option<String>, e: EngineError| SearchError::Engine {
        app_id,
        source: Box::new(e),
    };
    let entries = site.apps().await.map_err(|e| fatal(None, e))?;
    let plans = walk::plan(scope, &entries);
    let tracker = Tracker::new(plans.len(), progress);
    progress(&tracker.snapshot());
    let links = site.links();
    let mut summary = SearchSummary::default();
    let walked = walk::walk_apps(site, &plans, &walk_opts, &links, &tracker, |plan, o| {
        let (app_name, hits) = match &o.app {
            Some(app) => (app.name.clone(), hits_in_app(app, &links, m, &opts.kinds)),
            None => (
                plan.entry
                    .as_ref()
                    .map_or_else(|| plan.app_id.clone(), |e| e.name.clone()),
                Vec::new(),
            ),
        };
        summary.apps += usize::from(o.app.is_some());
        summary.hits += hits.len();
        summary.errors += o.errors.len();
        on_app(AppResult {
            app_id: plan.app_id.clone(),
            app_name,
            hits,
            errors: o.errors,
        });
        Ok::<(), std::convert::Infallible>(())
    })
    .await;
    match walked {
        Ok(()) => Ok(summary),
        Err(WalkStop::Engine { app_id, source }) => Err(fatal(Some(app_id), source)),
        Err(WalkStop::Caller(never)) => match never {},
    }
}
