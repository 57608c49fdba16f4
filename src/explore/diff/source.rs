//! The two sides of a diff: an app walked live with the export's walk (properties and script
//! included), or an app read from a `qlik-tui.export/1` document.

use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;

use super::{Side, SideDoc};
use crate::engine::EngineError;
use crate::explore::Site;
use crate::explore::export::{
    AppDoc, ErrorDoc, ExportOptions, FORMAT as EXPORT_FORMAT, Progress, Scope, Tracker, walk,
};

#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// A document that cannot be read, or is not an export, or lacks the app asked for.
    #[error("{0}")]
    Document(String),
    /// The network or the engine broke off a live walk.
    #[error("side {side}: {source}")]
    Engine {
        side: &'static str,
        source: Box<EngineError>,
    },
    /// The engine would not open the app (access denied, not found).
    #[error("side {side}: cannot open app '{app_id}': {message}")]
    AppUnavailable {
        side: &'static str,
        app_id: String,
        message: String,
    },
}

/// An export document as `export --format json` writes it.
#[derive(Deserialize)]
struct ExportFile {
    apps: Vec<AppDoc>,
    #[serde(default)]
    errors: Vec<ErrorDoc>,
}

/// Only the version tag, read first so a foreign document gets a clear answer.
#[derive(Deserialize)]
struct Head {
    format: Option<String>,
}

const WRITE_ONE: &str =
    "write one with `qlik-tui export --format json --include-properties --include-script`";

/// Reads app `app_id` (or the document's only app) from the export document at `path`.
pub fn read_side(path: &Path, app_id: Option<&str>) -> Result<SideDoc, DiffError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        DiffError::Document(format!(
            "cannot read {shown}: {}",
            match e.kind() {
                std::io::ErrorKind::NotFound => "no such file; check the path".to_string(),
                std::io::ErrorKind::PermissionDenied =>
                    "permission denied; check the file's owner and mode".to_string(),
                std::io::ErrorKind::InvalidData =>
                    format!("not UTF-8 text; an export document is JSON: {WRITE_ONE}"),
                _ => e.to_string(),
            }
        ))
    })?;
    let head: Head = serde_json::from_str(&text).map_err(|e| {
        DiffError::Document(format!(
            "{shown} is not a JSON object ({e}): give a document written by `qlik-tui export --format json`"
        ))
    })?;
    if head.format.as_deref() != Some(EXPORT_FORMAT) {
        return Err(DiffError::Document(format!(
            "{shown} is not a qlik-tui export document (format {}; expected '{EXPORT_FORMAT}'): {WRITE_ONE}",
            head.format
                .map(|f| format!("'{f}'"))
                .unwrap_or_else(|| "missing".into())
        )));
    }
    let file: ExportFile = serde_json::from_str(&text).map_err(|e| {
        DiffError::Document(format!(
            "{shown} is not a complete {EXPORT_FORMAT} document ({e}): {WRITE_ONE}"
        ))
    })?;
    let ids = || {
        file.apps
            .iter()
            .map(|a| a.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let index = match app_id {
        Some(id) => file.apps.iter().position(|a| a.id == id).ok_or_else(|| {
            DiffError::Document(format!(
                "{shown} holds no app '{id}' (it holds: {}): check the id, or export that app",
                ids()
            ))
        })?,
        None if file.apps.len() == 1 => 0,
        None if file.apps.is_empty() => {
            return Err(DiffError::Document(format!(
                "{shown} holds no app{}: export an app the user may open",
                match file.errors.first() {
                    Some(e) =>
                        format!(" (the export could not read '{}': {})", e.app_id, e.message),
                    None => String::new(),
                }
            )));
        }
        None => {
            return Err(DiffError::Document(format!(
                "{shown} holds {} apps ({}): name the one to compare with --app ID (and --against-app ID for the second document)",
                file.apps.len(),
                ids()
            )));
        }
    };
    let mut apps = file.apps;
    let app = apps.swap_remove(index);
    let errors = file
        .errors
        .into_iter()
        .filter(|e| e.app_id == app.id)
        .collect();
    Ok(SideDoc {
        side: Side {
            source: shown,
            app_id: app.id.clone(),
            app_name: app.name.clone(),
        },
        app,
        errors,
    })
}

/// Walks app `app_id` of `site` as `export --app ID --include-properties --include-script`
/// would, and names the side `source` (a profile, a redacted URL).
pub async fn walk_side(
    site: &Site,
    side: &'static str,
    source: String,
    app_id: &str,
) -> Result<SideDoc, DiffError> {
    let engine = |e: EngineError| DiffError::Engine {
        side,
        source: Box::new(e),
    };
    let entries = site.apps().await.map_err(engine)?;
    let plans = walk::plan(&Scope::Apps(vec![app_id.to_string()]), &entries);
    let opts = ExportOptions {
        include_script: true,
        include_properties: true,
        ..ExportOptions::default()
    };
    let quiet = |_: &Progress| {};
    let tracker = Tracker::new(plans.len(), &quiet);
    let outcome = walk::collect_app(site, &plans[0], &opts, &site.links(), &tracker)
        .await
        .map_err(engine)?;
    match outcome.app {
        Some(app) => Ok(SideDoc {
            side: Side {
                source,
                app_id: app.id.clone(),
                app_name: app.name.clone(),
            },
            app,
            errors: outcome.errors,
        }),
        None => Err(DiffError::AppUnavailable {
            side,
            app_id: app_id.to_string(),
            message: outcome
                .errors
                .first()
                .map(|e| e.message.clone())
                .unwrap_or_else(|| "the engine did not open it".into()),
        }),
    }
}

/// One side of a live diff: the site, how the side is named, the app.
pub struct LiveSide<'a> {
    pub site: &'a Arc<Site>,
    pub source: String,
    pub app_id: &'a str,
}

/// Walks both sides of a live diff: at once, unless they are one app of one site (the two walks
/// would share one engine session).
pub async fn walk_both(a: LiveSide<'_>, b: LiveSide<'_>) -> Result<(SideDoc, SideDoc), DiffError> {
    let same_session = Arc::ptr_eq(a.site, b.site) && a.app_id == b.app_id;
    let walk_a = walk_side(a.site, "a", a.source, a.app_id);
    let walk_b = walk_side(b.site, "b", b.source, b.app_id);
    if same_session {
        let a = walk_a.await?;
        Ok((a, walk_b.await?))
    } else {
        tokio::try_join!(walk_a, walk_b)
    }
}
